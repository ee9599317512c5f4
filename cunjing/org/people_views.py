"""The system admin's people pages: officers (list, new, edit, transfer, retire) and aides (list,
new, edit, end), and a unit's own changes (edit, move, close).

Lists and the detail pages need ``view_org`` (leaders see the people of their jurisdiction, so
a station leader can look up who serves where); every change needs ``manage_org`` (the system
admin), checked again by the service. Every object is fetched through the caller's scope (404
outside it). Bad input answers 422 with the errors on the form and saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cunjing.core.forms import add_service_errors
from cunjing.core.masking import mask_phone, national_phone
from cunjing.core.pagination import numbered_page
from cunjing.core.roles import Capability, has_capability
from cunjing.org import selectors, services
from cunjing.org.filters import AideFilters, OfficerFilters
from cunjing.org.forms import (
    AideFilterForm,
    AideForm,
    LeaveForm,
    OfficerFilterForm,
    OfficerForm,
    TransferForm,
    UnitCloseForm,
    UnitForm,
    UnitMoveForm,
)
from cunjing.org.models import Aide, Officer, Unit

UNPROCESSABLE = 422
PEOPLE_PER_PAGE = 30


def _require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("You do not have permission to do this."))


def _visible(request: HttpRequest, model, pk: int, *, manage: bool = False):
    """The row if the caller sees it (else 404); ``manage``: the caller must also hold
    ``manage_org`` (else 403)."""
    _require(request.user, Capability.VIEW_ORG)
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    if manage:
        _require(request.user, Capability.MANAGE_ORG)
    return obj


def _form_page(
    request: HttpRequest,
    form,
    *,
    title: str,
    submit: str,
    cancel_url: str,
    save: Callable[[dict], str],
    intro: str = "",
    danger: bool = False,
    extra: dict | None = None,
) -> HttpResponse:
    """A one-form page: GET shows it, POST validates it and calls ``save`` (a service call that
    returns where to go next, or raises ``ValidationError``, shown on the form: 422)."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return redirect(save(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
        status = UNPROCESSABLE
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "cancel_url": cancel_url,
        "intro": intro,
        "danger": danger,
        **(extra or {}),
    }
    return render(request, "org/form_page.html", context, status=status)


def _edit_page(
    request: HttpRequest, form, *, update, name: str, url: str, intro: str = "", extra=None
) -> HttpResponse:
    """An edit page: the fields the user changed go to ``update(**changes)`` (a service), with
    ``extra(data)`` adding what ``changed_data`` cannot see (a phone left empty to keep it)."""

    def save(data: dict) -> str:
        changes = {field: data[field] for field in form.changed_data}
        if extra is not None:
            changes = extra(data, changes)
        if changes:
            update(**changes)
            messages.success(request, _("Saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return url

    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": name},
        intro=intro,
        submit=_("Save"),
        cancel_url=url,
        save=save,
    )


def _list(
    request: HttpRequest, form_class, filters, template: str, *, masked_phones: bool = False
) -> HttpResponse:
    _require(request.user, Capability.VIEW_ORG)
    form = _tidy(form_class(request.GET, user=request.user))
    status = 200
    if form.is_valid():
        qs = filters.queryset(request.user, form)
    else:
        qs, status = filters.select(request.user).none(), UNPROCESSABLE
    page = numbered_page(qs, per_page=PEOPLE_PER_PAGE, number=request.GET.get("page"))
    if masked_phones:
        for row in page.object_list:
            row.masked_phone = mask_phone(row.phone)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "can_manage": has_capability(request.user, Capability.MANAGE_ORG),
    }
    return render(request, template, context, status=status)


def _account_id(user, **person) -> int | None:
    """The id of the account linked to the person, for the security admin's button (no query
    for anybody else)."""
    if not has_capability(user, Capability.MANAGE_USERS):
        return None
    return selectors.person_account_id(user.bureau_id, **person)


def _tidy(form):
    """The list's filter form as a police desk reads it: the search hint inside the box, "all"
    for an empty choice, 全部 / 是 / 否 for a yes-or-no filter."""
    q = form.fields["q"]
    q.widget.attrs.update(placeholder=q.help_text, type="search", autocomplete="off")
    q.help_text = ""
    for name, label in (("unit", _("All units")), ("area", _("All areas"))):
        if name in form.fields:
            form.fields[name].empty_label = label
    if "on_beat" in form.fields:
        form.fields["on_beat"].widget.choices = [
            ("unknown", _("All")),
            ("true", _("Yes")),
            ("false", _("No")),
        ]
    return form


# --- Officers ------------------------------------------------------------------------------


