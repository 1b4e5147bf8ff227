from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "finclear.organizations"
    label = "organizations"
