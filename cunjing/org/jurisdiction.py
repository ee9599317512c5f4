"""The jurisdiction rule — the one place that says which rows a user may see.

A user's jurisdiction is a unit. They see:

- units in that unit's subtree (materialised path prefix, within their bureau);
- areas served (``Coverage``) by a unit of that subtree; the bureau roles see the whole county;
- a beat officer or an aide, additionally, only *their own* areas: the areas of the officer's
  active beats, or the aide's area.

Every selector and every ``visible_to(user)`` queryset calls :func:`restrict`. Every scoped
model, the organisation's own included, declares which field leads to an area or a unit
(``scope_area_field`` / ``scope_unit_field``; ``""`` is the row itself) and gets the same rule.
A model whose rows some role must not see at all, whatever the area, says which in
``scope_hidden_from_aides`` (a ``Q``: crime leads are never shown to aides); a model that is an
officer's own record for their leaders (work logs, reports, supervisions) names the officer
field in ``scope_own_records_field``: a beat officer sees only their own rows, an aide none —
wherever the officer works now (a transfer does not take their own records away). A model
whose rows are written by a user names that field in ``scope_author_field``: its author keeps
seeing the row whatever their areas are now (a field record in a village they no longer serve).
So every list, detail and service sees the same rows. Anonymous users, accounts with no unit or
on a closed unit, and accounts whose officer has left or whose aide's service has ended see
nothing.

This module reads the organisation's models through the app registry (``apps.get_model``), so
that ``org.models`` can import it without a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet

from cunjing.core.roles import BUREAU_ROLES, Role


@dataclass(frozen=True)
class Scope:
    bureau_id: int | None
    unit_path: str | None  # None: nothing visible
    bureau_wide: bool
    officer_id: int | None  # set for beat officers: only their beats' areas
    aide_area_id: int | None  # set for aides: only their area
    personal: bool

    @property
    def empty(self) -> bool:
        return self.bureau_id is None or self.unit_path is None


NOTHING = Scope(None, None, False, None, None, False)


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object (one query for the unit's path)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    cached = getattr(user, "_jurisdiction_scope", None)
    if cached is not None:
        return cached
    scope = NOTHING
    unit = user.unit if getattr(user, "unit_id", None) else None
    if (
        unit is not None
        and user.is_active
        and unit.bureau_id == user.bureau_id
        and unit.closed_on is None
        and _person_active(user)
    ):
        role = user.role
        personal = role in (Role.BEAT_OFFICER, Role.AIDE)
        aide_area_id = None
        if role == Role.AIDE:
            aide_area_id = user.aide.area_id if getattr(user, "aide_id", None) else -1
        scope = Scope(
            bureau_id=unit.bureau_id,
            unit_path=unit.path,
            bureau_wide=role in BUREAU_ROLES and unit.depth == 1,
            officer_id=(user.officer_id or -1) if role == Role.BEAT_OFFICER else None,
            aide_area_id=aide_area_id,
            personal=personal,
        )
    user._jurisdiction_scope = scope
    return scope


def _person_active(user) -> bool:
    """The officer or aide behind the account still serves (the auth backend loads both with
    the user: no query here)."""
    if getattr(user, "officer_id", None) and not user.officer.is_active:
        return False
    return not (getattr(user, "aide_id", None) and not user.aide.is_active)


def forget(user) -> None:
    """Drop the cached scope (after the user's unit, role or beats change)."""
    if hasattr(user, "_jurisdiction_scope"):
        del user._jurisdiction_scope


def _path(prefix: str, name: str) -> str:
    """The lookup of ``name`` through the relation ``prefix`` (``""``: the row itself)."""
    return f"{prefix}__{name}" if prefix else name


def unit_q(user, prefix: str = "") -> Q:
    """Q selecting units (reached through ``prefix``) within the user's subtree."""
    s = scope_of(user)
    if s.empty:
        return Q(pk__in=[])
    q = Q(**{_path(prefix, "bureau_id"): s.bureau_id})
    if not s.bureau_wide:
        q &= Q(**{_path(prefix, "path__startswith"): s.unit_path})
    return q


def area_q(user, prefix: str = "") -> Q:
    """Q selecting areas (reached through ``prefix``) the user may see."""
    s = scope_of(user)
    if s.empty:
        return Q(pk__in=[])
    q = Q(**{_path(prefix, "bureau_id"): s.bureau_id})
    if s.officer_id is not None:
        own = (
            apps.get_model("org", "Beat")
            .objects.active()
            .filter(bureau_id=s.bureau_id, officer_id=s.officer_id)
        )
        return q & Q(**{_path(prefix, "id__in"): own.values("area_id")})
    if s.aide_area_id is not None:
        return q & Q(**{_path(prefix, "id"): s.aide_area_id})
    if s.bureau_wide:
        return q
    served = (
        apps.get_model("org", "Coverage")
        .objects.filter(bureau_id=s.bureau_id, unit__path__startswith=s.unit_path)
        .values("area_id")
    )
    return q & Q(**{_path(prefix, "id__in"): served})


def restrict(qs: QuerySet, user) -> QuerySet:
    """Restrict any scoped queryset to what ``user`` may see."""
    model = qs.model
    area_field = getattr(model, "scope_area_field", None)
    unit_field = getattr(model, "scope_unit_field", None)
    scope = scope_of(user)
    own_field = getattr(model, "scope_own_records_field", None)
    if own_field is not None and not scope.empty:
        if scope.aide_area_id is not None:
            return qs.none()
        if scope.officer_id is not None:
            # Their own records, whichever unit they were written for.
            return qs.filter(bureau_id=scope.bureau_id, **{f"{own_field}_id": scope.officer_id})
    if area_field is not None:
        q = area_q(user, area_field)
    elif unit_field is not None:
        q = unit_q(user, unit_field)
    else:
        raise TypeError(f"{model.__name__} declares no jurisdiction (scope_area_field/unit_field)")
    author_field = getattr(model, "scope_author_field", None)
    if author_field is not None and not scope.empty:
        q |= Q(bureau_id=scope.bureau_id, **{f"{author_field}_id": user.pk})
    qs = qs.filter(q)
    hidden = getattr(model, "scope_hidden_from_aides", None)
    if hidden is not None and scope.aide_area_id is not None:
        qs = qs.exclude(hidden)
    return qs


def can_see_area(user, area) -> bool:
    return type(area).objects.filter(pk=area.pk).filter(area_q(user)).exists()
