"""The disclosure policy in Cedar: authorities become `permit` policies, restrictions `forbid` policies.

Cedar's semantics are the rule we need (invariant 2 in docs/architecture.md): any satisfied forbid denies, otherwise any
satisfied permit allows, otherwise the answer is deny. The policies that determined an answer come back
by their `@id`, which is the catalog or restriction code, and become the decision's citations.

Model (one decision = one data category for one request):
- principal `AgencyType::"<type>"`: the recipient's agency type; it is `in Recipients::"<rule>"` for every
  rule whose recipients include that type;
- action `Action::"disclose"`;
- resource `DataCategory::"<category>"`, `in Coverage::"<rule>"` for every rule that covers it;
- context: the recipient agency (normalised name), purpose, crime facts, the evidence kinds on file,
  the roles whose sign-off is valid now, and today's date as yyyymmdd.

Speed: Cedar evaluates every policy in a set, about a microsecond each, so one set of 600 policies costs
~1 ms a call. The engine therefore keeps one compiled set per (agency type, category, purpose), holding
only the policies whose scope can match it. That is an index, not a change of meaning: the policy text
is the same in every set, and `tests/disclosures/test_policy_engine.py` checks the partitioned engine
against the whole set and against the plain-Python oracle (`oracle.py`).
"""

import datetime as dt
import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cedarpy import Decision, Entities, PolicySet, Schema, is_authorized, validate_policies

SCHEMA_TEXT = """
entity Recipients;
entity Coverage;
entity AgencyType in [Recipients];
entity DataCategory in [Coverage];

action "disclose" appliesTo {
  principal: [AgencyType],
  resource: [DataCategory],
  context: {
    "agency": String,
    "purpose": String,
    "crime_class": String,
    "subject_status": String,
    "portion": String,
    "signer_position": String,
    "evidence": Set<String>,
    "signed_roles": Set<String>,
    "today": Long
  }
};
"""

FOREVER = 99991231
# The request facts a permit may require (each a String in the context above).
FACT_NAMES = ("crime_class", "subject_status", "portion", "signer_position")
# Everything embedded in policy text is one of these shapes; anything else is refused, not escaped.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
_WORD = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_AGENCY_KEY = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")


class PolicyError(Exception):
    """The policy could not be compiled or evaluated; nothing may be released on its word."""


def day_number(day: dt.date | None, default: int = FOREVER) -> int:
    return default if day is None else day.year * 10000 + day.month * 100 + day.day


