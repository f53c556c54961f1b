"""`ledger verify | export | audit` report progress on stderr and leave their stdout as it was."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import include, path

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import audit, signing, verify
from frontdesk.ledger.services import checkpoint_create, event_append

urlpatterns = [path("ledger/", include("frontdesk.transparency_log.urls"))]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

PERSON = pseudonym("person", "progress-subject")
ENTRIES = 350


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def ledger(signing_key, monkeypatch):
    """350 signed entries, counted in chunks of 100, with a progress line at every chunk."""
    with transaction.atomic():
        for n in range(ENTRIES):
            event_append(type="records.person.viewed", actor=None, purpose=f"visit {n}", subjects=[PERSON])
    checkpoint_create()
    monkeypatch.setattr(verify, "PROGRESS_EVERY", 100)
    monkeypatch.setenv("FRONTDESK_PROGRESS_SECONDS", "0")


def periodic(what: str, done: int, total: int, unit: str) -> str:
    return rf"{what}: {done}/{total} {unit} \(\d+%\), [\d,.]+ {unit}/s, \d+:\d\d left"


def test_verify_prints_a_line_per_chunk_with_count_rate_and_time_left(ledger):
    out, err = StringIO(), StringIO()
    call_command("ledger", "verify", stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    for line, done in zip(lines, (100, 200, 300, 350), strict=False):
        assert re.fullmatch(periodic("verify", done, ENTRIES, "entries"), line), line
    assert len(lines) == 5 and re.fullmatch(r"verify: 350 entries in \d+:\d\d, [\d,.]+ entries/s", lines[4])
    assert out.getvalue() == "OK: 350 entries; 1 signed checkpoints verified, the latest covering 350 entries.\n"


@pytest.mark.parametrize("arguments", [["verify", "--no-progress"], ["--verbosity", "0", "verify"]])
def test_verify_can_be_silenced(ledger, arguments):
    out, err = StringIO(), StringIO()
    call_command("ledger", *arguments, stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert out.getvalue().startswith("OK: 350 entries")


def test_verify_on_a_terminal_draws_a_bar(ledger):
    screen = Terminal()
    call_command("ledger", "verify", stdout=StringIO(), stderr=screen)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    final = text.split("\r")[-1]
    assert "verify" in final and "350/350" in final and "100%" in final and "entries/s" in final


def test_export_and_offline_verify_show_progress(ledger, tmp_path):
    bundle = tmp_path / "bundle.jsonl"
    out, err = StringIO(), StringIO()
    call_command("ledger", "export", "--output", str(bundle), stdout=out, stderr=err)
    assert out.getvalue() == f"Wrote 350 events to {bundle}.\n"
    assert re.fullmatch(periodic("export", 300, ENTRIES, "entries"), err.getvalue().splitlines()[2])

    out, err = StringIO(), StringIO()
    call_command("ledger", "verify", "--bundle", str(bundle), stdout=out, stderr=err)
    assert re.fullmatch(periodic("verify", 350, ENTRIES, "entries"), err.getvalue().splitlines()[3])
    assert out.getvalue().startswith("OK: 350 entries")


def test_audit_counts_the_tiles_it_fetches(ledger, tmp_path, monkeypatch):
    client = Client()
    fetched = []

    def fetch(url: str) -> bytes | None:
        fetched.append(url)
        response = client.get(url.removeprefix("http://testserver"))
        return None if response.status_code == 404 else response.content

    monkeypatch.setattr(audit.audit, "__defaults__", (fetch,))
    out, err = StringIO(), StringIO()
    key = signing.load_verifier().text()
    state = str(tmp_path / "state.json")
    call_command(
        "ledger", "audit", "--url", "http://testserver/ledger", "--key", key, "--state", state, stdout=out, stderr=err
    )

    tiles = len(fetched) - 1  # the checkpoint, then the tiles
    lines = err.getvalue().splitlines()
    assert tiles >= 2 and len(lines) == tiles + 1
    assert re.fullmatch(periodic("audit", tiles, tiles, "tiles"), lines[-2]), lines
    assert out.getvalue().startswith("OK: trusting the log at size 350")
