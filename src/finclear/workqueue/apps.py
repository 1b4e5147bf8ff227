from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "finclear.workqueue"
    label = "workqueue"

    def ready(self) -> None:
        from finclear.workqueue import checks, facts, receivers

        checks.register_facts(facts.load_facts)
        receivers.connect()
