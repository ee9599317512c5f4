"""Idempotent client writes: a submission replayed after a cut connection is stored once.

Every create from a client carries a UUID it generated (``Idempotency-Key`` header or a
``client_uuid`` field in the body). :func:`run_once` keeps the first answer under that key, per
user, in the same transaction as the record and its audit event:

* first request: the key row is inserted (pending), ``create()`` runs, its answer is stored on
  the row; all of it commits together, or nothing does (a failed ``create()`` leaves the key
  unused, so the client can retry);
* retry with the same request: the stored answer comes back unchanged and ``create()`` does not
  run;
* the same key with a different request: :class:`IdempotencyConflict` (422);
* a retry while the first request is still open: :class:`IdempotencyInFlight` (409). On
  PostgreSQL the second INSERT waits on the unique index until the first transaction ends, so
  this is only seen when the key is reused inside the transaction that holds it.

A view::

    key, field = idempotency.body_or_key(request, data, required=True)
    status, body, _replayed = idempotency.run_once(
        user=request.auth, key=key, field=field, endpoint="visits.create",
        payload=data.model_dump(mode="json"),
        create=lambda: (201, VisitOut.from_orm(services.visit_create(...)).model_dump(mode="json")),
    )
    return status, body
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError

from cunjing.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
BODY_FIELD = "client_uuid"
# The longest spelling ``uuid.UUID`` accepts ("urn:uuid:" + 36); anything longer is refused
# before parsing.
_MAX_KEY_LENGTH = 45
_MAX_ENDPOINT_LENGTH = IdempotencyKey._meta.get_field("endpoint").max_length


class IdempotencyConflict(ValidationError):
    """The key was already used with a different request: a 422 on the field that carried it."""

    def __init__(self, field: str = HEADER):
        message = _("This Idempotency-Key was already used with a different request.")
        super().__init__({field: [ValidationError(message, code="idempotency_conflict")]})


class IdempotencyInFlight(HttpError):
    """The first request with this key has not finished yet: a 409, try again later."""

    def __init__(self):
        super().__init__(409, str(_("A request with this Idempotency-Key is still in progress.")))


# --- Canonical JSON ------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def request_hash(endpoint: str, payload: Any) -> str:
    """SHA-256 of the canonical JSON of ``[endpoint, payload]`` (sorted keys, no spaces)."""
    return hashlib.sha256(_dumps([endpoint, payload]).encode()).hexdigest()


# --- The mechanism -------------------------------------------------------------------------------


def run_once(
    *,
    user,
    key: uuid.UUID,
    endpoint: str,
    payload: dict,
    create: Callable[[], tuple[int, dict]],
    field: str = HEADER,
) -> tuple[int, dict, bool]:
    """Run ``create()`` once per ``(user, key)``; return ``(status, body, replayed)``.

    ``body`` is returned as stored (JSON round-tripped), so the first answer and every replay
    are identical. ``field`` names where the key came from, for the conflict's field error.
    Safe inside an outer transaction: the unique violation is confined to a savepoint.
    """
    if not isinstance(key, uuid.UUID):
        raise TypeError("the idempotency key must be a uuid.UUID")
    if len(endpoint) > _MAX_ENDPOINT_LENGTH:
        raise ValueError(f"endpoint names are at most {_MAX_ENDPOINT_LENGTH} characters")
    bureau_id = getattr(user, "bureau_id", None)
    if bureau_id is None:
        raise ValueError("an idempotent write needs a user who belongs to a bureau")
    digest = request_hash(endpoint, payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    bureau_id=bureau_id,
                    user=user,
                    key=key,
                    endpoint=endpoint,
                    request_hash=digest,
                )
        except IntegrityError:
            stored = IdempotencyKey.objects.get(bureau_id=bureau_id, user=user, key=key)
            if stored.request_hash != digest:
                raise IdempotencyConflict(field) from None
            if stored.is_pending:
                raise IdempotencyInFlight() from None
            return stored.status_code, stored.response, True
        status, body = create()
        body = json.loads(_dumps(body))
        row.status_code = status
        row.response = body
        row.save(update_fields=["status_code", "response"])
    return status, body, False


# --- Reading the key from a request --------------------------------------------------------------


def _invalid(field: str) -> ValidationError:
    return ValidationError({field: [ValidationError(_("Enter a valid UUID."), code="invalid")]})


def _to_uuid(value: Any, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        key = value
    elif isinstance(value, str) and len(value.strip()) <= _MAX_KEY_LENGTH:
        try:
            key = uuid.UUID(value.strip())
        except ValueError:
            raise _invalid(field) from None
    else:
        raise _invalid(field)
    # The nil UUID is what a client sends when it forgot to generate one: every submission would
    # share it, so it is refused rather than silently replaying the first.
    if key.int == 0:
        raise _invalid(field)
    return key


def parse_key(request: HttpRequest) -> uuid.UUID | None:
    """The ``Idempotency-Key`` header as a UUID; ``None`` when absent or empty.

    A header that is not a UUID raises ``ValidationError`` on field ``Idempotency-Key`` (422).
    """
    raw = request.headers.get(HEADER)
    if raw is None or not raw.strip():
        return None
    return _to_uuid(raw, HEADER)


def body_or_key(
    request: HttpRequest, payload: Any, *, required: bool = False
) -> tuple[uuid.UUID | None, str]:
    """The write's key and the field that carried it: the header, else the body's ``client_uuid``.

    ``payload`` is a mapping or a schema object. Both given and different → 422 on the header;
    neither given → ``(None, HEADER)``, or a 422 "required" on the header when ``required``.
    """
    header = parse_key(request)
    if isinstance(payload, Mapping):
        raw = payload.get(BODY_FIELD)
    else:
        raw = getattr(payload, BODY_FIELD, None)
    body = None if raw is None or raw == "" else _to_uuid(raw, BODY_FIELD)
    if header is not None and body is not None and header != body:
        message = _("The Idempotency-Key header and client_uuid differ.")
        raise ValidationError({HEADER: [ValidationError(message, code="idempotency_mismatch")]})
    if header is not None:
        return header, HEADER
    if body is not None:
        return body, BODY_FIELD
    if required:
        message = _("This field is required.")
        raise ValidationError({HEADER: [ValidationError(message, code="required")]})
    return None, HEADER
