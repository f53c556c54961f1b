"""The authority catalog: read the reviewed YAML file, check every entry, store it as a version.

The file is data a lawyer can review (catalog/authorities.yaml); this module refuses anything the policy
engine could misread: unknown keys, words outside the vocabulary, an authority signed off by fewer than
two roles or by none from the privacy office, dates that do not parse. Loading the same version twice
is a no-op; loading a changed file under an old version number is refused.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from frontdesk.accounts.actors import Actor, SystemActor
from frontdesk.accounts.roles import Role, actor_descriptor, user_roles
from frontdesk.core.errors import PermissionDenied, ValidationFailed
from frontdesk.ledger.services import event_append

from .categories import RELEASABLE, DataCategory
from .models import AuthorityCatalog, CatalogEntry, Effect
from .policy import CedarEngine, ForbidRule, PermitRule, PolicyError, RuleSet, agency_key, day_number
from .vocabulary import FACT_VALUES, PRIVACY_ROLES, SIGNOFF_ROLES, AgencyType, EvidenceKind, Purpose

DEFAULT_PATH = Path(__file__).with_name("catalog") / "authorities.yaml"

TOP_KEYS = {
    "catalog",
    "version",
    "effective_from",
    "system_of_records",
    "system_name",
    "based_on",
    "review",
    "accounting_rules",
    "not_carried",
    "authorities",
    "restrictions",
    "requesting_positions",
}
COMMON_KEYS = {"id", "title", "kind", "provenance", "illustrative", "citation", "summary", "recipients"}
COMMON_KEYS |= {"categories", "effective_from", "effective_until", "notes", "applies_to_system"}
AUTHORITY_KEYS = COMMON_KEYS | {"purposes", "facts", "evidence", "signoff_roles", "accounting", "obligations_after"}
AUTHORITY_KEYS |= {"published_on"}
POSITION_KEYS = {"code", "title", "agency_types", "illustrative", "basis"}
# 5 U.S.C. 552a(e)(11): a new routine use is published in the Federal Register at least 30 days before it
# is used. Counted as the Federal Register counts (1 CFR 18.17): the day after publication is day 1, so a
# use published on 20 August is in force on 19 September (SSA, 90 FR 40687), never on day 29.
ROUTINE_USE_NOTICE_DAYS = 30
RESTRICTION_KEYS = COMMON_KEYS | {"agencies", "review_by"}
AUTHORITY_KINDS = {"consent", "exception", "routine_use"}
RESTRICTION_KINDS = {"statute", "court_order"}
PROVENANCES = {"law", "regulation", "agency_policy", "court_order", "published_notice", "illustrative"}


class CatalogError(ValidationFailed):
    code = "invalid_catalog"


@dataclass(frozen=True)
class ParsedCatalog:
    version: str
    effective_from: dt.date
    system: str
    entries: list[dict[str, Any]]
    document: dict[str, Any]


def _fail(where: str, message: str) -> CatalogError:
    return CatalogError(f"{where}: {message}", field="catalog")


def _date(value: Any, where: str, *, required: bool = True) -> dt.date | None:
    if value is None and not required:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(where, f"{value!r} is not a date (YYYY-MM-DD).")


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True, limit: int = 2000) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise _fail(where, f"'{key}' must be text of at most {limit} characters.")
    return value.strip()


def _words(value: Any, allowed: set[str] | frozenset[str], where: str, key: str, *, any_ok: bool) -> list[str] | None:
    if any_ok and value == "any":
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        alternative = ' or "any"' if any_ok else ""
        raise _fail(where, f"'{key}' must be a non-empty list{alternative}.")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise _fail(where, f"'{key}' has unknown values {unknown}; use {sorted(allowed)}.")
    if len(set(value)) != len(value):
        raise _fail(where, f"'{key}' repeats a value.")
    return sorted(value)


def _common(entry: dict[str, Any], where: str, keys: set[str], kinds: set[str]) -> dict[str, Any]:
    unknown = sorted(set(entry) - keys)
    if unknown:
        raise _fail(where, f"unknown keys {unknown}.")
    code = _text(entry, "id", where, limit=60)
    if entry.get("kind") not in kinds:
        raise _fail(where, f"'kind' must be one of {sorted(kinds)}.")
    if entry.get("provenance") not in PROVENANCES:
        raise _fail(where, f"'provenance' must be one of {sorted(PROVENANCES)}.")
    illustrative = entry.get("illustrative")
    if not isinstance(illustrative, bool):
        raise _fail(where, "'illustrative' must be true or false.")
    if entry["provenance"] == "illustrative" and not illustrative:
        raise _fail(where, "an entry with provenance 'illustrative' must be marked illustrative: true.")
    start = _date(entry.get("effective_from"), f"{where} effective_from")
    end = _date(entry.get("effective_until"), f"{where} effective_until", required=False)
    if end is not None and start is not None and end < start:
        raise _fail(where, "effective_until is before effective_from.")
    return {
        "code": code,
        "kind": entry["kind"],
        "provenance": entry["provenance"],
        "illustrative": illustrative,
        "title": _text(entry, "title", where, limit=200),
        "citation": _text(entry, "citation", where, limit=400),
        "summary": _text(entry, "summary", where),
        "recipients": _words(entry.get("recipients"), set(AgencyType.values), where, "recipients", any_ok=True),
        "categories": _words(entry.get("categories"), RELEASABLE, where, "categories", any_ok=False),
        "effective_from": start,
        "effective_until": end,
    }


def _authority(entry: dict[str, Any], where: str, system: str) -> dict[str, Any]:
    row = _common(entry, where, AUTHORITY_KEYS, AUTHORITY_KINDS)
    row["effect"] = Effect.PERMIT
    row["purposes"] = _words(entry.get("purposes"), set(Purpose.values), where, "purposes", any_ok=True)
    facts = entry.get("facts") or {}
    if not isinstance(facts, dict):
        raise _fail(where, "'facts' must map a fact name to its allowed values.")
    row["facts"] = {}
    for name, values in sorted(facts.items()):
        if name not in FACT_VALUES:
            raise _fail(where, f"unknown fact {name!r}; use {sorted(FACT_VALUES)}.")
        row["facts"][name] = _words(values, FACT_VALUES[name], where, f"facts.{name}", any_ok=False)
    row["evidence"] = _words(entry.get("evidence"), set(EvidenceKind.values), where, "evidence", any_ok=False)
    roles = _words(entry.get("signoff_roles"), set(SIGNOFF_ROLES), where, "signoff_roles", any_ok=False) or []
    if len(roles) < 2 or not PRIVACY_ROLES & set(roles):
        raise _fail(
            where,
            "an authority needs at least two sign-off roles, one of them regional_privacy_officer or "
            "general_counsel (dual authorization, NIST AC-3(2)).",
        )
    row["signoff_roles"] = roles
    accounting = entry.get("accounting")
    if (
        not isinstance(accounting, dict)
        or not isinstance(accounting.get("required"), bool)
        or not isinstance(accounting.get("subject_may_see"), bool)
        or set(accounting) - {"required", "subject_may_see", "basis"}
    ):
        raise _fail(where, "'accounting' needs required: true|false and subject_may_see: true|false.")
    row["accounting_required"] = accounting["required"]
    row["subject_may_see"] = accounting["subject_may_see"]
    row["accounting_basis"] = str(accounting.get("basis", ""))[:200]
    obligations = entry.get("obligations_after") or []
    if not isinstance(obligations, list) or not all(isinstance(o, str) for o in obligations):
        raise _fail(where, "'obligations_after' must be a list of sentences.")
    row["obligations"] = obligations
    row["agencies"] = []
    row["applies_here"] = entry.get("applies_to_system", system) == system
    row["published_on"] = _publication(entry, where, row)
    return row


def routine_use_in_force_from(published_on: dt.date) -> dt.date:
    """The first day a routine use published on `published_on` may be used (5 U.S.C. 552a(e)(11))."""
    return published_on + dt.timedelta(days=ROUTINE_USE_NOTICE_DAYS)


def _publication(entry: dict[str, Any], where: str, row: dict[str, Any]) -> dt.date | None:
    published = _date(entry.get("published_on"), f"{where} published_on", required=False)
    if row["kind"] != "routine_use":
        if published is not None:
            raise _fail(where, "only a routine use has a Federal Register publication date (published_on).")
        return None
    if published is None:
        raise _fail(where, "a routine use needs published_on, the date of its Federal Register notice ((e)(11)).")
    first_day = routine_use_in_force_from(published)
    if row["effective_from"] < first_day:
        raise _fail(
            where,
            f"a routine use published on {published.isoformat()} is in force from {first_day.isoformat()} at the "
            f"earliest, {ROUTINE_USE_NOTICE_DAYS} days after publication (5 U.S.C. 552a(e)(11)); effective_from "
            f"is {row['effective_from'].isoformat()}.",
        )
    return published


@dataclass(frozen=True)
class Position:
    """A position that may sign a (b)(7) written request for an agency of these types."""

    code: str
    title: str
    agency_types: frozenset[str]
    illustrative: bool
    basis: str = ""


def positions_parse(value: Any) -> list[Position]:
    """The catalog's `requesting_positions`: who may sign a written (b)(7) request, per agency type."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail("requesting_positions", "must be a list of positions.")
    positions: list[Position] = []
    for i, item in enumerate(value):
        where = f"requesting_positions[{i}]"
        if not isinstance(item, dict):
            raise _fail(where, "must be a mapping.")
        unknown = sorted(set(item) - POSITION_KEYS)
        if unknown:
            raise _fail(where, f"unknown keys {unknown}.")
        code = _text(item, "code", where, limit=60)
        if not code.replace("_", "").isalnum() or not code.islower():
            raise _fail(where, "'code' must be lower-case letters, digits and underscores.")
        if not isinstance(item.get("illustrative"), bool):
            raise _fail(where, "'illustrative' must be true or false (true where the position is not verified).")
        types = _words(item.get("agency_types"), set(AgencyType.values), where, "agency_types", any_ok=False) or []
        positions.append(
            Position(
                code=code,
                title=_text(item, "title", where, limit=200),
                agency_types=frozenset(types),
                illustrative=item["illustrative"],
                basis=_text(item, "basis", where, required=False, limit=400),
            )
        )
    codes = [p.code for p in positions]
    if len(set(codes)) != len(codes):
        raise _fail("requesting_positions", "a position code is used twice.")
    return positions


