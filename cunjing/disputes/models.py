"""Disputes (化解矛盾纠纷): the weekly screening of each beat officer's areas, and one ledger
record (台账) per dispute, mediated to a tracked end.

- :class:`ScreeningRound` — the officer's half day a week (每周半天) in one village or community:
  households and places visited, the officer's note, and the :class:`Hazard` rows found, each
  becoming a dispute, a matter or nothing, and flagged when it could lead to a group incident
  (群体性事件) or concerns a disorder spot, a high-risk group or a special-interest group: a
  flagged hazard stays on the leaders' risk list until it is closed.
- :class:`Dispute` — one case: its parties (:class:`DisputeParty`, ID numbers and phones
  encrypted), kind (a bureau-editable :class:`DisputeKind`), place, source, facts, risk level and
  the signs that raise it. An explicit state machine (``disputes.services.transitions``):
  reported → mediating → agreed / referred / failed → follow-up → closed, reopened on relapse.
  Every transition is one :class:`DisputeEvent` (the timeline) and one audit event. Mediation
  sessions (:class:`MediationSession`) and follow-up visits (:class:`DisputeFollowUp`, by
  default 7 and 30 days after the agreement) hang on it.
- The **resolution tier** (小事不出村、大事不出镇、矛盾不上交) says where a settled case was
  settled: village, township or escalated. A settlement (agreement or referral) is counted in
  the roll-ups of ``stats`` on its day, for the unit serving the dispute's area (and every
  ancestor): the three rates per unit and period are read from those counters.

The database holds the rules a row must obey whatever wrote it: the state and the outcome agree
(every closed case has one), a settled case has its tier and day, a referral its body, an
agreement its text, a high-risk sign a high risk. Reads start from ``visible_to(user)``: the
jurisdiction rule of ``org`` through the area.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core import crypto
from cunjing.core.fields import BlindIndexField, EncryptedCharField
from cunjing.core.models import TenantModel, TimelineEvent
from cunjing.core.validators import validate_id_number, validate_phone
from cunjing.matters.models import Level
from cunjing.org.models import ScopedQuerySet

EARLIEST_DAY = dt.date(2000, 1, 1)
# Follow-up visits an agreement schedules, in days after the day it was reached.
FOLLOW_UP_DAYS: tuple[int, ...] = (7, 30)
# Households or places one round can name: a half day in a village is far below it.
VISITS_MAX = 10_000


def validate_day(value: dt.date | None) -> None:
    """A day something happened: not in the future (Asia/Shanghai), not before 2000."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future_date")
    if value < EARLIEST_DAY:
        raise ValidationError(_("The date cannot be before 2000-01-01."), code="date_too_early")


# --- Vocabulary ----------------------------------------------------------------------------------


class Source(models.TextChoices):
    SCREENING = "screening", _("Screening")
    VISIT = "visit", _("Household visit")
    MATTER = "matter", _("Matter")
    CALL_110 = "call_110", _("110 call")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskSign(models.TextChoices):
    """The signs that make a dispute high-risk (each a boolean ``sign_<value>`` of Dispute)."""

    INJURY = "injury", _("Injury")
    THREATS = "threats", _("Threats")
    WEAPONS = "weapons", _("Weapons")
    REPEATED = "repeated", _("Repeated conflict")
    GROUP = "group", _("Group involvement")
    CRIMINAL = "criminal", _("Risk of turning criminal")


def sign_field(sign: str) -> str:
    return f"sign_{sign}"


class State(models.TextChoices):
    REPORTED = "reported", _("Reported")
    MEDIATING = "mediating", _("Mediating")
    AGREED = "agreed", _("Agreement reached")
    REFERRED = "referred", _("Referred")
    FAILED = "failed", _("Mediation failed")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


# Still being worked on (no outcome yet): where the SLA clocks of a high-risk dispute run.
OPEN_STATES = frozenset({State.REPORTED, State.MEDIATING})
# An outcome was reached; follow-up visits may be recorded.
OUTCOME_STATES = frozenset({State.AGREED, State.REFERRED, State.FAILED})


