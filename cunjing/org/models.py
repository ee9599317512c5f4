"""The mechanism's skeleton: the bureau, its unit tree, its area tree, who serves which area.

- ``Unit``: bureau → station (派出所) → office (中心警务室) → workstation (警务工作站).
- ``Area``: county → township / town / subdistrict → village / community (村社).
- ``Coverage``: which unit serves which area (station ↔ township, office ↔ community,
  workstation ↔ village; one workstation may serve two villages, one community two offices).
- ``Officer`` and ``Beat``: beat officers ↔ areas with start and end dates, a lead per area.
- ``Aide``: the two kinds of auxiliary (两员) tied to an area.

Both trees are materialised paths (treebeard ``MP_Node``); a subtree is one indexed prefix scan
``(bureau, path LIKE 'prefix%')``. Treebeard's global ``unique=True`` on ``path`` is replaced by a
``(bureau, path)`` constraint so the tables can be distributed by bureau.
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from cunjing.core.models import TenantModel
from cunjing.core.validators import (
    validate_division_code,
    validate_latitude,
    validate_longitude,
    validate_phone,
)
from cunjing.org import jurisdiction


class Bureau(models.Model):
    """A county police bureau (公安局): the tenant that owns every operational row."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("county division code"),
        max_length=6,
        unique=True,
        help_text=_("6-digit administrative division code of the county, e.g. 410481."),
    )
    correction_window_days = models.PositiveSmallIntegerField(
        _("correction window (days)"),
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
        help_text=_(
            "For how many days after it was saved a field record can be corrected or voided "
            "directly; after that a correction request goes to a leader. 0: always by request."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaus")

    def __str__(self) -> str:
        return self.name


# --- Units ---------------------------------------------------------------------------------


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("Bureau")
    STATION = "station", _("Station")
    OFFICE = "office", _("Central office")
    WORKSTATION = "workstation", _("Workstation")


# The one parent kind each unit kind may have (the four levels of handling).
UNIT_PARENT_KIND: dict[str, str | None] = {
    UnitKind.BUREAU: None,
    UnitKind.STATION: UnitKind.BUREAU,
    UnitKind.OFFICE: UnitKind.STATION,
    UnitKind.WORKSTATION: UnitKind.OFFICE,
}


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what a user may see."""

    def visible_to(self, user):
        return jurisdiction.restrict(self, user)


class TreeQuerySet(MP_NodeQuerySet):
    def visible_to(self, user):
        return jurisdiction.restrict(self, user)


class TreeManager(MP_NodeManager):
    def get_queryset(self):
        return TreeQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user):
        return self.get_queryset().visible_to(user)


class Unit(TenantModel, MP_Node):
    """A node of the police organisation: bureau, station, central office or workstation."""

    scope_unit_field = ""  # the row itself

    path = models.CharField(max_length=255)  # unique per bureau, see Meta
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[validate_latitude]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[validate_longitude]
    )
    # A closed unit (撤销) stays in the tree as history: its records keep pointing at it, it
    # serves no area, has no officer and takes no new child; an account still on it sees
    # nothing (``org.jurisdiction``) until the security admin moves it.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = TreeManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "path"], name="unit_bureau_path_uniq"),
            models.UniqueConstraint(
                fields=["bureau", "code"], condition=~Q(code=""), name="unit_bureau_code_uniq"
            ),
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["bureau", "kind", "path"], name="unit_bureau_kind_path"),
            # Subtree scans are ``path LIKE 'prefix%'``; pattern ops keep them indexed on
            # PostgreSQL databases whose collation is not C (ignored on SQLite).
            models.Index(
                fields=["bureau", "path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="unit_bureau_path_prefix",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Areas ---------------------------------------------------------------------------------


class AreaKind(models.TextChoices):
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    TOWN = "town", _("Town")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")


TOWNSHIP_KINDS = frozenset({AreaKind.TOWNSHIP, AreaKind.TOWN, AreaKind.SUBDISTRICT})
BEAT_AREA_KINDS = frozenset({AreaKind.VILLAGE, AreaKind.COMMUNITY})  # 村社

# The parent kinds each area kind may have.
AREA_PARENT_KINDS: dict[str, frozenset[str]] = {
    AreaKind.COUNTY: frozenset(),
    AreaKind.TOWNSHIP: frozenset({AreaKind.COUNTY}),
    AreaKind.TOWN: frozenset({AreaKind.COUNTY}),
    AreaKind.SUBDISTRICT: frozenset({AreaKind.COUNTY}),
    AreaKind.VILLAGE: TOWNSHIP_KINDS,
    AreaKind.COMMUNITY: TOWNSHIP_KINDS,
}

# Which unit kinds may serve which area kinds.
COVERAGE_KINDS: dict[str, frozenset[str]] = {
    UnitKind.BUREAU: frozenset({AreaKind.COUNTY}),
    UnitKind.STATION: TOWNSHIP_KINDS,
    UnitKind.OFFICE: BEAT_AREA_KINDS,
    UnitKind.WORKSTATION: BEAT_AREA_KINDS,
}


class Area(TenantModel, MP_Node):
    """An administrative area: the county, a township-level area, or a village / community (村社)
    where beat officers work."""

    scope_area_field = ""  # the row itself

    path = models.CharField(max_length=255)  # unique per bureau, see Meta
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    name = models.CharField(_("name"), max_length=100)
    division_code = models.CharField(
        _("division code"), max_length=12, validators=[validate_division_code]
    )
    pinyin = models.CharField(_("pinyin"), max_length=300, blank=True, editable=False)
    pinyin_initials = models.CharField(
        _("pinyin initials"), max_length=100, blank=True, editable=False
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[validate_latitude]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[validate_longitude]
    )
    # The area's outline: a GeoJSON Polygon or MultiPolygon in WGS-84 ([longitude, latitude]
    # pairs), checked by ``org.geo.clean_boundary``. The bounding box beside it is derived from
    # it by the service that writes the boundary; it lets a point lookup pick its candidates
    # with an indexed range query before the exact point-in-polygon test.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    bbox_min_lat = models.FloatField(null=True, blank=True, editable=False)
    bbox_max_lat = models.FloatField(null=True, blank=True, editable=False)
    bbox_min_lon = models.FloatField(null=True, blank=True, editable=False)
    bbox_max_lon = models.FloatField(null=True, blank=True, editable=False)

    objects = TreeManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "path"], name="area_bureau_path_uniq"),
            models.UniqueConstraint(
                fields=["bureau", "division_code"], name="area_bureau_division_code_uniq"
            ),
            models.CheckConstraint(condition=Q(kind__in=AreaKind.values), name="area_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["bureau", "kind", "path"], name="area_bureau_kind_path"),
            models.Index(
                fields=["bureau", "path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="area_bureau_path_prefix",
            ),
            models.Index(
                fields=["bureau", "bbox_min_lat", "bbox_max_lat", "bbox_min_lon", "bbox_max_lon"],
                name="area_bureau_bbox",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_beat_area(self) -> bool:
        return self.kind in BEAT_AREA_KINDS


class Coverage(TenantModel):
    """A unit serves an area: the station its township, the office its community, the
    workstation its village (or two)."""

    scope_unit_field = "unit"

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="coverages", verbose_name=_("unit")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="coverages", verbose_name=_("area")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "unit", "area"], name="coverage_bureau_unit_area_uniq"
            ),
        ]
        indexes = [models.Index(fields=["bureau", "area"], name="coverage_bureau_area")]

    def __str__(self) -> str:
        return f"{self.unit} → {self.area}"


# --- People --------------------------------------------------------------------------------


class Officer(TenantModel):
    """A sworn police officer (民警), posted to a unit; a beat officer when on a beat."""

    scope_unit_field = "unit"

    name = models.CharField(_("full name"), max_length=50)
    badge_number = models.CharField(_("badge number"), max_length=16)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="officers", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    is_active = models.BooleanField(_("active"), default=True)
    # Retired or left the force: inactive from this day; their beats ended on it. Their records
    # stay theirs; an account linked to an inactive officer sees nothing.
    left_on = models.DateField(_("left on"), null=True, blank=True)
    pinyin_initials = models.CharField(
        _("pinyin initials"), max_length=50, blank=True, editable=False
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "badge_number"], name="officer_bureau_badge_uniq"
            ),
        ]
        indexes = [models.Index(fields=["bureau", "unit"], name="officer_bureau_unit")]

    def __str__(self) -> str:
        return f"{self.name}（{self.badge_number}）"


class BeatQuerySet(ScopedQuerySet):
    def active(self, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=on), start_date__lte=on)


class Beat(TenantModel):
    """A beat officer's responsibility for one area (责任田), from ``start_date`` until the day
    before ``end_date``; ended beats stay as history. One active lead officer per area."""

    scope_area_field = "area"

    officer = models.ForeignKey(
        Officer, on_delete=models.PROTECT, related_name="beats", verbose_name=_("officer")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="beats", verbose_name=_("village or community")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_lead = models.BooleanField(_("lead officer"), default=False)

    objects = BeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("beat")
        verbose_name_plural = _("beats")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="beat_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["bureau", "officer", "area"],
                condition=Q(end_date__isnull=True),
                name="beat_one_open_per_officer_area",
            ),
            models.UniqueConstraint(
                fields=["bureau", "area"],
                condition=Q(end_date__isnull=True, is_lead=True),
                name="beat_one_open_lead_per_area",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "end_date"], name="beat_bureau_area_end"),
            models.Index(fields=["bureau", "officer", "end_date"], name="beat_bureau_officer_end"),
        ]

    def __str__(self) -> str:
        return f"{self.officer.name} @ {self.area.name}"


class AideKind(models.TextChoices):
    PATROLLER = "patroller", _("Patroller")
    SECURITY_MEMBER = "security_member", _("Security member")


class AideSubtype(models.TextChoices):
    GRADUATE_OFFICIAL = "graduate_official", _("Graduate village official")
    RESIDENT_CADRE = "resident_cadre", _("Resident cadre")
    SECURITY_DIRECTOR = "security_director", _("Security director")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    OTHER = "other", _("Other")


class Aide(TenantModel):
    """One of the two kinds of aides (两员) working with the beat officer in an area: a patroller
    from the township or station, or a village security member (with its subtype)."""

    scope_area_field = "area"

    name = models.CharField(_("full name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=AideKind.choices)
    subtype = models.CharField(_("subtype"), max_length=20, choices=AideSubtype.choices, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="aides", verbose_name=_("village or community")
    )
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    is_active = models.BooleanField(_("active"), default=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    # The aide's service ended (辞退、到期、调离): inactive from this day; an account linked to an
    # ended aide sees nothing.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    pinyin_initials = models.CharField(
        _("pinyin initials"), max_length=50, blank=True, editable=False
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("aide")
        verbose_name_plural = _("aides")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="patroller", subtype=""))
                | Q(
                    kind="security_member",
                    subtype__in=[
                        "graduate_official",
                        "resident_cadre",
                        "security_director",
                        "village_cadre",
                        "other",
                    ],
                ),
                name="aide_subtype_matches_kind",
            ),
            # The phone is how the import finds an aide again (create or update by phone).
            models.UniqueConstraint(
                fields=["bureau", "phone"], condition=Q(is_active=True), name="aide_active_phone"
            ),
        ]
        indexes = [models.Index(fields=["bureau", "area"], name="aide_bureau_area")]

    def __str__(self) -> str:
        return self.name


# --- History of the organisation's changes --------------------------------------------------


class OrgChangeAction(models.TextChoices):
    UNIT_RENAME = "unit_rename", _("Unit renamed")
    UNIT_MOVE = "unit_move", _("Unit moved")
    UNIT_CLOSE = "unit_close", _("Unit closed")
    OFFICER_TRANSFER = "officer_transfer", _("Officer transferred")
    OFFICER_LEAVE = "officer_leave", _("Officer retired or left")
    AIDE_END = "aide_end", _("Aide's service ended")


class OrgChange(TenantModel):
    """One change of the organisation's shape, kept as history for the pages (the audit trail
    keeps every field; this is what a leader reads on the unit's or officer's page): a unit
    renamed, moved or closed, an officer transferred or retired, an aide's service ended.
    ``unit`` is the unit the change happened to (for a transfer: the unit the officer left)."""

    scope_unit_field = "unit"

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="changes", verbose_name=_("unit")
    )
    officer = models.ForeignKey(
        Officer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("officer"),
    )
    aide = models.ForeignKey(
        Aide,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("aide"),
    )
    action = models.CharField(_("action"), max_length=20, choices=OrgChangeAction.choices)
    on = models.DateField(_("date"))
    # Names, not only ids, as they were: e.g. {"from": "城关派出所", "to": "城郊派出所"}.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation change")
        verbose_name_plural = _("organisation changes")
        ordering = ["-on", "-pk"]
        indexes = [
            models.Index(fields=["bureau", "unit", "on"], name="orgchange_bureau_unit_on"),
            models.Index(fields=["bureau", "officer"], name="orgchange_bureau_officer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.on}"
