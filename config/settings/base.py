"""Settings shared by every environment.

Secrets come from the environment (or from `var/secrets.env`, which `make run` writes for the demo
and git ignores). Nothing secret lives in the repository.
"""

import os
from pathlib import Path

import dj_database_url
from dj_database_url import DBConfig
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("FRONTDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _load_secrets_file(path: Path) -> None:
    """Fill missing environment variables from a KEY=VALUE file (the demo's generated secrets)."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


_load_secrets_file(Path(os.environ.get("FRONTDESK_SECRETS_FILE", VAR_DIR / "secrets.env")))


def env_secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Put it in the environment, or run `frontdesk init-secrets` (or `make run`) "
            "to write random demo secrets to var/secrets.env."
        )
    return value


SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

# Keys for personal identifiers (see docs/adr/0003-personal-identifiers.md).
FRONTDESK_PII_HASH_KEY = env_secret("FRONTDESK_PII_HASH_KEY")
FRONTDESK_PSEUDONYM_KEY = env_secret("FRONTDESK_PSEUDONYM_KEY")
# Comma-separated, newest first: decryption tries each, encryption uses the first (key rotation).
FRONTDESK_PII_ENCRYPTION_KEYS = env_secret("FRONTDESK_PII_ENCRYPTION_KEYS").split(",")
FRONTDESK_LEDGER_SIGNING_KEY = os.environ.get("FRONTDESK_LEDGER_SIGNING_KEY", "")
FRONTDESK_LEDGER_SIGNING_KEY_FILE = os.environ.get(
    "FRONTDESK_LEDGER_SIGNING_KEY_FILE", str(VAR_DIR / "ledger-signing-key.pem")
)
FRONTDESK_LEDGER_ORIGIN = os.environ.get("FRONTDESK_LEDGER_ORIGIN", "frontdesk.example.gov/ledger")
# Witnesses that cosign the ledger's checkpoints (docs/adr/0020-witnessed-checkpoints.md): entries
# "<url> <witness key>" separated by ";" or newlines; the quorum of them that makes a checkpoint count
# as witnessed; how long a cosignature stays fresh; how long the signer waits for each witness.
FRONTDESK_LEDGER_WITNESSES = [
    entry.strip()
    for entry in os.environ.get("FRONTDESK_LEDGER_WITNESSES", "").replace("\n", ";").split(";")
    if entry.strip()
]
FRONTDESK_LEDGER_WITNESS_QUORUM = int(os.environ.get("FRONTDESK_LEDGER_WITNESS_QUORUM", "0") or "0")
FRONTDESK_LEDGER_WITNESS_MAX_AGE = int(os.environ.get("FRONTDESK_LEDGER_WITNESS_MAX_AGE", "3600") or "3600")
FRONTDESK_LEDGER_WITNESS_TIMEOUT = float(os.environ.get("FRONTDESK_LEDGER_WITNESS_TIMEOUT", "5") or "5")
# How often (seconds, per process) a commit that appended ledger events also sequences the tree after
# the commit; "inf" leaves it to `ledger checkpoint --every N` (the signer) and to proofs, which
# sequence on demand. Production sets "inf" so that no booking pays for it (docs/adr/0029).
FRONTDESK_LEDGER_SEQUENCE_SECONDS = float(os.environ.get("FRONTDESK_LEDGER_SEQUENCE_SECONDS", "0.2") or "0.2")
# Offices and services read per request are cached per process this many seconds (0: off);
# saving one forgets it in that process at once (frontdesk/core/reference_cache.py, docs/adr/0029).
FRONTDESK_REFERENCE_CACHE_SECONDS = float(os.environ.get("FRONTDESK_REFERENCE_CACHE_SECONDS", "30") or "0")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "frontdesk.core",
    "frontdesk.accounts",
    "frontdesk.offices",
    "frontdesk.scheduling",
    "frontdesk.ledger",
    "frontdesk.disclosures",
    "frontdesk.api",
    "frontdesk.jobs",
    "frontdesk.floor",
    "frontdesk.stats",
    "frontdesk.identity",
    # The web: public site and staff console (docs/adr/0006-web-stack.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "frontdesk.web",
    "frontdesk.public",
    "frontdesk.console",
    # Serves the API docs' Swagger UI from local static files (not a CDN), so they work under the CSP.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # With standbys configured: a client that wrote reads the primary until a standby has caught up.
    "frontdesk.core.replicas.ReadYourWritesMiddleware",
    # Error answers under /api/ and /ledger/ are JSON whoever produced them (config/errors.py).
    "config.errors.JsonErrorsMiddleware",
    # A request that lost the database (a failover, a restart) is a 503 with Retry-After, not a 500.
    "config.errors.DatabaseUnavailableMiddleware",
    "frontdesk.core.middleware.RejectNulMiddleware",
    # Under /api/: bodies must be declared JSON (415), and answers are no-store unless a view says otherwise.
    "frontdesk.core.middleware.JsonBodiesOnlyMiddleware",
    "frontdesk.core.middleware.ApiNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Deny by default: every public and console URL must map to an access rule (console/access.py).
    "frontdesk.console.access.AccessRuleMiddleware",
    # Public look-ups (by code, by identity) answer 429 past the per-client limit, on the site and the API.
    "frontdesk.public.throttle.LookupThrottleMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Error pages and JSON errors by surface (docs/adr/0009-error-responses.md); handlers are in config/urls.py.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "frontdesk.web.context.site",
            ],
        },
    },
]


def _multi_host(url: str) -> tuple[str, str, str]:
    """A libpq multi-host URL (`postgres://user@h1:5432,h2:5433/db?target_session_attrs=read-write`):
    the URL with its first host only, and the HOST and PORT lists libpq takes. After a failover the
    connection goes to whichever host accepts writes (docs/runbooks/failover.md)."""
    scheme, rest = url.split("://", 1)
    authority, _, path = rest.partition("/")
    credentials, _, hosts = authority.rpartition("@")
    names, ports = [], []
    for host in hosts.split(","):
        name, _, port = host.partition(":")
        names.append(name)
        ports.append(port or "5432")
    first = f"{credentials}@{names[0]}:{ports[0]}" if credentials else f"{names[0]}:{ports[0]}"
    return f"{scheme}://{first}/{path}", ",".join(names), ",".join(ports)


def database_from_url(url: str) -> DBConfig:
    hosts = None
    if url.startswith(("postgres://", "postgresql://")) and "," in url.split("/")[2]:
        url, *hosts = _multi_host(url)
    # Health checks: a persistent connection the server dropped is replaced before a request uses it.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if hosts:
        config["HOST"], config["PORT"] = hosts
    if config["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("FRONTDESK_DB_PREPARE", "1") != "0":
        # Parameters travel apart from the SQL, so psycopg prepares a statement a connection has sent
        # twice and afterwards sends only its name and values: PostgreSQL skips parsing and planning
        # the booking's ~20 statements (a quarter of its CPU per booking; docs/adr/0038). Not behind
        # PgBouncer in transaction mode (prepared statements are per server connection):
        # FRONTDESK_DB_PREPARE=0 turns both off.
        config["OPTIONS"] = {
            **config.get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": int(os.environ.get("FRONTDESK_DB_PREPARE_THRESHOLD", "2")),
        }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so
        # booking transactions are serialized instead of failing late with "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    return config


def database_owner_from_url(url: str, app: DBConfig) -> DBConfig | None:
    """The schema owner's connection for `migrate` (PostgreSQL only; docs/adr/0008-database-roles.md).

    DATABASE_URL stays the application's connection; only the role (and its password) differ."""
    if not url:
        return None
    owner = database_from_url(url)
    if app["ENGINE"] != "django.db.backends.postgresql" or owner["ENGINE"] != app["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL is for PostgreSQL, where migrations run as the schema owner and the application "
            "as a role that owns nothing; both it and DATABASE_URL must be postgres:// URLs (or unset it)."
        )
    for key in ("NAME", "HOST", "PORT"):
        if owner[key] != app[key]:
            raise ImproperlyConfigured(
                f"DATABASE_OWNER_URL and DATABASE_URL must name the same database; their {key.lower()} differs "
                f"({owner[key]!r} and {app[key]!r})."
            )
    if owner["USER"] == app["USER"]:
        raise ImproperlyConfigured(
            f"DATABASE_OWNER_URL and DATABASE_URL both connect as {app['USER']!r}: give the application its own "
            "role (`frontdesk db_roles` creates both), or unset DATABASE_OWNER_URL for a one-role setup."
        )
    return owner


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'frontdesk.sqlite3'}"))}


