"""Spanish for every public string, and the committed .mo compiled from the current .po.

The compiled catalogue is committed so that running the site needs no gettext tools; `make messages`
regenerates both. This test fails when someone edits the .po and forgets to compile it, or leaves a
string untranslated or fuzzy.
"""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "src" / "frontdesk" / "public" / "locale" / "es" / "LC_MESSAGES"


def po_entries() -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of the .po file."""
    entries = []
    for block in LOCALE.joinpath("django.po").read_text(encoding="utf-8").split("\n\n"):

        def joined(key: str, text: str = block) -> str | None:
            match = re.search(rf"^{re.escape(key)} ((?:\".*\"\n?)+)", text, re.M)
            if not match:
                return None
            raw = "".join(re.findall(r'"(.*)"', match.group(1)))
            return raw.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")

        msgid = joined("msgid")
        if not msgid:
            continue
        strs = [joined("msgstr")] if joined("msgstr") is not None else [joined(f"msgstr[{n}]") for n in range(2)]
        entries.append((msgid, strs, "#, fuzzy" in block))
    return entries


def test_every_string_is_translated():
    entries = po_entries()
    assert len(entries) > 150
    assert [e[0] for e in entries if e[2]] == [], "fuzzy entries"
    assert [e[0] for e in entries if not all(e[1])] == [], "untranslated entries"


def test_the_compiled_catalogue_matches_the_po_file():
    with LOCALE.joinpath("django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, strs, _ in po_entries() if compiled.gettext(msgid) != strs[0] and len(strs) == 1]
    assert stale == [], "run `make messages` (or compilemessages) and commit the .mo"
