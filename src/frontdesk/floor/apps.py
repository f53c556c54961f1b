from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "frontdesk.floor"
    label = "floor"
    verbose_name = "Office floor: tickets, windows and the merged queue"

    def ready(self) -> None:
        # The person's tickets in a disclosure packet (disclosures sits below the floor: it cannot import it).
        from . import records

        records.register()
