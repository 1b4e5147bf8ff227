from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "finclear.api"
    label = "api"
    verbose_name = "API"
