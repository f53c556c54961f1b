"""Text messages go through a provider interface: outbound `send`, inbound `inbound` (verify, then parse).

Every backend speaks Twilio's webhook conventions for inbound texts (form fields `From` and `Body`, signed
with `X-Twilio-Signature`); `TwilioSmsBackend` also sends through Twilio's REST API, the console backend
logs and the memory one keeps messages for tests. Whatever the backend, a number that said STOP gets no
text at all (`sms_backend()` wraps each one), and numbers never reach a log in clear.
(docs/adr/0024-reminders-people-can-answer.md)
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from frontdesk.core.crypto import keyed_digest
from frontdesk.core.outbox import RULE, outbox

logger = logging.getLogger(__name__)

_NOT_DIGITS = re.compile(r"\D")
SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"


def normalize_number(number: str) -> str:
    """Digits with the country code: a ten-digit US number gains its leading 1 (stored numbers often lack it,
    providers always send E.164)."""
    digits = _NOT_DIGITS.sub("", number or "")
    return f"1{digits}" if len(digits) == 10 else digits


def address_key(channel: str, address: str) -> str:
    """The keyed hash an address is known by (opt-outs, reminders sent): never the address itself."""
    value = normalize_number(address) if channel == "sms" else (address or "").strip().casefold()
    return keyed_digest(f"contact-{channel}", value)


@dataclass(frozen=True)
class InboundSms:
    sender: str  # digits with country code; kept in memory only
    body: str


def twilio_signature(auth_token: str, url: str, params: dict[str, list[str]]) -> str:
    """Twilio's request signature: base64(HMAC-SHA1(auth token, URL + each POST name and value, by name))."""
    payload = url + "".join(f"{name}{value}" for name in sorted(params) for value in sorted(params[name]))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def webhook_url(request: HttpRequest) -> str:
    """The URL the provider called, query included: behind a proxy, the configured public base URL."""
    return f"{settings.FRONTDESK_PUBLIC_BASE_URL}{request.get_full_path()}"


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...

    def inbound(self, request: HttpRequest) -> InboundSms | None: ...


class TwilioWebhook:
    """Inbound texts in Twilio's format, accepted only with a valid signature (None otherwise)."""

    def inbound(self, request: HttpRequest) -> InboundSms | None:
        token = settings.FRONTDESK_SMS_AUTH_TOKEN
        given = request.META.get(SIGNATURE_HEADER, "")
        if not token or not given:
            return None
        params = {name: request.POST.getlist(name) for name in request.POST}
        expected = twilio_signature(token, webhook_url(request), params)
        if not hmac.compare_digest(expected.encode(), given.encode()):
            return None
        return InboundSms(sender=normalize_number(request.POST.get("From", "")), body=request.POST.get("Body", ""))


class TwilioSmsBackend(TwilioWebhook):
    """Sends through Twilio's Messages API (account SID, auth token and sender number from the environment)."""

    api = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, *, to: str, body: str) -> None:
        sid, token = settings.FRONTDESK_TWILIO_ACCOUNT_SID, settings.FRONTDESK_SMS_AUTH_TOKEN
        data = urllib.parse.urlencode(
            {"To": f"+{normalize_number(to)}", "From": settings.FRONTDESK_TWILIO_FROM_NUMBER, "Body": body}
        ).encode()
        request = urllib.request.Request(self.api.format(sid=sid), data=data, method="POST")  # noqa: S310
        credentials = base64.b64encode(f"{sid}:{token}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a fixed https URL)
            answer = json.loads(response.read() or b"{}")
        logger.info("SMS to ***%s queued by the provider (%s).", to[-4:], answer.get("sid", "no id"))


class ConsoleSmsBackend(TwilioWebhook):
    """The demo's: texts are printed, to the outbox when there is one (frontdesk.core.outbox)."""

    def send(self, *, to: str, body: str) -> None:
        # The number is masked: logs never carry a full phone number.
        with outbox() as file:
            if file is None:
                logger.info("SMS to ***%s: %s", to[-4:], body)
            else:
                file.write(f"SMS to ***{to[-4:]}: {body}\n{RULE}\n")


class MemorySmsBackend(TwilioWebhook):
    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str) -> None:
        MemorySmsBackend.outbox.append({"to": to, "body": body})


class OptOutRespectingBackend:
    """The configured backend, except that a number that said STOP is sent nothing (every kind of text)."""

    def __init__(self, inner: SmsBackend) -> None:
        self.inner = inner

    def send(self, *, to: str, body: str) -> None:
        if sms_opted_out(to):
            logger.info("SMS to ***%s not sent: the number said STOP.", to[-4:])
            return
        self.inner.send(to=to, body=body)

    def inbound(self, request: HttpRequest) -> InboundSms | None:
        return self.inner.inbound(request)


def sms_opted_out(number: str) -> bool:
    from .models import ContactOptOut

    return ContactOptOut.objects.filter(channel="sms", address_key=address_key("sms", number)).exists()


def sms_backend() -> SmsBackend:
    return OptOutRespectingBackend(import_string(settings.FRONTDESK_SMS_BACKEND)())
