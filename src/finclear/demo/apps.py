from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "finclear.demo"
    label = "demo"
    verbose_name = "Synthetic clinic"
