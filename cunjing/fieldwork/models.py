"""The beat officer's records of the day (五项基本任务): household visits, floating residents,
good deeds, hardship households helped, legal-education events, volunteers mobilised,
prevention activities, and the officer's work log.

Every record but the work log is a :class:`FieldRecord`: it happened in one village or community
(``area``), is counted for the unit serving that area (``unit``, derived from ``org.Coverage`` by
the service, never taken from input) and was written once by one user: ``(bureau, recorded_by,
client_uuid)`` is unique, the database's guarantee that a replayed submission is not stored
twice. Writes go through ``fieldwork.services``; reads start from ``visible_to(user)`` (the
jurisdiction rule of ``org``, through ``area``; the work log through ``unit``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core import crypto
from cunjing.core.fields import BlindIndexField, EncryptedCharField, EncryptedJSONField
from cunjing.core.models import TenantModel
from cunjing.core.validators import validate_id_number, validate_phone
from cunjing.org.models import ScopedQuerySet

EARLIEST_DAY = dt.date(2000, 1, 1)


def validate_record_day(value: dt.date) -> None:
    """A day something happened: not in the future (Asia/Shanghai), not before 2000."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future_date")
    if value < EARLIEST_DAY:
        raise ValidationError(_("The date cannot be before 2000-01-01."), code="date_too_early")


