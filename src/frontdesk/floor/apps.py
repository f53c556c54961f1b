from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "frontdesk.floor"
    label = "floor"
    verbose_name = "Office floor: tickets, windows and the merged queue"
