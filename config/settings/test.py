"""Test settings: throwaway keys made per run, fast hashing, mail and tasks kept in memory."""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("FRONTDESK_PII_HASH_KEY", secrets.token_hex(32))
os.environ.setdefault("FRONTDESK_PSEUDONYM_KEY", secrets.token_hex(32))
os.environ.setdefault("FRONTDESK_PII_ENCRYPTION_KEYS", secrets.token_hex(32))
os.environ.setdefault("FRONTDESK_SECRETS_FILE", "/nonexistent")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
FRONTDESK_SMS_BACKEND = "frontdesk.scheduling.sms.MemorySmsBackend"
FRONTDESK_SMS_AUTH_TOKEN = secrets.token_hex(16)
FRONTDESK_PUBLIC_BASE_URL = "http://testserver"
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: concurrency tests need several connections to one database.
    # One file per test process, so two test runs on one machine never share (and break) a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-frontdesk-{os.getpid()}.sqlite3")}  # noqa: F405
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STATIC_ROOT = None  # whitenoise serves from finders in tests; no collectstatic
WHITENOISE_USE_FINDERS = True

# A second connection to the test database, standing in for a standby in the routing tests
# (tests/db/test_replica_routing.py). It sees only committed rows, as a standby that has not replayed a
# write would; nothing reads from it unless a test puts it in FRONTDESK_READ_REPLICAS.
if not FRONTDESK_READ_REPLICAS:  # noqa: F405
    DATABASES["replica_1"] = DATABASES["default"] | {"TEST": {"MIRROR": "default"}}  # noqa: F405
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
        # A reader: it must not try to switch the journal mode while the test's transaction writes.
        DATABASES["replica_1"]["OPTIONS"] = {"timeout": 5}  # noqa: F405

# Rate-limit counters in the test database, whatever REDIS_URL the environment has: each xdist worker has
# its own database, and every test's rollback (or flush) resets them. The limits stay on, as in production.
CACHES["ratelimit"] = {  # noqa: F405
    "BACKEND": "frontdesk.core.counter_cache.CounterDatabaseCache",
    "LOCATION": "frontdesk_rate_limit_cache",
    "OPTIONS": {"MAX_ENTRIES": 200_000},
}
