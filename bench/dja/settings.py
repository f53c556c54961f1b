"""Django settings for running django-appointment beside frontdesk (bench/dja_bench.py).

Used only inside its own throwaway virtualenv (never frontdesk's): the package is not a frontdesk
dependency. SQLite file from DJA_BENCH_DB; the same office hours and time zone as the frontdesk side.
"""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "America/New_York"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "appointment",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJA_BENCH_DB", "/tmp/dja-bench.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "auth.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
STATIC_URL = "static/"
APPOINTMENT_WEBSITE_NAME = "bench"
APPOINTMENT_SLOT_DURATION = 15
APPOINTMENT_LEAD_TIME = (9, 0)
APPOINTMENT_FINISH_TIME = (16, 0)
APPOINTMENT_BUFFER_TIME = 0
LOGGING = {"version": 1, "disable_existing_loggers": True}
