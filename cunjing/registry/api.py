"""The registry API (一标三实) at ``/api/registry/...``.

Lists take ``q`` (name, pinyin initials, the end of an ID number, or address text: see
``registry.selectors``), an area and kind-specific filters, and are counted offset pages. Every
id — in a path, a filter or a body — is looked up through the caller's scope: an invisible
record answers 404 like a missing one. Reading needs ``view_registry`` (not the admin roles);
creating needs ``edit_registry`` (beat officers, office and station leaders), 403 otherwise.

ID numbers and phones are masked in every answer; an aide's answers carry no ID number at all.
``POST /api/reveal`` (``cunjing.core.reveal_api``) answers one clear value to a caller allowed
to reveal it, with a reason, and writes the audit event of the act.
"""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, Id, require
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.pagination import offset_page
from cunjing.core.roles import Capability, sees_id_numbers
from cunjing.org.models import Area
from cunjing.registry import selectors, services
from cunjing.registry.filters import (
    AddressFilters,
    DwellingFilters,
    EstablishmentFilters,
    ResidentFilters,
)
from cunjing.registry.models import Dwelling, Establishment, Resident, StandardAddress
from cunjing.registry.schemas import (
    AddressFilter,
    AddressIn,
    AddressOut,
    DwellingFilter,
    DwellingIn,
    DwellingOut,
    EstablishmentFilter,
    EstablishmentIn,
    EstablishmentOut,
    ResidentFilter,
    ResidentIn,
    ResidentOut,
    page_of,
)

router = Router(tags=["registry"])


# --- Presenting ----------------------------------------------------------------------------------


def _area(row) -> dict:
    return {"id": row.area_id, "name": row.area.name}


def _address_ref(address: StandardAddress) -> dict:
    return {"id": address.pk, "full_text": address.full_text}


def present_address(address: StandardAddress) -> dict:
    return {
        "id": address.pk,
        "area": _area(address),
        "road": address.road,
        "number": address.number,
        "building": address.building,
        "unit_number": address.unit_number,
        "room": address.room,
        "full_text": address.full_text,
        "latitude": address.latitude,
        "longitude": address.longitude,
        "created_at": address.created_at,
        "updated_at": address.updated_at,
    }


def present_dwelling(dwelling: Dwelling) -> dict:
    return {
        "id": dwelling.pk,
        "area": _area(dwelling),
        "address": _address_ref(dwelling.address),
        "kind": dwelling.kind,
        "notes": dwelling.notes,
        "created_at": dwelling.created_at,
        "updated_at": dwelling.updated_at,
    }


def present_resident(resident: Resident, viewer) -> dict:
    data = {
        "id": resident.pk,
        "area": _area(resident),
        "dwelling": resident.dwelling_id,
        "address": _address_ref(resident.dwelling.address),
        "name": resident.name,
        "household_role": resident.household_role,
        "phone": mask_phone(resident.phone),
        "moved_out_on": resident.moved_out_on,
        "created_at": resident.created_at,
        "updated_at": resident.updated_at,
    }
    if sees_id_numbers(viewer):
        data["id_number"] = mask_id_number(resident.id_number)
    return data


def present_establishment(establishment: Establishment) -> dict:
    return {
        "id": establishment.pk,
        "area": _area(establishment),
        "address": _address_ref(establishment.address),
        "name": establishment.name,
        "kind": establishment.kind,
        "uscc": establishment.uscc,
        "contact_name": establishment.contact_name,
        "contact_phone": mask_phone(establishment.contact_phone),
        "is_key_unit": establishment.is_key_unit,
        "created_at": establishment.created_at,
        "updated_at": establishment.updated_at,
    }


def _page(qs, filters, present) -> dict:
    """One counted page of ``qs`` (``limit``/``offset`` of ``filters``), its rows presented."""
    page = offset_page(qs, limit=filters.limit, offset=filters.offset)
    return page.as_dict([present(row) for row in page.items])


# --- Addresses -----------------------------------------------------------------------------------


@router.get(
    "/addresses",
    response={200: page_of(AddressOut), **ERRORS_READ},
    summary="Search the standard addresses you may see",
    operation_id="registry_addresses_list",
)
def address_list(request: HttpRequest, filters: Query[AddressFilter]):
    user = require(request, Capability.VIEW_REGISTRY)
    qs = AddressFilters.queryset(user, filters)
    return _page(qs, filters, present_address)


@router.get(
    "/addresses/{address_id}",
    response={200: AddressOut, **ERRORS_READ},
    summary="One standard address",
    operation_id="registry_addresses_get",
)
def address_detail(request: HttpRequest, address_id: Path[Id]):
    user = require(request, Capability.VIEW_REGISTRY)
    return present_address(selectors.address_get(user, address_id))


