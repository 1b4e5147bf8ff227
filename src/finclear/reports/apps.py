from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "finclear.reports"
    label = "reports"
    verbose_name = "Reports"
