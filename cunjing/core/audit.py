"""Write the audit event of a service's change, in the caller's transaction.

Services call :func:`record` after their write and before their transaction commits, so the change
and its audit row commit or roll back together (Zulip's RealmAuditLog, NetBox's ObjectChange).

Personal data never enters the trail in clear: :mod:`cunjing.core.personal` masks every
classified field of the payload (with a keyed digest) before the row is written.

The rows of one bureau form a hash chain: each row's HMAC covers its content and its
predecessor's HMAC (``prev_digest``). Writers take the bureau's chain lock (PostgreSQL: a
transaction-scoped advisory lock; SQLite: every write transaction is IMMEDIATE, so writes are
serial already), read the head and append, so the chain's order is the order of ids within the
bureau. :func:`verify_chain` walks it and names the first broken link.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from cunjing.core import context, personal
from cunjing.core.models import AuditEvent

# pg_advisory_xact_lock(class, bureau id): the first key keeps the audit chain's locks apart from
# any other advisory lock (the number spells "AUDT").
_CHAIN_LOCK_CLASS = 0x41554454

# Fields that are bookkeeping of a tree or a row, not information a reader of the trail needs.
_SKIP_FIELDS = frozenset({"numchild", "password"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` as JSON-safe data (foreign keys by id)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in _SKIP_FIELDS or (fields is not None and field.name not in fields):
            continue
        key = field.attname if field.is_relation else field.name
        data[key] = _jsonable(field.value_from_object(instance))
    return data


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose values differ, for compact update events."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def row_digest(event) -> str:
    """The row's HMAC over its content and its predecessor's HMAC. Works on historical models
    too (the migration that chained the rows written before the chain)."""
    content = [
        event.bureau_id,
        event.created_at.isoformat(),
        event.actor_id,
        event.role,
        event.unit_id,
        event.action,
        event.object_type,
        event.object_id,
        event.before,
        event.after,
        event.request_id,
        event.ip,
        event.prev_digest,
    ]
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def verify(event: AuditEvent) -> bool:
    """The row's own HMAC holds (its content was not changed); links: :func:`verify_chain`."""
    return hmac.compare_digest(event.digest, row_digest(event))


@dataclasses.dataclass(frozen=True)
class Break:
    """The first broken link of a bureau's chain: the row where verification failed, the row
    before it (None at the start) and what is wrong."""

    bureau_id: int
    event_id: int
    previous_id: int | None
    reason: str  # "altered": the row's content or HMAC; "link": a row missing, added or moved


@dataclasses.dataclass
class ChainReport:
    checked: int = 0
    breaks: list[Break] = dataclasses.field(default_factory=list)


def verify_chain(queryset=None, *, progress=None) -> ChainReport:
    """Walk every bureau's chain in id order: each row's HMAC must hold and its ``prev_digest``
    must be the HMAC of the bureau's previous row (empty for the first). Reports the first broken
    link of each bureau; ``progress(n)`` is called every 50,000 rows."""
    qs = (queryset if queryset is not None else AuditEvent.objects.all()).order_by("bureau", "id")
    report = ChainReport()
    heads: dict[int, tuple[int, str]] = {}
    broken: set[int] = set()
    for event in qs.iterator(chunk_size=2000):
        report.checked += 1
        if progress is not None and report.checked % 50000 == 0:
            progress(report.checked)
        previous_id, previous_digest = heads.get(event.bureau_id, (None, ""))
        heads[event.bureau_id] = (event.pk, event.digest)
        if event.bureau_id in broken:
            continue
        reason = ""
        if not verify(event):
            reason = "altered"
        elif not hmac.compare_digest(event.prev_digest, previous_digest):
            reason = "link"
        if reason:
            broken.add(event.bureau_id)
            report.breaks.append(Break(event.bureau_id, event.pk, previous_id, reason))
    return report


def _chain_head(bureau_id: int) -> str:
    """Lock the bureau's chain for this transaction and read its head's HMAC, in one statement.

    PostgreSQL: ``core_audit_chain_head`` (migration ``core.0004``) takes the advisory lock
    (class ``_CHAIN_LOCK_CLASS``) and then reads. SQLite: the transaction is IMMEDIATE (settings),
    so it holds the database's write lock already.
    """
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT core_audit_chain_head(%s)", [bureau_id])
        else:
            cursor.execute(
                "SELECT digest FROM core_auditevent WHERE bureau_id = %s ORDER BY id DESC LIMIT 1",
                [bureau_id],
            )
        row = cursor.fetchone()
    return (row[0] or "") if row else ""


def record(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    bureau_id: int | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one audit event. Must run inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the writing transaction")
    ctx = context.current()
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = instance.pk if object_id is None else object_id
        if bureau_id is None:
            bureau_id = getattr(instance, "bureau_id", None)
    if actor is None:
        raise TypeError("an audit event needs its actor: a user, SYSTEM or RESIDENT")
    if bureau_id is None:
        bureau_id = getattr(actor, "bureau_id", None)
    if bureau_id is None:
        raise ValueError("an audit event needs the bureau it belongs to")
    authenticated = getattr(actor, "is_authenticated", False)
    object_type = object_type or ""
    event = AuditEvent(
        bureau_id=bureau_id,
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else ctx.channel,
        role=getattr(actor, "role", ""),
        unit_id=getattr(actor, "unit_id", None) if authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else ""),
        object_repr=_repr(object_type, instance),
        before=_masked(object_type, before),
        after=_masked(object_type, after),
        request_id=ctx.request_id,
        ip=ctx.ip,
        channel=ctx.channel,
    )
    return append(event)


def append(event: AuditEvent, *, at: dt.datetime | None = None) -> AuditEvent:
    """Insert a prepared event at the head of its bureau's chain (time ``at``, default now)."""
    event.prev_digest = _chain_head(event.bureau_id)
    event.created_at = at or timezone.now()
    event.digest = row_digest(event)
    event.save(force_insert=True)
    return event


def _repr(object_type: str, instance: models.Model | None) -> str:
    return personal.audit_repr(object_type, str(instance)[:200]) if instance is not None else ""


def _masked(object_type: str, payload: dict[str, Any] | None) -> dict[str, Any] | None:
    if payload is None:
        return None
    return personal.mask_payload(object_type, _jsonable(payload))
