from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "finclear.audit"
    label = "audit"
