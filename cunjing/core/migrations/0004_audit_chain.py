"""Chain the audit rows and refuse DELETE on SQLite too (security review, finding 6).

Each row's HMAC now covers its predecessor's in the same bureau (``prev_digest``), so a deleted,
inserted or reordered row breaks the chain. The rows written before are chained here, in id
order per bureau, with the append-only trigger lifted for this one transaction.

SQLite gains the DELETE trigger PostgreSQL had; adding the column may rebuild the table, so both
SQLite triggers are (re)created here.
"""

from django.conf import settings
from django.db import migrations, models

_SQLITE_TRIGGER = (
    "CREATE TRIGGER core_auditevent_no_{event} BEFORE {EVENT} ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
)
SQLITE_TRIGGERS = [_SQLITE_TRIGGER.format(event=e, EVENT=e.upper()) for e in ("update", "delete")]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS core_auditevent_no_{e}" for e in ("update", "delete")]
# The chain's head in one round trip: take the bureau's chain lock, then read the last row. In a
# VOLATILE PL/pgSQL function each statement sees a fresh snapshot, so the read sees the row that
# the previous lock holder committed (a single SELECT would keep its pre-lock snapshot).
PG_HEAD = """
CREATE OR REPLACE FUNCTION core_audit_chain_head(bureau bigint) RETURNS varchar AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1096107092, bureau::integer);
    RETURN (SELECT digest FROM core_auditevent WHERE bureau_id = bureau ORDER BY id DESC LIMIT 1);
END;
$$ LANGUAGE plpgsql VOLATILE;
"""
PG_HEAD_DROP = "DROP FUNCTION IF EXISTS core_audit_chain_head(bigint)"
PG_LIFT = "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update"
PG_RESTORE = "ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_update"


def _rechain(AuditEvent) -> None:
    from cunjing.core.audit import row_digest

    heads: dict[int, str] = {}
    batch = []
    for event in AuditEvent.objects.order_by("bureau_id", "id").iterator(chunk_size=2000):
        event.prev_digest = heads.get(event.bureau_id, "")
        event.digest = row_digest(event)
        heads[event.bureau_id] = event.digest
        batch.append(event)
        if len(batch) >= 1000:
            AuditEvent.objects.bulk_update(batch, ["prev_digest", "digest"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["prev_digest", "digest"])


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_LIFT)
        _rechain(AuditEvent)
        schema_editor.execute(PG_RESTORE)
        schema_editor.execute(PG_HEAD)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)
        _rechain(AuditEvent)
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_HEAD_DROP)
    if schema_editor.connection.vendor == "sqlite":
        for sql in [*SQLITE_DROP, SQLITE_TRIGGERS[0]]:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_idempotency_keys"),
        ("org", "0006_people"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_digest",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="previous digest"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["bureau", "-id"], name="audit_bureau_chain"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
