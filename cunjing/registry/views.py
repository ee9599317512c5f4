"""Registry pages (一标三实): search, an address with its dwellings, residents and
establishments, a resident, and the forms that create and edit them.

Every view: access (signed in; ``view_registry``, else 403; the object through a selector, else
404; ``edit_registry`` for forms, else 403), then one selector or service call, then the
response. Bad input answers 422 with the errors on the form's fields and saves nothing. ID
numbers and phones show masked (aides: no ID number at all); the "显示" action on a resident
reveals one value inline (htmx) after asking for a reason, through ``core.reveal.reveal``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cunjing.core import reveal
from cunjing.core.errors import field_errors
from cunjing.core.forms import add_service_errors
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.pagination import numbered_page
from cunjing.core.roles import Capability, has_capability, sees_id_numbers
from cunjing.registry import selectors, services
from cunjing.registry.filters import AddressFilters, EstablishmentFilters, ResidentFilters
from cunjing.registry.forms import (
    SEARCH_KINDS,
    AddressForm,
    DwellingForm,
    EstablishmentForm,
    ResidentForm,
    RevealForm,
    SearchForm,
)

UNPROCESSABLE = 422
PER_PAGE = 25


# --- Access ---------------------------------------------------------------------------------


def _require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("You do not have permission to do this."))


def _get(request: HttpRequest, getter, pk: int, capability: str | None = None):
    """The object through its selector (else 404), then ``capability`` (else 403)."""
    _require(request.user, Capability.VIEW_REGISTRY)
    try:
        obj = getter(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if capability is not None:
        _require(request.user, capability)
    return obj


def _can_edit(user) -> bool:
    return has_capability(user, Capability.EDIT_REGISTRY)


# --- Search ---------------------------------------------------------------------------------


@login_required
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """One search box over residents, establishments and addresses; a tab per kind, with its
    count; the chosen tab paginated."""
    _require(request.user, Capability.VIEW_REGISTRY)
    form = SearchForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "tabs": [], "page": None, "kind": "residents"}
        return render(request, "registry/search.html", context, status=UNPROCESSABLE)
    q = form.cleaned_data["q"] or None
    user = request.user
    lists = {
        "residents": ResidentFilters.queryset(user, form),
        "establishments": EstablishmentFilters.queryset(user, form),
        "addresses": AddressFilters.queryset(user, form),
    }
    labels = {
        "residents": _("Residents"),
        "establishments": _("Establishments"),
        "addresses": _("Addresses"),
    }
    counts = {kind: qs.count() for kind, qs in lists.items()}
    kind = form.cleaned_data["kind"] or next(
        (k for k in SEARCH_KINDS if counts[k]), SEARCH_KINDS[0]
    )
    page = numbered_page(
        lists[kind], per_page=PER_PAGE, number=request.GET.get("page"), count=counts[kind]
    )
    if kind == "residents":
        _mask_residents(user, page.object_list)
    elif kind == "establishments":
        for row in page.object_list:
            row.masked_phone = mask_phone(row.contact_phone)
    query = request.GET.copy()
    query.pop("page", None)
    query["kind"] = kind
    context = {
        "form": form,
        "q": q or "",
        "kind": kind,
        "tabs": [(k, labels[k], counts[k]) for k in SEARCH_KINDS],
        "page": page,
        "query": query.urlencode(),
        "can_edit": _can_edit(user),
        "shows_id": sees_id_numbers(user),
    }
    return render(request, "registry/search.html", context)


def _mask_residents(user, residents) -> None:
    shows_id = sees_id_numbers(user)
    for row in residents:
        row.masked_id = mask_id_number(row.id_number) if shows_id else ""
        row.masked_phone = mask_phone(row.phone)


# --- Addresses ------------------------------------------------------------------------------


def _form_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def address_new(request: HttpRequest) -> HttpResponse:
    _require(request.user, Capability.VIEW_REGISTRY)
    _require(request.user, Capability.EDIT_REGISTRY)
    areas = selectors.writable_areas(request.user)
    title = _("New address")
    if request.method != "POST":
        initial = {"area": areas.first()} if areas.count() == 1 else None
        form = AddressForm(areas=areas, initial=initial)
        return _form_page(request, "registry/form.html", {"form": form, "title": title})
    form = AddressForm(request.POST, areas=areas)
    if form.is_valid():
        data = form.cleaned_data
        try:
            address = services.address_create(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The address has been saved."))
            return redirect("registry:address_detail", pk=address.pk)
    context = {"form": form, "title": title}
    return _form_page(request, "registry/form.html", context, UNPROCESSABLE)


@login_required
@require_safe
def address_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An address: its dwellings with their residents, and its establishments."""
    address = _get(request, selectors.address_get, pk)
    dwellings, establishments = selectors.address_contents(request.user, address)
    for dwelling in dwellings:
        _mask_residents(request.user, dwelling.resident_rows)
    for establishment in establishments:
        establishment.masked_phone = mask_phone(establishment.contact_phone)
    context = {
        "address": address,
        "dwellings": dwellings,
        "establishments": establishments,
        "can_edit": _can_edit(request.user),
        "shows_id": sees_id_numbers(request.user),
    }
    return render(request, "registry/address_detail.html", context)


