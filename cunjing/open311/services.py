"""Writes of Open311: issuing and revoking a client's API key, and a client's service request.

Keys are issued by whoever administers the bureau's configuration (``MANAGE_OPEN311``: the
system admin) or by ``manage.py open311_key`` (the system). A key is shown once, when issued;
the database keeps its SHA-256 and its first characters (to tell keys apart in the list).

A service request becomes a matter through ``matters.services.matter_submit`` (source Open311,
audited there) and an :class:`Open311Request` row with its token, audited here, in one
transaction: a refused request leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import RESIDENT, Capability, acting_user, is_system, require
from cunjing.core.writes import audited_update
from cunjing.matters.models import MatterCategory, Source
from cunjing.matters.services import matter_submit
from cunjing.open311.models import Open311Client, Open311Request
from cunjing.org.models import Area, Bureau

KEY_BYTES = 30  # 240 random bits, 40 characters of URL-safe base64
KEY_PREFIX_LENGTH = 8
# last_used_at is bookkeeping (like a login time), not a change of the client: it is written at
# most once a minute per client and not audited.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _snapshot(client: Open311Client) -> dict:
    return audit.snapshot(client, ["name", "key_prefix", "active", "created_by", "revoked_at"])


@transaction.atomic
def client_create(*, actor, bureau: Bureau, name: str) -> tuple[Open311Client, str]:
    """Issue an API key to a new client; returns the client and the key (its only showing)."""
    require(actor, Capability.MANAGE_OPEN311)
    if not is_system(actor) and actor.bureau_id != bureau.pk:
        raise ValidationError({"bureau": [_("You can only issue keys of your own bureau.")]})
    name = (name or "").strip()
    if Open311Client.objects.filter(bureau=bureau, name=name, active=True).exists():
        raise ValidationError({"name": [_("An active client with this name already exists.")]})
    key = secrets.token_urlsafe(KEY_BYTES)
    client = Open311Client(
        bureau=bureau,
        name=name,
        key_prefix=key[:KEY_PREFIX_LENGTH],
        key_hash=key_hash(key),
        created_by=acting_user(actor),
    )
    client.full_clean()
    client.save()
    audit.record(
        actor=actor, action="open311.client.create", instance=client, after=_snapshot(client)
    )
    return client, key


@transaction.atomic
def client_revoke(*, actor, client: Open311Client) -> Open311Client:
    """Revoke a client's key: refused from now on. Revoking twice changes nothing."""
    require(actor, Capability.MANAGE_OPEN311)
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if not is_system(actor) and actor.bureau_id != client.bureau_id:
        raise Open311Client.DoesNotExist
    if not client.active:
        return client
    return audited_update(
        actor=actor,
        instance=client,
        action="open311.client.revoke",
        changes={"active": False, "revoked_at": timezone.now()},
        snapshot=_snapshot,
    )


def client_for_key(*, bureau_id: int, key: str) -> Open311Client | None:
    """The active client of the bureau holding ``key``, else None. Notes when it was used."""
    if not key or len(key) > 200:
        return None
    client = Open311Client.objects.filter(
        bureau_id=bureau_id, key_hash=key_hash(key), active=True
    ).first()
    if client is None:
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


@transaction.atomic
def request_submit(
    *,
    client: Open311Client,
    service: MatterCategory,
    area: Area,
    description: str,
    latitude: float | None = None,
    longitude: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
) -> Open311Request:
    """A client's service request: the matter (kind and category from the service) and its
    Open311 row with a fresh token, together."""
    if service.bureau_id != client.bureau_id or area.bureau_id != client.bureau_id:
        raise ValidationError({"service_code": [_("Unknown service.")]})
    matter = matter_submit(
        area=area,
        kind=service.kind,
        category=service,
        description=description,
        source=Source.OPEN311,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
    )
    row = Open311Request(bureau_id=client.bureau_id, client=client, matter=matter)
    row.full_clean()
    row.save()
    audit.record(
        actor=RESIDENT,
        action="open311.request.create",
        instance=row,
        after={"client": client.pk, "matter": matter.pk, "tracking_code": matter.tracking_code},
    )
    return row
