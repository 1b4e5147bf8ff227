from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "finclear.contracts"
    label = "contracts"
    verbose_name = "Contracts and prices"
