from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "finclear.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from finclear.accounts import receivers  # noqa: F401  (connects the sign-in receivers)
        from finclear.accounts.services import do_sync_roles_after_migrate

        post_migrate.connect(do_sync_roles_after_migrate, dispatch_uid="finclear-accounts-roles")
