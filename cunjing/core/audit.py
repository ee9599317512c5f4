"""Write the audit event of a service's change, in the caller's transaction.

Services call :func:`record` after their write and before their transaction commits, so the change
and its audit row commit or roll back together (Zulip's RealmAuditLog, NetBox's ObjectChange).
"""

from __future__ import annotations

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

from cunjing.core import context
from cunjing.core.models import AuditEvent

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


def _digest(event: AuditEvent) -> str:
    payload = json.dumps(
        [
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
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def verify(event: AuditEvent) -> bool:
    return hmac.compare_digest(event.digest, _digest(event))


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
    event = AuditEvent(
        bureau_id=bureau_id,
        created_at=timezone.now(),
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else ctx.channel,
        role=getattr(actor, "role", ""),
        unit_id=getattr(actor, "unit_id", None) if authenticated else None,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        object_repr=str(instance)[:200] if instance is not None else "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=ctx.request_id,
        ip=ctx.ip,
        channel=ctx.channel,
    )
    event.digest = _digest(event)
    event.save(force_insert=True)
    return event
