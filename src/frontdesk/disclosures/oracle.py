"""The same rules as `policy.py`, evaluated in plain Python: the reference the Cedar engine is tested
against (tests/disclosures/test_policy_engine.py runs both on generated requests and demands the same
answer and the same citations). It is deliberately written from the rule data, not from the Cedar text.
"""

from .policy import FACT_NAMES, Facts, ForbidRule, PermitRule, RuleSet, Verdict


def recipient_matches(rule: PermitRule | ForbidRule, facts: Facts) -> bool:
    if rule.recipients is None:
        return True
    if facts.agency_type in rule.recipients:
        return True
    return isinstance(rule, ForbidRule) and facts.agency in rule.agencies


def in_period(rule: PermitRule | ForbidRule, facts: Facts) -> bool:
    return rule.valid_from <= facts.today <= rule.valid_until


def forbids(rule: ForbidRule, facts: Facts, category: str) -> bool:
    return category in rule.categories and recipient_matches(rule, facts) and in_period(rule, facts)


def permits(rule: PermitRule, facts: Facts, category: str) -> bool:
    if category not in rule.categories or not recipient_matches(rule, facts) or not in_period(rule, facts):
        return False
    if rule.purposes is not None and facts.purpose not in rule.purposes:
        return False
    known = {name: getattr(facts, name) for name in FACT_NAMES}
    if any(known[name] not in allowed for name, allowed in rule.facts):
        return False
    return rule.evidence <= facts.evidence and rule.signoff_roles <= facts.signed_roles


def oracle_evaluate(rules: RuleSet, facts: Facts, category: str) -> Verdict:
    """Deny if any restriction applies (citing them all); else allow if any authority applies (citing
    them all); else deny citing nothing."""
    forbidding = frozenset(r.id for r in rules.forbids if forbids(r, facts, category))
    if forbidding:
        return Verdict(False, forbidding)
    permitting = frozenset(r.id for r in rules.permits if permits(r, facts, category))
    return Verdict(bool(permitting), permitting)
