"""The reporter's phone of a matter encrypted at rest (AES-GCM, ``core.crypto``), with its
blind index. The clear values already stored are encrypted in batches (reversible: migrating
back decrypts them). Needs the keys configured (README: Personal data at rest)."""

from django.db import migrations

import cunjing.core.fields
import cunjing.core.validators


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0002_labels_of_village_and_full_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="matter",
            name="reporter_phone_index",
            field=cunjing.core.fields.BlindIndexField(of="reporter_phone"),
        ),
        migrations.AlterField(
            model_name="matter",
            name="reporter_phone",
            field=cunjing.core.fields.EncryptedCharField(
                blank=True,
                max_length=20,
                personal="phone",
                validators=[cunjing.core.validators.validate_phone],
                verbose_name="reporter's phone",
            ),
        ),
        cunjing.core.fields.encrypt_columns("matters.Matter", "reporter_phone"),
    ]
