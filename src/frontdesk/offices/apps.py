from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class OfficesConfig(AppConfig):
    name = "frontdesk.offices"
    label = "offices"

    def ready(self) -> None:
        from .lookups import offices_by_code
        from .models import Office, OfficeHours

        # An office or its hours changed in this process: the cached office goes at once.
        for model in (Office, OfficeHours):
            for signal in (post_save, post_delete):
                signal.connect(offices_by_code.forget, sender=model, dispatch_uid=f"forget-offices-{model.__name__}")
