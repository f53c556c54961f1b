"""Every stored field of a person, an appointment and the records that hang off them has a data
category; a field added without one fails here."""

import pytest
from django.apps import apps

from frontdesk.disclosures.categories import (
    FIELD_CATEGORIES,
    RELEASABLE,
    SERVICE_REVEALS,
    DataCategory,
    categories_of,
)
from frontdesk.disclosures.packet import RECORD_FIELDS
from frontdesk.scheduling.catalog import SERVICES
from frontdesk.scheduling.models import Appointment, Person, Service


def concrete_fields(model):
    return [f for f in model._meta.get_fields() if f.concrete]


@pytest.mark.parametrize("label", sorted(FIELD_CATEGORIES))
def test_every_concrete_field_of_a_registered_model_has_a_category(label):
    model = apps.get_model(label)
    missing = [f.name for f in concrete_fields(model) if f.name not in FIELD_CATEGORIES[label]]
    assert not missing, f"{label} fields without a data category: {missing}"
    stale = sorted(set(FIELD_CATEGORIES[label]) - {f.name for f in concrete_fields(model)})
    assert not stale, f"{label} has categories for fields that no longer exist: {stale}"
    for name, categories in FIELD_CATEGORIES[label].items():
        assert categories and categories <= set(DataCategory.values), (label, name)


@pytest.mark.parametrize("app", ["scheduling", "floor"])
def test_every_model_of_a_person_records_app_that_holds_personal_data_is_registered(app):
    """A new model pointing at a person or an appointment (or a companion, a floor ticket) in the apps whose
    records go into a packet must be mapped."""
    personal = {Person, Appointment}
    for model in apps.get_app_config(app).get_models():
        points_at_person = any(
            f.is_relation and f.concrete and f.related_model in personal for f in model._meta.get_fields()
        )
        if model in personal or points_at_person:
            assert model._meta.label in FIELD_CATEGORIES, f"{model._meta.label} holds personal data: map its fields"


def test_the_ssn_and_identity_fields_are_where_they_should_be():
    assert categories_of("scheduling.Person", "ssn_encrypted") == {"ssn"}
    assert categories_of("scheduling.Person", "date_of_birth") == {"identity"}
    assert categories_of("scheduling.Appointment", "starts_at") == {"appointment_schedule"}
    # A confirmation code is a credential: never releasable.
    assert categories_of("scheduling.Appointment", "code") == {"record_metadata"}
    assert "record_metadata" not in RELEASABLE
    with pytest.raises(KeyError):
        categories_of("scheduling.Person", "favourite_colour")


@pytest.mark.django_db
def test_the_reason_for_a_noncitizen_review_also_reveals_immigration_status():
    review = Appointment(service=Service.objects.get(code="noncitizen_eligibility_review"))
    card = Appointment(service=Service.objects.get(code="ssn_card_original_documents"))
    assert categories_of("scheduling.Appointment", "service", review) >= {
        "appointment_reason",
        "citizenship_immigration_status",
    }
    assert categories_of("scheduling.Appointment", "service", card) == {"appointment_reason"}


def test_every_catalogued_service_says_what_its_reason_reveals():
    assert {s["code"] for s in SERVICES} <= set(SERVICE_REVEALS)


def test_every_packet_field_is_a_registered_field():
    for fields in RECORD_FIELDS.values():
        for spec in fields:
            assert spec.field in FIELD_CATEGORIES[spec.model], (spec.model, spec.field)
            assert not categories_of(spec.model, spec.field) & {"record_metadata"}, spec
