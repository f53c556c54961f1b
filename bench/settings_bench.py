"""Production settings for benchmarks on this machine: plain HTTP on 127.0.0.1, nothing else relaxed.

Secrets come from the file in FRONTDESK_SECRETS_FILE (bench/run.py writes a throwaway one per run).
"""

from config.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False  # the benchmark client speaks plain HTTP to 127.0.0.1
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None  # the API serves no static files; whitenoise reads them from the apps
WHITENOISE_USE_FINDERS = True
