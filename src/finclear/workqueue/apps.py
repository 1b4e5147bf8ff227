from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "finclear.workqueue"
    label = "workqueue"
