from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SchedulingConfig(AppConfig):
    name = "frontdesk.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from .models import Service
        from .service_lookup import services_by_code

        # A service changed in this process (renamed, retimed, withdrawn): the cached one goes at once.
        for signal in (post_save, post_delete):
            signal.connect(services_by_code.forget, sender=Service, dispatch_uid="forget-services")