def replicas_from_urls(urls: str, primary: DBConfig) -> dict[str, DBConfig]:
    """Hot standbys for reads that tolerate lag (docs/adr/0021-read-replicas.md), as `replica_N` aliases.

    DATABASE_REPLICA_URLS holds their URLs separated by spaces; unset, everything reads the primary."""
    replicas: dict[str, DBConfig] = {}
    for number, url in enumerate(urls.split(), start=1):
        replica = database_from_url(url)
        if primary["ENGINE"] != "django.db.backends.postgresql" or replica["ENGINE"] != primary["ENGINE"]:
            raise ImproperlyConfigured(
                "DATABASE_REPLICA_URLS lists PostgreSQL standbys of a PostgreSQL DATABASE_URL (streaming "
                f"replication); entry {number} is not one. Unset it to read everything from the primary."
            )
        # Tests never create a standby's database: it mirrors the primary's.
        replica["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{number}"] = replica
    return replicas


DATABASES |= replicas_from_urls(os.environ.get("DATABASE_REPLICA_URLS", ""), DATABASES["default"])
FRONTDESK_READ_REPLICAS = [alias for alias in DATABASES if alias.startswith("replica_")]
DATABASE_ROUTERS = ["frontdesk.core.replicas.ReplicaRouter"]
# With two roles, `migrate` connects as this owner; everything else as DATABASE_URL's role.
FRONTDESK_DATABASE_OWNER = database_owner_from_url(os.environ.get("DATABASE_OWNER_URL", ""), DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
# USWDS 3, precompiled (`npm ci` puts it in node_modules; no Sass build). Only what pages load is served.
USWDS_DIST = BASE_DIR / "node_modules" / "@uswds" / "uswds" / "dist"
STATICFILES_DIRS = [(f"uswds/{part}", USWDS_DIST / part) for part in ("css", "js", "fonts", "img")]

# Security headers and cookies: secure by default; dev relaxes only what plain HTTP needs.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 8 * 3600

# --- The web: sign-in, MFA, lockout and the content security policy (docs/adr/0006-web-stack.md) ---
LOGIN_URL = "console:sign-in"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: a locked username may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False  # no start-up banner on every command, no full client details in failure logs
OTP_TOTP_ISSUER = "frontdesk"
OTP_TOTP_THROTTLE_FACTOR = 1
# Staff may enrol their own authenticator at first sign-in (demo); production has an administrator
# issue keys with `frontdesk mfa_issue` instead, so a stolen password alone cannot enrol a device.
FRONTDESK_MFA_SELF_ENROLL = os.environ.get("FRONTDESK_MFA_SELF_ENROLL", "1") == "1"
# The demo's conveniences (`frontdesk mfa_code`); only config.settings.dev turns this on. Not DEBUG: the
# demo runs with DEBUG off, like production.
FRONTDESK_DEMO = False
SESSION_COOKIE_NAME = "frontdesk_session"
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_PRELOAD = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# Unless configured, email and texts are printed: to FRONTDESK_OUTBOX when set (`make run`: var/log/outbox.log,
# one file whichever process sends), else to each process's output (frontdesk/core/outbox.py).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "frontdesk.core.outbox.EmailBackend")
FRONTDESK_OUTBOX = os.environ.get("FRONTDESK_OUTBOX", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@frontdesk.example.gov")
FRONTDESK_SMS_BACKEND = os.environ.get("FRONTDESK_SMS_BACKEND", "frontdesk.scheduling.sms.ConsoleSmsBackend")
FRONTDESK_REMINDER_HOURS_BEFORE = int(os.environ.get("FRONTDESK_REMINDER_HOURS_BEFORE", "24"))
# Replies to reminders (docs/adr/0024-reminders-people-can-answer.md). The SMS provider's auth token signs
# its inbound webhooks; without one every inbound text is refused. Twilio's account and sender number are
# needed only by frontdesk.scheduling.sms.TwilioSmsBackend. Links in messages start with the public URL.
FRONTDESK_SMS_AUTH_TOKEN = os.environ.get("FRONTDESK_SMS_AUTH_TOKEN", "")
FRONTDESK_TWILIO_ACCOUNT_SID = os.environ.get("FRONTDESK_TWILIO_ACCOUNT_SID", "")
FRONTDESK_TWILIO_FROM_NUMBER = os.environ.get("FRONTDESK_TWILIO_FROM_NUMBER", "")
FRONTDESK_PUBLIC_BASE_URL = os.environ.get("FRONTDESK_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Sign-in for the public with Login.gov (docs/adr/0032-public-sign-in-with-login-gov.md) ---
# OpenID Connect, authorization code flow with PKCE and private_key_jwt. With no issuer the sign-in link is
# hidden and its pages answer 404. The client key is a PEM file (`make run` writes a demo one to var/).
FRONTDESK_OIDC_ISSUER = os.environ.get("FRONTDESK_OIDC_ISSUER", "").rstrip("/")
FRONTDESK_OIDC_CLIENT_ID = os.environ.get("FRONTDESK_OIDC_CLIENT_ID", "")
FRONTDESK_OIDC_CLIENT_KEY_FILE = os.environ.get("FRONTDESK_OIDC_CLIENT_KEY_FILE", str(VAR_DIR / "oidc-client-key.pem"))
FRONTDESK_OIDC_TIMEOUT = float(os.environ.get("FRONTDESK_OIDC_TIMEOUT", "10") or "10")

# --- Rate limits on public look-ups (docs/adr/0018-rate-limits-on-public-look-ups.md) ---
# Counters live in a store every worker shares: the database (table made by a scheduling migration), or
# Redis when FRONTDESK_REDIS_URL (or REDIS_URL) is set. Never the per-process memory cache.
_REDIS_URL = os.environ.get("FRONTDESK_REDIS_URL") or os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL, "KEY_PREFIX": "fd"}
        if _REDIS_URL
        else {
            "BACKEND": "frontdesk.core.counter_cache.CounterDatabaseCache",
            "LOCATION": "frontdesk_rate_limit_cache",
            # Culling at Django's default of 300 rows would let a flood of made-up codes evict real counters.
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
# Tries per client address (all public look-ups together) and per confirmation code, "count/period".
FRONTDESK_LOOKUP_RATE_CLIENT = os.environ.get("FRONTDESK_LOOKUP_RATE_CLIENT", "30/10m")
FRONTDESK_LOOKUP_RATE_CODE = os.environ.get("FRONTDESK_LOOKUP_RATE_CODE", "10/10m")
# An enrolled kiosk device (docs/adr/0035): a busy office checks in a few hundred people a day, most in
# the morning rush; 120 tries in 10 minutes is one every 5 seconds, typing mistakes included.
FRONTDESK_LOOKUP_RATE_KIOSK = os.environ.get("FRONTDESK_LOOKUP_RATE_KIOSK", "120/10m")
# Public bookings and moves per person (names and birth date), from any client.
FRONTDESK_BOOKING_RATE_PERSON = os.environ.get("FRONTDESK_BOOKING_RATE_PERSON", "6/d")
# New public bookings per client address (for anyone), on top of the look-up limit they also count in.
FRONTDESK_BOOKING_RATE_CLIENT = os.environ.get("FRONTDESK_BOOKING_RATE_CLIENT", "20/d")
# Failed look-ups on one code before it needs a one-time code sent to the contact on file.
FRONTDESK_LOOKUP_LOCK_AFTER = int(os.environ.get("FRONTDESK_LOOKUP_LOCK_AFTER", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FRONTDESK_LOG_LEVEL", "INFO")},
}
