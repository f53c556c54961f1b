"""`frontdesk sms_reply NUMBER TEXT`: answer a reminder by text in the running demo, as a person would.

The demo's texts are written to var/log/outbox.log (the printing backend); this is the way back. It posts
TEXT from NUMBER to the server's SMS webhook, signed the way the provider signs (Twilio's conventions, with the demo's
FRONTDESK_SMS_AUTH_TOKEN), and prints the text the person would get in answer. The server checks the
signature as it checks the provider's, so the whole path runs: "C" confirms, "X" cancels, "1"/"2" take or
refuse an offer, STOP stops texts. Demo only (FRONTDESK_DEMO): in production only the provider posts there.
"""

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from frontdesk.scheduling.sms import normalize_number, twilio_signature

_ANSWER = re.compile(r"<Message>(.*?)</Message>", re.S)


class Command(BaseCommand):
    help = "Text the running demo's SMS webhook as a person answering a reminder (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="The phone number on file, e.g. 2075550147")
        parser.add_argument("text", help='What the person texts: "C", "X", "1", "2", "STOP", ...')
        parser.add_argument(
            "--url",
            default=settings.FRONTDESK_PUBLIC_BASE_URL,
            help="The server's public address, as it knows it (default FRONTDESK_PUBLIC_BASE_URL; "
            "`PORT=8200 make run` serves http://127.0.0.1:8200)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FRONTDESK_DEMO:
            raise CommandError(
                "sms_reply runs only in the demo (config.settings.dev): in production only the SMS provider posts "
                "to the webhook."
            )
        token = settings.FRONTDESK_SMS_AUTH_TOKEN
        if not token:
            raise CommandError("FRONTDESK_SMS_AUTH_TOKEN is not set: `make run` writes one into var/secrets.env.")
        digits = normalize_number(options["number"])
        if not 11 <= len(digits) <= 15:
            raise CommandError(f"{options['number']!r} is not a phone number: give the one on file, e.g. 2075550147.")
        text = options["text"].strip()
        if not text or len(text) > 160:
            raise CommandError("Give the text to send: one short message, such as C, X, 1, 2 or STOP.")
        if not options["url"].startswith(("http://", "https://")):
            raise CommandError(f"--url {options['url']!r} is not a web address: give http://HOST:PORT.")
        url = options["url"].rstrip("/") + reverse("public:sms-inbound")
        params = {"From": f"+{digits}", "To": settings.FRONTDESK_TWILIO_FROM_NUMBER or "demo", "Body": text}
        request = urllib.request.Request(  # noqa: S310 (an http(s) address, checked above)
            url,
            data=urllib.parse.urlencode(params).encode(),
            method="POST",
            headers={"X-Twilio-Signature": twilio_signature(token, url, {k: [v] for k, v in params.items()})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer = response.read().decode()
        except urllib.error.HTTPError as refused:
            raise CommandError(
                f"The server answered {refused.code}: {refused.read().decode(errors='replace')[:200]} (is --url the "
                "address the server was started with?)"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise CommandError(f"No server answered at {options['url']} ({reason}): is `make run` running?") from None
        found = _ANSWER.search(answer)
        self.stdout.write(html.unescape(found.group(1)) if found else answer)
