"""`frontdesk sms_reply`: the demo's way to answer a reminder by text, through the real, signed webhook of a
running server; and `make run`'s secrets file, which gives the demo the token it signs with."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from frontdesk.core import secrets_init
from frontdesk.scheduling.models import ReminderReply, Status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NUMBER = "2125550100"  # the factory person's phone


@pytest.fixture
def demo(settings, live_server):
    settings.FRONTDESK_DEMO = True
    settings.FRONTDESK_PUBLIC_BASE_URL = live_server.url
    return live_server


@pytest.fixture
def appointment(reminded):
    return reminded()  # booked, and its reminder texted to NUMBER


def sms_reply(*args: str) -> str:
    out = StringIO()
    call_command("sms_reply", *args, stdout=out)
    return out.getvalue()


def test_c_confirms_through_the_running_server_and_prints_the_answer(demo, appointment):
    answer = sms_reply(NUMBER, "C")
    assert f"appointment {appointment.code} is confirmed" in answer
    assert ReminderReply.objects.get(appointment=appointment).action == "confirm"


def test_x_cancels(demo, appointment):
    sms_reply(NUMBER, "x")
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED


def test_a_server_that_knows_another_address_refuses_the_signature(demo, appointment, settings):
    settings.FRONTDESK_PUBLIC_BASE_URL = "http://127.0.0.1:1"  # the server checks against this address
    with pytest.raises(CommandError, match="answered 403"):
        sms_reply(NUMBER, "C", "--url", demo.url)
    assert not ReminderReply.objects.exists()


def test_no_server_is_a_clear_error(settings):
    settings.FRONTDESK_DEMO = True
    with pytest.raises(CommandError, match="No server answered"):
        sms_reply(NUMBER, "C", "--url", "http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((NUMBER, "C"), "only in the demo"),
        (("12", "C"), "not a phone number"),
        ((NUMBER, " "), "Give the text"),
        ((NUMBER, "C", "--url", "file:///etc/passwd"), "not a web address"),
    ],
)
def test_refused_outside_the_demo_and_for_bad_input(settings, args, message):
    settings.FRONTDESK_DEMO = message != "only in the demo"
    with pytest.raises(CommandError, match=message):
        sms_reply(*args)


def test_make_run_s_secrets_file_gains_a_missing_key_and_keeps_the_others(tmp_path):
    path = tmp_path / "secrets.env"
    secrets_init.main(str(path))
    first = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    assert {"DJANGO_SECRET_KEY", "FRONTDESK_PII_ENCRYPTION_KEYS", "FRONTDESK_SMS_AUTH_TOKEN"} <= set(first)
    # An older demo's file, without the SMS token (and without a last newline): only the token is added.
    path.write_text("\n".join(f"{k}={v}" for k, v in first.items() if k != "FRONTDESK_SMS_AUTH_TOKEN"))
    secrets_init.main(str(path))
    second = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    assert second.keys() == first.keys()
    assert all(second[k] == first[k] for k in first if k != "FRONTDESK_SMS_AUTH_TOKEN")
    assert second["FRONTDESK_SMS_AUTH_TOKEN"]
