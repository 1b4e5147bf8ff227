"""The eligibility pages, mounted at ``/eligibility/`` in the ``eligibility`` namespace."""

from django.urls import path

from finclear.eligibility import views

app_name = "eligibility"

urlpatterns = [
    path("encounters/<int:pk>/", views.encounter_section, name="encounter_section"),
    path("encounters/<int:pk>/verify/", views.verify_now, name="verify_now"),
    path("encounters/<int:pk>/manual/", views.verify_manually, name="verify_manually"),
    path("checks/<int:pk>/raw/", views.check_raw, name="check_raw"),
    path("batches/", views.batch_runs, name="batch_runs"),
    path("batches/start/", views.batch_start, name="batch_start"),
]