def agency_key(name: str) -> str:
    """A recipient agency's name as restrictions compare it: case, accents and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters).split())[:200]


@dataclass(frozen=True)
class PermitRule:
    """An authority: who may receive which categories, for what purpose, on what evidence and sign-offs."""

    id: str
    categories: frozenset[str]
    recipients: frozenset[str] | None = None  # None: any recipient
    purposes: frozenset[str] | None = None  # None: any purpose
    facts: tuple[tuple[str, frozenset[str]], ...] = ()
    evidence: frozenset[str] = frozenset()
    signoff_roles: frozenset[str] = frozenset()
    valid_from: int = 0
    valid_until: int = FOREVER


@dataclass(frozen=True)
class ForbidRule:
    """A restriction: no disclosure of these categories to these recipients in this period."""

    id: str
    categories: frozenset[str]
    recipients: frozenset[str] | None = None  # None: every recipient
    agencies: frozenset[str] = frozenset()  # agency keys, matched in addition to the types
    valid_from: int = 0
    valid_until: int = FOREVER


@dataclass(frozen=True)
class Facts:
    """What the workflow has established about a request, as the policy sees it."""

    agency_type: str
    agency: str
    purpose: str
    crime_class: str = "none"
    subject_status: str = "none"
    portion: str = "particular"
    signer_position: str = "none"
    evidence: frozenset[str] = frozenset()
    signed_roles: frozenset[str] = frozenset()
    today: int = 0

    def context(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "purpose": self.purpose,
            "crime_class": self.crime_class,
            "subject_status": self.subject_status,
            "portion": self.portion,
            "signer_position": self.signer_position,
            "evidence": sorted(self.evidence),
            "signed_roles": sorted(self.signed_roles),
            "today": self.today,
        }


@dataclass(frozen=True)
class Verdict:
    """Allow or deny, and the ids of the policies that determined it (empty: nothing matched)."""

    allowed: bool
    determining: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleSet:
    permits: tuple[PermitRule, ...]
    forbids: tuple[ForbidRule, ...]
    label: str = ""
    by_id: dict[str, PermitRule | ForbidRule] = field(default_factory=dict, compare=False, repr=False)

    @property
    def every(self) -> tuple[PermitRule | ForbidRule, ...]:
        """The permits, then the forbids."""
        return (*self.permits, *self.forbids)

    def __post_init__(self) -> None:
        ids: dict[str, PermitRule | ForbidRule] = {}
        for rule in self.every:
            if rule.id in ids:
                raise PolicyError(f"Two rules share the id {rule.id!r}.")
            ids[rule.id] = rule
        self.by_id.update(ids)


# --- Policy text ---------------------------------------------------------------------------------


def _code(text: str) -> str:
    if not _CODE.match(text):
        raise PolicyError(f"{text!r} cannot be a policy or entity id.")
    return json.dumps(text)


def _words(values: Iterable[str]) -> str:
    items = sorted(values)
    for item in items:
        if not _WORD.match(item):
            raise PolicyError(f"{item!r} is not a vocabulary word.")
    return "[" + ", ".join(json.dumps(v) for v in items) + "]"


def _agencies(values: Iterable[str]) -> str:
    items = sorted(values)
    for item in items:
        if not _AGENCY_KEY.match(item):
            raise PolicyError(f"{item!r} is not a normalised agency name.")
    return "[" + ", ".join(json.dumps(v) for v in items) + "]"


def _period(rule: PermitRule | ForbidRule) -> list[str]:
    return [f"context.today >= {int(rule.valid_from)}", f"context.today <= {int(rule.valid_until)}"]


def permit_text(rule: PermitRule) -> str:
    rid = _code(rule.id)
    principal = "principal" if rule.recipients is None else f"principal in Recipients::{rid}"
    conditions = []
    if rule.purposes is not None:
        conditions.append(f"{_words(rule.purposes)}.contains(context.purpose)")
    for name, allowed in rule.facts:
        if name not in FACT_NAMES:
            raise PolicyError(f"Unknown fact {name!r} in {rule.id}.")
        conditions.append(f"{_words(allowed)}.contains(context.{name})")
    conditions += _period(rule)
    # Cedar refuses an empty set literal; "contains all of nothing" is simply left out.
    if rule.evidence:
        conditions.append(f"context.evidence.containsAll({_words(rule.evidence)})")
    if rule.signoff_roles:
        conditions.append(f"context.signed_roles.containsAll({_words(rule.signoff_roles)})")
    body = " &&\n  ".join(conditions)
    return (
        f"@id({rid})\n"
        f'permit ({principal}, action == Action::"disclose", resource in Coverage::{rid})\n'
        f"when {{\n  {body}\n}};"
    )


def forbid_text(rule: ForbidRule) -> str:
    rid = _code(rule.id)
    conditions = _period(rule)
    principal = "principal"
    if rule.recipients is not None:
        if rule.agencies:
            conditions.insert(
                0, f"(principal in Recipients::{rid} || {_agencies(rule.agencies)}.contains(context.agency))"
            )
        else:
            principal = f"principal in Recipients::{rid}"
    body = " &&\n  ".join(conditions)
    return (
        f"@id({rid})\n"
        f'forbid ({principal}, action == Action::"disclose", resource in Coverage::{rid})\n'
        f"when {{\n  {body}\n}};"
    )


def _recipient_applies(rule: PermitRule | ForbidRule, agency_type: str) -> bool:
    if rule.recipients is None or agency_type in rule.recipients:
        return True
    return isinstance(rule, ForbidRule) and bool(rule.agencies)


def entities_json(rules: RuleSet, agency_types: Iterable[str], categories: Iterable[str]) -> list[dict[str, Any]]:
    """Agency types and categories, each a member of the rule groups that name it."""
    rows: list[dict[str, Any]] = []
    for agency_type in sorted(agency_types):
        parents = [
            {"type": "Recipients", "id": r.id}
            for r in rules.every
            if r.recipients is not None and agency_type in r.recipients
        ]
        rows.append({"uid": {"type": "AgencyType", "id": agency_type}, "attrs": {}, "parents": parents})
    for category in sorted(categories):
        parents = [{"type": "Coverage", "id": r.id} for r in rules.every if category in r.categories]
        rows.append({"uid": {"type": "DataCategory", "id": category}, "attrs": {}, "parents": parents})
    return rows


class CedarEngine:
    """A compiled rule set. Build once per catalog and restriction state; evaluate many times."""

    def __init__(self, rules: RuleSet, *, agency_types: Iterable[str], categories: Iterable[str]) -> None:
        self.rules = rules
        self.agency_types = frozenset(agency_types)
        self.categories = frozenset(categories)
        self._texts: dict[str, str] = {r.id: permit_text(r) for r in rules.permits}
        self._texts.update({r.id: forbid_text(r) for r in rules.forbids})
        self.text = "\n\n".join(self._texts[r.id] for r in rules.every)
        self.sha256 = hashlib.sha256(self.text.encode()).hexdigest()
        self.schema = Schema.from_str(SCHEMA_TEXT)
        if self.text:
            result = validate_policies(self.text, self.schema)
            if not result.validation_passed:
                raise PolicyError(f"The generated policies do not match the schema: {result.errors[:3]}")
        entities = entities_json(rules, self.agency_types, self.categories)
        self.entities = Entities.from_json_str(json.dumps(entities), self.schema)
        self._partitions: dict[tuple[str, str, str], tuple[PolicySet | None, bool]] = {}
        self._lock = threading.Lock()
        self._full: PolicySet | None = None

    def _partition(self, agency_type: str, category: str, purpose: str) -> tuple[PolicySet | None, bool]:
        """The compiled policies that can apply, and whether any of them is a permit."""
        key = (agency_type, category, purpose)
        try:
            return self._partitions[key]
        except KeyError:
            pass
        permits = [
            self._texts[r.id]
            for r in self.rules.permits
            if category in r.categories
            and _recipient_applies(r, agency_type)
            and (r.purposes is None or purpose in r.purposes)
        ]
        forbids = [
            self._texts[r.id]
            for r in self.rules.forbids
            if category in r.categories and _recipient_applies(r, agency_type)
        ]
        chosen = permits + forbids
        compiled = (PolicySet.from_str("\n\n".join(chosen)) if chosen else None, bool(permits))
        with self._lock:
            self._partitions[key] = compiled
        return compiled

    def may_permit(self, facts: Facts, category: str) -> bool:
        """Whether any authority could cover this category for this recipient and purpose, whatever the
        evidence and sign-offs (the decision skips the counterfactual questions when none could)."""
        return self._partition(facts.agency_type, category, facts.purpose)[1]

    def full_policy_set(self) -> PolicySet:
        if self._full is None:
            self._full = PolicySet.from_str(self.text)
        return self._full

    def evaluate(self, facts: Facts, category: str, *, partitioned: bool = True) -> Verdict:
        if facts.agency_type not in self.agency_types or category not in self.categories:
            raise PolicyError(f"Unknown agency type or category: {facts.agency_type!r}, {category!r}.")
        policies = (
            self._partition(facts.agency_type, category, facts.purpose)[0] if partitioned else self.full_policy_set()
        )
        if policies is None:
            return Verdict(False)  # no policy can apply: Cedar's default deny, without the round trip
        request = {
            "principal": {"type": "AgencyType", "id": facts.agency_type},
            "action": {"type": "Action", "id": "disclose"},
            "resource": {"type": "DataCategory", "id": category},
            "context": facts.context(),
        }
        result = is_authorized(request, policies, self.entities)
        diagnostics = result.diagnostics
        if diagnostics.errors:
            raise PolicyError(f"Policy evaluation failed: {diagnostics.errors[:3]}")
        names = diagnostics.id_annotations_by_reason
        determining = frozenset(names.get(reason, reason) for reason in diagnostics.reasons)
        return Verdict(result.decision == Decision.Allow, determining)
