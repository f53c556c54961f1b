from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "frontdesk.stats"
    label = "stats"
    verbose_name = "Office statistics for the managers' dashboards"

    def ready(self) -> None:
        from .receivers import connect

        connect()
