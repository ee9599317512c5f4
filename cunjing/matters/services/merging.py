"""Which matter carries on for a merged one (:func:`survivor`), and which matters one may be
merged into (:func:`may_merge_into`): only a matter of the same kind about the same village or
community, itself not merged — two reports of one problem, never two problems."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cunjing.core.writes import refuse
from cunjing.matters.models import Matter, State

# A merge chain (A into B, later B into C) is followed at most this far.
MERGE_CHAIN_MAX = 10


def survivor(matter: Matter) -> Matter:
    """The matter whose handling answers for ``matter``: for a merged matter the one it was
    merged into (following later merges of that one), else the matter itself."""
    current, seen = matter, {matter.pk}
    while current.state == State.MERGED and current.merged_into_id and len(seen) < MERGE_CHAIN_MAX:
        following = (
            Matter.objects.select_related("area", "handling_unit", "category")
            .filter(pk=current.merged_into_id)
            .first()
        )
        if following is None or following.pk in seen:
            break
        seen.add(following.pk)
        current = following
    return current


def check_merge_target(matter: Matter, target: Matter) -> None:
    """Refuse a target that is not a report of the same problem."""
    if target.state == State.MERGED:
        raise refuse("target", _("That matter was itself merged into another."))
    if target.kind != matter.kind:
        raise refuse("target", _("Only a matter of the same kind can be merged into."))
    if target.area_id != matter.area_id:
        raise refuse(
            "target", _("Only a matter about the same village or community can be merged into.")
        )
