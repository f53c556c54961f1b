from django.apps import AppConfig


class WebConfig(AppConfig):
    """Installed only for its Spanish catalog (locale/): the shared form labels are translated there."""

    name = "frontdesk.web"
    label = "web"
    verbose_name = "Shared web kit"
