from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "frontdesk.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from frontdesk.ledger import guards

        connection_created.connect(guards.on_connection_created, dispatch_uid="frontdesk.ledger.guards")
        post_migrate.connect(guards.on_post_migrate, sender=self, dispatch_uid="frontdesk.ledger.guards.migrate")
