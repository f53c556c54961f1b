"""People's names: which ones we accept, and how a typed last name is compared with the stored one.

Names are written in every script (Arabic, Cyrillic, Han, Devanagari, ...), so a name is letters of any
script with their combining marks, joined by spaces, apostrophes, hyphens or periods ("St. John"). Control
characters (NUL among them) and the invisible bidirectional overrides are refused: they change how a name
displays without changing what it says, which is how a forged name would slip past a clerk.

The comparison key drops case, accents, combining marks and punctuation, and keeps letters of every
script: "Ñúñez" and "nunez" compare equal, and "عبد الله" keeps its letters.
"""

import unicodedata

MAX_NAME = 80
# Joiners that may sit between the letters of a name: space, apostrophes (straight, right quote,
# modifier letter), hyphens (ASCII, Unicode, non-breaking) and the period.
_JOINERS = frozenset(" '\u2019\u02bc-\u2010\u2011.")
# Zero-width joiner and non-joiner are part of correct spelling in Persian, Indic scripts and others.
_SHAPING = frozenset("\u200c\u200d")


class NameProblem(ValueError):
    """Why a name cannot be accepted, in a sentence for the person typing it."""


def name_check(name: str) -> str:
    """The name, trimmed, or NameProblem saying what to change."""
    text = unicodedata.normalize("NFC", name or "").strip()
    if not text:
        raise NameProblem("Give the name.")
    if len(text) > MAX_NAME:
        raise NameProblem(f"Keep the name under {MAX_NAME} characters.")
    for ch in text:
        kind = unicodedata.category(ch)
        if kind[0] in "LM" or ch in _JOINERS or ch in _SHAPING:
            continue
        if kind in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            raise NameProblem("The name holds an invisible or control character; type it again.")
        raise NameProblem("Use letters, with spaces, apostrophes or hyphens between them.")
    if not name_key(text):
        raise NameProblem("Use letters, with spaces, apostrophes or hyphens between them.")
    return text


def name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in letters.casefold() if unicodedata.category(ch)[0] == "L")[:MAX_NAME]
