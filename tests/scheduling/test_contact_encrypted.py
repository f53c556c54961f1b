"""A person's email and phone are stored as AES-GCM ciphertexts and keyed hashes, never in clear
(docs/adr/0039-contact-details-encrypted.md): what the table holds, how a person is still found by phone,
that nothing is logged in clear, and migration 0008 forward and back on a table with rows."""

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from frontdesk.core.crypto import decrypt_field
from frontdesk.scheduling import services
from frontdesk.scheduling.models import EMAIL_CONTEXT, PHONE_CONTEXT, ContactOptOut, Person, Service
from frontdesk.scheduling.reminders import send_appointment_reminder
from frontdesk.scheduling.replies import sms_reply_handle
from frontdesk.scheduling.sms import MemorySmsBackend, address_key
from tests.factories import OfficeFactory, person, staff_resource

NOW = datetime(2027, 3, 1, tzinfo=UTC)
STARTS = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
EMAIL, PHONE = "Ana.Rivera@Example.org", "(212) 555-0100"
CLEAR = ("ana.rivera", "Ana.Rivera", "5550100", "555-0100", "2125550100")


def _booked(django_capture_on_commit_callbacks, **details):
    office = OfficeFactory()
    staff_resource(office)
    with django_capture_on_commit_callbacks(execute=True):
        return services.appointment_book(
            actor=None,
            office=office,
            service=Service.objects.get(code="noncitizen_eligibility_review"),
            mode="in_person",
            starts_at=STARTS,
            person=person(**({"email": EMAIL, "phone": PHONE} | details)),
            now=NOW,
        )


def _raw_row(person_id: int) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table} WHERE id = %s", [person_id])  # noqa: S608
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.mark.django_db
def test_the_table_holds_no_contact_detail_in_clear(django_capture_on_commit_callbacks):
    appointment = _booked(django_capture_on_commit_callbacks)
    row = _raw_row(appointment.person_id)
    assert "email" not in row and "phone" not in row
    stored = " ".join(str(v) for v in row.values())
    for clear in CLEAR:
        assert clear.casefold() not in stored.casefold()
    assert decrypt_field(row["email_encrypted"], context=EMAIL_CONTEXT) == EMAIL
    assert decrypt_field(row["phone_encrypted"], context=PHONE_CONTEXT) == PHONE
    assert row["email_hash"] == address_key("email", "ana.rivera@example.org")
    assert row["phone_hash"] == address_key("sms", "+1 212 555 0100")
    fresh = Person.objects.get(pk=appointment.person_id)
    assert (fresh.contact_email(), fresh.contact_phone()) == (EMAIL, PHONE)


@pytest.mark.django_db
def test_a_ciphertext_does_not_open_as_the_other_detail(django_capture_on_commit_callbacks):
    held = Person.objects.get(pk=_booked(django_capture_on_commit_callbacks).person_id)
    held.email_encrypted, held.phone_encrypted = held.phone_encrypted, held.email_encrypted
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM refuses a ciphertext moved to another column
        held.contact_email()


@pytest.mark.django_db
def test_details_not_given_are_empty_and_set_contact_changes_only_what_it_is_given(django_capture_on_commit_callbacks):
    held = Person.objects.get(pk=_booked(django_capture_on_commit_callbacks, email="", phone="").person_id)
    assert (held.email_encrypted, held.email_hash, held.phone_encrypted, held.phone_hash) == ("", "", "", "")
    assert (held.contact_email(), held.contact_phone()) == ("", "")
    held.set_contact(phone="2125550177")
    held.save()
    held.refresh_from_db()
    assert (held.contact_email(), held.contact_phone()) == ("", "2125550177")
    held.set_contact(email="luis@example.org", phone="")
    held.save()
    held.refresh_from_db()
    assert (held.contact_email(), held.contact_phone(), held.phone_hash) == ("luis@example.org", "", "")


@pytest.mark.django_db
def test_contact_encrypted_under_an_older_key_still_opens_after_rotation(settings, django_capture_on_commit_callbacks):
    held = Person.objects.get(pk=_booked(django_capture_on_commit_callbacks).person_id)
    newer = "cd" * 32
    with override_settings(FRONTDESK_PII_ENCRYPTION_KEYS=[newer, *settings.FRONTDESK_PII_ENCRYPTION_KEYS]):
        assert held.contact_phone() == PHONE
        held.set_contact(phone=PHONE)
        assert held.phone_encrypted.split(".")[1] != Person.objects.get(pk=held.pk).phone_encrypted.split(".")[1]
        assert held.contact_phone() == PHONE


