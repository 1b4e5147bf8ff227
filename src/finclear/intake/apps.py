from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "finclear.intake"
    label = "intake"
