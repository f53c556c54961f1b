"""Evidence documents are stored encrypted (AES-GCM), like the other personal identifiers."""

import base64

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from frontdesk.core.crypto import encrypt_field

    document_model = apps.get_model("disclosures", "EvidenceDocument")
    for document in document_model.objects.all():
        plain = base64.b64encode(bytes(document.content)).decode()
        document.content_encrypted = encrypt_field(plain, context="disclosures.evidence.content")
        document.save(update_fields=["content_encrypted"])


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0002_accounting_guards")]

    operations = [
        migrations.AddField(
            model_name="evidencedocument",
            name="content_encrypted",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="evidencedocument", name="content"),
    ]
