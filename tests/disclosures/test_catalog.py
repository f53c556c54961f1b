"""The reviewed catalog loads, versioned and on the ledger; a catalog the engine could misread does not."""

import pytest
import yaml
from django.core.management import CommandError, call_command

from frontdesk.core.errors import PermissionDenied
from frontdesk.disclosures.catalog import DEFAULT_PATH, CatalogError, catalog_load, catalog_parse
from frontdesk.disclosures.engine import engine_in_force
from frontdesk.disclosures.models import AuthorityCatalog, CatalogEntry
from frontdesk.disclosures.policy import Facts
from frontdesk.ledger.models import LedgerEvent

SHIPPED = DEFAULT_PATH.read_text()


def test_the_shipped_catalog_is_valid_versioned_and_marks_its_examples():
    parsed = catalog_parse(SHIPPED)
    assert parsed.version and parsed.system == "60-0350"
    codes = {e["code"]: e for e in parsed.entries}
    assert {"PA-CONSENT", "SSA-401.155-VIOLENT", "PA-b11-SSA-401.180", "RESTRICT-IRC-6103"} <= set(codes)
    for entry in parsed.entries:
        assert entry["effective_from"] is not None
        if entry["provenance"] == "illustrative":
            assert entry["illustrative"]
    assert codes["RU-60-0350-SAFETY"]["illustrative"] and not codes["PA-CONSENT"]["illustrative"]
    assert codes["INJ-CEDC-v-BESSENT-2026"]["illustrative"]  # a real order, encoded for illustration
    assert not codes["SSA-401.155-VIOLENT"]["subject_may_see"]  # 552a(c)(3)
    assert codes["RU-60-0058-DHS-2025"]["applies_here"] is False  # another system of records


@pytest.mark.django_db
def test_load_authorities_puts_a_version_in_force_once(capsys):
    call_command("load_authorities")
    call_command("load_authorities")
    assert AuthorityCatalog.objects.count() == 1
    catalog = AuthorityCatalog.objects.get()
    assert CatalogEntry.objects.filter(catalog=catalog).count() == len(catalog_parse(SHIPPED).entries)
    [event] = LedgerEvent.objects.filter(type="disclosures.catalog.loaded")
    assert event.event["refs"]["version"] == catalog.version and event.event["refs"]["sha256"] == catalog.sha256
    assert event.event["actor"] == "staff:system:load_authorities"
    assert "in force" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_changed_file_under_an_old_version_is_refused(tmp_path):
    call_command("load_authorities")
    changed = tmp_path / "changed.yaml"
    changed.write_text(SHIPPED.replace("Written consent of the person", "Consent"))
    with pytest.raises(CommandError, match="new version number"):
        call_command("load_authorities", str(changed))
    call_command("load_authorities", str(changed), "--check")
    assert AuthorityCatalog.objects.count() == 1


@pytest.mark.django_db
def test_only_an_administrator_or_counsel_loads_a_catalog(staff):
    with pytest.raises(PermissionDenied):
        catalog_load(actor=staff["rpo"])
    assert catalog_load(actor=staff["counsel"]).version
    assert not AuthorityCatalog.objects.exclude(loaded_by="staff:counsel").exists()


def _with(change):
    document = yaml.safe_load(SHIPPED)
    change(document)
    return yaml.safe_dump(document)


def _violent(document):
    return next(a for a in document["authorities"] if a["id"] == "SSA-401.155-VIOLENT")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _violent(d).update(signoff_roles=["general_counsel"]), "at least two sign-off roles"),
        (lambda d: _violent(d).update(signoff_roles=["office_manager", "office_manager"]), "repeats"),
        (lambda d: _violent(d).update(categories=["record_metadata"]), "unknown values"),
        (lambda d: _violent(d).update(categories=["appointment_time"]), "unknown values"),
        (lambda d: _violent(d).update(provenance="illustrative"), "illustrative: true"),
        (lambda d: _violent(d).update(purpose="typo"), "unknown keys"),
        (lambda d: _violent(d).update(recipients=["sheriffs"]), "unknown values"),
        (lambda d: _violent(d).update(evidence=["a_letter"]), "unknown values"),
        (lambda d: _violent(d).update(facts={"crime": ["violent"]}), "unknown fact"),
        (lambda d: _violent(d).update(effective_from="yesterday"), "not a date"),
        (lambda d: _violent(d).update(effective_until="1970-01-01"), "before effective_from"),
        (lambda d: _violent(d).update(id="PA-CONSENT"), "used twice"),
        (lambda d: _violent(d).update(accounting={"required": True}), "subject_may_see"),
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.update(extra=1), "unknown top-level"),
    ],
)
def test_a_catalog_the_engine_could_misread_is_refused(change, message):
    with pytest.raises(CatalogError, match=message):
        catalog_parse(_with(change))


def test_text_that_is_not_yaml_is_refused():
    with pytest.raises(CatalogError):
        catalog_parse("authorities: [unclosed")


@pytest.mark.django_db
def test_effective_dates_and_the_system_of_records_decide(catalog):
    engine = engine_in_force()
    state = Facts(
        agency_type="state_local",
        agency="state medicaid",
        purpose="benefit_eligibility",
        evidence=frozenset({"program_agreement"}),
        signed_roles=frozenset({"office_manager", "regional_privacy_officer"}),
        today=20261130,
    )
    # The illustrative state routine use takes effect on 1 December 2026 (30 days' notice).
    assert not engine.evaluate(state, "benefit_information").allowed
    assert engine.evaluate(state.__class__(**{**state.__dict__, "today": 20261201}), "benefit_information").allowed
    dhs = Facts(
        agency_type="immigration",
        agency="dhs",
        purpose="immigration_enforcement",
        evidence=frozenset({"program_agreement"}),
        signed_roles=frozenset({"regional_privacy_officer", "general_counsel"}),
        today=20261201,
    )
    # The DHS routine use belongs to SORN 60-0058: it never decides for appointment records.
    assert engine.evaluate(dhs, "citizenship_immigration_status").determining == frozenset()


@pytest.mark.django_db
def test_without_a_catalog_everything_is_denied():
    engine = engine_in_force()
    assert engine.rules.permits == ()
    facts = Facts(agency_type="court", agency="x", purpose="court_proceeding", today=20261201)
    assert not engine.evaluate(facts, "identity").allowed
