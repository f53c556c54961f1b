"""A test-only URLconf: the whole site, plus views that fail, to see what each surface answers.

Tests opt in with `@pytest.mark.urls("tests.errors.failing_urls")`; the site itself never has these.
"""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path
from ninja import NinjaAPI

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401  (Django reads them here)
from config.urls import urlpatterns as site

SECRET = "secret-detail-4f1c: /srv/frontdesk/config/settings/base.py"

failing_api = NinjaAPI(urls_namespace="failing-api", docs_url=None, openapi_url=None)


@failing_api.get("/explode")
def api_explode(request):
    raise RuntimeError(SECRET)


@failing_api.get("/database-away")
def api_database_away(request):
    raise OperationalError(SECRET)


@failing_api.get("/refuse")
def api_refuse(request):
    raise PermissionDenied(SECRET)


@failing_api.get("/suspicious")
def api_suspicious(request):
    raise SuspiciousOperation(SECRET)


def explode(request):
    raise RuntimeError(SECRET)


def refuse(request):
    raise PermissionDenied(SECRET)


def suspicious(request):
    raise SuspiciousOperation(SECRET)


def database_away(request):
    raise OperationalError(SECRET)


def _failing(prefix: str) -> list:
    return [
        path(f"{prefix}explode/", explode),
        path(f"{prefix}database-away/", database_away),
        path(f"{prefix}refuse/", refuse),
        path(f"{prefix}suspicious/", suspicious),
    ]


urlpatterns = [
    path("api/failing/", failing_api.urls),
    *_failing("console/failing/"),
    *_failing("es/failing/"),
    *_failing("failing/"),
    *site,
]
