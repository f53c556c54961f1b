"""A person's email and phone are stored encrypted (AES-GCM) with a keyed hash each, like the SSN
(docs/adr/0039-contact-details-encrypted.md). Reversible: going back decrypts them into clear columns."""

from django.db import migrations, models

BATCH = 2000


def _batches(people):
    """People in id order, BATCH at a time, so a large table is never held in memory at once."""
    last = 0
    while True:
        batch = list(people.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].id


def encrypt_existing(apps, schema_editor):
    from frontdesk.core.crypto import FieldSealer
    from frontdesk.scheduling.sms import address_key

    person_model = apps.get_model("scheduling", "Person")
    emails, phones = FieldSealer(context="person.email"), FieldSealer(context="person.phone")
    held = models.Q(email__gt="") | models.Q(phone__gt="")
    for batch in _batches(person_model.objects.filter(held)):
        changed = []
        for person in batch:
            email, phone = person.email.strip(), person.phone.strip()
            person.email_encrypted = emails.seal(email) if email else ""
            person.email_hash = address_key("email", email) if email else ""
            person.phone_encrypted = phones.seal(phone) if phone else ""
            person.phone_hash = address_key("sms", phone) if phone else ""
            changed.append(person)
        person_model.objects.bulk_update(changed, ["email_encrypted", "email_hash", "phone_encrypted", "phone_hash"])


def decrypt_existing(apps, schema_editor):
    from frontdesk.core.crypto import decrypt_field

    person_model = apps.get_model("scheduling", "Person")
    held = models.Q(email_encrypted__gt="") | models.Q(phone_encrypted__gt="")
    for batch in _batches(person_model.objects.filter(held)):
        changed = []
        for person in batch:
            if person.email_encrypted:
                person.email = decrypt_field(person.email_encrypted, context="person.email")
            if person.phone_encrypted:
                person.phone = decrypt_field(person.phone_encrypted, context="person.phone")
            changed.append(person)
        person_model.objects.bulk_update(changed, ["email", "phone"])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_merge_0006_reminder_replies_0006_waitlist")]

    operations = [
        migrations.AddField(model_name="person", name="email_encrypted", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="person", name="email_hash", field=models.CharField(blank=True, db_index=True, max_length=64)
        ),
        migrations.AddField(model_name="person", name="phone_encrypted", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="person", name="phone_hash", field=models.CharField(blank=True, db_index=True, max_length=64)
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.RemoveField(model_name="person", name="email"),
        migrations.RemoveField(model_name="person", name="phone"),
    ]
