"""Office names and addresses as the agency writes them, from the directory's upper-case source.

The published directory says "NY MIDTOWN NY" and lists "SOCIAL SECURITY", then the floor, then the
street. People read "New York Midtown" and "237 W 48th St, 5th Floor". The import keeps the source
values beside these (Office.source_name, Office.source_address_lines), so nothing is lost and a better
rule can be applied again later.
"""

import re

# Written as they are in the source: compass points, ordinals' numbers, common initialisms.
_UPPER = frozenset({"N", "S", "E", "W", "NE", "NW", "SE", "SW", "PO", "US", "DC", "II", "III", "IV", "FDR", "JFK"})
# Leading words of an office name that abbreviate a city.
_CITY_PREFIX = {"NY": "New York", "PHILA": "Philadelphia"}
# Unit words, and what they stand for.
_UNITS = {"STE": "Suite", "SUITE": "Suite", "RM": "Room", "FL": "Floor", "FLR": "Floor", "BLDG": "Building"}
_AGENCY_LINE = "SOCIAL SECURITY"


def _word(word: str) -> str:
    if word in _UPPER:
        return word
    if re.fullmatch(r"\d+(ST|ND|RD|TH)", word):
        return word.lower()  # 48TH -> 48th; 2000A and F5 stay as written
    if word[:1].isdigit():
        return word
    if word.startswith("MC") and len(word) > 3 and word[2:].isalpha():
        return "Mc" + word[2:].title()
    return word.title()  # handles O'BRIEN, WILKES-BARRE


def words(text: str) -> str:
    """Upper-case source text in the agency's capitalisation."""
    return " ".join(_word(w) for w in text.split())


def office_name(source: str, state: str) -> str:
    """'NY MIDTOWN NY' -> 'New York Midtown'; 'HOBOKEN NJ' -> 'Hoboken'; 'PHILA-DOWNTOWN' -> 'Philadelphia
    Downtown'. The trailing state is dropped (the address says it); a city abbreviation is spelt out."""
    tokens = source.replace("-", " ").split()
    if len(tokens) > 1 and tokens[-1] == state.upper():
        tokens = tokens[:-1]
    if len(tokens) > 1 and tokens[0] in _CITY_PREFIX:
        return " ".join([_CITY_PREFIX[tokens[0]], words(" ".join(tokens[1:]))])
    return words(" ".join(tokens))


def _line(line: str) -> str:
    """'5TH FL' -> '5th Floor', '1500 JFK BLVD 20TH FL' -> '1500 JFK Blvd 20th Floor', 'STE 110' -> 'Suite 110'."""
    return " ".join(_UNITS.get(w, _word(w)) for w in line.split())


def address_lines(source: list[str]) -> list[str]:
    """Street first, then the floor, suite or building. The directory writes the agency's name, then the
    unit or building, then the street; the agency's name is left out (the office's name says whose office
    it is) and the rest is read from the street up."""
    lines = [line.strip() for line in source if line.strip() and line.strip().upper() != _AGENCY_LINE]
    return [_line(line) for line in reversed(lines)]
