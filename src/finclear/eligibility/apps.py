from django.apps import AppConfig

from finclear.audit.registry import register_patient_model

# Registered on import, before the audit app connects its receivers in ready().
register_patient_model("eligibility.eligibilitycheck", "encounter__patient")


class EligibilityConfig(AppConfig):
    name = "finclear.eligibility"
    label = "eligibility"
    verbose_name = "Eligibility and benefits"

    def ready(self) -> None:
        from finclear.eligibility import clearance
        from finclear.workqueue import checks

        # Its loader is always rerun: the engine reads the latest check's date from its key.
        checks.register_facts(clearance.load_facts)
        checks.replace_check(
            checks.check_eligibility,
            clearance.check_eligibility,
            reads={"coverages", "eligibility"},
        )