@pytest.mark.django_db
def test_a_person_is_found_by_phone_and_email_through_the_keyed_hashes(django_capture_on_commit_callbacks):
    appointment = _booked(django_capture_on_commit_callbacks)
    _booked(django_capture_on_commit_callbacks, last_name="Ortiz", email="other@example.org", phone="2125550199")
    # as a provider sends the number (E.164) and as a person might type the address
    assert list(Person.objects.filter(phone_hash=address_key("sms", "+12125550100"))) == [appointment.person]
    assert list(Person.objects.filter(email_hash=address_key("email", " ANA.RIVERA@example.org"))) == [
        appointment.person
    ]


@pytest.mark.django_db
def test_a_text_reply_reaches_the_appointment_and_stop_is_kept_by_hash(django_capture_on_commit_callbacks):
    appointment = _booked(django_capture_on_commit_callbacks)
    assert send_appointment_reminder.call(str(appointment.public_id), appointment.starts_at.isoformat()) == "email,sms"
    assert MemorySmsBackend.outbox[-1]["to"] == PHONE  # the number on file, decrypted for the send only
    reply = sms_reply_handle(sender="+12125550100", body="STOP", now=NOW)
    assert reply
    opt_out = ContactOptOut.objects.get(channel="sms")
    assert opt_out.address_key == Person.objects.get(pk=appointment.person_id).phone_hash


@pytest.mark.django_db
def test_booking_and_reminding_log_no_contact_detail(caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    appointment = _booked(django_capture_on_commit_callbacks)
    send_appointment_reminder.call(str(appointment.public_id), appointment.starts_at.isoformat())
    sms_reply_handle(sender="+12125550100", body="C", now=NOW)
    logged = " ".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records).casefold()
    for clear in CLEAR:
        assert clear.casefold() not in logged


# --- migration 0008 -----------------------------------------------------------------------------------

BEFORE = ("scheduling", "0007_merge_0006_reminder_replies_0006_waitlist")
AFTER = ("scheduling", "0008_person_contact_encrypted")
ROWS = [
    ("Ana", "rivera", "ana@example.org", "2125550100"),
    ("Luis", "soto", "", "(212) 555-0177"),
    ("Eva", "ortiz", "eva@example.org", ""),
    ("Sam", "diaz", "", ""),
]


def _migrate_to(target: tuple[str, str]):
    """Migrate to `target`; return the app registry as of then (its historical models)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state(target).apps


def _clear_columns() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT first_name, email, phone FROM {Person._meta.db_table} ORDER BY id")  # noqa: S608
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_rows_and_going_back_restores_them():
    try:
        before = _migrate_to(BEFORE)
        old_person = before.get_model("scheduling", "Person")
        people = old_person.objects.bulk_create(
            old_person(
                first_name=first,
                last_name=last.title(),
                last_name_key=last,
                date_of_birth=date(1960, 5, 17),
                email=email,
                phone=phone,
            )
            for first, last, email, phone in ROWS
        )
        # people with appointments, as in a real table: their rows are updated under foreign keys
        office = OfficeFactory()
        before.get_model("scheduling", "Appointment").objects.bulk_create(
            before.get_model("scheduling", "Appointment")(
                code=f"MIG{n:06d}",
                person_id=p.pk,
                office_id=office.pk,
                service_id=Service.objects.get(code="noncitizen_eligibility_review").pk,
                mode="in_person",
                starts_at=STARTS,
                ends_at=STARTS + timedelta(minutes=30),
            )
            for n, p in enumerate(people)
        )
        _migrate_to(AFTER)
        people = list(Person.objects.order_by("id"))
        assert [(p.first_name, p.contact_email(), p.contact_phone()) for p in people] == [
            (first, email, phone) for first, _, email, phone in ROWS
        ]
        for p, (_, _, email, phone) in zip(people, ROWS, strict=True):
            assert p.email_hash == (address_key("email", email) if email else "")
            assert p.phone_hash == (address_key("sms", phone) if phone else "")
            stored = " ".join(str(v) for v in _raw_row(p.pk).values())
            assert not (email and email in stored) and not (phone and phone in stored)
        assert list(Person.objects.filter(phone_hash=address_key("sms", "+12125550177"))) == [people[1]]
        _migrate_to(BEFORE)
        assert _clear_columns() == [(first, email, phone) for first, _, email, phone in ROWS]
    finally:
        call_command("migrate", verbosity=0)
