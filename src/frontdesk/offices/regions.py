"""The agency's ten regions, by state or territory code (SSA's regional office map)."""

REGIONS: dict[int, tuple[str, frozenset[str]]] = {
    1: ("Boston", frozenset({"CT", "ME", "MA", "NH", "RI", "VT"})),
    2: ("New York", frozenset({"NJ", "NY", "PR", "VI"})),
    3: ("Philadelphia", frozenset({"DE", "DC", "MD", "PA", "VA", "WV"})),
    4: ("Atlanta", frozenset({"AL", "FL", "GA", "KY", "MS", "NC", "SC", "TN"})),
    5: ("Chicago", frozenset({"IL", "IN", "MI", "MN", "OH", "WI"})),
    6: ("Dallas", frozenset({"AR", "LA", "NM", "OK", "TX"})),
    7: ("Kansas City", frozenset({"IA", "KS", "MO", "NE"})),
    8: ("Denver", frozenset({"CO", "MT", "ND", "SD", "UT", "WY"})),
    9: ("San Francisco", frozenset({"AZ", "CA", "HI", "NV", "AS", "GU", "MP"})),
    10: ("Seattle", frozenset({"AK", "ID", "OR", "WA"})),
}

_BY_STATE = {state: number for number, (_name, states) in REGIONS.items() for state in states}


def region_for_state(state: str) -> int:
    try:
        return _BY_STATE[state.upper()]
    except KeyError:
        raise ValueError(f"{state!r} is not a state or territory served by a region.") from None