@login_required
@require_safe
def officer_list(request: HttpRequest) -> HttpResponse:
    """Officers in scope: search by name, pinyin initials or badge number; by unit, state and
    whether they are on a beat."""
    return _list(request, OfficerFilterForm, OfficerFilters, "org/officer_list.html")


@login_required
@require_safe
def officer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _visible(request, Officer, pk)
    context = {
        "officer": officer,
        "phone": national_phone(officer.phone),
        "beats": selectors.officer_beats(request.user, officer),
        "changes": list(selectors.org_changes(request.user, officer=officer)[:50]),
        "can_manage": has_capability(request.user, Capability.MANAGE_ORG),
        "account_id": _account_id(request.user, officer_id=officer.pk),
    }
    return render(request, "org/officer_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def officer_new(request: HttpRequest) -> HttpResponse:
    _require(request.user, Capability.MANAGE_ORG)
    data = request.POST if request.method == "POST" else None
    form = OfficerForm(data, user=request.user)

    def save(data: dict) -> str:
        officer = services.officer_create(actor=request.user, **data)
        messages.success(request, _("%(name)s has been added.") % {"name": officer.name})
        return reverse("org:officer_detail", args=[officer.pk])

    return _form_page(
        request,
        form,
        title=_("New officer"),
        submit=_("Add"),
        cancel_url=reverse("org:officer_list"),
        save=save,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def officer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _visible(request, Officer, pk, manage=True)
    initial = {f: getattr(officer, f) for f in services.OFFICER_EDITABLE}
    data = request.POST if request.method == "POST" else None
    form = OfficerForm(data, initial=initial, user=request.user, editing=True)
    return _edit_page(
        request,
        form,
        update=lambda **changes: services.officer_update(
            actor=request.user, officer=officer, **changes
        ),
        name=officer.name,
        url=reverse("org:officer_detail", args=[officer.pk]),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def officer_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _visible(request, Officer, pk, manage=True)
    data = request.POST if request.method == "POST" else None
    form = TransferForm(data, user=request.user, officer=officer)
    url = reverse("org:officer_detail", args=[officer.pk])

    def save(data: dict) -> str:
        services.officer_transfer(actor=request.user, officer=officer, **data)
        messages.success(
            request,
            _("%(name)s now works in %(unit)s.") % {"name": officer.name, "unit": data["unit"]},
        )
        return url

    return _form_page(
        request,
        form,
        title=_("Transfer %(name)s") % {"name": officer.name},
        intro=_(
            "%(name)s works in %(unit)s. Their beats end on the date; their records stay theirs. "
            "Their account keeps its unit until the security admin moves it."
        )
        % {"name": officer.name, "unit": officer.unit.name},
        submit=_("Transfer"),
        cancel_url=url,
        save=save,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def officer_leave(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _visible(request, Officer, pk, manage=True)
    data = request.POST if request.method == "POST" else None
    form = LeaveForm(data)
    url = reverse("org:officer_detail", args=[officer.pk])

    def save(data: dict) -> str:
        services.officer_leave(actor=request.user, officer=officer, **data)
        messages.success(request, _("%(name)s has left.") % {"name": officer.name})
        return url

    return _form_page(
        request,
        form,
        title=_("Retire %(name)s") % {"name": officer.name},
        intro=_(
            "Retired or left the force: every beat ends on the date and a linked account sees "
            "nothing any more. Their records stay."
        ),
        submit=_("Retire"),
        danger=True,
        cancel_url=url,
        save=save,
    )


# --- Aides ---------------------------------------------------------------------------------


@login_required
@require_safe
def aide_list(request: HttpRequest) -> HttpResponse:
    """Aides in scope (phones masked): search by name, pinyin initials or phone digits; by area,
    kind, subtype and state."""
    return _list(request, AideFilterForm, AideFilters, "org/aide_list.html", masked_phones=True)


@login_required
@require_safe
def aide_detail(request: HttpRequest, pk: int) -> HttpResponse:
    aide = _visible(request, Aide, pk)
    context = {
        "aide": aide,
        "phone": mask_phone(aide.phone),
        "changes": list(selectors.org_changes(request.user, aide=aide)[:20]),
        "can_manage": has_capability(request.user, Capability.MANAGE_ORG),
        "account_id": _account_id(request.user, aide_id=aide.pk),
    }
    return render(request, "org/aide_detail.html", context)


def _aide_data(data: dict) -> dict:
    return {**data, "subtype": data.get("subtype") or ""}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def aide_new(request: HttpRequest) -> HttpResponse:
    _require(request.user, Capability.MANAGE_ORG)
    data = request.POST if request.method == "POST" else None
    initial = {}
    area_id = request.GET.get("area", "")
    if area_id.isascii() and area_id.isdigit():
        initial["area"] = int(area_id)
    form = AideForm(data, initial=initial, user=request.user)

    def save(data: dict) -> str:
        aide = services.aide_create(actor=request.user, **_aide_data(data))
        messages.success(request, _("%(name)s has been added.") % {"name": aide.name})
        return reverse("org:aide_detail", args=[aide.pk])

    return _form_page(
        request,
        form,
        title=_("New aide"),
        submit=_("Add"),
        cancel_url=reverse("org:aide_list"),
        save=save,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def aide_edit(request: HttpRequest, pk: int) -> HttpResponse:
    aide = _visible(request, Aide, pk, manage=True)
    initial = {f: getattr(aide, f) for f in services.AIDE_EDITABLE}
    data = request.POST if request.method == "POST" else None
    form = AideForm(data, initial=initial, user=request.user)
    # The phone is shown masked and left empty: empty keeps it.
    form.fields["phone"].required = False
    form.fields["phone"].help_text = _("Now %(phone)s. Leave empty to keep it.") % {
        "phone": mask_phone(aide.phone)
    }
    form.initial["phone"] = ""

    def keep_phone(data: dict, changes: dict) -> dict:
        changes.pop("phone", None)
        if data.get("phone"):
            changes["phone"] = data["phone"]
        if "subtype" in changes:
            changes["subtype"] = changes["subtype"] or ""
        return changes

    return _edit_page(
        request,
        form,
        update=lambda **changes: services.aide_update(actor=request.user, aide=aide, **changes),
        name=aide.name,
        url=reverse("org:aide_detail", args=[aide.pk]),
        extra=keep_phone,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def aide_end(request: HttpRequest, pk: int) -> HttpResponse:
    aide = _visible(request, Aide, pk, manage=True)
    data = request.POST if request.method == "POST" else None
    form = LeaveForm(data)
    url = reverse("org:aide_detail", args=[aide.pk])

    def save(data: dict) -> str:
        services.aide_end(actor=request.user, aide=aide, **data)
        messages.success(request, _("%(name)s has left.") % {"name": aide.name})
        return url

    return _form_page(
        request,
        form,
        title=_("End the service of %(name)s") % {"name": aide.name},
        intro=_("A linked account sees nothing any more. Their records stay."),
        submit=_("End the service"),
        danger=True,
        cancel_url=url,
        save=save,
    )


# --- A unit's own changes ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _visible(request, Unit, pk, manage=True)
    initial = {f: getattr(unit, f) for f in ("name", "code", "address", "phone")}
    data = request.POST if request.method == "POST" else None
    form = UnitForm(data, initial=initial)
    return _edit_page(
        request,
        form,
        update=lambda **changes: services.unit_update(actor=request.user, unit=unit, **changes),
        name=unit.name,
        url=reverse("org:unit_detail", args=[unit.pk]),
        intro=_("A new name is kept in the unit's history."),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _visible(request, Unit, pk, manage=True)
    data = request.POST if request.method == "POST" else None
    form = UnitMoveForm(data, user=request.user, unit=unit)
    url = reverse("org:unit_detail", args=[unit.pk])

    def save(data: dict) -> str:
        services.unit_move(actor=request.user, unit=unit, **data)
        messages.success(
            request,
            _("%(name)s now sits under %(parent)s.")
            % {"name": unit.name, "parent": data["parent"].name},
        )
        return url

    return _form_page(
        request,
        form,
        title=_("Move %(name)s") % {"name": unit.name},
        intro=_(
            "The unit moves with everything under it: units, officers, the areas it serves "
            "and its records. Figures already counted stay with the old parent."
        ),
        submit=_("Move"),
        cancel_url=url,
        save=save,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def unit_close(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _visible(request, Unit, pk, manage=True)
    data = request.POST if request.method == "POST" else None
    form = UnitCloseForm(data, user=request.user, unit=unit)
    url = reverse("org:unit_detail", args=[unit.pk])

    def save(data: dict) -> str:
        services.unit_close(actor=request.user, unit=unit, **data)
        messages.success(request, _("%(name)s has been closed.") % {"name": unit.name})
        return url

    return _form_page(
        request,
        form,
        title=_("Close %(name)s") % {"name": unit.name},
        intro=_(
            "A closed unit stays as history. Move its units and transfer its officers first; "
            "its areas go to the unit chosen below."
        ),
        submit=_("Close the unit"),
        danger=True,
        cancel_url=url,
        save=save,
        extra={"blockers": selectors.unit_close_blockers(unit), "unit": unit},
    )
