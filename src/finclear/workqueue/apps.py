from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "finclear.workqueue"
    label = "workqueue"

    def ready(self) -> None:
        # queries: its receivers forget a user's kept saved views when one changes
        from finclear.workqueue import checks, facts, queries, receivers  # noqa: F401

        checks.register_facts(
            facts.load_facts,
            reads={"service_lines", "counseling_tasks"},
            writes={checks.CHARGES_KEY, checks.COUNSELED_KEY},
        )
        checks.register_facts(
            facts.load_difficulty,
            reads={"coverages", "eligibility", "authorizations"},
            writes={checks.DIFFICULTY_KEY},
        )
        receivers.connect()
