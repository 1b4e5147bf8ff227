from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "finclear.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # A token's kept user is forgotten when the token is saved or deleted.
        from finclear.api import tokens  # noqa: F401
