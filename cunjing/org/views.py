"""Organisation pages: the unit tree, areas with their contact cards, beats, coverage (村社有警).

Every view does three things in order: access (signed in; the capability, else 403; the object
fetched through ``visible_to(user)`` or a selector, else 404 — so an invisible object and a missing
one look the same), then one selector or service call, then the response. Bad input answers 422
with the errors on the form's fields and saves nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cunjing.core.forms import add_service_errors
from cunjing.core.masking import mask_phone, national_phone
from cunjing.core.pagination import numbered_page
from cunjing.core.roles import Capability, has_capability
from cunjing.org import selectors, services
from cunjing.org.filters import AreaFilters
from cunjing.org.forms import (
    AreaFilterForm,
    AreaForm,
    BeatAssignForm,
    BeatEndForm,
    BureauRulesForm,
    CoverageFilterForm,
)
from cunjing.org.models import (
    Area,
    Beat,
    Unit,
)

UNPROCESSABLE = 422
AREAS_PER_PAGE = 25


# --- Access ---------------------------------------------------------------------------------


def _require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("You do not have permission to do this."))


def _visible_area(request: HttpRequest, pk: int, capability: str | None = None) -> Area:
    """The area if the user may see it (else 404), checked for ``capability`` (else 403)."""
    _require(request.user, Capability.VIEW_ORG)
    area = get_object_or_404(Area.objects.visible_to(request.user), pk=pk)
    if capability is not None:
        _require(request.user, capability)
    return area


def _visible_unit(request: HttpRequest, pk: int) -> Unit:
    _require(request.user, Capability.VIEW_ORG)
    return get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)


# --- Units ----------------------------------------------------------------------------------


@login_required
@require_safe
def unit_tree(request: HttpRequest) -> HttpResponse:
    """The user's top visible unit(s) and their children; deeper levels open on demand."""
    _require(request.user, Capability.VIEW_ORG)
    tops, children = selectors.unit_tree_tops(request.user)
    counts = selectors.subtree_officer_counts(request.user, tops + children)
    nodes = [
        {
            "unit": top,
            "officers": counts.get(top.pk, 0),
            "children": [_node(c, counts) for c in children if c.path.startswith(top.path)],
        }
        for top in tops
    ]
    return render(request, "org/unit_tree.html", {"nodes": nodes})


def _node(unit: Unit, counts: dict[int, int]) -> dict:
    return {"unit": unit, "officers": counts.get(unit.pk, 0)}


