from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "finclear.scheduling"
    label = "scheduling"
