from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "frontdesk.console"
    label = "console"
    verbose_name = "Staff console"
