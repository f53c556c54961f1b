"""Last-name keys keep the letters of every script (scheduling/names.py): recompute the stored keys.

Only names with a character outside ASCII can change (an ASCII name keeps the same a-z key), so only
those rows are read. The function is copied here, not imported, so this migration keeps meaning what it
meant if names.py changes later.
"""

import unicodedata

from django.db import migrations


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in letters.casefold() if unicodedata.category(ch)[0] == "L")[:80]


def _rekey(model) -> None:
    changed = []
    for row in model.objects.filter(last_name__regex=r"[^ -~]").only("pk", "last_name", "last_name_key").iterator():
        key = _key(row.last_name)
        if key != row.last_name_key:
            row.last_name_key = key
            changed.append(row)
    model.objects.bulk_update(changed, ["last_name_key"], batch_size=1000)


def rekey(apps, schema_editor) -> None:
    _rekey(apps.get_model("scheduling", "Person"))
    _rekey(apps.get_model("disclosures", "RequestSubject"))


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_services"),
        ("disclosures", "0005_request_expired"),
    ]

    # Backwards: the old keys dropped letters outside a-z; a forward key still finds every ASCII name.
    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