class Outcome(models.TextChoices):
    AGREED = "agreed", _("Agreement reached")
    REFERRED = "referred", _("Referred")
    FAILED = "failed", _("Mediation failed")


# The outcomes that settle a case: counted in the results table, with a tier.
SETTLING_OUTCOMES = frozenset({Outcome.AGREED, Outcome.REFERRED})


class Tier(models.TextChoices):
    """Where a settled case was settled (小事不出村、大事不出镇、矛盾不上交)."""

    VILLAGE = "village", _("Village (beat officer, aides, village mediators)")
    TOWNSHIP = "township", _("Township (office, station, township mediation)")
    ESCALATED = "escalated", _("Escalated (bureau, court, petition)")


class ReferralBody(models.TextChoices):
    TOWNSHIP_MEDIATION = "township_mediation", _("Township people's mediation committee")
    JUDICIAL_OFFICE = "judicial_office", _("Judicial office")
    COURT = "court", _("Court")
    PETITION_OFFICE = "petition_office", _("Petition office")
    OTHER = "other", _("Other body")


# The tier a referral settles a case at: the township's own bodies keep it in the township.
REFERRAL_TIER: dict[str, str] = {
    ReferralBody.TOWNSHIP_MEDIATION: Tier.TOWNSHIP,
    ReferralBody.JUDICIAL_OFFICE: Tier.TOWNSHIP,
    ReferralBody.COURT: Tier.ESCALATED,
    ReferralBody.PETITION_OFFICE: Tier.ESCALATED,
    ReferralBody.OTHER: Tier.ESCALATED,
}


class Action(models.TextChoices):
    CREATE = "create", _("Reported")
    MEDIATE = "mediate", _("Mediation started")
    AGREE = "agree", _("Agreement reached")
    REFER = "refer", _("Referred")
    FAIL = "fail", _("Mediation failed")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened after a relapse")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class HazardOutcome(models.TextChoices):
    DISPUTE = "dispute", _("A dispute")
    MATTER = "matter", _("A matter")
    NONE = "none", _("Nothing to record")


class RiskFlag(models.TextChoices):
    """What a screening hazard is watched for (each a boolean ``flag_<value>`` of Hazard)."""

    GROUP_INCIDENT = "group_incident", _("Could lead to a group incident")
    DISORDER_SPOT = "disorder_spot", _("Disorder spot")
    HIGH_RISK_GROUP = "high_risk_group", _("High-risk group")
    SPECIAL_INTEREST_GROUP = "special_interest_group", _("Special-interest group")


def flag_field(flag: str) -> str:
    return f"flag_{flag}"


def _choice(field: str, choices, *, blank: bool = False) -> Q:
    values = list(choices.values) + ([""] if blank else [])
    return Q(**{f"{field}__in": values})


# --- Kinds of dispute ----------------------------------------------------------------------------