def catalog_latest() -> AuthorityCatalog | None:
    """The catalog in force: the newest one loaded (a catalog is never edited, only superseded)."""
    return AuthorityCatalog.objects.order_by("-id").first()


def entries_in_force(codes: Iterable[str]) -> dict[str, CatalogEntry]:
    """The catalog in force's entries for these authority and restriction codes, by code."""
    catalog = catalog_latest()
    wanted = set(codes)
    if catalog is None or not wanted:
        return {}
    return {e.code: e for e in CatalogEntry.objects.filter(catalog=catalog, code__in=wanted)}


def positions_in_force(agency_type: str | None = None) -> list[Position]:
    """The positions the catalog in force lists, for one agency type or all."""
    catalog = catalog_latest()
    if catalog is None:
        return []
    listed = positions_parse(catalog.document.get("requesting_positions"))
    return [p for p in listed if agency_type is None or agency_type in p.agency_types]


def _restriction(entry: dict[str, Any], where: str, system: str) -> dict[str, Any]:
    row = _common(entry, where, RESTRICTION_KEYS, RESTRICTION_KINDS)
    row["effect"] = Effect.FORBID
    agencies = entry.get("agencies") or []
    if not isinstance(agencies, list) or not all(isinstance(a, str) and agency_key(a) for a in agencies):
        raise _fail(where, "'agencies' must be a list of agency names.")
    row["agencies"] = sorted({agency_key(a) for a in agencies})
    row.update(purposes=None, facts={}, evidence=[], signoff_roles=[], obligations=[])
    row.update(accounting_required=False, subject_may_see=False, accounting_basis="", published_on=None)
    row["applies_here"] = entry.get("applies_to_system", system) == system
    return row


