import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cunjing.core import audit, context
from cunjing.core.models import AuditEvent
from cunjing.core.roles import RESIDENT, SYSTEM, Capability, require
from cunjing.org import services as org


def test_service_write_leaves_one_event_with_before_after(county):
    area = county.areas["own"]
    n = AuditEvent.objects.count()
    with context.bind(
        context.RequestContext(request_id="req-12345678", ip="10.1.2.3", channel="web")
    ):
        org.area_update(actor=county.user("sysadmin"), area=area, name="瓦房沟新村")
    events = list(AuditEvent.objects.order_by("id")[n:])
    assert len(events) == 1
    event = events[0]
    assert event.action == "area.update"
    assert event.before == {"name": "瓦房沟村", "pinyin": "wafanggoucun", "pinyin_initials": "wfgc"}
    assert event.after["name"] == "瓦房沟新村"
    assert event.actor == county.user("sysadmin")
    assert event.role == "sysadmin"
    assert event.unit_id == county.units["bureau"].pk
    assert event.bureau_id == county.bureau.pk
    assert (event.request_id, event.ip, event.channel) == ("req-12345678", "10.1.2.3", "web")
    assert audit.verify(event)


def test_failed_write_leaves_no_event_and_no_change(county):
    area = county.areas["own"]
    n = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as err:
        org.area_update(actor=county.user("sysadmin"), area=area, division_code="12")
    assert "division_code" in err.value.message_dict
    assert AuditEvent.objects.count() == n
    area.refresh_from_db()
    assert area.division_code.endswith("200201")


def test_no_change_no_event(county):
    n = AuditEvent.objects.count()
    org.area_update(actor=county.user("sysadmin"), area=county.areas["own"], name="瓦房沟村")
    assert AuditEvent.objects.count() == n


@pytest.mark.django_db(transaction=True)
def test_record_outside_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor=SYSTEM, action="x", bureau_id=1, object_type="t")


@pytest.mark.django_db(transaction=True)
def test_audit_rows_cannot_be_updated():
    from tests.county import build_county

    c = build_county()
    event = AuditEvent.objects.filter(bureau=c.bureau).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    event.refresh_from_db()
    assert event.action != "forged"
    # DELETE is refused on both databases (on SQLite since the chain, finding 6 of issue 13)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    # the test database is emptied by TRUNCATE (PostgreSQL) or the flush that lifts the SQLite
    # trigger in its own transaction (cunjing/core/sqlite): both administrator's acts


def test_tampered_row_is_detected(county):
    call_command("verify_audit")
    event = AuditEvent.objects.filter(action="area.create").first()
    # Simulate tampering outside the app: drop the trigger within this test's transaction.
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
        cur.execute(
            "UPDATE core_auditevent SET after = %s WHERE id = %s", ['{"name": "x"}', event.pk]
        )
    with pytest.raises(CommandError, match=f"broken link at audit event #{event.pk}\\b.*changed"):
        call_command("verify_audit")


def test_an_event_names_its_actor(county):
    """None is no actor: the system acts as SYSTEM, a resident as RESIDENT, each audited with
    its own role."""
    with transaction.atomic():
        with pytest.raises(TypeError):
            audit.record(actor=None, action="x", bureau_id=county.bureau.pk, object_type="t")
        system = audit.record(actor=SYSTEM, action="x", bureau_id=county.bureau.pk)
        resident = audit.record(actor=RESIDENT, action="x", bureau_id=county.bureau.pk)
    assert (system.actor, system.role) == (None, "system")
    assert (resident.actor, resident.role) == (None, "resident")


def test_only_the_system_actor_passes_every_capability_check(county):
    require(SYSTEM, Capability.MANAGE_ORG)
    for actor in (None, RESIDENT, county.user("auditor")):
        with pytest.raises(PermissionDenied):
            require(actor, Capability.MANAGE_ORG)
