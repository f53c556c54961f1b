from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "frontdesk.identity"
    label = "identity"
    verbose_name = "Public sign-in"
    default_auto_field = "django.db.models.BigAutoField"
