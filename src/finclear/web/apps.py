from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "finclear.web"
    label = "web"
