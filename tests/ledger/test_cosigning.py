"""The log collects cosignatures: the checkpoint signer asks the configured witnesses, stores what they
sign, publishes the newest witnessed checkpoint with its cosignature lines, and goes on signing when a
witness is down. The quorum policy's answer is shown on the auditor's console page as it is."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from frontdesk.accounts.roles import Role
from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import selectors, signing
from frontdesk.ledger.models import LedgerCheckpoint, LedgerCosignature, LedgerWitness
from frontdesk.ledger.policies import QuorumState, witness_quorum
from frontdesk.ledger.services import checkpoint_cosign, checkpoint_create, event_append
from frontdesk.ledger.witness import Witness
from tests.factories import staff_user
from tests.web.auth import verified_login

from . import spec_cosignature as spec
from .witnesses import closed_port, serving

PERSON = pseudonym("person", "cosigning-subject")


def append(count: int) -> None:
    with transaction.atomic():
        for _ in range(count):
            event_append(type="records.person.viewed", actor=None, purpose="check-in", subjects=[PERSON])


def published() -> str:
    response = Client().get("/ledger/checkpoint")
    assert response.status_code == 200
    return response.content.decode()


def test_signer_sends_each_checkpoint_and_publishes_the_cosignatures(witnesses, capsys):
    append(12)
    call_command("ledger", "checkpoint")
    out = capsys.readouterr().out
    assert "witness witness.test/w1: cosigned size 12" in out
    assert "witness witness.test/w2: cosigned size 12" in out

    note = published()
    assert note.startswith("frontdesk.test/ledger\n12\n")
    assert spec.log_signed(note, signing.load_verifier().text())
    for witness, _url in witnesses:
        assert spec.cosignature_time(note, witness.key.text()) is not None
        assert witness.log_state("frontdesk.test/ledger").size == 12
    assert selectors.checkpoint_published().quorum.state is QuorumState.MET

    append(30)
    call_command("ledger", "checkpoint")
    note = published()
    assert note.startswith("frontdesk.test/ledger\n42\n")
    assert all(spec.cosignature_time(note, w.key.text()) for w, _ in witnesses)
    assert LedgerCosignature.objects.count() == 4


def test_a_witness_that_is_down_delays_witnessing_and_never_signing(witnesses, settings):
    (first, first_url), (second, _second_url) = witnesses
    append(5)
    checkpoint_create()
    checkpoint_cosign()
    witnessed = LedgerCheckpoint.objects.get(size=5)

    # The second witness goes away (nothing listens on its port any more).
    settings.FRONTDESK_LEDGER_WITNESSES = [
        f"{first_url} {first.key.text()}",
        f"http://127.0.0.1:{closed_port()} {second.key.text()}",
    ]
    append(7)
    call_command("ledger", "checkpoint")  # signs, asks, and returns
    newest = LedgerCheckpoint.objects.order_by("-size").first()
    assert newest.size == 12
    assert newest.cosignatures.count() == 1
    down = LedgerWitness.objects.get(name="witness.test/w2")
    assert down.last_error.startswith("unreachable")
    assert selectors.checkpoint_quorum(newest).state is QuorumState.MISSING
    # The public checkpoint stays the newest witnessed one, with both cosignatures.
    note = published()
    assert note.startswith("frontdesk.test/ledger\n5\n")
    assert spec.cosignature_time(note, second.key.text()) is not None
    assert selectors.checkpoint_published().checkpoint == witnessed

    # With a quorum of 1 the newest counts as witnessed and is published.
    settings.FRONTDESK_LEDGER_WITNESS_QUORUM = 1
    assert published().startswith("frontdesk.test/ledger\n12\n")


def test_the_second_witness_catches_up_from_its_own_size_when_it_is_back(witnesses, settings, tmp_path):
    (first, first_url), (second, _second_url) = witnesses
    append(5)
    checkpoint_create()
    checkpoint_cosign()
    settings.FRONTDESK_LEDGER_WITNESSES = [
        f"{first_url} {first.key.text()}",
        f"http://127.0.0.1:{closed_port()} {second.key.text()}",
    ]
    for _ in range(3):
        append(4)
        checkpoint_create()
        checkpoint_cosign()
    # Back on a new port, from the same state directory; the log forgot what it knew of it.
    LedgerWitness.objects.filter(name="witness.test/w2").update(known_size=0)
    with serving(Witness(tmp_path / "witness-2")) as url:
        settings.FRONTDESK_LEDGER_WITNESSES = [f"{first_url} {first.key.text()}", f"{url} {second.key.text()}"]
        outcomes = checkpoint_cosign()
    assert outcomes == {"witness.test/w1": "cosigned size 17", "witness.test/w2": "cosigned size 17"}
    assert second.log_state("frontdesk.test/ledger").size == 17
    assert published().startswith("frontdesk.test/ledger\n17\n")


def test_a_witness_refusal_is_recorded_and_nothing_is_published_as_witnessed(witnesses, settings, tmp_path):
    (first, first_url), _ = witnesses
    stranger = Witness(tmp_path / "stranger", name="witness.test/stranger")  # trusts no log
    with serving(stranger) as url:
        settings.FRONTDESK_LEDGER_WITNESSES = [f"{first_url} {first.key.text()}", f"{url} {stranger.key.text()}"]
        append(3)
        checkpoint_create()
        outcomes = checkpoint_cosign()
    assert outcomes["witness.test/stranger"].startswith("refused with HTTP 404")
    assert LedgerWitness.objects.get(name="witness.test/stranger").last_error.startswith("refused with HTTP 404")
    assert selectors.checkpoint_published().quorum.state is QuorumState.MISSING


def test_an_idle_log_refreshes_its_cosignatures(witnesses, settings):
    append(2)
    checkpoint_create()
    checkpoint_cosign()
    before = {c.witness.name: c.received_at for c in LedgerCosignature.objects.select_related("witness")}
    assert checkpoint_cosign() == {"witness.test/w1": "cosigned size 2", "witness.test/w2": "cosigned size 2"}
    assert {c.witness.name: c.received_at for c in LedgerCosignature.objects.select_related("witness")} == before
    later = timezone.now() + dt.timedelta(seconds=settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE)
    checkpoint_cosign(now=later)
    rows = LedgerCosignature.objects.select_related("witness")
    assert all(row.received_at == later for row in rows) and rows.count() == 2


NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("ages", "required", "state"),
    [
        ([], 0, QuorumState.NOT_REQUIRED),
        ([0], 2, QuorumState.MISSING),
        ([0, 0], 2, QuorumState.MET),
        ([0, 0, 0], 2, QuorumState.MET),
        ([0, 2], 2, QuorumState.EXPIRED),
        ([2, 3], 2, QuorumState.EXPIRED),
        ([0, 2, 0.5], 2, QuorumState.MET),
        ([-5, 0], 2, QuorumState.MET),  # a witness clock ahead of ours
    ],
)
def test_witness_quorum(ages, required, state):
    cosigned = {f"w{i}": NOW - age * HOUR for i, age in enumerate(ages)}
    quorum = witness_quorum(cosigned, required=required, max_age=HOUR, now=NOW)
    assert quorum.state is state
    assert quorum.witnessed is (state is not QuorumState.MISSING)


def test_console_shows_each_witness_and_an_expired_or_missing_quorum(witnesses, settings):
    auditor = verified_login(Client(), staff_user("auditor", Role.AUDITOR))
    append(4)
    checkpoint_create()
    checkpoint_cosign()
    page = auditor.get("/console/audit/").content.decode()
    assert "witness quorum met" in page
    assert page.count("witness.test/w1") >= 1 and "witness.test/w2" in page
    assert "<td>4</td>" in page  # each witness's last cosigned size

    settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE = 0  # every cosignature is now too old
    page = auditor.get("/console/audit/").content.decode()
    assert "witness quorum expired" in page and "(expired)" in page

    settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE = 3600
    (first, first_url), (second, _) = witnesses
    settings.FRONTDESK_LEDGER_WITNESSES = [
        f"{first_url} {first.key.text()}",
        f"http://127.0.0.1:{closed_port()} {second.key.text()}",
    ]
    append(1)
    checkpoint_create()
    checkpoint_cosign()
    page = auditor.get("/console/audit/").content.decode()
    assert "witness quorum missing" in page
    assert "unreachable" in page


def test_a_malformed_witness_setting_is_named_not_a_500(db, signing_key, settings):
    append(1)
    checkpoint_create()
    settings.FRONTDESK_LEDGER_WITNESSES = ["ftp://example.test not-a-key"]
    response = Client().get("/ledger/checkpoint")
    assert response.status_code == 503 and response.json()["code"] == "witnesses_misconfigured"
    auditor = verified_login(Client(), staff_user("auditor", Role.AUDITOR))
    page = auditor.get("/console/audit/").content.decode()
    assert "The witness configuration is invalid" in page