def _edit(request, *, obj, form_class, service, kwarg: str, editable, done: str, **form_kw):
    """The shared edit flow: initial values, changed fields only, service errors on the form."""
    initial = {name: getattr(obj, name) for name in editable if name in form_class.base_fields}
    for secret in ("id_number", "phone", "contact_phone"):
        initial.pop(secret, None)  # never put personal data in clear into a form
    if request.method != "POST":
        return form_class(initial=initial, **form_kw), None
    form = form_class(request.POST, initial=initial, **form_kw)
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        for secret in ("id_number", "phone", "contact_phone"):
            if secret in changes and not changes[secret]:
                del changes[secret]  # empty keeps the stored value
        try:
            service(actor=request.user, **{kwarg: obj}, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return form, True
    return form, False


def _create_under(request, *, parent, form_class, create, title: str, back, done: str, to):
    """The shared create flow of a record under ``parent`` (an address or a dwelling): the
    form, the service, its errors on the form; ``to(created)`` is where to go afterwards."""
    context = {"title": title, "back": back}
    if request.method != "POST":
        return _form_page(request, "registry/form.html", {**context, "form": form_class()})
    form = form_class(request.POST)
    if form.is_valid():
        try:
            created = create(actor=request.user, **parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(*to(created))
    return _form_page(request, "registry/form.html", {**context, "form": form}, UNPROCESSABLE)


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    address = _get(request, selectors.address_get, pk, Capability.EDIT_REGISTRY)
    form, saved = _edit(
        request,
        obj=address,
        form_class=AddressForm,
        service=services.address_update,
        kwarg="address",
        editable=services.ADDRESS_EDITABLE,
        done=_("The address has been saved."),
    )
    if saved:
        return redirect("registry:address_detail", pk=address.pk)
    context = {"form": form, "title": _("Edit address"), "back": address}
    return _form_page(
        request, "registry/form.html", context, UNPROCESSABLE if saved is False else 200
    )


# --- Dwellings ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dwelling_new(request: HttpRequest, pk: int) -> HttpResponse:
    address = _get(request, selectors.address_get, pk, Capability.EDIT_REGISTRY)
    return _create_under(
        request,
        parent={"address": address},
        form_class=DwellingForm,
        create=services.dwelling_create,
        title=_("New dwelling"),
        back=address,
        done=_("The dwelling has been saved."),
        to=lambda _dwelling: ("registry:address_detail", address.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def dwelling_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = _get(request, selectors.dwelling_get, pk, Capability.EDIT_REGISTRY)
    form, saved = _edit(
        request,
        obj=dwelling,
        form_class=DwellingForm,
        service=services.dwelling_update,
        kwarg="dwelling",
        editable=services.DWELLING_EDITABLE,
        done=_("The dwelling has been saved."),
    )
    if saved:
        return redirect("registry:address_detail", pk=dwelling.address_id)
    context = {"form": form, "title": _("Edit dwelling"), "back": dwelling.address}
    return _form_page(
        request, "registry/form.html", context, UNPROCESSABLE if saved is False else 200
    )


# --- Residents ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def resident_new(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = _get(request, selectors.dwelling_get, pk, Capability.EDIT_REGISTRY)
    return _create_under(
        request,
        parent={"dwelling": dwelling},
        form_class=ResidentForm,
        create=services.resident_create,
        title=_("New resident"),
        back=dwelling.address,
        done=_("The resident has been saved."),
        to=lambda resident: ("registry:resident_detail", resident.pk),
    )


def _reveal_rows(user, resident, revealed: dict | None = None, errors: dict | None = None):
    """The personal-data rows of the resident page: label, masked value, the revealed value
    if any, the reveal form's errors."""
    revealed, errors = revealed or {}, errors or {}
    rows = []
    if sees_id_numbers(user):
        rows.append(("id_number", _("ID number"), mask_id_number(resident.id_number)))
    rows.append(("phone", _("Phone"), mask_phone(resident.phone)))
    return [
        {
            "field": field,
            "label": label,
            "masked": masked,
            "value": revealed.get(field, ""),
            "errors": errors.get(field, []),
            "reason": "",
        }
        for field, label, masked in rows
    ]


def _resident_context(request, resident, **shown) -> dict:
    return {
        "resident": resident,
        "rows": _reveal_rows(request.user, resident, **shown),
        "can_edit": _can_edit(request.user),
        "can_reveal": reveal.may_reveal(request.user),
    }


@login_required
@require_safe
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _get(request, selectors.resident_get, pk)
    return render(request, "registry/resident_detail.html", _resident_context(request, resident))


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Reveal one of the resident's ID number or phone, with a reason. htmx gets the one row
    back (the value, or the form with its error); a plain form post gets the whole page."""
    resident = _get(request, selectors.resident_get, pk)
    form = RevealForm(request.POST)
    field = request.POST.get("field", "")
    revealed, errors, status = {}, {}, 200
    if form.is_valid():
        field = form.cleaned_data["field"]
        try:
            revealed[field] = reveal.reveal(
                actor=request.user,
                kind="resident",
                pk=resident.pk,
                field=field,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            found = field_errors(exc)
            errors[field] = [m for messages_ in found.values() for m in messages_]
            status = UNPROCESSABLE
    else:
        if not reveal.may_reveal(request.user):
            raise PermissionDenied(_("You do not have permission to do this."))
        errors[field] = [m for messages_ in form.errors.values() for m in messages_]
        status = UNPROCESSABLE
    context = _resident_context(request, resident, revealed=revealed, errors=errors)
    if request.htmx:
        row = next((r for r in context["rows"] if r["field"] == field), None)
        if row is None:
            raise Http404
        # htmx swaps only 2xx answers: the row with its error comes back as 200.
        response = render(
            request, "registry/resident_detail.html#reveal-row", {**context, "row": row}
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    return render(request, "registry/resident_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _get(request, selectors.resident_get, pk, Capability.EDIT_REGISTRY)
    form, saved = _edit(
        request,
        obj=resident,
        form_class=ResidentForm,
        service=services.resident_update,
        kwarg="resident",
        editable=services.RESIDENT_EDITABLE,
        done=_("The resident has been saved."),
        editing=True,
    )
    if saved:
        return redirect("registry:resident_detail", pk=resident.pk)
    context = {
        "form": form,
        "title": _("Edit resident"),
        "back": resident.dwelling.address,
        "current": {
            "id_number": mask_id_number(resident.id_number),
            "phone": mask_phone(resident.phone),
        },
    }
    return _form_page(
        request, "registry/form.html", context, UNPROCESSABLE if saved is False else 200
    )


# --- Establishments -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def establishment_new(request: HttpRequest, pk: int) -> HttpResponse:
    address = _get(request, selectors.address_get, pk, Capability.EDIT_REGISTRY)
    return _create_under(
        request,
        parent={"address": address},
        form_class=EstablishmentForm,
        create=services.establishment_create,
        title=_("New establishment"),
        back=address,
        done=_("The establishment has been saved."),
        to=lambda _establishment: ("registry:address_detail", address.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def establishment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    establishment = _get(request, selectors.establishment_get, pk, Capability.EDIT_REGISTRY)
    form, saved = _edit(
        request,
        obj=establishment,
        form_class=EstablishmentForm,
        service=services.establishment_update,
        kwarg="establishment",
        editable=services.ESTABLISHMENT_EDITABLE,
        done=_("The establishment has been saved."),
        editing=True,
    )
    if saved:
        return redirect("registry:address_detail", pk=establishment.address_id)
    context = {
        "form": form,
        "title": _("Edit establishment"),
        "back": establishment.address,
        "current": {"contact_phone": mask_phone(establishment.contact_phone)},
    }
    return _form_page(
        request, "registry/form.html", context, UNPROCESSABLE if saved is False else 200
    )
