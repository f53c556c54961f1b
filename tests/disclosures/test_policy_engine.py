"""The Cedar policy and the plain-Python oracle agree on every generated request, partitioned or not,
verdict by verdict and decision by decision; forbid always beats permit; nothing matches by default."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.disclosures.catalog import DEFAULT_PATH, catalog_parse, compile_rules, rules_from_entries
from frontdesk.disclosures.categories import RELEASABLE
from frontdesk.disclosures.decision import Outcome, decide_category, decide_request
from frontdesk.disclosures.oracle import oracle_evaluate
from frontdesk.disclosures.policy import (
    Facts,
    ForbidRule,
    PermitRule,
    PolicyError,
    RuleSet,
    Verdict,
    forbid_text,
    permit_text,
)
from frontdesk.disclosures.vocabulary import SIGNOFF_ROLES, AgencyType, EvidenceKind, Purpose

TYPES = sorted(AgencyType.values)
PURPOSES = sorted(Purpose.values)
CATEGORIES = sorted(RELEASABLE)
EVIDENCE = sorted(EvidenceKind.values)
AGENCIES = ["ice", "county sheriff", "us marshals service", "state medicaid"]
DAYS = [20200101, 20250601, 20261129, 20270315, 20991231]


def subset(values, min_size=0, max_size=None):
    return st.frozensets(st.sampled_from(values), min_size=min_size, max_size=max_size)


@st.composite
def permits(draw, index):
    start, end = sorted(draw(st.lists(st.sampled_from(DAYS), min_size=2, max_size=2)))
    return PermitRule(
        id=f"AUTH-{index}",
        categories=draw(subset(CATEGORIES, 1, 4)),
        recipients=draw(st.none() | subset(TYPES, 1, 3)),
        purposes=draw(st.none() | subset(PURPOSES, 1, 3)),
        facts=tuple(
            (name, values)
            for name, values in (
                ("crime_class", draw(st.none() | subset(["violent", "program_fraud", "other"], 1)) or None),
                ("subject_status", draw(st.none() | subset(["indicted", "convicted", "suspect"], 1)) or None),
                ("portion", draw(st.none() | st.just(frozenset({"particular"})))),
                ("signer_position", draw(st.none() | st.just(frozenset({"listed"})))),
            )
            if values
        ),
        evidence=draw(subset(EVIDENCE, 0, 3)),
        signoff_roles=draw(subset(list(SIGNOFF_ROLES), 2, 3)),
        valid_from=start,
        valid_until=end,
    )


@st.composite
def forbids(draw, index):
    start, end = sorted(draw(st.lists(st.sampled_from(DAYS), min_size=2, max_size=2)))
    recipients = draw(st.none() | subset(TYPES, 0, 2))
    agencies = draw(subset(AGENCIES, 0, 2))
    if recipients == frozenset() and not agencies:
        agencies = frozenset({AGENCIES[0]})
    return ForbidRule(
        id=f"R-2026-{index:04d}",
        categories=draw(subset(CATEGORIES, 1, 3)),
        recipients=recipients,
        agencies=agencies,
        valid_from=start,
        valid_until=end,
    )


@st.composite
def rule_sets(draw):
    n_permits = draw(st.integers(0, 6))
    n_forbids = draw(st.integers(0, 3))
    return RuleSet(
        permits=tuple(draw(permits(i)) for i in range(n_permits)),
        forbids=tuple(draw(forbids(i)) for i in range(n_forbids)),
        label="generated",
    )


facts_strategy = st.builds(
    Facts,
    agency_type=st.sampled_from(TYPES),
    agency=st.sampled_from([*AGENCIES, "metro police"]),
    purpose=st.sampled_from(PURPOSES),
    crime_class=st.sampled_from(["none", "violent", "program_fraud", "other"]),
    subject_status=st.sampled_from(["none", "suspect", "indicted", "convicted"]),
    portion=st.sampled_from(["particular", "blanket"]),
    signer_position=st.sampled_from(["none", "unlisted", "listed"]),
    evidence=subset(EVIDENCE, 0, 5),
    signed_roles=subset(list(SIGNOFF_ROLES)),
    today=st.sampled_from([20191231, 20200101, 20230101, 20261129, 20270316, 20991231]),
)


def engine(rules):
    return compile_rules(rules)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=rule_sets(), requests=st.lists(st.tuples(facts_strategy, st.sampled_from(CATEGORIES)), min_size=1, max_size=8)
)
def test_cedar_and_the_oracle_agree_on_every_verdict(rules, requests):
    compiled = engine(rules)
    for facts, category in requests:
        expected = oracle_evaluate(rules, facts, category)
        assert compiled.evaluate(facts, category) == expected
        assert compiled.evaluate(facts, category, partitioned=False) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_sets(), facts=facts_strategy, categories=subset(CATEGORIES, 1, 5))
def test_cedar_and_the_oracle_reach_the_same_decisions_and_citations(rules, facts, categories):
    compiled = engine(rules)
    with_cedar = decide_request(compiled.evaluate, rules, facts, categories, may_permit=compiled.may_permit)
    with_oracle = decide_request(lambda f, c: oracle_evaluate(rules, f, c), rules, facts, categories)
    assert with_cedar == with_oracle
    for decision in with_cedar.categories:
        if decision.outcome == Outcome.APPROVED:
            # Approved means some cited authority really covers it, and no restriction forbids it.
            assert decision.authorities and not decision.restrictions
            for rule_id in decision.authorities:
                rule = rules.by_id[rule_id]
                assert decision.category in rule.categories and rule.signoff_roles <= facts.signed_roles
            assert not any(
                decision.category in f.categories
                and f.valid_from <= facts.today <= f.valid_until
                and (f.recipients is None or facts.agency_type in f.recipients or facts.agency in f.agencies)
                for f in rules.forbids
            )


def _shipped():
    parsed = catalog_parse(DEFAULT_PATH.read_text())
    return rules_from_entries(parsed.entries, label=parsed.version, catalog_start=parsed.effective_from)


@settings(max_examples=80, deadline=None)
@given(facts=facts_strategy, category=st.sampled_from(CATEGORIES))
def test_the_shipped_catalog_agrees_with_its_oracle(facts, category):
    if not _SHIPPED:
        _SHIPPED["rules"] = _shipped()
        _SHIPPED["engine"] = engine(_SHIPPED["rules"])
    rules, compiled = _SHIPPED["rules"], _SHIPPED["engine"]
    assert compiled.evaluate(facts, category) == oracle_evaluate(rules, facts, category)


_SHIPPED: dict = {}


def test_a_forbid_overrides_a_permit_and_is_cited():
    permit = PermitRule(id="RU-X", categories=frozenset({"identity"}), signoff_roles=frozenset())
    forbid = ForbidRule(id="R-2026-0001", categories=frozenset({"identity"}), recipients=frozenset({"immigration"}))
    rules = RuleSet(permits=(permit,), forbids=(forbid,))
    compiled = engine(rules)
    facts = Facts(agency_type="immigration", agency="ice", purpose="other", today=20261129)
    assert compiled.evaluate(facts, "identity") == Verdict(False, frozenset({"R-2026-0001"}))
    other = Facts(agency_type="court", agency="district court", purpose="other", today=20261129)
    assert compiled.evaluate(other, "identity") == Verdict(True, frozenset({"RU-X"}))
    decision = decide_category(compiled.evaluate, rules, facts, "identity")
    assert decision.outcome == "denied" and decision.restrictions == ("R-2026-0001",)


def test_a_restriction_naming_an_agency_binds_it_whatever_its_declared_type():
    permit = PermitRule(id="RU-X", categories=frozenset({"address"}))
    forbid = ForbidRule(
        id="R-2026-0002", categories=frozenset({"address"}), recipients=frozenset(), agencies=frozenset({"ice"})
    )
    compiled = engine(RuleSet(permits=(permit,), forbids=(forbid,)))
    as_law_enforcement = Facts(agency_type="law_enforcement", agency="ice", purpose="other", today=20261129)
    assert not compiled.evaluate(as_law_enforcement, "address").allowed


def test_with_no_rules_everything_is_denied_citing_nothing():
    rules = RuleSet(permits=(), forbids=())
    compiled = engine(rules)
    facts = Facts(agency_type="court", agency="x", purpose="court_proceeding", today=20261129)
    for category in CATEGORIES:
        assert compiled.evaluate(facts, category) == Verdict(False)
        assert decide_category(compiled.evaluate, rules, facts, category).outcome == "denied"
    assert decide_category(compiled.evaluate, rules, facts, "record_metadata").reason.endswith("never released.")


def test_generated_policy_text_is_cedar_with_our_ids():
    permit = PermitRule(
        id="SSA-401.155-VIOLENT",
        categories=frozenset({"appointment_schedule"}),
        recipients=frozenset({"law_enforcement"}),
        purposes=frozenset({"criminal_law_enforcement"}),
        facts=(("crime_class", frozenset({"violent"})),),
        evidence=frozenset({"written_request_agency_head"}),
        signoff_roles=frozenset(SIGNOFF_ROLES),
    )
    text = permit_text(permit)
    assert text.startswith('@id("SSA-401.155-VIOLENT")\npermit (principal in Recipients::"SSA-401.155-VIOLENT"')
    assert 'context.signed_roles.containsAll(["general_counsel", "office_manager", "regional_privacy_officer"])' in text
    assert "forbid (principal, " in forbid_text(ForbidRule(id="R-1", categories=frozenset({"ssn"})))


@pytest.mark.parametrize(
    "rule",
    [
        PermitRule(id='X") permit(principal, action, resource); //', categories=frozenset({"ssn"})),
        PermitRule(id="OK", categories=frozenset({"ssn"}), purposes=frozenset({'a"] || true || ["'})),
        ForbidRule(id="OK", categories=frozenset({"ssn"}), recipients=frozenset({"x"}), agencies=frozenset({'"'})),
    ],
)
def test_nothing_outside_the_vocabulary_reaches_the_policy_text(rule):
    with pytest.raises(PolicyError):
        engine(
            RuleSet(
                permits=(rule,) if isinstance(rule, PermitRule) else (),
                forbids=(rule,) if isinstance(rule, ForbidRule) else (),
            )
        )


def test_two_rules_with_one_id_are_refused():
    rule = PermitRule(id="A", categories=frozenset({"ssn"}))
    with pytest.raises(PolicyError):
        RuleSet(permits=(rule, rule), forbids=())
