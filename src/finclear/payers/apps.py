from django.apps import AppConfig


class PayersConfig(AppConfig):
    name = "finclear.payers"
    label = "payers"
