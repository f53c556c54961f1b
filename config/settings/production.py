"""Production: everything from the environment; refuses to start without its secrets."""

from .base import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Authenticator keys are issued by an administrator (`frontdesk mfa_issue`), never self-enrolled.
FRONTDESK_MFA_SELF_ENROLL = os.environ.get("FRONTDESK_MFA_SELF_ENROLL", "0") == "1"  # noqa: F405
FRONTDESK_DEMO = False  # never, whatever the environment says
# Requests append ledger events to the pending queue and leave sequencing to the signer process (every
# few seconds); every proof or export sequences what it needs first. The ledger still sequences once,
# at a process's first commit (docs/adr/0029-a-lean-booking-path.md).
FRONTDESK_LEDGER_SEQUENCE_SECONDS = float(os.environ.get("FRONTDESK_LEDGER_SEQUENCE_SECONDS", "inf") or "inf")  # noqa: F405