@router.post(
    "/addresses",
    response={201: AddressOut, **ERRORS_WRITE},
    summary="Register a standard address",
    operation_id="registry_addresses_create",
)
def address_create(request: HttpRequest, payload: AddressIn):
    user = require(request, Capability.VIEW_REGISTRY)
    area = Area.objects.visible_to(user).get(pk=payload.area)
    address = services.address_create(actor=user, area=area, **payload.model_dump(exclude={"area"}))
    return Status(201, present_address(selectors.address_get(user, address.pk)))


# --- Dwellings -----------------------------------------------------------------------------------


@router.get(
    "/dwellings",
    response={200: page_of(DwellingOut), **ERRORS_READ},
    summary="List the dwellings you may see",
    operation_id="registry_dwellings_list",
)
def dwelling_list(request: HttpRequest, filters: Query[DwellingFilter]):
    user = require(request, Capability.VIEW_REGISTRY)
    qs = DwellingFilters.queryset(user, filters)
    return _page(qs, filters, present_dwelling)


@router.get(
    "/dwellings/{dwelling_id}",
    response={200: DwellingOut, **ERRORS_READ},
    summary="One dwelling",
    operation_id="registry_dwellings_get",
)
def dwelling_detail(request: HttpRequest, dwelling_id: Path[Id]):
    user = require(request, Capability.VIEW_REGISTRY)
    return present_dwelling(selectors.dwelling_get(user, dwelling_id))


@router.post(
    "/dwellings",
    response={201: DwellingOut, **ERRORS_WRITE},
    summary="Register a dwelling at an address",
    operation_id="registry_dwellings_create",
)
def dwelling_create(request: HttpRequest, payload: DwellingIn):
    user = require(request, Capability.VIEW_REGISTRY)
    address = selectors.address_get(user, payload.address)
    dwelling = services.dwelling_create(
        actor=user, address=address, kind=payload.kind, notes=payload.notes
    )
    return Status(201, present_dwelling(selectors.dwelling_get(user, dwelling.pk)))


# --- Residents -----------------------------------------------------------------------------------


@router.get(
    "/residents",
    response={200: page_of(ResidentOut), **ERRORS_READ},
    summary="Search the residents you may see",
    operation_id="registry_residents_list",
    exclude_unset=True,  # an aide's rows carry no ``id_number`` key at all
)
def resident_list(request: HttpRequest, filters: Query[ResidentFilter]):
    user = require(request, Capability.VIEW_REGISTRY)
    qs = ResidentFilters.queryset(user, filters)
    return _page(qs, filters, lambda r: present_resident(r, user))


@router.get(
    "/residents/{resident_id}",
    response={200: ResidentOut, **ERRORS_READ},
    summary="One resident",
    operation_id="registry_residents_get",
    exclude_unset=True,
)
def resident_detail(request: HttpRequest, resident_id: Path[Id]):
    user = require(request, Capability.VIEW_REGISTRY)
    return present_resident(selectors.resident_get(user, resident_id), user)


@router.post(
    "/residents",
    response={201: ResidentOut, **ERRORS_WRITE},
    summary="Register a resident in a dwelling",
    operation_id="registry_residents_create",
    exclude_unset=True,
)
def resident_create(request: HttpRequest, payload: ResidentIn):
    user = require(request, Capability.VIEW_REGISTRY)
    dwelling = selectors.dwelling_get(user, payload.dwelling)
    resident = services.resident_create(
        actor=user, dwelling=dwelling, **payload.model_dump(exclude={"dwelling"})
    )
    return Status(201, present_resident(selectors.resident_get(user, resident.pk), user))


# --- Establishments ------------------------------------------------------------------------------


@router.get(
    "/establishments",
    response={200: page_of(EstablishmentOut), **ERRORS_READ},
    summary="Search the establishments you may see",
    operation_id="registry_establishments_list",
)
def establishment_list(request: HttpRequest, filters: Query[EstablishmentFilter]):
    user = require(request, Capability.VIEW_REGISTRY)
    qs = EstablishmentFilters.queryset(user, filters)
    return _page(qs, filters, present_establishment)


@router.get(
    "/establishments/{establishment_id}",
    response={200: EstablishmentOut, **ERRORS_READ},
    summary="One establishment",
    operation_id="registry_establishments_get",
)
def establishment_detail(request: HttpRequest, establishment_id: Path[Id]):
    user = require(request, Capability.VIEW_REGISTRY)
    return present_establishment(selectors.establishment_get(user, establishment_id))


@router.post(
    "/establishments",
    response={201: EstablishmentOut, **ERRORS_WRITE},
    summary="Register an establishment at an address",
    operation_id="registry_establishments_create",
)
def establishment_create(request: HttpRequest, payload: EstablishmentIn):
    user = require(request, Capability.VIEW_REGISTRY)
    address = selectors.address_get(user, payload.address)
    establishment = services.establishment_create(
        actor=user, address=address, **payload.model_dump(exclude={"address"})
    )
    return Status(201, present_establishment(selectors.establishment_get(user, establishment.pk)))
