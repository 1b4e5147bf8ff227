from django.apps import AppConfig

from finclear.audit.registry import register_patient_model

# Estimates and GFE requests are patient data: every change is audited (an estimate's lines
# are written once, with it, and counted in its create event).
register_patient_model("estimates.estimate", "encounter__patient")
register_patient_model("estimates.gferequest", "encounter__patient")


class EstimatesConfig(AppConfig):
    name = "finclear.estimates"
    label = "estimates"
    verbose_name = "Patient estimates"

    def ready(self) -> None:
        from finclear.estimates import clearance, receivers
        from finclear.workqueue.checks import ESTIMATE_KEY, PATIENT_SHARE_KEY, register_facts

        register_facts(
            clearance.load_facts,
            reads={"encounters", "coverages", "service_lines", "estimates"},
            writes={ESTIMATE_KEY, PATIENT_SHARE_KEY},
        )
        receivers.connect()
