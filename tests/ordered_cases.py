"""Tests in a fixed order, run by test_transactional_isolation.py in a pytest of its own: each would fail
if what a test before it did leaked into it. Not collected by the suite (the name does not start with test_).
pytest-django runs them as d (plain db), a, b, c (transactional), e (no database).

Three transactional tests: the first two take only the
`transactional_db` fixture, no marker: before tests/conftest.py gave every transactional test serialized
rollback, the first one's closing flush took the service catalog with it (the second one failed) and
re-created the content types under new ids (the third one's restore failed on their unique constraint).
"""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from frontdesk.scheduling.catalog import SERVICES
from frontdesk.scheduling.models import Service
from tests.factories import OfficeFactory


def migrated_data_is_intact() -> None:
    assert sorted(Service.objects.values_list("code", flat=True)) == sorted(entry["code"] for entry in SERVICES)
    assert ContentType.objects.get_for_model(Service, for_concrete_model=True).app_label == "scheduling"


def test_a_writes_and_commits(transactional_db):
    migrated_data_is_intact()
    OfficeFactory(code="ISO1")


def test_b_finds_the_migrated_data_again(transactional_db):
    migrated_data_is_intact()
    assert not OfficeFactory._meta.model.objects.filter(code="ISO1").exists()
    OfficeFactory(code="ISO2")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_c_restores_the_snapshot():
    migrated_data_is_intact()
    assert not OfficeFactory._meta.model.objects.exists()


# LocaleMiddleware activates the request's language in the test's thread; tests/conftest.py undoes it.
def test_d_asks_for_a_spanish_page(client, db):
    assert client.get("/es/").status_code == 200
    assert translation.get_language() == "es"


def test_e_starts_in_the_default_language():
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert reverse("public:home") == "/"
