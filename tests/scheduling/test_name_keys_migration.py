"""Migration 0004 recomputes the stored last-name keys that the every-script key changed."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from frontdesk.scheduling.models import Person
from frontdesk.scheduling.names import name_key

migration = importlib.import_module("frontdesk.scheduling.migrations.0004_name_keys_every_script")


@pytest.mark.django_db
def test_stale_keys_are_recomputed_and_ascii_names_are_left_alone():
    born = date(1970, 1, 1)
    stale = Person.objects.create(first_name="Søren", last_name="Sørensen", last_name_key="srensen", date_of_birth=born)
    arabic = Person.objects.create(first_name="محمد", last_name="عبد الله", last_name_key="", date_of_birth=born)
    plain = Person.objects.create(first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth=born)
    migration.rekey(apps, None)
    for person in (stale, arabic, plain):
        person.refresh_from_db()
        assert person.last_name_key == name_key(person.last_name) != ""
    assert migration._key("Ñúñez-O'Brien") == name_key("Ñúñez-O'Brien")
