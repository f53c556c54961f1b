"""From policy verdicts to a decision per data category: denied, needs evidence, awaiting sign-off or
approved, each with the authority and restriction ids that decided it.

The policy answers one question, "may this category go to this recipient now?". The other outcomes are
the same question asked of a counterfactual request, as in the engine probe:
- approved: the real request is allowed;
- denied by a restriction: a forbid matched (forbids never depend on evidence or sign-offs);
- awaiting sign-off: it would be allowed if every sign-off role had signed;
- denied, requirement unmet: it would be allowed if the request itself were shaped as the law requires
  (a particular portion, a listed signer: vocabulary.REQUIREMENT_FACTS) with the documents already on
  file; no further document cures that, so it is a refusal that cites the requirement;
- needs evidence: it would be allowed if every kind of evidence were on file and everyone had signed;
- denied, default: even then, no authority covers it.
The same code runs over Cedar and over the oracle, so the two can be compared decision by decision.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from .categories import RELEASABLE, category_label
from .policy import Facts, PermitRule, RuleSet, Verdict
from .vocabulary import RECORDED_EVIDENCE, REQUIREMENT_FACTS, SIGNOFF_ROLES, EvidenceKind

ALL_EVIDENCE = frozenset(EvidenceKind.values)
ALL_ROLES = frozenset(SIGNOFF_ROLES)

Evaluator = Callable[[Facts, str], Verdict]


class Outcome(StrEnum):
    APPROVED = "approved"
    AWAITING_SIGNOFF = "awaiting_signoff"
    NEEDS_EVIDENCE = "needs_evidence"
    DENIED = "denied"


@dataclass(frozen=True)
class CategoryDecision:
    category: str
    outcome: str
    authorities: tuple[str, ...] = ()
    restrictions: tuple[str, ...] = ()
    missing_evidence: tuple[str, ...] = ()
    missing_signoffs: tuple[str, ...] = ()
    reason: str = ""
    unmet_requirements: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _closest(
    rules: RuleSet,
    candidates: Iterable[str],
    missing: Callable[[PermitRule], frozenset[str]],
    on_file: Callable[[PermitRule], int] = lambda rule: 0,
) -> tuple[str, tuple[str, ...]]:
    """The candidate authority that needs the least to go through, and what it needs. Ties go to the one
    the requester's own documents point at (most of its evidence on file), then by id."""
    best: tuple[int, int, str, frozenset[str]] | None = None
    for rule_id in sorted(candidates):
        rule = rules.by_id[rule_id]
        assert isinstance(rule, PermitRule)
        need = missing(rule)
        key = (len(need), -on_file(rule), rule_id)
        if best is None or key < best[:3]:
            best = (*key, need)
    assert best is not None
    return best[2], tuple(sorted(best[3]))


def decide_category(
    evaluate: Evaluator,
    rules: RuleSet,
    facts: Facts,
    category: str,
    may_permit: Callable[[Facts, str], bool] | None = None,
) -> CategoryDecision:
    """`may_permit`, when given, says whether any permit is in scope at all; when none is, the
    counterfactual questions cannot be answered "allow" and are not asked."""
    label = category_label(category)
    if category not in RELEASABLE:
        return CategoryDecision(category, Outcome.DENIED, reason=f"{label} is never released.")
    actual = evaluate(facts, category)
    if actual.allowed:
        ids = tuple(sorted(actual.determining))
        return CategoryDecision(category, Outcome.APPROVED, authorities=ids, reason=f"Approved under {', '.join(ids)}.")
    if actual.determining:
        ids = tuple(sorted(actual.determining))
        return CategoryDecision(
            category,
            Outcome.DENIED,
            restrictions=ids,
            reason=f"Forbidden by {', '.join(ids)}: a restriction overrides every authority.",
        )
    if may_permit is not None and not may_permit(facts, category):
        return _default_deny(category, label)
    signed = evaluate(replace(facts, signed_roles=ALL_ROLES), category)
    if signed.allowed:
        _, roles = _closest(rules, signed.determining, lambda r: r.signoff_roles - facts.signed_roles)
        ids = tuple(sorted(signed.determining))
        return CategoryDecision(
            category,
            Outcome.AWAITING_SIGNOFF,
            authorities=ids,
            missing_signoffs=roles,
            reason=f"Covered by {', '.join(ids)} once signed off by: {', '.join(roles)}.",
        )
    refused = _unmet_requirements(evaluate, rules, facts, category)
    if refused is not None:
        return refused
    evidenced = evaluate(replace(facts, evidence=ALL_EVIDENCE, signed_roles=ALL_ROLES), category)
    if evidenced.allowed:
        _, kinds = _closest(
            rules,
            evidenced.determining,
            lambda r: r.evidence - facts.evidence,
            lambda r: len(r.evidence & facts.evidence),
        )
        ids = tuple(sorted(evidenced.determining))
        return CategoryDecision(
            category,
            Outcome.NEEDS_EVIDENCE,
            authorities=ids,
            missing_evidence=kinds,
            reason=f"Could be covered by {', '.join(ids)} with these documents on file: {', '.join(kinds)}.",
        )
    return _default_deny(category, label)