def _range(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


def _common_constraints(prefix: str) -> list:
    return [
        models.UniqueConstraint(
            fields=["bureau", "recorded_by", "client_uuid"], name=f"{prefix}_bureau_client_uniq"
        ),
        # voided: when, by whom and why, all three; standing: none of them
        models.CheckConstraint(
            condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
            | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
            name=f"{prefix}_voided_consistently",
        ),
    ]


def _common_indexes(prefix: str) -> list:
    return [
        models.Index(fields=["bureau", "area", "occurred_on"], name=f"{prefix}_area_day"),
        models.Index(fields=["bureau", "unit", "occurred_on"], name=f"{prefix}_unit_day"),
    ]


class FieldRecord(TenantModel):
    """What every record of field work carries: where, for which unit, by whom, when.

    A record is never deleted. Within the bureau's correction window its recorder (or a leader
    above) corrects its fields or voids it with a reason; after the window a correction request
    goes to a leader (:class:`CorrectionRequest`). A voided record stays, marked, and counts
    for nothing."""

    scope_area_field = "area"
    # Whoever wrote the record keeps seeing it, wherever they work now (a transfer ends beats).
    scope_author_field = "recorded_by"

    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village or community"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    officer = models.ForeignKey(
        "org.Officer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer"),
    )
    occurred_on = models.DateField(_("date"), validators=[validate_record_day])
    client_uuid = models.UUIDField(_("client UUID"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last corrected"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("voided by"),
    )
    # A default in the database too: rows written by plain SQL (bulk loads, the benchmarks)
    # are standing records.
    void_reason = models.CharField(
        _("reason for voiding"), max_length=500, blank=True, default="", db_default=""
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


# --- Household visits (入户走访) --------------------------------------------------------------


class VisitPurpose(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    INFORMATION = "information", _("Information collection")
    DISPUTE_SCREENING = "dispute_screening", _("Dispute screening")
    SERVICE = "service", _("Service")
    RETURN_VISIT = "return_visit", _("Return visit")
    OTHER = "other", _("Other")


class HouseholdVisit(FieldRecord):
    """A household visit (入户走访): the beat officer at a household's door, learning what is
    going on and, often, handing over the contact card (警民联系卡)."""

    household = models.CharField(_("household"), max_length=200)
    dwelling = models.ForeignKey(
        "registry.Dwelling",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("dwelling"),
        help_text=_("The registered dwelling visited, when it is in the registry."),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=VisitPurpose.choices)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    contact_card_given = models.BooleanField(_("contact card given"), default=False)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        constraints = [
            *_common_constraints("visit"),
            models.CheckConstraint(
                condition=Q(purpose__in=VisitPurpose.values), name="visit_purpose_valid"
            ),
        ]
        indexes = _common_indexes("visit")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.household}"


# --- Floating residents (流动人口) ------------------------------------------------------------


class FloatingResident(FieldRecord):
    """A floating resident (流动人口) registered in the area: who, from where, since when, living
    and working where. The ID number is stored for the record and shown masked by default;
    the ID number and the phone are stored encrypted, each with its blind index (an exact
    search without decrypting)."""

    name = models.CharField(_("full name"), max_length=50)
    id_number = EncryptedCharField(
        _("ID number"), max_length=18, validators=[validate_id_number], personal=crypto.ID_NUMBER
    )
    id_number_index = BlindIndexField(of="id_number")
    phone = EncryptedCharField(
        _("phone"), max_length=20, blank=True, validators=[validate_phone], personal=crypto.PHONE
    )
    phone_index = BlindIndexField(of="phone")
    origin = models.CharField(_("place of origin"), max_length=200)
    arrived_on = models.DateField(_("arrived on"), validators=[validate_record_day])
    residence = models.CharField(_("residence"), max_length=200)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    expected_stay_days = models.PositiveIntegerField(
        _("expected stay (days)"), null=True, blank=True, validators=_range(1, 3650)
    )
    departed_on = models.DateField(
        _("departed on"), null=True, blank=True, validators=[validate_record_day]
    )

    class Meta:
        verbose_name = _("floating resident")
        verbose_name_plural = _("floating residents")
        constraints = [
            *_common_constraints("floating"),
            models.CheckConstraint(
                condition=Q(departed_on__isnull=True) | Q(departed_on__gte=F("arrived_on")),
                name="floating_departed_after_arrived",
            ),
            models.CheckConstraint(
                condition=Q(expected_stay_days__isnull=True)
                | Q(expected_stay_days__gte=1, expected_stay_days__lte=3650),
                name="floating_stay_days_range",
            ),
        ]
        indexes = _common_indexes("floating")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.departed_on and self.arrived_on and self.departed_on < self.arrived_on:
            raise ValidationError({"departed_on": _("The departure cannot be before the arrival.")})


# --- Services / good deeds (便民服务, 办实事好事) -----------------------------------------------


class ServiceKind(models.TextChoices):
    HOUSEHOLD_REGISTRATION = "household_registration", _("Household registration help")
    LOST_PERSON = "lost_person", _("Lost person escorted home")
    ELDERLY = "elderly", _("Help for the elderly")
    DOCUMENTS = "documents", _("Document help")
    OTHER = "other", _("Other")


class Service(FieldRecord):
    """A service to residents, a good deed (便民服务 / 办实事好事): like the beat officer who
    took 朱老汉's household registration (户口办理) in hand, or an old man walked home."""

    kind = models.CharField(_("kind"), max_length=30, choices=ServiceKind.choices)
    beneficiary = models.CharField(_("beneficiary"), max_length=100)
    description = models.TextField(_("description"), max_length=2000)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            *_common_constraints("service"),
            models.CheckConstraint(
                condition=Q(kind__in=ServiceKind.values), name="service_kind_valid"
            ),
        ]
        indexes = _common_indexes("service")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.beneficiary}"


# --- Assistance to hardship households (帮扶困难家庭) ------------------------------------------


class HardshipKind(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("Left-behind children")
    POVERTY = "poverty", _("Poverty")
    DISASTER = "disaster", _("Disaster")
    OTHER = "other", _("Other")


class Assistance(FieldRecord):
    """Help given to a hardship household (帮扶困难家庭): who, how many people, what hardship,
    what was done, and when to go back."""

    household = models.CharField(_("household"), max_length=200)
    people = models.PositiveSmallIntegerField(_("people"), validators=_range(1, 50))
    hardship_kind = models.CharField(_("hardship"), max_length=30, choices=HardshipKind.choices)
    help_given = models.TextField(_("help given"), max_length=2000)
    next_revisit_on = models.DateField(_("next revisit"), null=True, blank=True)

    class Meta:
        verbose_name = _("assistance")
        verbose_name_plural = _("assistance")
        constraints = [
            *_common_constraints("assist"),
            models.CheckConstraint(
                condition=Q(people__gte=1, people__lte=50), name="assist_people_range"
            ),
            models.CheckConstraint(
                condition=Q(hardship_kind__in=HardshipKind.values), name="assist_hardship_valid"
            ),
        ]
        indexes = _common_indexes("assist")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.household}"


