from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0006_b7_positions_refusals_publication"),
        ("disclosures", "0007_merge_access_code_and_subject_decisions"),
    ]

    operations = []
