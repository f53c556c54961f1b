"""Text messages go through a provider interface; the console backend prints, the memory one keeps."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str) -> None:
        # The number is masked: logs never carry a full phone number.
        logger.info("SMS to ***%s: %s", to[-4:], body)


class MemorySmsBackend:
    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str) -> None:
        MemorySmsBackend.outbox.append({"to": to, "body": body})


def sms_backend() -> SmsBackend:
    return import_string(settings.FRONTDESK_SMS_BACKEND)()
