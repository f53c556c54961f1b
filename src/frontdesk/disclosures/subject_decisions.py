"""A decision per person: which documents count for whom, and each person's categories.

A request names one or more people (a companion is another person named). Each gets their own
decision, on the request's facts (recipient, purpose, crime named, sign-offs) plus the documents that
count for them:

- Request-wide documents count for every person: the agency's written request, a court order, a
  committee's or GAO's request, a health-or-safety showing, an incident report, a program agreement,
  any other document. They are about the asking, not about one person.
- Personal documents count only for the person they are filed for: written consent, proof that a
  representative acts for the person, an identity check, an indictment or conviction. One person's
  consent never releases another (5 U.S.C. 552a(b): "prior written consent of the individual to whom
  the record pertains"; 20 CFR 401.155(b): "only about that person").
- A personal document filed without naming its person counts for a request that names exactly one
  person, and for no one otherwise (the protective reading). "Names" counts dropped people too, so
  dropping someone never makes a stray consent count for the one left.

The rule and its reasons are in docs/adr/0013-a-decision-per-subject.md.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from .decision import (
    DROPPED,
    CategoryDecision,
    Evaluator,
    RequestDecision,
    SubjectDecision,
    combine_subjects,
    decide_request,
    overall_status,
)
from .policy import Facts, RuleSet
from .vocabulary import EvidenceKind

# Documents about one person: they count only for the person they are filed for.
PERSONAL_EVIDENCE: frozenset[str] = frozenset(
    {
        EvidenceKind.SUBJECT_CONSENT,
        EvidenceKind.REPRESENTATIVE_AUTHORITY,
        EvidenceKind.IDENTITY_VERIFIED,
        EvidenceKind.INDICTMENT_OR_CONVICTION,
    }
)
# Everything else is about the request as a whole and counts for every person named.
REQUEST_EVIDENCE: frozenset[str] = frozenset(EvidenceKind.values) - PERSONAL_EVIDENCE

UNATTACHED_NOTE = (
    "{kinds} on file without naming the person it is about. With more than one person named, such a "
    "document counts for no one: file it again for the person it concerns."
)


def is_personal(kind: str) -> bool:
    return kind in PERSONAL_EVIDENCE


@dataclass(frozen=True)
class NamedSubject:
    """A person named in the request, as the decision needs them."""

    id: str  # RequestSubject.public_id
    position: int
    dropped: bool = False


@dataclass(frozen=True)
class FiledDocument:
    kind: str
    subject: str | None = None  # the person it is filed for, if any


def counts_for(document: FiledDocument, subject: NamedSubject, *, named: int) -> bool:
    """Whether a document counts for one person (see the module docstring). `named` is how many
    people the request names, dropped ones included."""
    if not is_personal(document.kind):
        return True
    return document.subject == subject.id or (document.subject is None and named == 1)


def evidence_for(subject: NamedSubject, documents: Iterable[FiledDocument], *, named: int) -> frozenset[str]:
    """The evidence kinds that count for one person."""
    return frozenset(d.kind for d in documents if counts_for(d, subject, named=named))


def unattached_personal(documents: Iterable[FiledDocument], *, named: int) -> list[str]:
    """Personal document kinds that count for no one because they name no person on a request that
    names several."""
    if named == 1:
        return []
    return sorted({d.kind for d in documents if d.subject is None and is_personal(d.kind)})


def decide_subjects(
    evaluate: Evaluator,
    rules: RuleSet,
    facts: Facts,
    categories: Iterable[str],
    subjects: Sequence[NamedSubject],
    documents: Sequence[FiledDocument],
    *,
    policy_sha256: str = "",
    rules_label: str = "",
    may_permit: Callable[[Facts, str], bool] | None = None,
) -> RequestDecision:
    """Each person's decision and the request's (decision.combine_subjects). `facts.evidence` is
    ignored: each person is decided on the documents that count for them."""
    wanted = sorted(set(categories))
    named = len(subjects)
    stray = unattached_personal(documents, named=named)
    notes = (UNATTACHED_NOTE.format(kinds=", ".join(k.replace("_", " ") for k in stray).capitalize()),) if stray else ()
    label = rules_label or rules.label
    # People with the same documents get the same categories: decide each set of documents once.
    decided: dict[frozenset[str], tuple[CategoryDecision, ...]] = {}
    people = []
    for subject in sorted(subjects, key=lambda s: s.position):
        if subject.dropped:
            people.append(SubjectDecision(subject.id, subject.position, DROPPED))
            continue
        kinds = evidence_for(subject, documents, named=named)
        if kinds not in decided:
            decided[kinds] = decide_request(
                evaluate, rules, replace(facts, evidence=kinds), wanted, rules_label=label, may_permit=may_permit
            ).categories
        outcome = overall_status(decided[kinds])
        people.append(
            SubjectDecision(subject.id, subject.position, outcome, decided[kinds], tuple(sorted(kinds)), notes)
        )
    return combine_subjects(people, policy_sha256=policy_sha256, rules_label=label, today=facts.today)