@login_required
@require_safe
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit: where it sits, its facts, its children, its officers and the areas it serves.

    An htmx request (``?part=children``) gets only the list of children, for the tree."""
    unit = _visible_unit(request, pk)
    children = list(selectors.unit_children(request.user, unit))
    counts = selectors.subtree_officer_counts(request.user, [unit, *children], within=unit.path)
    child_nodes = [_node(c, counts) for c in children]
    if request.htmx and request.GET.get("part") == "children":
        response = render(
            request, "org/unit_detail.html#children", {"unit": unit, "children": child_nodes}
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    context = {
        "unit": unit,
        "unit_phone": national_phone(unit.phone),
        "officer_count": counts.get(unit.pk, 0),
        "crumbs": selectors.ancestor_links(request.user, selectors.unit_ancestors(unit)),
        "children": child_nodes,
        "areas": list(selectors.unit_areas(request.user, unit)),
        "officers": list(selectors.unit_officers(request.user, unit)),
        "changes": list(selectors.org_changes(request.user, unit=unit)[:20]),
        "can_manage": has_capability(request.user, Capability.MANAGE_ORG),
    }
    return render(request, "org/unit_detail.html", context)


# --- Areas ----------------------------------------------------------------------------------


@login_required
@require_safe
def area_list(request: HttpRequest) -> HttpResponse:
    """Areas in scope, filtered by kind, parent and a search text (pinyin initials work)."""
    _require(request.user, Capability.VIEW_ORG)
    form = AreaFilterForm(request.GET)
    status = 200
    if form.is_valid():
        qs = AreaFilters.queryset(request.user, form)
    else:
        qs, status = Area.objects.none(), UNPROCESSABLE
    page = numbered_page(
        selectors.with_active_beats(qs), per_page=AREAS_PER_PAGE, number=request.GET.get("page")
    )
    parents = selectors.area_parent_choices(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "parents": parents, "query": query.urlencode()}
    return render(request, "org/area_list.html", context, status=status)


@login_required
@require_safe
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An area: where it sits, its contact card (警民联系卡), aides and beat history."""
    area = _visible_area(request, pk)
    context = {
        "area": area,
        "crumbs": selectors.ancestor_links(request.user, selectors.area_ancestors(area)),
        "card": None,
        "aides": [],
        "history": [],
        "can_edit": has_capability(request.user, Capability.MANAGE_ORG),
        "can_manage_beats": has_capability(request.user, Capability.MANAGE_BEATS),
        "end_form": BeatEndForm(),
    }
    if area.is_beat_area:
        card = selectors.contact_card(area)
        aides = list(selectors.area_aides(request.user, area))
        for aide in aides:
            aide.masked_phone = mask_phone(aide.phone)
        context.update(
            card=card,
            officer_phone=national_phone(card.officer.phone) if card.officer else "",
            unit_phone=national_phone(card.unit.phone) if card.unit else "",
            aides=aides,
            history=list(selectors.area_beats_history(request.user, area)),
        )
    return render(request, "org/area_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an area's name, division code and position (system admin)."""
    area = _visible_area(request, pk, Capability.MANAGE_ORG)
    initial = {f: getattr(area, f) for f in services.AREA_EDITABLE}
    if request.method != "POST":
        form = AreaForm(initial=initial)
        return render(request, "org/area_edit.html", {"area": area, "form": form})
    form = AreaForm(request.POST, initial=initial)
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("org:area_detail", pk=area.pk)
        try:
            services.area_update(actor=request.user, area=area, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The area has been saved."))
            return redirect("org:area_detail", pk=area.pk)
    return render(request, "org/area_edit.html", {"area": area, "form": form}, status=UNPROCESSABLE)


# --- Beats ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def beat_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Put an officer on the beat of area ``pk`` (station leader in scope, commander, sysadmin)."""
    area = _visible_area(request, pk, Capability.MANAGE_BEATS)
    if request.method != "POST":
        form = BeatAssignForm(user=request.user)
        return render(request, "org/beat_assign.html", {"area": area, "form": form})
    form = BeatAssignForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            beat = services.beat_assign(
                actor=request.user,
                officer=data["officer"],
                area=area,
                start_date=data["start_date"],
                is_lead=data["is_lead"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(officer)s is now on the beat of %(area)s.")
                % {"officer": beat.officer.name, "area": area.name},
            )
            return redirect("org:area_detail", pk=area.pk)
    return render(
        request, "org/beat_assign.html", {"area": area, "form": form}, status=UNPROCESSABLE
    )


@login_required
@require_POST
def beat_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End beat ``pk`` on the given date; it stays in the area's history."""
    _require(request.user, Capability.VIEW_ORG)
    beat = get_object_or_404(
        Beat.objects.visible_to(request.user).select_related("area", "officer"), pk=pk
    )
    _require(request.user, Capability.MANAGE_BEATS)
    form = BeatEndForm(request.POST)
    if form.is_valid():
        try:
            services.beat_end(actor=request.user, beat=beat, end_date=form.cleaned_data["end_date"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(officer)s has left the beat of %(area)s.")
                % {"officer": beat.officer.name, "area": beat.area.name},
            )
            return redirect("org:area_detail", pk=beat.area_id)
    return render(request, "org/beat_end.html", {"beat": beat, "form": form}, status=UNPROCESSABLE)


# --- Coverage (村社有警) ----------------------------------------------------------------------


@login_required
@require_safe
def coverage(request: HttpRequest) -> HttpResponse:
    """Every village and community in scope with its beat officers; uncovered ones first."""
    _require(request.user, Capability.VIEW_ORG)
    form = CoverageFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "report": None, "rows": []}
        return render(request, "org/coverage.html", context, status=UNPROCESSABLE)
    report = selectors.coverage_report(request.user, kind=form.cleaned_data["kind"] or None)
    rows = sorted(report.rows, key=lambda row: row.covered)  # stable: tree order within each
    return render(request, "org/coverage.html", {"form": form, "report": report, "rows": rows})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """The bureau's rules: the commander and the system admin."""
    user = request.user
    _require(user, Capability.MANAGE_RULES)
    current = selectors.bureau_rules(user)
    form = BureauRulesForm(request.POST if request.method == "POST" else None, initial=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.bureau_rules_update(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("org:rules")
        status = UNPROCESSABLE
    return render(request, "org/rules.html", {"form": form}, status=status)
