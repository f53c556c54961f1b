"""The policy in force: the newest catalog version plus every recorded restriction, compiled once.

Compiled engines are cached per process, keyed by the catalog version and a fingerprint of the
restrictions table (count, newest change, sum of versions), which changes on every save. Without a
loaded catalog there are no permits at all, so everything is denied.
"""

import threading
from collections import OrderedDict
from typing import Any

from django.db.models import Count, Max, Sum

from .catalog import compile_rules, rules_from_entries
from .models import AuthorityCatalog, CatalogEntry, Restriction
from .policy import CedarEngine, ForbidRule, day_number

# The catalog in force (id, version) and the restrictions' count, last change and versions summed.
Fingerprint = tuple[Any, ...]
_CACHE: OrderedDict[Fingerprint, CedarEngine] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def restriction_rule(restriction: Restriction) -> ForbidRule:
    scope = restriction.scope
    return ForbidRule(
        id=restriction.code,
        categories=frozenset(restriction.categories),
        recipients=None if scope.every_recipient else frozenset(scope.agency_types),
        agencies=frozenset() if scope.every_recipient else scope.agency_keys,
        valid_from=day_number(restriction.effective_from),
        valid_until=day_number(restriction.effective_until),
    )


def _fingerprint() -> Fingerprint:
    catalog = AuthorityCatalog.objects.order_by("-id").values_list("id", "version").first()
    stats = Restriction.objects.aggregate(n=Count("id"), last=Max("updated_at"), versions=Sum("version"))
    return (catalog, stats["n"], stats["last"], stats["versions"])


def _build(fingerprint: Fingerprint) -> CedarEngine:
    catalog_row = fingerprint[0]
    entries = []
    label = "no catalog loaded"
    catalog_start = None
    if catalog_row is not None:
        catalog = AuthorityCatalog.objects.get(pk=catalog_row[0])
        label, catalog_start = f"catalog {catalog.version}", catalog.effective_from
        entries = list(
            CatalogEntry.objects.filter(catalog=catalog).values(
                "code",
                "effect",
                "recipients",
                "agencies",
                "purposes",
                "facts",
                "categories",
                "evidence",
                "signoff_roles",
                "effective_from",
                "effective_until",
                "applies_here",
                "published_on",
            )
        )
    extra = tuple(restriction_rule(r) for r in Restriction.objects.order_by("code"))
    if extra:
        label += f" + {len(extra)} recorded restriction{'s' if len(extra) != 1 else ''}"
    kwargs = {"catalog_start": catalog_start} if catalog_start else {}
    return compile_rules(rules_from_entries(entries, label=label, extra_forbids=extra, **kwargs))


def engine_in_force() -> CedarEngine:
    """The compiled policy for decisions made now."""
    fingerprint = _fingerprint()
    with _LOCK:
        engine = _CACHE.get(fingerprint)
        if engine is not None:
            _CACHE.move_to_end(fingerprint)
            return engine
    engine = _build(fingerprint)
    with _LOCK:
        _CACHE[fingerprint] = engine
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return engine


def forget_engines() -> None:
    with _LOCK:
        _CACHE.clear()
