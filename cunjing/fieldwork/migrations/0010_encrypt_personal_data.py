"""Floating residents' ID numbers and phones and volunteers' phones encrypted at rest (AES-GCM,
``core.crypto``), each with its blind index, and a correction request's changes (which may hold
an ID number or a phone) encrypted whole. The clear values already stored are encrypted in
batches (reversible: migrating back decrypts them). Needs the keys configured (README: Personal
data at rest)."""

from django.db import migrations

import cunjing.core.fields
import cunjing.core.validators


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0009_void_reason_db_default"),
    ]

    operations = [
        migrations.AddField(
            model_name="floatingresident",
            name="id_number_index",
            field=cunjing.core.fields.BlindIndexField(of="id_number"),
        ),
        migrations.AddField(
            model_name="floatingresident",
            name="phone_index",
            field=cunjing.core.fields.BlindIndexField(of="phone"),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="phone_index",
            field=cunjing.core.fields.BlindIndexField(of="phone"),
        ),
        migrations.AlterField(
            model_name="correctionrequest",
            name="changes",
            field=cunjing.core.fields.EncryptedJSONField(
                blank=True, default=dict, verbose_name="changes"
            ),
        ),
        migrations.AlterField(
            model_name="floatingresident",
            name="id_number",
            field=cunjing.core.fields.EncryptedCharField(
                max_length=18,
                personal="id_number",
                validators=[cunjing.core.validators.validate_id_number],
                verbose_name="ID number",
            ),
        ),
        migrations.AlterField(
            model_name="floatingresident",
            name="phone",
            field=cunjing.core.fields.EncryptedCharField(
                blank=True,
                max_length=20,
                personal="phone",
                validators=[cunjing.core.validators.validate_phone],
                verbose_name="phone",
            ),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="phone",
            field=cunjing.core.fields.EncryptedCharField(
                max_length=20,
                personal="phone",
                validators=[cunjing.core.validators.validate_phone],
                verbose_name="phone",
            ),
        ),
        cunjing.core.fields.encrypt_columns("fieldwork.FloatingResident", "id_number", "phone"),
        cunjing.core.fields.encrypt_columns("fieldwork.Volunteer", "phone"),
        cunjing.core.fields.encrypt_columns("fieldwork.CorrectionRequest", "changes"),
    ]
