"""The kinds of dispute, a list each bureau keeps: the defaults it starts with (each with a
``code``), and its own additions, renamings and retirements (the commander or the system admin,
who keep the bureau's rules)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Capability, is_system, require
from cunjing.core.writes import audited_update
from cunjing.disputes.models import DisputeKind
from cunjing.disputes.services._common import refuse, text
from cunjing.org.models import Bureau

# code → the name a bureau starts with (data, in the bureau's language, like the categories of
# matters): neighbour, family, marriage, land and boundary, debt, labour, property management,
# traffic, other.
DEFAULT_KINDS: dict[str, str] = {
    "neighbour": "邻里纠纷",
    "family": "家庭纠纷",
    "marriage": "婚姻纠纷",
    "land": "土地地界纠纷",
    "debt": "债务纠纷",
    "labour": "劳资纠纷",
    "property_management": "物业纠纷",
    "traffic": "交通事故纠纷",
    "other": "其他纠纷",
}
NAME_MAX = DisputeKind._meta.get_field("name").max_length


@transaction.atomic
def dispute_kinds_ensure_defaults(*, actor, bureau: Bureau) -> int:
    """Create the default kinds the bureau does not have yet (by code; a name the bureau already
    uses for a kind of its own is left to it); returns how many."""
    if not is_system(actor) and getattr(actor, "bureau_id", None) != bureau.pk:
        raise PermissionDenied(_("You do not have permission to do this."))
    existing = DisputeKind.objects.filter(bureau=bureau)
    codes = set(existing.values_list("code", flat=True))
    names = set(existing.values_list("name", flat=True))
    created = 0
    for position, (code, name) in enumerate(DEFAULT_KINDS.items(), start=1):
        if code in codes or name in names:
            continue
        kind = DisputeKind(bureau=bureau, code=code, name=name, position=position)
        kind.full_clean(validate_constraints=False)
        kind.save()
        audit.record(
            actor=actor, action="dispute.kind.create", instance=kind, after=audit.snapshot(kind)
        )
        created += 1
    return created


def _name(actor, name: str, *, exclude: int | None = None) -> str:
    name = text(name, "name", max_length=NAME_MAX)
    taken = DisputeKind.objects.filter(bureau_id=actor.bureau_id, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise refuse("name", _("A kind of dispute with this name already exists."))
    return name


@transaction.atomic
def dispute_kind_create(*, actor, name: str) -> DisputeKind:
    """A kind of the bureau's own, after the others."""
    require(actor, Capability.MANAGE_RULES)
    name = _name(actor, name)
    last = DisputeKind.objects.filter(bureau_id=actor.bureau_id).aggregate(n=Max("position"))
    kind = DisputeKind(bureau_id=actor.bureau_id, name=name, position=(last["n"] or 0) + 1)
    kind.full_clean(validate_constraints=False)
    kind.save()
    audit.record(
        actor=actor, action="dispute.kind.create", instance=kind, after=audit.snapshot(kind)
    )
    return kind


@transaction.atomic
def dispute_kind_update(
    *, actor, kind: DisputeKind, name: str | None = None, active: bool | None = None
) -> DisputeKind:
    """Rename a kind or retire it (``active=False``: no new dispute takes it; those that have it
    keep it) or bring it back."""
    require(actor, Capability.MANAGE_RULES)
    kind = (
        DisputeKind.objects.select_for_update()
        .filter(bureau_id=actor.bureau_id)
        .get(pk=getattr(kind, "pk", kind))
    )
    changes = {}
    if name is not None:
        changes["name"] = _name(actor, name, exclude=kind.pk)
    if active is not None:
        changes["active"] = bool(active)
    return audited_update(actor=actor, instance=kind, action="dispute.kind.update", changes=changes)
