"""The release packet: exactly the approved categories' fields of the matched people, plus what a
recipient and an auditor need to trust it (authority, evidence hashes, signers, the ledger event).

Every value written to a packet goes through `_emit`, which looks up the field's categories in
`categories.py` and drops the value unless all of them are approved (a field the registry does not know
raises). The JSON body is hashed (RFC 8785 canonical form); the hash is on the release's ledger event.
The PDF renders the same JSON for people; the JSON is the authoritative copy.

Records kept by apps above this one (the office floor's tickets) reach the packet through a registered
record source (`person_records_register`, called from that app's `AppConfig.ready`), so the packet
reads them without importing them (docs/adr/0040-walk-ins-are-floor-tickets.md).
"""

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import rfc8785
from django.conf import settings
from django.db.models import Model

from frontdesk.core.crypto import decrypt_field
from frontdesk.offices.models import Office
from frontdesk.scheduling.models import Appointment, Person

from .categories import APPOINTMENT, PERSON, categories_of
from .models import Release

FORMAT = "frontdesk.disclosure-release/1"

# The encryption context of a release's stored packet (Release.packet_encrypted).
PACKET_CONTEXT = "disclosures.release.packet"


def packet_body(release: Release) -> dict[str, Any]:
    """The packet body as released (decrypted); callers record the read."""
    body: dict[str, Any] = json.loads(decrypt_field(release.packet_encrypted, context=PACKET_CONTEXT))
    return body


def _office(office: Office) -> dict[str, Any]:
    return {
        "code": office.code,
        "name": office.name,
        "address_lines": list(office.address_lines),
        "city": office.city,
        "state": office.state,
        "zip_code": office.zip_code,
    }


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


@dataclass(frozen=True)
class PacketField:
    model: str  # model label in categories.FIELD_CATEGORIES
    field: str  # model field name: its categories decide
    key: str  # name in the packet
    present: Callable[[Any], Any]


PERSON_FIELDS = (
    PacketField(PERSON, "first_name", "first_name", lambda p: p.first_name),
    PacketField(PERSON, "last_name", "last_name", lambda p: p.last_name),
    PacketField(PERSON, "date_of_birth", "date_of_birth", lambda p: p.date_of_birth.isoformat()),
    PacketField(
        PERSON,
        "ssn_encrypted",
        "ssn",
        lambda p: decrypt_field(p.ssn_encrypted, context="person.ssn") if p.ssn_encrypted else None,
    ),
    PacketField(PERSON, "email_encrypted", "email", lambda p: p.contact_email() or None),
    PacketField(PERSON, "phone_encrypted", "phone", lambda p: p.contact_phone() or None),
    PacketField(PERSON, "preferred_language", "preferred_language", lambda p: p.preferred_language),
)

APPOINTMENT_FIELDS = (
    PacketField(APPOINTMENT, "office", "office", lambda a: _office(a.office)),
    PacketField(APPOINTMENT, "mode", "mode", lambda a: a.mode),
    PacketField(APPOINTMENT, "starts_at", "starts_at", lambda a: _local(a.starts_at, a.office.zone)),
    PacketField(APPOINTMENT, "ends_at", "ends_at", lambda a: _local(a.ends_at, a.office.zone)),
    PacketField(APPOINTMENT, "status", "status", lambda a: a.status),
    PacketField(APPOINTMENT, "checked_in_at", "checked_in_at", lambda a: _local(a.checked_in_at, a.office.zone)),
    PacketField(APPOINTMENT, "completed_at", "completed_at", lambda a: _local(a.completed_at, a.office.zone)),
    PacketField(APPOINTMENT, "cancelled_at", "cancelled_at", lambda a: _local(a.cancelled_at, a.office.zone)),
    PacketField(APPOINTMENT, "reschedule_count", "reschedule_count", lambda a: a.reschedule_count),
    PacketField(APPOINTMENT, "service", "service", lambda a: {"code": a.service.code, "name": a.service.name_en}),
    PacketField(APPOINTMENT, "interpreter_language", "interpreter_language", lambda a: a.interpreter_language or None),
    PacketField(
        APPOINTMENT, "companion_relationship", "companion_relationship", lambda a: a.companion_relationship or None
    ),
)

RECORD_FIELDS: dict[str, tuple[PacketField, ...]] = {
    "person": PERSON_FIELDS,
    "appointment": APPOINTMENT_FIELDS,
}


@dataclass(frozen=True)
class RecordSource:
    """Another app's records of a person: its packet fields, and the person's records with their local day."""

    record: str  # the record's name in the packet
    fields: tuple[PacketField, ...]
    of_person: Callable[[Person], Iterator[tuple[dt.date, Model]]]  # in the order the packet lists them


_SOURCES: dict[str, RecordSource] = {}


def person_records_register(
    *,
    record: str,
    fields: tuple[PacketField, ...],
    of_person: Callable[[Person], Iterator[tuple[dt.date, Model]]],
) -> None:
    """Add an app's records of a person to every packet, after the appointments.

    Called from the owning app's `AppConfig.ready`, so this module never imports an app above it; the
    fields are still filtered through `categories.py` like every other field (`_emit`). Registering a
    record name again replaces it (a reloaded app registry must not list records twice)."""
    if record in ("person", "appointment"):
        raise ValueError(f"{record!r} is the packet's own record")
    _SOURCES[record] = RecordSource(record=record, fields=fields, of_person=of_person)
    RECORD_FIELDS[record] = fields


