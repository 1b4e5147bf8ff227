"""The web app's URLs, mounted at the site root by ``finclear.app.urls``.

The shell's own pages are in the ``web`` namespace; accounts (sign in/out, session) and the
audit search keep their own namespaces.
"""

from django.urls import include, path

from finclear.web import views

web_patterns = [
    path("", views.home, name="home"),
    path("encounters/", views.encounter_list, name="encounter_list"),
    path("encounters/<int:pk>/", views.encounter_detail, name="encounter_detail"),
    path("patients/<int:pk>/", views.patient_detail, name="patient_detail"),
]

urlpatterns = [
    path("", include((web_patterns, "web"))),
    path("", include("finclear.accounts.urls")),
    path("audit/", include("finclear.audit.urls")),
]
