from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "finclear.accounts"
    label = "accounts"