# --- Outreach events (法制宣传) ---------------------------------------------------------------


class VenueKind(models.TextChoices):
    SCHOOL = "school", _("School")
    VILLAGE = "village", _("Village")
    ENTERPRISE = "enterprise", _("Enterprise")
    COMMUNITY = "community", _("Community")
    OTHER = "other", _("Other")


class OutreachEvent(FieldRecord):
    """A legal-education event (法制宣传) held by the beat officer: at a school, in the village,
    at an enterprise or in the community, on a topic, for an audience."""

    venue_kind = models.CharField(_("venue kind"), max_length=20, choices=VenueKind.choices)
    venue = models.CharField(_("venue"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200)
    audience_size = models.PositiveIntegerField(_("audience"), validators=_range(1, 100_000))

    class Meta:
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")
        constraints = [
            *_common_constraints("outreach"),
            models.CheckConstraint(
                condition=Q(audience_size__gte=1, audience_size__lte=100_000),
                name="outreach_audience_range",
            ),
            models.CheckConstraint(
                condition=Q(venue_kind__in=VenueKind.values), name="outreach_venue_kind_valid"
            ),
        ]
        indexes = _common_indexes("outreach")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.topic}"


# --- Volunteers (社会防范人员) ----------------------------------------------------------------


class Volunteer(FieldRecord):
    """A community prevention volunteer (社会防范人员) mobilised by the beat officer; joined on
    ``occurred_on``. The phone is stored encrypted, with its blind index."""

    name = models.CharField(_("full name"), max_length=50)
    phone = EncryptedCharField(
        _("phone"), max_length=20, validators=[validate_phone], personal=crypto.PHONE
    )
    phone_index = BlindIndexField(of="phone")
    skills = models.CharField(_("skills"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = _common_constraints("volunteer")
        indexes = _common_indexes("volunteer")

    def __str__(self) -> str:
        return self.name

    @property
    def joined_on(self) -> dt.date:
        return self.occurred_on


# --- Prevention activities (组织安全防范) -----------------------------------------------------


class PreventionKind(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    WATCH = "watch", _("Watch")
    PUBLICITY = "publicity", _("Publicity")
    OTHER = "other", _("Other")


class PreventionActivity(FieldRecord):
    """A prevention activity (组织安全防范) in the area: a patrol, a watch, publicity; the one
    kind of record aides may write too."""

    kind = models.CharField(_("kind"), max_length=20, choices=PreventionKind.choices)
    description = models.TextField(_("description"), max_length=2000)
    participants = models.PositiveIntegerField(_("participants"), validators=_range(1, 1000))
    volunteers = models.ManyToManyField(
        Volunteer,
        blank=True,
        related_name="activities",
        verbose_name=_("volunteers"),
        help_text=_("The registered volunteers who took part."),
    )

    class Meta:
        verbose_name = _("prevention activity")
        verbose_name_plural = _("prevention activities")
        constraints = [
            *_common_constraints("prevent"),
            models.CheckConstraint(
                condition=Q(participants__gte=1, participants__lte=1000),
                name="prevent_participants_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PreventionKind.values), name="prevent_kind_valid"
            ),
        ]
        indexes = _common_indexes("prevent")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}"


# --- Work log (工作日志) ----------------------------------------------------------------------


class WorkLog(TenantModel):
    """The beat officer's work log (工作日志): one entry per officer per day, rewritten during
    the day; supervised by the office and station leaders (四有: analysis, supervision,
    summary)."""

    scope_unit_field = "unit"
    # The officer's own record for their leaders: a beat officer sees only their own, an aide
    # none (``org.jurisdiction``).
    scope_own_records_field = "officer"

    officer = models.ForeignKey(
        "org.Officer",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("officer"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    day = models.DateField(_("day"), validators=[validate_record_day])
    text = models.TextField(_("text"), max_length=5000)
    client_uuid = models.UUIDField(_("client UUID"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "officer", "day"], name="worklog_bureau_officer_day_uniq"
            ),
            models.UniqueConstraint(
                fields=["bureau", "recorded_by", "client_uuid"],
                name="worklog_bureau_client_uniq",
            ),
        ]
        indexes = [models.Index(fields=["bureau", "unit", "day"], name="worklog_unit_day")]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.day}"


# --- Weekly analysis, monthly summary, supervision (四有: 分析、督导、总结) ----------------------


class ReportKind(models.TextChoices):
    ANALYSIS = "analysis", _("Weekly analysis")
    SUMMARY = "summary", _("Monthly summary")


class OfficerReport(TenantModel):
    """The beat officer's weekly analysis (分析: the week's situation in their areas, problems
    seen, measures for next week) or monthly summary (总结: what was done, problems, plans).
    One per officer, kind and period; ``period_start`` is the Monday of the week or the first
    day of the month."""

    scope_unit_field = "unit"
    # The officer's own record for their leaders: a beat officer sees only their own, an aide
    # none (``org.jurisdiction``).
    scope_own_records_field = "officer"

    officer = models.ForeignKey(
        "org.Officer",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("officer"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("period"), validators=[validate_record_day])
    situation = models.TextField(_("situation"), max_length=5000)
    problems = models.TextField(_("problems"), max_length=5000, blank=True)
    measures = models.TextField(_("measures and plans"), max_length=5000, blank=True)
    client_uuid = models.UUIDField(_("client UUID"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("officer report")
        verbose_name_plural = _("officer reports")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "officer", "kind", "period_start"],
                name="report_bureau_officer_period_uniq",
            ),
            models.UniqueConstraint(
                fields=["bureau", "recorded_by", "client_uuid"], name="report_bureau_client_uniq"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReportKind.values), name="report_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "unit", "period_start"], name="report_unit_period"),
            models.Index(
                fields=["bureau", "officer", "kind", "period_start"], name="report_officer_kind"
            ),
        ]

    def clean(self) -> None:
        super().clean()
        start = self.period_start
        if start is None:
            return
        if self.kind == ReportKind.ANALYSIS and start.weekday() != 0:
            raise ValidationError(
                {"period_start": _("A weekly analysis starts on a Monday.")}, code="not_monday"
            )
        if self.kind == ReportKind.SUMMARY and start.day != 1:
            raise ValidationError(
                {"period_start": _("A monthly summary starts on the first day of a month.")},
                code="not_first",
            )

    @property
    def period_end(self) -> dt.date:
        if self.kind == ReportKind.ANALYSIS:
            return self.period_start + dt.timedelta(days=6)
        following = (self.period_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}"


class Verdict(models.TextChoices):
    SATISFACTORY = "satisfactory", _("Satisfactory")
    NEEDS_IMPROVEMENT = "needs_improvement", _("Needs improvement")


class Supervision(TenantModel):
    """A leader's supervision (督导) of a beat officer's work log or report: a verdict and a
    comment the officer reads. Exactly one of ``worklog`` / ``report`` is set."""

    scope_unit_field = "unit"
    # The officer's own record for their leaders: a beat officer sees only their own, an aide
    # none (``org.jurisdiction``).
    scope_own_records_field = "officer"

    officer = models.ForeignKey(
        "org.Officer",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("officer"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    worklog = models.ForeignKey(
        WorkLog,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
        verbose_name=_("work log"),
    )
    report = models.ForeignKey(
        OfficerReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
        verbose_name=_("report"),
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    comment = models.TextField(_("comment"), max_length=2000)
    supervised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("supervised by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(worklog__isnull=False) & Q(report__isnull=True))
                | (Q(worklog__isnull=True) & Q(report__isnull=False)),
                name="supervision_one_target",
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="supervision_verdict_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "unit", "created_at"], name="supervision_unit_time"),
            models.Index(fields=["bureau", "officer", "created_at"], name="supervision_officer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} {self.created_at:%Y-%m-%d}"


# --- Follow-ups (待跟进) -----------------------------------------------------------------------


class FollowUpState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("No longer needed")


# A visit flagged for follow-up is due this many days after it.
FOLLOW_UP_DUE_DAYS = 7


class FollowUp(TenantModel):
    """Something a record left to do (待跟进): a household visit flagged for follow-up, or a
    hardship household's next revisit. It is open until it is done — with the return visit,
    itself a household visit record — or set aside as no longer needed, with the reason.
    Exactly one of ``visit`` / ``assistance`` is the record it came from."""

    scope_area_field = "area"

    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village or community"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    officer = models.ForeignKey(
        "org.Officer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("officer"),
        help_text=_("The beat officer who recorded what needs following up."),
    )
    visit = models.ForeignKey(
        HouseholdVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("household visit"),
    )
    assistance = models.ForeignKey(
        Assistance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("assistance"),
    )
    household = models.CharField(_("household"), max_length=200)
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=16, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("closed by"),
    )
    return_visit = models.OneToOneField(
        HouseholdVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("return visit"),
    )
    reason = models.TextField(_("reason"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=(Q(visit__isnull=False) & Q(assistance__isnull=True))
                | (Q(visit__isnull=True) & Q(assistance__isnull=False)),
                name="follow_up_one_source",
            ),
            models.CheckConstraint(
                condition=Q(state__in=FollowUpState.values), name="follow_up_state_valid"
            ),
            # open: nothing closed; done: with its return visit; dropped: with a reason
            models.CheckConstraint(
                condition=(
                    Q(state=FollowUpState.OPEN, closed_at__isnull=True, return_visit__isnull=True)
                    | Q(
                        state=FollowUpState.DONE,
                        closed_at__isnull=False,
                        return_visit__isnull=False,
                    )
                    | (Q(state=FollowUpState.DROPPED, closed_at__isnull=False) & ~Q(reason=""))
                ),
                name="follow_up_closed_consistently",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "state", "due_on"], name="follow_up_open_due"),
            models.Index(fields=["bureau", "area", "state"], name="follow_up_area_state"),
        ]

    def __str__(self) -> str:
        return f"{self.due_on} {self.household}"

    @property
    def is_overdue(self) -> bool:
        return self.state == FollowUpState.OPEN and self.due_on < timezone.localdate()


# --- Corrections (更正、作废) --------------------------------------------------------------------


class RecordKind(models.TextChoices):
    """The kinds of field record, by the name the pages and the API use."""

    VISITS = "visits", _("household visit")
    FLOATING_RESIDENTS = "floating-residents", _("floating resident")
    SERVICES = "services", _("service")
    ASSISTANCE = "assistance", _("assistance")
    OUTREACH = "outreach", _("legal-education event")
    VOLUNTEERS = "volunteers", _("volunteer")
    PREVENTION = "prevention", _("prevention activity")


RECORD_MODELS: dict[str, type[FieldRecord]] = {
    RecordKind.VISITS: HouseholdVisit,
    RecordKind.FLOATING_RESIDENTS: FloatingResident,
    RecordKind.SERVICES: Service,
    RecordKind.ASSISTANCE: Assistance,
    RecordKind.OUTREACH: OutreachEvent,
    RecordKind.VOLUNTEERS: Volunteer,
    RecordKind.PREVENTION: PreventionActivity,
}
KIND_OF_MODEL: dict[type[FieldRecord], str] = {m: k for k, m in RECORD_MODELS.items()}


class CorrectionAction(models.TextChoices):
    CORRECT = "correct", _("Correct")
    VOID = "void", _("Void")


class CorrectionState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CorrectionRequest(TenantModel):
    """A request to correct or void a record after the bureau's correction window (更正申请): the
    changes asked for and why, decided by a leader above the record (approved: applied at once,
    in the same transaction; rejected: with the reason). One request per record waits at a
    time. The requested values are the record's own data (a phone, an ID number): stored
    encrypted (the whole of ``changes``) and masked wherever they are shown."""

    scope_area_field = "area"

    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village or community"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    record_kind = models.CharField(_("kind of record"), max_length=32, choices=RecordKind.choices)
    record_id = models.PositiveBigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=16, choices=CorrectionAction.choices)
    changes = EncryptedJSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(
        _("state"), max_length=16, choices=CorrectionState.choices, default=CorrectionState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "record_kind", "record_id"],
                condition=Q(state="pending"),
                name="correction_one_pending_per_record",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CorrectionState.values), name="correction_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(action__in=CorrectionAction.values), name="correction_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True, decided_by__isnull=True)
                | Q(state__in=["approved", "rejected"], decided_at__isnull=False),
                name="correction_decided_consistently",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "state", "requested_at"], name="correction_state"),
            models.Index(fields=["bureau", "record_kind", "record_id"], name="correction_record"),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_kind_display()} #{self.record_id} {self.get_action_display()}"
