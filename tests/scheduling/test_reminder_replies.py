"""People answer reminders: by text (C, X, STOP) through a signed webhook, or by single-use links."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django_tasks import default_task_backend

from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import replies, services
from frontdesk.scheduling.models import ContactOptOut, ReminderReply, ReplyLink, Status
from frontdesk.scheduling.reminders import reminders_sweep
from frontdesk.scheduling.sms import MemorySmsBackend, sms_backend, twilio_signature

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, tzinfo=UTC)
STARTS = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
SENDER = "+12125550100"  # the factory person's phone (stored as 2125550100), as a provider sends it
HOOK = "/hooks/sms/inbound"


def signed_post(client, body, *, sender=SENDER, token=None, query="", signature=None):
    params = {"From": sender, "Body": body, "To": "+15005550006", "MessageSid": "SM0123456789"}
    url = f"{settings.FRONTDESK_PUBLIC_BASE_URL}{HOOK}{query}"
    signed = twilio_signature(token or settings.FRONTDESK_SMS_AUTH_TOKEN, url, {k: [v] for k, v in params.items()})
    headers = {} if signature == "" else {"HTTP_X_TWILIO_SIGNATURE": signature or signed}
    return client.post(f"{HOOK}{query}", params, **headers)


def link_of(text: str, action: str) -> str:
    labels = {"confirm": r"(Confirm|Confirme): ", "cancel": r"(Cancel|Cancele): ", "stop": r"(email|correo): "}
    return re.search(labels[action] + r"(http\S+)", text)[2]


def path_of(url: str) -> str:
    return url.removeprefix(settings.FRONTDESK_PUBLIC_BASE_URL)


# --- the provider's signature ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="), ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc=")],
)
def test_the_signature_matches_twilios_published_examples(caller, expected):
    params = {"CallSid": ["CA1234567890ABCDE"], "Caller": [caller], "Digits": ["1234"], "From": [caller]}
    params["To"] = ["+18005551212"]
    assert twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == expected


def test_a_text_without_a_valid_signature_changes_nothing(client, reminded):
    appointment = reminded()
    events = LedgerEvent.objects.count()
    assert signed_post(client, "X", signature="").status_code == 403
    assert signed_post(client, "X", token="not-the-token").status_code == 403
    assert signed_post(client, "X", signature="GvWf1cFY/Q7PnoempGyD5oXAezc=").status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and LedgerEvent.objects.count() == events


def test_the_signature_covers_the_query_string(client, reminded):
    appointment = reminded()
    params = {"From": SENDER, "Body": "C"}
    unsigned_query = twilio_signature(settings.FRONTDESK_SMS_AUTH_TOKEN, f"http://testserver{HOOK}", {"From": [SENDER]})
    assert client.post(f"{HOOK}?a=1", params, HTTP_X_TWILIO_SIGNATURE=unsigned_query).status_code == 403
    assert signed_post(client, "C", query="?account=main").status_code == 200
    assert ReminderReply.objects.get(appointment=appointment).action == "confirm"


def test_without_an_auth_token_every_text_is_refused(client, reminded, settings):
    reminded()
    token = settings.FRONTDESK_SMS_AUTH_TOKEN
    settings.FRONTDESK_SMS_AUTH_TOKEN = ""
    assert signed_post(client, "C", token=token).status_code == 403


def test_the_webhook_takes_post_only(client):
    assert client.get(HOOK).status_code == 405


# --- text replies ----------------------------------------------------------------------------------------


def test_c_confirms_and_the_answer_is_texted_back(client, reminded):
    appointment = reminded()
    response = signed_post(client, " c. ")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert f"appointment {appointment.code} is confirmed" in response.content.decode()
    [reply] = ReminderReply.objects.filter(appointment=appointment)
    assert (reply.action, reply.channel) == ("confirm", "sms")
    event = LedgerEvent.objects.get(type="scheduling.appointment.confirmed")
    assert event.event["refs"]["appointment"] == str(appointment.public_id)
    assert "2125550100" not in event.canonical and "Rivera" not in event.canonical


def test_x_cancels_through_the_ordinary_cancel(client, reminded):
    appointment = reminded()
    response = signed_post(client, "X")
    assert "is cancelled" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert not appointment.holds.filter(active=True).exists()
    assert LedgerEvent.objects.filter(type="scheduling.appointment.cancelled").count() == 1
    assert ReminderReply.objects.get(appointment=appointment).action == "cancel"
    # A second X finds no booked appointment any more.
    assert "no upcoming appointment" in signed_post(client, "X").content.decode()


def test_a_reply_after_the_appointment_started_is_refused(reminded):
    appointment = reminded()
    late = appointment.starts_at + timedelta(minutes=5)
    answer = replies.sms_reply_handle(sender=SENDER, body="X", now=late)
    assert "can no longer be changed" in answer
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and not ReminderReply.objects.exists()
    refusal = LedgerEvent.objects.get(type="scheduling.reply.refused")
    assert refusal.event["refs"]["reason"] == "appointment_started"
    assert "confirmed" not in replies.sms_reply_handle(sender=SENDER, body="C", now=late)


def test_an_unknown_number_or_word_changes_nothing(client, reminded):
    appointment = reminded()
    assert "no upcoming appointment" in signed_post(client, "X", sender="+13105550199").content.decode()
    assert "Reply C to confirm" in signed_post(client, "what is this").content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and not ReminderReply.objects.exists()


def test_an_offer_reply_with_no_offer_says_so(client, reminded):
    reminded()
    assert "No offer is waiting for you." in signed_post(client, "1").content.decode()


def test_cancel_spelled_out_stops_texts_as_carriers_do_and_keeps_the_appointment(client, reminded):
    appointment = reminded()
    assert "no more texts" in signed_post(client, "CANCEL").content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_stop_means_no_more_texts_of_any_kind_until_start(client, reminded, django_capture_on_commit_callbacks):
    reminded()
    assert "no more texts" in signed_post(client, "STOP").content.decode()
    assert ContactOptOut.objects.filter(channel="sms").count() == 1
    assert "2125550100" not in LedgerEvent.objects.get(type="scheduling.contact.opted_out").canonical
    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    reminded(last_name="Soto")  # another booking for the same phone: email goes, the text does not
    assert MemorySmsBackend.outbox == [] and len(mail.outbox) == 1
    sms_backend().send(to="2125550100", body="a one-time code")  # nor any other text
    assert MemorySmsBackend.outbox == []
    assert "again" in signed_post(client, "START").content.decode()
    sms_backend().send(to="2125550100", body="a one-time code")
    assert len(MemorySmsBackend.outbox) == 1


def test_the_answer_comes_in_the_persons_language(client, reminded):
    reminded(preferred_language="es")
    assert MemorySmsBackend.outbox[0]["body"].startswith("Recordatorio")
    assert "Responda C para confirmar" in MemorySmsBackend.outbox[0]["body"]
    assert "/es/reply/" in MemorySmsBackend.outbox[0]["body"]
    assert "está confirmada" in signed_post(client, "C").content.decode()


def test_a_reply_handler_can_be_registered_for_offers(reminded, monkeypatch):
    appointment = reminded()
    monkeypatch.setitem(replies.REPLY_HANDLERS, "1", lambda reply: f"offer for {reply.appointment.code}")
    assert replies.sms_reply_handle(sender=SENDER, body="1", now=NOW) == f"offer for {appointment.code}"


# --- what the messages say -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_message_names_the_reason_for_the_visit(reminded, language):
    reminded(preferred_language=language)
    [email] = mail.outbox
    [text] = MemorySmsBackend.outbox
    for body in (email.subject, email.body, text["body"]):
        lowered = body.lower()
        assert "noncitizen" not in lowered and "eligibility" not in lowered and "ciudadan" not in lowered
        assert "1960" not in body and "Rivera" not in body
    assert email.extra_headers["List-Unsubscribe"].startswith("<http://testserver")
    assert len(text["body"]) <= 320  # two SMS segments at most


# --- links -----------------------------------------------------------------------------------------------


def test_an_email_link_confirms_once_and_a_replay_is_refused(client, reminded):
    appointment = reminded()
    url = path_of(link_of(mail.outbox[0].body, "confirm"))
    page = client.get(url)
    assert page.status_code == 200 and "Yes, I will come" in page.content.decode()
    assert not ReminderReply.objects.exists()  # opening the link (a mail scanner does) does nothing
    done = client.post(url)
    assert done.status_code == 200 and "confirmed" in done.content.decode()
    assert ReminderReply.objects.get(appointment=appointment).channel == "link"
    replay = client.post(url)
    assert replay.status_code == 409 and "used already" in replay.content.decode()
    assert ReminderReply.objects.count() == 1
    assert LedgerEvent.objects.get(type="scheduling.reply.refused").event["refs"]["reason"] == "link_used"


def test_the_cancel_link_cancels_after_the_person_says_yes(client, reminded):
    appointment = reminded()
    url = path_of(link_of(mail.outbox[0].body, "cancel"))
    assert "Yes, cancel it" in client.get(url).content.decode()
    client.post(url)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED


def test_a_link_expires_when_the_appointment_starts(reminded):
    appointment = reminded()
    token = replies.reply_link_issue(appointment=appointment, action="cancel", channel="email")
    with pytest.raises(replies.Conflict) as refused:
        replies.reply_link_use(token=token, now=appointment.starts_at)
    assert refused.value.code == "link_expired"
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert ReplyLink.objects.filter(used_at__isnull=False).count() == 0


def test_a_made_up_link_is_refused(client, reminded):
    reminded()
    response = client.post("/reply/not-a-real-token/")
    assert response.status_code == 409 and "not valid" in response.content.decode()


def test_the_reschedule_link_opens_the_reschedule_page_for_that_appointment(client, reminded):
    reminded()
    url = path_of(re.search(r"(http\S+/reply/\S+/)", MemorySmsBackend.outbox[0]["body"])[1])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith("/appointment/reschedule/")
    assert client.get(response["Location"]).status_code == 200
    assert client.post(url).status_code == 409


def test_the_email_stop_link_stops_email_reminders(client, reminded):
    reminded()
    client.post(path_of(link_of(mail.outbox[0].body, "stop")))
    assert ContactOptOut.objects.filter(channel="email").count() == 1
    mail.outbox.clear()
    MemorySmsBackend.outbox.clear()
    reminded(last_name="Soto")
    assert mail.outbox == [] and len(MemorySmsBackend.outbox) == 1


def test_spanish_links_open_spanish_pages(client, reminded):
    reminded(preferred_language="es")
    url = path_of(link_of(mail.outbox[0].body, "confirm"))
    assert url.startswith("/es/reply/")
    page = client.get(url).content.decode()
    assert 'lang="es"' in page and "Sí, voy a ir" in page
    assert "Gracias. Su cita está confirmada." in client.post(url).content.decode()
    assert "Este enlace ya se usó" in client.post(url).content.decode()


def test_a_stopped_number_is_not_swept_up_again(client, reminded):
    reminded()
    signed_post(client, "STOP")
    default_task_backend.clear()
    MemorySmsBackend.outbox.clear()
    appointment = reminded(last_name="Soto", email="")
    assert MemorySmsBackend.outbox == []
    assert reminders_sweep(now=appointment.starts_at - timedelta(hours=2))["queued"] == 0


def test_a_link_to_a_cancelled_appointment_says_it_is_no_longer_booked(client, reminded):
    appointment = reminded()
    url = path_of(link_of(mail.outbox[0].body, "confirm"))
    services.appointment_cancel(actor=None, appointment=appointment, now=NOW)
    refused = client.post(url)
    assert refused.status_code == 409 and "no longer booked" in refused.content.decode()
    assert not ReminderReply.objects.exists()
    assert ReplyLink.objects.filter(used_at__isnull=False).count() == 0  # the refused click spent nothing


def test_the_twilio_backend_posts_to_the_messages_api(monkeypatch, settings, caplog):
    import io
    import urllib.parse
    import urllib.request

    from frontdesk.scheduling.sms import TwilioSmsBackend

    settings.FRONTDESK_TWILIO_ACCOUNT_SID = "AC0123"
    settings.FRONTDESK_TWILIO_FROM_NUMBER = "+15005550006"
    sent = []

    def urlopen(request, timeout):
        sent.append(request)
        return io.BytesIO(b'{"sid": "SM1"}')

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    caplog.set_level("INFO")
    TwilioSmsBackend().send(to="(212) 555-0100", body="hello")
    [request] = sent
    assert request.full_url == "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json"
    assert request.get_header("Authorization").startswith("Basic ")
    form = urllib.parse.parse_qs(request.data.decode())
    assert form == {"To": ["+12125550100"], "From": ["+15005550006"], "Body": ["hello"]}
    assert "2125550100" not in caplog.text and "555-0100" not in caplog.text
