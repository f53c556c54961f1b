from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "frontdesk.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from frontdesk.ledger import guards

        connection_created.connect(guards.on_connection_created, dispatch_uid="frontdesk.ledger.guards")