def record_sources() -> list[RecordSource]:
    return list(_SOURCES.values())


def _emit(fields: Iterable[PacketField], instance: Model, approved: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in fields:
        if categories_of(spec.model, spec.field, instance) <= approved:
            value = spec.present(instance)
            if value is not None:
                out[spec.key] = value
    return out


def _in_period(local_day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or local_day >= start) and (end is None or local_day <= end)


def subject_records(
    person: Person, approved: frozenset[str], *, records_from: dt.date | None, records_to: dt.date | None
) -> list[dict[str, Any]]:
    """The approved fields of one person's records: the person, their appointments, then each registered
    source's records (the floor's tickets), one by one."""
    records: list[dict[str, Any]] = []
    own = _emit(PERSON_FIELDS, person, approved)
    if own:
        records.append({"record": "person", "fields": own})
    appointments = (
        Appointment.objects.filter(person=person).select_related("office", "service").order_by("starts_at", "id")
    )
    for appointment in appointments:
        if not _in_period(appointment.starts_at.astimezone(appointment.office.zone).date(), records_from, records_to):
            continue
        fields = _emit(APPOINTMENT_FIELDS, appointment, approved)
        if fields:
            records.append({"record": "appointment", "fields": fields})
    for source in _SOURCES.values():
        for local_day, instance in source.of_person(person):
            if not _in_period(local_day, records_from, records_to):
                continue
            fields = _emit(source.fields, instance, approved)
            if fields:
                records.append({"record": source.record, "fields": fields})
    return records


def packet_sign_offs(approvals: Iterable[Any]) -> list[dict[str, str]]:
    """The packet's signers: exactly the approvals that count at release (disclosures.signoffs decides
    which; this only writes them down)."""
    return [
        {
            "role": a.role,
            "signer": a.signer.get_username(),
            "signed_at": a.signed_at.isoformat(),
            "expires_at": a.expires_at.isoformat(),
        }
        for a in approvals
    ]


def body_sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def with_ledger(body: dict[str, Any], *, event_id: int, commitment: bytes, index: int | None) -> dict[str, Any]:
    """The packet as handed over: the hashed body, and where its release event sits on the ledger.

    The event's leaf index is given by the ledger's sequencer after the release commits, so a packet
    fetched before that shows `index: null`; the event id and commitment identify the entry either way.
    """
    return {
        **body,
        "packet_sha256": body_sha256(body),
        "ledger": {"event_id": event_id, "commitment": commitment.hex(), "index": index},
    }


# --- PDF -----------------------------------------------------------------------------------------

DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _font_path() -> str | None:
    path = getattr(settings, "FRONTDESK_PDF_FONT", DEFAULT_FONT)
    return path if path and os.path.isfile(path) else None


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_flatten(v) for v in value)
    return "" if value is None else str(value)


def packet_pdf(packet: dict[str, Any]) -> bytes:
    """A readable rendering of the packet (fpdf2). Without a Unicode font, characters outside Latin-1
    are replaced; the JSON packet is the authoritative copy."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_title("Disclosure release")
    pdf.set_author("frontdesk")
    pdf.set_creation_date(dt.datetime.fromisoformat(packet["release"]["released_at"]))
    font = _font_path()
    if font:
        pdf.add_font("packet", "", font)
        family = "packet"

        def clean(text: str) -> str:
            return text

    else:
        family = "helvetica"

        def clean(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    width = pdf.epw

    def heading(text: str) -> None:
        pdf.set_font(family, size=13)
        pdf.ln(2)
        pdf.multi_cell(width, 7, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)

    def line(label: str, value: Any) -> None:
        pdf.multi_cell(width, 5, clean(f"{label}: {_flatten(value)}"), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, size=16)
    pdf.multi_cell(width, 9, "Release of records under the Privacy Act", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    line("Release", packet["release"]["id"])
    line("Released at", packet["release"]["released_at"])
    line("Request", packet["request"]["id"])
    heading("Recipient")
    for key, value in packet["recipient"].items():
        line(key.replace("_", " "), value)
    line("Purpose", packet["purpose"])
    heading("Authority")
    for authority in packet["authorities"]:
        mark = " (ILLUSTRATIVE catalog entry)" if authority.get("illustrative") else ""
        line(authority["id"], f"{authority['title']}; {authority['citation']}{mark}")
    heading("Categories")
    for category in packet["categories"]:
        line(category["category"], f"{category['outcome']}: {category['reason']}")
    heading("Records")
    for subject in packet["subjects"]:
        pdf.set_font(family, size=10)
        pdf.multi_cell(width, 6, f"Subject {subject['subject']} of the request", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)
        if subject.get("categories"):  # each person's own approved categories and authorities
            line("Categories released", ", ".join(subject["categories"]))
            line("Under", ", ".join(subject.get("authorities", [])))
        if not subject["records"]:
            line("Records", "none released")
        for record in subject["records"]:
            line(record["record"], record["fields"])
    heading("Evidence on file (SHA-256)")
    for item in packet["evidence"]:
        line(item["kind"], f"{item['filename']} {item['sha256']}")
    heading("Sign-offs")
    for sign_off in packet["sign_offs"]:
        line(sign_off["role"], f"{sign_off['signer']} at {sign_off['signed_at']}")
    heading("Integrity")
    line("Packet SHA-256 (RFC 8785 JSON body)", packet["packet_sha256"])
    line("Policy SHA-256", packet["policy"]["sha256"])
    line("Ledger event", packet["ledger"])
    return bytes(pdf.output())
