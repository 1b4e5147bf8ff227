from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "finclear.patients"
    label = "patients"
