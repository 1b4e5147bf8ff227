from django.apps import AppConfig

from finclear.audit.registry import register_patient_model

# Applications, their documents, collection actions, payment plans and payments are patient data.
register_patient_model("assistance.assistanceapplication", "patient")
register_patient_model("assistance.applicationdocument", "application__patient")
register_patient_model("assistance.collectionaction", "patient")
register_patient_model("assistance.paymentplan", "patient")
register_patient_model("assistance.planpayment", "plan__patient")
register_patient_model("assistance.pospayment", "encounter__patient")


class AssistanceConfig(AppConfig):
    name = "finclear.assistance"
    label = "assistance"
    verbose_name = "Financial assistance, payment plans, POS collection"

    def ready(self) -> None:
        from finclear.assistance import clearance
        from finclear.workqueue.checks import COUNSELING_KEY, register_facts

        register_facts(
            clearance.load_facts,
            reads={
                "encounters",
                "coverages",
                "service_lines",
                "estimates",
                "counseling_tasks",
                "assistance",
            },
            writes={COUNSELING_KEY},
        )
