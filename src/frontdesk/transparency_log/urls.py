"""Mounted at /ledger/ (config/urls.py). Every route is either public or auditor-only: see ROUTE_ACCESS."""

from django.urls import path, re_path

from frontdesk.transparency_log import views

app_name = "ledger"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("key", views.verifier_key, name="key"),
    re_path(r"^tile/entries/(?P<path>.+)$", views.entry_bundle, name="entries"),
    re_path(r"^tile/(?P<level>[^/]+)/(?P<path>.+)$", views.hash_tile, name="tile"),
    re_path(r"^audit/events/(?P<index>[0-9]+)$", views.audit_event, name="audit-event"),
    path("audit/proofs/inclusion", views.audit_inclusion, name="audit-inclusion"),
    path("audit/proofs/consistency", views.audit_consistency, name="audit-consistency"),
]

# Who may use each route (deny by default: a test fails if a route is missing here).
ROUTE_ACCESS = {
    "checkpoint": "public",
    "key": "public",
    "entries": "public",
    "tile": "public",
    "audit-event": "auditor",
    "audit-inclusion": "auditor",
    "audit-consistency": "auditor",
}
