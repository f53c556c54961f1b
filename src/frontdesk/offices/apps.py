from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "frontdesk.offices"
    label = "offices"