def _unmet_requirements(evaluate: Evaluator, rules: RuleSet, facts: Facts, category: str) -> CategoryDecision | None:
    """A refusal when an authority would cover the category with the documents the requester filed, but
    the request fails a requirement of its shape (portion, signer). The documents only we record (a
    position confirmation) are assumed, so the refusal does not wait on our own steps."""
    unmet: dict[str, Any] = {
        name: wanted for name, (wanted, _) in REQUIREMENT_FACTS.items() if getattr(facts, name) != wanted
    }
    if not unmet:
        return None
    cured = replace(facts, **unmet, evidence=facts.evidence | RECORDED_EVIDENCE, signed_roles=ALL_ROLES)
    would = evaluate(cured, category)
    if not would.allowed:
        return None
    ids = tuple(sorted(would.determining))
    failed = tuple(
        sorted({name for rid in ids for name, _ in getattr(rules.by_id.get(rid), "facts", ()) if name in unmet})
    )
    if not failed:
        return None
    because = " ".join(REQUIREMENT_FACTS[name][1] for name in failed)
    return CategoryDecision(
        category,
        Outcome.DENIED,
        unmet_requirements=failed,
        reason=f"Refused: {because} ({', '.join(ids)} would otherwise apply.)",
    )


def _default_deny(category: str, label: str) -> CategoryDecision:
    return CategoryDecision(
        category,
        Outcome.DENIED,
        reason=f"No authority covers {label.lower()} for this recipient, purpose and date (default deny).",
    )


DROPPED = "dropped"


@dataclass(frozen=True)
class SubjectDecision:
    """One person's decision: their categories, decided on the request's facts plus the documents that
    count for them (subject_decisions.py). A dropped person has no categories and is never released."""

    subject: str  # the RequestSubject's public id
    position: int
    status: str  # an Outcome, or DROPPED
    categories: tuple[CategoryDecision, ...] = ()
    evidence: tuple[str, ...] = ()  # the evidence kinds that count for this person
    notes: tuple[str, ...] = ()

    @property
    def approved(self) -> list[CategoryDecision]:
        return [c for c in self.categories if c.outcome == Outcome.APPROVED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "position": self.position,
            "status": self.status,
            "categories": [c.as_dict() for c in self.categories],
            "evidence": list(self.evidence),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class RequestDecision:
    """`subjects` holds each person's decision. `categories` summarises them: the distinct category
    decisions of the people still included (one per category when they are all decided alike, as with
    one person), so a category can appear twice, e.g. approved for one person and awaiting sign-off for
    another. `status` follows from it (overall_status)."""

    status: str
    categories: tuple[CategoryDecision, ...]
    policy_sha256: str
    rules_label: str
    today: int
    subjects: tuple[SubjectDecision, ...] = ()

    @property
    def approved(self) -> list[CategoryDecision]:
        return [c for c in self.categories if c.outcome == Outcome.APPROVED]

    def for_category(self, category: str) -> CategoryDecision | None:
        return next((c for c in self.categories if c.category == category), None)

    def for_subject(self, subject: str) -> SubjectDecision | None:
        return next((s for s in self.subjects if s.subject == subject), None)

    def as_dict(self) -> dict[str, Any]:
        # Every person's decision is inside the hash a sign-off records: signers are tied to who gets what.
        return {
            "status": self.status,
            "categories": [c.as_dict() for c in self.categories],
            "subjects": [s.as_dict() for s in self.subjects],
            "policy_sha256": self.policy_sha256,
            "rules": self.rules_label,
            "date": self.today,
        }

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()


def overall_status(categories: Iterable[CategoryDecision]) -> str:
    outcomes = {c.outcome for c in categories}
    for outcome in (Outcome.APPROVED, Outcome.AWAITING_SIGNOFF, Outcome.NEEDS_EVIDENCE):
        if outcome in outcomes:
            return outcome.value
    return Outcome.DENIED.value


def decide_request(
    evaluate: Evaluator,
    rules: RuleSet,
    facts: Facts,
    categories: Iterable[str],
    *,
    policy_sha256: str = "",
    rules_label: str = "",
    may_permit: Callable[[Facts, str], bool] | None = None,
) -> RequestDecision:
    decided = tuple(decide_category(evaluate, rules, facts, c, may_permit) for c in sorted(set(categories)))
    refused = next((c for c in decided if c.unmet_requirements), None)
    if refused is not None:
        # The law's requirements are of the request, not of a category: a request for all records, or one
        # signed by the wrong official, is refused as a whole, not released in part under another heading.
        decided = tuple(
            c
            if c.outcome == Outcome.DENIED
            else CategoryDecision(
                c.category, Outcome.DENIED, unmet_requirements=refused.unmet_requirements, reason=refused.reason
            )
            for c in decided
        )
    return RequestDecision(overall_status(decided), decided, policy_sha256, rules_label or rules.label, facts.today)


_RANK = {Outcome.APPROVED: 0, Outcome.AWAITING_SIGNOFF: 1, Outcome.NEEDS_EVIDENCE: 2, Outcome.DENIED: 3}


def combine_subjects(
    subjects: Iterable[SubjectDecision], *, policy_sha256: str, rules_label: str, today: int
) -> RequestDecision:
    """The request's decision from its people's: approved when at least one included person has an
    approved category (that much can be released), else awaiting sign-off, needs evidence, or denied
    in that order, as overall_status reads the summary. A request whose people are all dropped is
    denied: there is no one left to release."""
    people = tuple(subjects)
    distinct = dict.fromkeys(
        sorted(
            (c for s in people if s.status != DROPPED for c in s.categories),
            key=lambda c: (c.category, _RANK[Outcome(c.outcome)], c.authorities, c.missing_evidence),
        )
    )
    summary = tuple(distinct)
    return RequestDecision(overall_status(summary), summary, policy_sha256, rules_label, today, people)
