"""How a typed last name is compared with the stored one: case, accents and punctuation ignored."""

import re
import unicodedata


def name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", letters.casefold())
