from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "frontdesk.disclosures"
    label = "disclosures"
