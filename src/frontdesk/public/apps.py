from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "frontdesk.public"
    label = "public"
    verbose_name = "Public site"
