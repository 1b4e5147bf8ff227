"""The reports, mounted at ``/reports/`` in the ``reports`` namespace."""

from django.urls import path

from finclear.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
