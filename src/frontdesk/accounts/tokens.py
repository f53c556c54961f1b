"""API tokens for staff integrations: their scopes, their format, and how a presented token is checked.

A token reads `fdk_` + 8 characters that name it (its *prefix*, stored and shown) + 32 secret
characters + a 6-character CRC-32 checksum, all base62 (50 characters, one word to double-click). The
fixed `fdk_` start and the checksum let secret scanners find a leaked token and tell it from random
text without asking us. Only a keyed hash of the whole token is stored (HMAC-SHA256 under the PII
hash key, `core.crypto.keyed_digest`): a copy of the database alone cannot be used to call the API.
The reasons are in docs/adr/0019-api-tokens.md.
"""

import hmac
import secrets
import string
import zlib
from enum import StrEnum

from frontdesk.core.crypto import keyed_digest
from frontdesk.core.errors import DomainError, PermissionDenied

from .roles import Role

TOKEN_START = "fdk_"  # noqa: S105 (the public start of every token)
NAME_LENGTH = 8
SECRET_LENGTH = 32
CHECKSUM_LENGTH = 6
TOKEN_LENGTH = len(TOKEN_START) + NAME_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH
PREFIX_LENGTH = len(TOKEN_START) + NAME_LENGTH
_BASE62 = string.digits + string.ascii_letters
_DIGEST_CONTEXT = "api-token"

DEFAULT_DAYS = 30
MAX_DAYS = 90
MAX_LIVE_TOKENS = 10
MAX_NAME = 80


class TokenScope(StrEnum):
    SCHEDULE_READ = "schedule:read"
    SCHEDULE_WRITE = "schedule:write"
    PEOPLE_READ = "people:read"
    DISCLOSURES_READ = "disclosures:read"
    DISCLOSURES_WRITE = "disclosures:write"


SCOPE_LABELS = {
    TokenScope.SCHEDULE_READ: "Read office schedules, appointments and the walk-in queue",
    TokenScope.SCHEDULE_WRITE: "Book, check in, cancel; manage walk-ins and office closures",
    TokenScope.PEOPLE_READ: "Look people up by SSN or name and date of birth",
    TokenScope.DISCLOSURES_READ: "Read disclosure requests, releases, restrictions, accounting and alerts",
    TokenScope.DISCLOSURES_WRITE: "Take in, edit, sign off, reject and release disclosure requests",
}

# Every scope reads or changes personal data: the administrator, who never reads personal data
# (docs/architecture.md), may hold none of them and so issues no token at all.
PERSONAL_DATA_SCOPES = frozenset(TokenScope)

# What each role can do through the API at all. A token's use needs its scope here for one of its
# owner's roles *now* (accounts.policies.token_allows): the services behind each operation then still
# decide office by office and request by request, exactly as for a signed-in session.
ROLE_TOKEN_SCOPES: dict[Role, frozenset[TokenScope]] = {
    # The office's front line: the services still keep them to their own office, and to the disclosure
    # requests they took in (or, for the manager, that their office received).
    Role.COUNTER_CLERK: frozenset(TokenScope),
    Role.TECHNICAL_EXPERT: frozenset(TokenScope),
    Role.OFFICE_MANAGER: frozenset(TokenScope),
    Role.REGIONAL_PRIVACY_OFFICER: frozenset(
        {TokenScope.SCHEDULE_READ, TokenScope.DISCLOSURES_READ, TokenScope.DISCLOSURES_WRITE}
    ),
    Role.GENERAL_COUNSEL: frozenset({TokenScope.DISCLOSURES_READ, TokenScope.DISCLOSURES_WRITE}),
    Role.AUDITOR: frozenset({TokenScope.DISCLOSURES_READ}),
    Role.ADMINISTRATOR: frozenset(),
}


class InvalidToken(DomainError):
    """The presented token is malformed, unknown, expired, revoked, or its owner is switched off.

    One answer for all of these (RFC 6750 `invalid_token`): a caller learns nothing about which tokens exist.
    """

    status = 401
    code = "invalid_token"

    def __init__(self, reason: str) -> None:
        super().__init__("The API token is not valid: it is unknown, expired or revoked. Ask for a new one.")
        self.reason = reason


def _base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def _checksum(body: str) -> str:
    value = zlib.crc32(body.encode())
    digits = []
    for _ in range(CHECKSUM_LENGTH):
        value, rest = divmod(value, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits))


def token_new() -> tuple[str, str]:
    """A fresh token and its prefix (the part that is stored and shown)."""
    body = TOKEN_START + _base62(NAME_LENGTH) + _base62(SECRET_LENGTH)
    return body + _checksum(body), body[:PREFIX_LENGTH]


def token_digest(raw: str) -> str:
    return keyed_digest(_DIGEST_CONTEXT, raw)


def token_prefix(raw: str) -> str | None:
    """The prefix of a well-formed token, None for anything else (no database look-up for junk)."""
    if len(raw) != TOKEN_LENGTH or not raw.startswith(TOKEN_START):
        return None
    rest = raw[len(TOKEN_START) :]
    if any(c not in _BASE62 for c in rest):
        return None
    body, checksum = raw[:-CHECKSUM_LENGTH], raw[-CHECKSUM_LENGTH:]
    if not hmac.compare_digest(_checksum(body), checksum):
        return None
    return raw[:PREFIX_LENGTH]


def digest_matches(raw: str, stored: str) -> bool:
    return hmac.compare_digest(token_digest(raw), stored)


class InsufficientScope(PermissionDenied):
    """The token lacks the operation's scope, or its owner's roles no longer reach it (RFC 6750 403)."""

    code = "insufficient_scope"

    def __init__(self, message: str, *, scope: str) -> None:
        super().__init__(message)
        self.scope = scope
