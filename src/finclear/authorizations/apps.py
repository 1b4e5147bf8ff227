from django.apps import AppConfig

from finclear.audit.registry import register_patient_model

# Authorizations, their services, uses and documents are patient data: every change is audited.
register_patient_model("authorizations.authorization", "coverage__patient")
register_patient_model("authorizations.authorizationservice", "authorization__coverage__patient")
register_patient_model("authorizations.authorizationuse", "service_line__encounter__patient")
register_patient_model("authorizations.authorizationdocument", "authorization__coverage__patient")
register_patient_model("authorizations.linerequirement", "service_line__encounter__patient")


class AuthorizationsConfig(AppConfig):
    name = "finclear.authorizations"
    label = "authorizations"
    verbose_name = "Prior authorizations"

    def ready(self) -> None:
        from finclear.authorizations.checks import (
            COVERAGE_KEY,
            FACTS_KEY,
            check_authorization,
            load_facts,
        )
        from finclear.workqueue.checks import register_check, register_facts

        reads = {"encounters", "service_lines", "diagnoses", "coverages", "authorizations"}
        register_facts(load_facts, reads=reads, for_checks={FACTS_KEY, COVERAGE_KEY})
        register_check(check_authorization, reads=reads)
