"""The ledger's canonical JSON (the standard library's encoder) is RFC 8785 for every event it builds."""

import string

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.ledger.services import MAX_SAFE_INTEGER, canonical_text

# Any Unicode text but lone surrogates (refused below), weighted towards what JSON escapes.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "\\", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\ufeff", "\U0001f600", "\ue000"]),
    )
)
# What _validated lets through as a ref name (and the event's own keys): lower-case identifiers.
KEY = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_lowercase),
    st.text(alphabet=string.ascii_lowercase + string.digits + "_", max_size=20),
)
REF_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER), TEXT
)
EVENT = st.fixed_dictionaries(
    {
        "type": KEY,
        "time": TEXT,
        "actor": TEXT,
        "role": TEXT,
        "subjects": st.lists(TEXT, max_size=4),
        "purpose": TEXT,
        "refs": st.dictionaries(KEY, REF_VALUE, max_size=6),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENT)
def test_same_bytes_as_rfc8785(event):
    text, canonical = canonical_text(event)
    assert canonical == rfc8785.dumps(event)
    assert text == canonical.decode()


def test_controls_and_separators_escaped_as_rfc8785():
    event = {"purpose": 'a\b\f\n\r\t\x01\x7f\u2028"\\é', "refs": {"b": 1, "a": -(2**53) + 1}}
    text, canonical = canonical_text(event)
    assert canonical == rfc8785.dumps(event)
    assert text == '{"purpose":"a\\b\\f\\n\\r\\t\\u0001\x7f\u2028\\"\\\\é","refs":{"a":-9007199254740991,"b":1}}'


def test_lone_surrogate_refused():
    with pytest.raises(ValueError, match="not valid Unicode"):
        canonical_text({"purpose": "\ud800"})
