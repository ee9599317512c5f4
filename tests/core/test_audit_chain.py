"""The audit trail is a hash chain per bureau (issue 13, finding 6): a row deleted, inserted or
moved outside the application is found, on SQLite as on PostgreSQL, and verify_audit names the
first broken link. DELETE itself is refused on both databases (tests/core/test_audit.py)."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from cunjing.core import audit
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM


def lift_triggers() -> None:
    """What someone with the database's password could do: switch the triggers off (inside the
    test's transaction, so they come back after it)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
            cur.execute("DROP TRIGGER core_auditevent_no_delete")


def chain(county) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(bureau=county.bureau).order_by("id"))


def test_the_rows_of_a_bureau_are_chained(county):
    rows = chain(county)
    assert len(rows) > 20
    assert rows[0].prev_digest == ""
    for before, row in itertools.pairwise(rows):
        assert row.prev_digest == before.digest
        assert audit.verify(row)
    assert audit.verify_chain().breaks == []
    call_command("verify_audit")


def test_a_deleted_row_is_found_at_the_next_link(county):
    rows = chain(county)
    gone, after = rows[10], rows[11]
    lift_triggers()
    AuditEvent.objects.filter(pk=gone.pk).delete()
    [found] = audit.verify_chain().breaks
    assert (found.event_id, found.previous_id, found.reason) == (after.pk, rows[9].pk, "link")
    with pytest.raises(CommandError, match=f"first broken link at audit event #{after.pk} "):
        call_command("verify_audit")


def test_a_row_inserted_with_copied_content_is_found(county):
    """A forger without the key can only copy a valid row; its link gives it away."""
    rows = chain(county)
    copy = rows[5]
    lift_triggers()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_auditevent (bureau_id, created_at, actor_id, actor_name, role,"
            " unit_id, action, object_type, object_id, object_repr, before, after, request_id,"
            " ip, channel, prev_digest, digest)"
            " SELECT bureau_id, created_at, actor_id, actor_name, role, unit_id, action,"
            " object_type, object_id, object_repr, before, after, request_id, ip, channel,"
            " prev_digest, digest FROM core_auditevent WHERE id = %s",
            [copy.pk],
        )
    forged = AuditEvent.objects.order_by("-id").first()
    [found] = audit.verify_chain().breaks
    assert (found.event_id, found.reason) == (forged.pk, "link")


def test_two_rows_swapped_are_found(county):
    rows = chain(county)
    a, b = rows[3], rows[4]
    columns = [
        f.column for f in AuditEvent._meta.concrete_fields if f.column not in ("id", "bureau_id")
    ]
    lift_triggers()
    for row, other in ((a, b), (b, a)):
        AuditEvent.objects.filter(pk=row.pk).update(
            **{
                f.attname: getattr(other, f.attname)
                for f in AuditEvent._meta.concrete_fields
                if f.column in columns
            }
        )
    [found] = audit.verify_chain().breaks
    assert (found.event_id, found.reason) == (a.pk, "link")


def test_an_altered_row_is_named_as_altered(county):
    rows = chain(county)
    lift_triggers()
    AuditEvent.objects.filter(pk=rows[7].pk).update(action="area.delete")
    [found] = audit.verify_chain().breaks
    assert (found.event_id, found.reason) == (rows[7].pk, "altered")


def test_only_the_first_break_of_a_bureau_is_reported_and_other_bureaus_still_checked(county):
    from tests.county import build_county

    other = build_county(code="410498", name="另一县公安局", prefix="o")
    rows = chain(county)
    lift_triggers()
    AuditEvent.objects.filter(pk__in=[rows[2].pk, rows[8].pk]).delete()
    [found] = audit.verify_chain().breaks
    assert found.bureau_id == county.bureau.pk and found.event_id == rows[3].pk
    assert audit.verify_chain(AuditEvent.objects.filter(bureau=other.bureau)).breaks == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Eight transactions appending at once: each waits for the bureau's chain lock, so every
    row links to the one before it (PostgreSQL; SQLite's writes are serial anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction (IMMEDIATE)")
    from tests.county import build_county

    county = build_county()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for _ in range(5):
                with transaction.atomic():
                    audit.record(
                        actor=SYSTEM,
                        action="test.append",
                        bureau_id=county.bureau.pk,
                        object_type="test",
                        object_id=n,
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="test.append").count() == 40
    assert audit.verify_chain().breaks == []