class DisputeKind(TenantModel):
    """A kind of dispute (邻里、家庭、婚姻、土地地界、债务、劳资、物业、交通 …), kept per bureau:
    the defaults carry a ``code`` (``disputes.services.DEFAULT_KINDS``), a bureau adds its own
    and retires those it does not use (``active``)."""

    code = models.CharField(_("code"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("kind of dispute")
        verbose_name_plural = _("kinds of dispute")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="dispute_kind_bureau_name"),
            models.UniqueConstraint(
                fields=["bureau", "code"], condition=~Q(code=""), name="dispute_kind_bureau_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Screening (排查) ----------------------------------------------------------------------------


class ScreeningRound(TenantModel):
    """One screening round (排查): a half day in one village or community, on one day — the
    households and places visited, the note, the hazards found. A round of a beat officer is
    theirs (``officer``): the weeks without one are the missed screenings the assessment reads
    (``disputes.selectors.screening_weeks``). An aide or a leader records rounds too, counted
    for nobody's week. One round per recorder, area and day; counted in the results table
    (``screenings``) for the unit serving the area."""

    scope_area_field = "area"
    # Whoever recorded the round keeps seeing it, wherever they work now.
    scope_author_field = "recorded_by"

    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
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
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    screened_on = models.DateField(_("date"), validators=[validate_day])
    households_visited = models.PositiveIntegerField(
        _("households visited"), validators=[MaxValueValidator(VISITS_MAX)]
    )
    places_visited = models.PositiveIntegerField(
        _("places visited"), validators=[MaxValueValidator(VISITS_MAX)]
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    client_uuid = models.UUIDField(_("client UUID"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "recorded_by", "client_uuid"], name="screening_bureau_client"
            ),
            models.UniqueConstraint(
                fields=["bureau", "recorded_by", "area", "screened_on"],
                name="screening_once_a_day",
                violation_error_message=_(
                    "A screening round of this area on this day is already recorded."
                ),
            ),
            models.CheckConstraint(
                condition=Q(households_visited__lte=VISITS_MAX, places_visited__lte=VISITS_MAX),
                name="screening_visits_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "screened_on"], name="screening_area_day"),
            models.Index(fields=["bureau", "unit", "screened_on"], name="screening_unit_day"),
            models.Index(fields=["bureau", "officer", "screened_on"], name="screening_officer"),
        ]

    def __str__(self) -> str:
        return f"{self.screened_on} #{self.pk}"


class Hazard(TenantModel):
    """A hazard (隐患) found on a screening round: what it is, what became of it (a dispute, a
    matter, or nothing to record, with the link), and the risk-watch flags. Open until a
    handler closes it: a flagged open hazard is on the leaders' risk list."""

    scope_area_field = "round__area"
    scope_author_field = "round__recorded_by"

    round = models.ForeignKey(
        ScreeningRound,
        on_delete=models.CASCADE,
        related_name="hazards",
        verbose_name=_("screening round"),
    )
    description = models.TextField(_("description"), max_length=1000)
    outcome = models.CharField(_("outcome"), max_length=16, choices=HazardOutcome.choices)
    dispute = models.ForeignKey(
        "Dispute",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("dispute"),
    )
    matter = models.ForeignKey(
        "matters.Matter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matter"),
    )
    flag_group_incident = models.BooleanField(_("could lead to a group incident"), default=False)
    flag_disorder_spot = models.BooleanField(_("disorder spot"), default=False)
    flag_high_risk_group = models.BooleanField(_("high-risk group"), default=False)
    flag_special_interest_group = models.BooleanField(_("special-interest group"), default=False)
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
    close_note = models.TextField(_("closing note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        constraints = [
            models.CheckConstraint(
                condition=_choice("outcome", HazardOutcome), name="hazard_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(dispute__isnull=True) | Q(outcome=HazardOutcome.DISPUTE),
                name="hazard_dispute_link",
            ),
            models.CheckConstraint(
                condition=Q(matter__isnull=True) | Q(outcome=HazardOutcome.MATTER),
                name="hazard_matter_link",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "round"], name="hazard_round"),
            models.Index(
                fields=["bureau", "created_at"],
                condition=Q(closed_at__isnull=True),
                name="hazard_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.pk}"

    @property
    def flags(self) -> list[str]:
        return [f for f in RiskFlag.values if getattr(self, flag_field(f))]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# --- Disputes (矛盾纠纷) -------------------------------------------------------------------------


class Dispute(TenantModel):
    """One dispute case (台账): where (area, the unit serving it, place), what (kind, facts), how
    it came in (source), how risky (level and signs), and where it stands (state, outcome,
    tier). ``level`` / ``handling_unit`` / ``resolve_due_at`` / ``overdue`` carry the deadline of
    a high-risk case for the SLA engine of matters (escalation one level up, exactly once);
    ``matter`` is the matter the case was turned from."""

    scope_area_field = "area"

    kind = models.ForeignKey(
        DisputeKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("village or community"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    facts = models.TextField(_("facts"), max_length=2000)
    risk_level = models.CharField(
        _("risk level"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    sign_injury = models.BooleanField(_("injury"), default=False)
    sign_threats = models.BooleanField(_("threats"), default=False)
    sign_weapons = models.BooleanField(_("weapons"), default=False)
    sign_repeated = models.BooleanField(_("repeated conflict"), default=False)
    sign_group = models.BooleanField(_("group involvement"), default=False)
    sign_criminal = models.BooleanField(_("risk of turning criminal"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.REPORTED
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    tier = models.CharField(_("resolution tier"), max_length=16, choices=Tier.choices, blank=True)
    referred_to = models.CharField(
        _("referred to"), max_length=20, choices=ReferralBody.choices, blank=True
    )
    referred_to_name = models.CharField(_("name of the body"), max_length=100, blank=True)
    above_county = models.BooleanField(
        _("passed above the county"),
        default=False,
        help_text=_("Referred to a court or petition office above the county."),
    )
    agreement = models.TextField(_("agreement"), max_length=2000, blank=True)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    client_uuid = models.UUIDField(_("client UUID"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    matter = models.ForeignKey(
        "matters.Matter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("matter"),
    )
    # The deadline of a high-risk case (the SLA engine of matters): the level and unit handling
    # it now, when its resolution is due, and whether a deadline was missed.
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    handling_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("handling unit"),
    )
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "recorded_by", "client_uuid"],
                condition=Q(client_uuid__isnull=False),
                name="dispute_bureau_client",
            ),
            models.UniqueConstraint(
                fields=["bureau", "matter"],
                condition=Q(matter__isnull=False),
                name="dispute_bureau_matter",
            ),
            models.CheckConstraint(condition=_choice("source", Source), name="dispute_source"),
            models.CheckConstraint(condition=_choice("risk_level", RiskLevel), name="dispute_risk"),
            models.CheckConstraint(condition=_choice("state", State), name="dispute_state"),
            models.CheckConstraint(condition=_choice("level", Level), name="dispute_level"),
            models.CheckConstraint(
                condition=_choice("outcome", Outcome, blank=True), name="dispute_outcome"
            ),
            models.CheckConstraint(
                condition=_choice("tier", Tier, blank=True), name="dispute_tier"
            ),
            models.CheckConstraint(
                condition=_choice("referred_to", ReferralBody, blank=True),
                name="dispute_referred_to",
            ),
            # The state and the outcome agree: none while open, the state's own in the outcome
            # states, and one (whichever) in follow-up and closed — no closed case without it.
            models.CheckConstraint(
                condition=Q(state__in=[State.REPORTED, State.MEDIATING], outcome="")
                | Q(state=State.AGREED, outcome=Outcome.AGREED)
                | Q(state=State.REFERRED, outcome=Outcome.REFERRED)
                | Q(state=State.FAILED, outcome=Outcome.FAILED)
                | (Q(state__in=[State.FOLLOW_UP, State.CLOSED]) & ~Q(outcome="")),
                name="dispute_state_outcome",
            ),
            # A settled case (agreement or referral) has its tier and day; no other has either.
            models.CheckConstraint(
                condition=(
                    Q(outcome__in=[Outcome.AGREED, Outcome.REFERRED], settled_on__isnull=False)
                    & ~Q(tier="")
                )
                | (
                    ~Q(outcome__in=[Outcome.AGREED, Outcome.REFERRED])
                    & Q(settled_on__isnull=True, tier="")
                ),
                name="dispute_settled_tier",
            ),
            models.CheckConstraint(
                condition=(Q(outcome=Outcome.REFERRED) & ~Q(referred_to=""))
                | (
                    ~Q(outcome=Outcome.REFERRED)
                    & Q(referred_to="", referred_to_name="", above_county=False)
                ),
                name="dispute_referral_body",
            ),
            models.CheckConstraint(
                condition=Q(above_county=False) | Q(tier=Tier.ESCALATED),
                name="dispute_above_county_escalated",
            ),
            models.CheckConstraint(
                condition=(Q(outcome=Outcome.AGREED) & ~Q(agreement=""))
                | (~Q(outcome=Outcome.AGREED) & Q(agreement="")),
                name="dispute_agreement_text",
            ),
            models.CheckConstraint(
                condition=Q(state=State.CLOSED, closed_at__isnull=False)
                | (~Q(state=State.CLOSED) & Q(closed_at__isnull=True)),
                name="dispute_closed_at",
            ),
            # A high-risk sign makes the case high-risk.
            models.CheckConstraint(
                condition=Q(risk_level=RiskLevel.HIGH)
                | Q(**{sign_field(s): False for s in RiskSign.values}),
                name="dispute_signs_high_risk",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "reported_at"], name="dispute_area_time"),
            models.Index(fields=["bureau", "unit", "state"], name="dispute_unit_state"),
            models.Index(fields=["bureau", "-reported_at", "-id"], name="dispute_bureau_time"),
            models.Index(fields=["bureau", "unit", "settled_on"], name="dispute_unit_settled"),
            models.Index(fields=["state", "resolve_due_at"], name="dispute_resolve_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}" if self.kind_id else f"#{self.pk}"

    @property
    def signs(self) -> list[str]:
        return [s for s in RiskSign.values if getattr(self, sign_field(s))]

    @property
    def is_settled(self) -> bool:
        return self.settled_on is not None


class DisputeParty(TenantModel):
    """A party to a dispute (当事人): from the registry (``resident``) or entered. The ID number
    and the phone are stored encrypted, each with its blind index; they are shown masked (aides
    see no ID number at all) and revealed only through the audited reveal."""

    scope_area_field = "dispute__area"

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dispute")
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("full name"), max_length=50)
    id_number = EncryptedCharField(
        _("ID number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
        personal=crypto.ID_NUMBER,
    )
    id_number_index = BlindIndexField(of="id_number")
    phone = EncryptedCharField(
        _("phone"), max_length=20, blank=True, validators=[validate_phone], personal=crypto.PHONE
    )
    phone_index = BlindIndexField(of="phone")
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("resident"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=_choice("role", PartyRole), name="dispute_party_role"),
        ]
        indexes = [
            models.Index(fields=["bureau", "dispute"], name="dispute_party_dispute"),
            models.Index(fields=["bureau", "id_number_index"], name="dispute_party_id_number"),
            models.Index(fields=["bureau", "phone_index"], name="dispute_party_phone"),
            models.Index(fields=["bureau", "resident"], name="dispute_party_resident"),
        ]

    def __str__(self) -> str:
        return self.name


class DisputeEvent(TimelineEvent):
    """One row of a dispute's timeline: a transition, by whom, from which state to which, with
    a note (the agreement, the reason, the body referred to). Append-only."""

    scope_area_field = "dispute__area"

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="events", verbose_name=_("dispute")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta(TimelineEvent.Meta):
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        indexes = [models.Index(fields=["bureau", "dispute", "created_at"], name="dispute_event")]


class MediationSession(TenantModel):
    """A mediation session (调解): when, where, who took part (the officer, aides, village
    cadres, the parties …) and what came of it."""

    scope_area_field = "dispute__area"

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("dispute")
    )
    held_on = models.DateField(_("date"), validators=[validate_day])
    place = models.CharField(_("place"), max_length=200)
    participants = models.TextField(_("participants"), max_length=1000)
    outcome = models.TextField(_("outcome"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "id"]
        indexes = [
            models.Index(fields=["bureau", "dispute", "held_on"], name="dispute_session"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} #{self.pk}"


class DisputeFollowUp(TenantModel):
    """A follow-up visit (回访) of a dispute: due on a day (an agreement schedules them 7 and 30
    days after it was reached), done on a day with what was found, or cancelled when the case
    was reopened before it."""

    scope_area_field = "dispute__area"

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("dispute")
    )
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=[validate_day])
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("done by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(cancelled_on__isnull=True),
                name="dispute_follow_up_done_or_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "dispute", "due_on"], name="dispute_follow_up"),
            models.Index(
                fields=["bureau", "due_on"],
                condition=Q(done_on__isnull=True, cancelled_on__isnull=True),
                name="dispute_follow_up_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_on} #{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.done_on is None and self.cancelled_on is None
