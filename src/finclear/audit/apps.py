from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "finclear.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from finclear.audit.tracking import connect_patient_models

        connect_patient_models()