def catalog_parse(text: str) -> ParsedCatalog:
    """Check a catalog file's text; raise CatalogError naming the first problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _fail("catalog", f"not valid YAML ({error}).") from None
    if not isinstance(document, dict):
        raise _fail("catalog", "the file must hold a mapping.")
    unknown = sorted(set(document) - TOP_KEYS)
    if unknown:
        raise _fail("catalog", f"unknown top-level keys {unknown}.")
    version = document.get("version")
    if not isinstance(version, str) or not version.strip() or len(version) > 40:
        raise _fail("catalog", "'version' must be text, e.g. \"2026.12.0\".")
    effective_from = _date(document.get("effective_from"), "catalog effective_from")
    system = str(document.get("system_of_records", "")).strip()
    if not system:
        raise _fail("catalog", "'system_of_records' names the SORN this catalog decides for.")
    authorities = document.get("authorities")
    restrictions = document.get("restrictions") or []
    if not isinstance(authorities, list) or not isinstance(restrictions, list):
        raise _fail("catalog", "'authorities' and 'restrictions' must be lists.")
    entries: list[dict[str, Any]] = []
    for i, entry in enumerate(authorities):
        if not isinstance(entry, dict):
            raise _fail(f"authorities[{i}]", "must be a mapping.")
        entries.append(_authority(entry, f"authority {entry.get('id', i)!s}", system))
    for i, entry in enumerate(restrictions):
        if not isinstance(entry, dict):
            raise _fail(f"restrictions[{i}]", "must be a mapping.")
        entries.append(_restriction(entry, f"restriction {entry.get('id', i)!s}", system))
    positions = positions_parse(document.get("requesting_positions"))
    if not positions and any("signer_position" in e["facts"] for e in entries):
        raise _fail("catalog", "an authority requires a listed signer, but 'requesting_positions' lists none.")
    codes = [e["code"] for e in entries]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise _fail("catalog", f"ids used twice: {duplicates}.")
    parsed = ParsedCatalog(version.strip(), effective_from, system, entries, document)  # type: ignore[arg-type]
    try:
        compile_rules(rules_from_entries(parsed.entries, label=parsed.version))
    except PolicyError as error:
        raise _fail("catalog", f"the policy engine cannot compile it: {error}") from None
    return parsed


def _rule(entry: Mapping[str, Any], *, catalog_start: dt.date) -> PermitRule | ForbidRule:
    # An entry decides nothing before its catalog version takes effect, whatever the law's own date.
    start = max(entry["effective_from"], catalog_start)
    if entry.get("published_on") is not None:  # the engine applies (e)(11) whatever the stored dates say
        start = max(start, routine_use_in_force_from(entry["published_on"]))
    recipients = None if entry["recipients"] is None else frozenset(entry["recipients"])
    if entry["effect"] == Effect.FORBID:
        return ForbidRule(
            id=entry["code"],
            categories=frozenset(entry["categories"]),
            recipients=recipients,
            agencies=frozenset(entry["agencies"]),
            valid_from=day_number(start),
            valid_until=day_number(entry["effective_until"]),
        )
    return PermitRule(
        id=entry["code"],
        categories=frozenset(entry["categories"]),
        recipients=recipients,
        purposes=None if entry["purposes"] is None else frozenset(entry["purposes"]),
        facts=tuple((name, frozenset(values)) for name, values in sorted(entry["facts"].items())),
        evidence=frozenset(entry["evidence"]),
        signoff_roles=frozenset(entry["signoff_roles"]),
        valid_from=day_number(start),
        valid_until=day_number(entry["effective_until"]),
    )


def rules_from_entries(
    entries: Sequence[Mapping[str, Any]],
    *,
    label: str,
    catalog_start: dt.date = dt.date.min,
    extra_forbids: tuple[ForbidRule, ...] = (),
) -> RuleSet:
    """Rules for the entries that decide for this system (others are kept for the record only)."""
    rules = [_rule(e, catalog_start=catalog_start) for e in entries if e["applies_here"]]
    return RuleSet(
        permits=tuple(r for r in rules if isinstance(r, PermitRule)),
        forbids=tuple(r for r in rules if isinstance(r, ForbidRule)) + tuple(extra_forbids),
        label=label,
    )


def compile_rules(rules: RuleSet) -> CedarEngine:
    return CedarEngine(rules, agency_types=AgencyType.values, categories=DataCategory.values)


def catalog_load(*, actor: Actor, path: Path | None = None, text: str | None = None) -> AuthorityCatalog:
    """Store a reviewed catalog file as a new version, in force from now on (NIST PT-2: the documented
    authority to process). Ledger event disclosures.catalog.loaded carries its SHA-256."""
    if not isinstance(actor, SystemActor) and not user_roles(actor) & {Role.ADMINISTRATOR, Role.GENERAL_COUNSEL}:
        raise PermissionDenied("Only an administrator or general counsel loads the authority catalog.")
    source = path or DEFAULT_PATH
    raw = text if text is not None else Path(source).read_text(encoding="utf-8")
    sha256 = hashlib.sha256(raw.encode()).hexdigest()
    parsed = catalog_parse(raw)
    with transaction.atomic():
        existing = AuthorityCatalog.objects.select_for_update().filter(version=parsed.version).first()
        if existing is not None:
            if existing.sha256 == sha256:
                return existing
            raise CatalogError(
                f"Version {parsed.version} was loaded before with different content; give the changed file "
                "a new version number.",
                code="catalog_version_taken",
                field="version",
            )
        catalog = AuthorityCatalog.objects.create(
            version=parsed.version,
            sha256=sha256,
            effective_from=parsed.effective_from,
            source=str(source if text is None else "inline")[:300],
            document=_jsonable(parsed.document),
            loaded_at=timezone.now(),
            loaded_by=actor_descriptor(actor)[0][:160],
        )
        CatalogEntry.objects.bulk_create(CatalogEntry(catalog=catalog, **e) for e in parsed.entries)
        event_append(
            type="disclosures.catalog.loaded",
            actor=actor,
            purpose="authority catalog",
            refs={
                "version": parsed.version,
                "sha256": sha256,
                "authorities": sum(1 for e in parsed.entries if e["effect"] == Effect.PERMIT),
                "restrictions": sum(1 for e in parsed.entries if e["effect"] == Effect.FORBID),
            },
        )
    return catalog


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
