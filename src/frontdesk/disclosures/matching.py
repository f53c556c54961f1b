"""Finding the person a request is about, from the details the requester gave.

Runs only at release, and its result is shown only to the privacy office: the intake clerk, the
signers and the requester never learn from the system whether a person exists (no informal path).
A subject is matched only when exactly one record agrees with every identifier given (POMS GN
03312.080: with too few identifiers, disclose only on one exact match); otherwise nothing is released
about them.
"""

from dataclasses import dataclass

from frontdesk.scheduling.models import Person
from frontdesk.scheduling.names import name_key

from .models import RequestSubject

CANDIDATE_LIMIT = 50


@dataclass(frozen=True)
class SubjectMatch:
    subject: RequestSubject
    person: Person | None
    candidates: int  # 0: no record; 1: matched; more: ambiguous, nothing released

    @property
    def outcome(self) -> str:
        return "matched" if self.person else ("ambiguous" if self.candidates > 1 else "no_record")


def subject_match(subject: RequestSubject) -> SubjectMatch:
    people = Person.objects.filter(last_name_key=subject.last_name_key)
    if subject.date_of_birth:
        people = people.filter(date_of_birth=subject.date_of_birth)
    if subject.ssn_hash:
        people = people.filter(ssn_hash=subject.ssn_hash)
    if subject.appointment_code:
        people = people.filter(appointments__code=subject.appointment_code)
    found = list(people.distinct().order_by("id")[:CANDIDATE_LIMIT])
    if subject.first_name:
        wanted = name_key(subject.first_name)
        found = [p for p in found if name_key(p.first_name) == wanted]
    return SubjectMatch(subject, found[0] if len(found) == 1 else None, len(found))
