"""Residents' ID numbers and phones and establishments' contact phones encrypted at rest
(AES-GCM, ``core.crypto``), each with its blind index; the one-resident-per-ID-number rule moves
onto the index. The clear values already stored are encrypted in batches (reversible:
migrating back decrypts them). Needs the keys configured (README: Personal data at rest)."""

from django.db import migrations, models

import cunjing.core.fields
import cunjing.core.validators


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0006_people"),
        ("registry", "0002_labels_of_village_and_full_name"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="resident",
            name="resident_bureau_id_number_uniq",
        ),
        migrations.AddField(
            model_name="establishment",
            name="contact_phone_index",
            field=cunjing.core.fields.BlindIndexField(of="contact_phone"),
        ),
        migrations.AddField(
            model_name="resident",
            name="id_number_index",
            field=cunjing.core.fields.BlindIndexField(of="id_number"),
        ),
        migrations.AddField(
            model_name="resident",
            name="phone_index",
            field=cunjing.core.fields.BlindIndexField(of="phone"),
        ),
        migrations.AlterField(
            model_name="establishment",
            name="contact_phone",
            field=cunjing.core.fields.EncryptedCharField(
                blank=True,
                max_length=20,
                personal="phone",
                validators=[cunjing.core.validators.validate_phone],
                verbose_name="contact phone",
            ),
        ),
        migrations.AlterField(
            model_name="resident",
            name="id_number",
            field=cunjing.core.fields.EncryptedCharField(
                blank=True,
                max_length=18,
                personal="id_number",
                validators=[cunjing.core.validators.validate_id_number],
                verbose_name="ID number",
            ),
        ),
        migrations.AlterField(
            model_name="resident",
            name="phone",
            field=cunjing.core.fields.EncryptedCharField(
                blank=True,
                max_length=20,
                personal="phone",
                validators=[cunjing.core.validators.validate_phone],
                verbose_name="phone",
            ),
        ),
        cunjing.core.fields.encrypt_columns("registry.Resident", "id_number", "phone"),
        cunjing.core.fields.encrypt_columns("registry.Establishment", "contact_phone"),
        migrations.AddIndex(
            model_name="establishment",
            index=models.Index(
                fields=["bureau", "contact_phone_index"], name="establishment_phone"
            ),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(fields=["bureau", "phone_index"], name="resident_phone"),
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_index", ""), _negated=True),
                fields=("bureau", "id_number_index"),
                name="resident_bureau_id_number_uniq",
                violation_error_message="A resident with this ID number is already registered.",
            ),
        ),
    ]
