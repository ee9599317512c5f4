"""The registry (一标三实): standard addresses (标准地址) and, at each, the dwellings (实有房屋),
the residents living in them (实有人口) and the establishments (实有单位) — what the beat officer
knows about their village or community, kept up to date on every household visit.

Every row carries the area (a village or community, ``org.Area``) it lies in, copied from its
address by the services and never taken from input: the jurisdiction rule of ``org`` restricts
every read through it (``scope_area_field``), and every hot index starts ``(bureau, area)`` or
``(bureau, <search key>)``.

Search keys are stored, so each kind of search is an indexed equality or prefix lookup:

- ``name_initials`` / ``pinyin_initials``: the lower-case pinyin initials (张伟 → ``zw``);
- ``id_tail_key``: the last six characters of the ID number, *reversed* (``…561234`` →
  ``432165``), so "the ID number ends in 1234" is the prefix ``4321`` of an indexed column;
- ``id_number_index`` / ``phone_index`` / ``contact_phone_index``: the keyed blind index of the
  whole ID number or phone (``core.crypto.blind_index``), so an exact search is an indexed
  equality.

ID numbers and phones are personal data: stored encrypted (``core.fields.EncryptedCharField``:
AES-GCM, the key outside the database), masked wherever they are shown, masked in the audit
trail, revealed only through ``core.reveal.reveal`` (a permission and an audit event).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc

from cunjing.core import crypto
from cunjing.core.fields import BlindIndexField, EncryptedCharField
from cunjing.core.models import TenantModel
from cunjing.core.validators import (
    validate_id_number,
    validate_latitude,
    validate_longitude,
    validate_phone,
)
from cunjing.org.models import ScopedQuerySet

ID_TAIL_LENGTH = 6


def id_tail_key(id_number: str) -> str:
    """The stored search key of an ID number: its last six characters, reversed."""
    return (id_number or "").strip().upper()[-ID_TAIL_LENGTH:][::-1]


def validate_uscc(value: str) -> None:
    """An 18-character unified social credit code (统一社会信用代码) with its check character."""
    if value and not stdnum_uscc.is_valid(value):
        raise ValidationError(_("Enter a valid unified social credit code."), code="uscc")


def validate_not_future(value) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future_date")


def _prefix_index(fields: list[str], name: str) -> models.Index:
    # Prefix scans (``LIKE 'x%'``) stay indexed on PostgreSQL databases whose collation is not C;
    # SQLite ignores the operator classes.
    return models.Index(fields=fields, opclasses=["int8_ops", "varchar_pattern_ops"], name=name)


class RegistryRecord(TenantModel):
    """What every registry row carries: the village or community it lies in, and when it was
    written and last changed."""

    scope_area_field = "area"

    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("village or community"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


# --- Standard addresses (标准地址) ---------------------------------------------------------------


class StandardAddress(RegistryRecord):
    """A standard address (标准地址) in a village or community: road and house number, with the
    building, entrance and room where there are any. ``full_text`` is the address as one string
    (area name first), kept by the services for display and search."""

    road = models.CharField(_("road or street"), max_length=100)
    number = models.CharField(_("house number"), max_length=20)
    building = models.CharField(_("building"), max_length=20, blank=True)
    unit_number = models.CharField(_("entrance"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    full_text = models.CharField(_("address"), max_length=300, editable=False)
    pinyin_initials = models.CharField(
        _("pinyin initials"), max_length=100, blank=True, editable=False
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[validate_latitude]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[validate_longitude]
    )

    class Meta:
        verbose_name = _("standard address")
        verbose_name_plural = _("standard addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "area", "road", "number", "building", "unit_number", "room"],
                name="address_bureau_area_uniq",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="address_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="address_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "full_text"], name="address_area_text"),
            _prefix_index(["bureau", "pinyin_initials"], "address_initials"),
        ]

    def __str__(self) -> str:
        return self.full_text


# --- Dwellings (实有房屋) -----------------------------------------------------------------------


class DwellingKind(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("Owner-occupied")
    RENTED = "rented", _("Rented")
    COLLECTIVE = "collective", _("Collective housing")
    VACANT = "vacant", _("Vacant")


class Dwelling(RegistryRecord):
    """A dwelling (实有房屋) at a standard address: a house or flat and how it is used. The people
    living in it are its residents."""

    address = models.ForeignKey(
        StandardAddress,
        on_delete=models.PROTECT,
        related_name="dwellings",
        verbose_name=_("address"),
    )
    kind = models.CharField(_("use"), max_length=20, choices=DwellingKind.choices)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DwellingKind.values), name="dwelling_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["bureau", "area", "kind"], name="dwelling_area_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


# --- Residents (实有人口) -----------------------------------------------------------------------


class HouseholdRole(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class Resident(RegistryRecord):
    """A person living in a dwelling (实有人口), with their place in the household.

    The ID number is optional — young children often have none yet — and validated (GB 11643:
    region, birth date, check digit) when present; one person, one row: an ID number appears once
    per bureau (on its blind index: the column itself is encrypted). Aides never see it, not
    even masked; everybody else sees it masked.
    """

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="residents", verbose_name=_("dwelling")
    )
    name = models.CharField(_("full name"), max_length=50)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=50, blank=True, editable=False
    )
    id_number = EncryptedCharField(
        _("ID number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
        personal=crypto.ID_NUMBER,
    )
    id_number_index = BlindIndexField(of="id_number")
    id_tail_key = models.CharField(max_length=ID_TAIL_LENGTH, blank=True, editable=False)
    phone = EncryptedCharField(
        _("phone"), max_length=20, blank=True, validators=[validate_phone], personal=crypto.PHONE
    )
    phone_index = BlindIndexField(of="phone")
    household_role = models.CharField(
        _("household role"), max_length=10, choices=HouseholdRole.choices
    )
    moved_out_on = models.DateField(
        _("moved out on"), null=True, blank=True, validators=[validate_not_future]
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "id_number_index"],
                condition=~Q(id_number_index=""),
                name="resident_bureau_id_number_uniq",
                violation_error_message=_("A resident with this ID number is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(household_role__in=HouseholdRole.values),
                name="resident_household_role_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "name"], name="resident_area_name"),
            models.Index(fields=["bureau", "name"], name="resident_name"),
            _prefix_index(["bureau", "name_initials"], "resident_initials"),
            _prefix_index(["bureau", "id_tail_key"], "resident_id_tail"),
            models.Index(fields=["bureau", "phone_index"], name="resident_phone"),
        ]

    def __str__(self) -> str:
        return self.name


# --- Establishments (实有单位) ------------------------------------------------------------------


class EstablishmentKind(models.TextChoices):
    SHOP = "shop", _("Shop")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")
    HOTEL = "hotel", _("Hotel")
    INTERNET_CAFE = "internet_cafe", _("Internet café")
    RENTAL_AGENCY = "rental_agency", _("Rental agency")
    RESTAURANT = "restaurant", _("Restaurant")
    CLINIC = "clinic", _("Clinic")
    FINANCIAL = "financial", _("Bank or financial office")
    OTHER = "other", _("Other")


class Establishment(RegistryRecord):
    """An establishment (实有单位) at a standard address: a shop, an enterprise, a school, a
    hotel, an internet café …; key units (重点单位) are the ones the beat officer checks on
    most."""

    address = models.ForeignKey(
        StandardAddress,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name=_("address"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=100, blank=True, editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EstablishmentKind.choices)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedCharField(
        _("contact phone"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        personal=crypto.PHONE,
    )
    contact_phone_index = BlindIndexField(of="contact_phone")
    is_key_unit = models.BooleanField(_("key unit"), default=False)

    class Meta:
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EstablishmentKind.values), name="establishment_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "name"], name="establishment_area_name"),
            models.Index(fields=["bureau", "name"], name="establishment_name"),
            _prefix_index(["bureau", "name_initials"], "establishment_initials"),
            models.Index(fields=["bureau", "contact_phone_index"], name="establishment_phone"),
        ]

    def __str__(self) -> str:
        return self.name
