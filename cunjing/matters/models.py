"""Matters (一件事): what officers, aides and residents collect — public sentiment, residents'
requests, crime leads, security hazards — routed through four levels (workstation → office →
station → bureau) until each has an answer to the reporter (件件有回声) and a landing
(事事有着落).

A :class:`Matter` is a state machine; its transitions are the table ``TRANSITIONS`` in
``matters.services.transitions``, each written as one :class:`MatterEvent` (the timeline) and
one audit event in the same transaction. Deadlines come from the bureau's :class:`SlaPolicy` for
the matter's level and kind; the periodic escalation task records a :class:`MatterBreach` per
unit that missed one. Reads start from ``visible_to(user)``: the jurisdiction rule of ``org``
through the matter's ``area``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core import crypto
from cunjing.core.fields import BlindIndexField, EncryptedCharField
from cunjing.core.models import TenantModel, TimelineEvent
from cunjing.core.validators import validate_latitude, validate_longitude, validate_phone
from cunjing.org.models import ScopedQuerySet, UnitKind


class MatterKind(models.TextChoices):
    SENTIMENT = "sentiment", _("Public sentiment")
    REQUEST = "request", _("Resident's request")
    LEAD = "lead", _("Crime lead")
    HAZARD = "hazard", _("Security hazard")


class Level(models.TextChoices):
    """The four levels of handling, lowest first; the values are the unit kinds."""

    WORKSTATION = UnitKind.WORKSTATION.value, _("Workstation")
    OFFICE = UnitKind.OFFICE.value, _("Central office")
    STATION = UnitKind.STATION.value, _("Station")
    BUREAU = UnitKind.BUREAU.value, _("Bureau")


LEVEL_ORDER: tuple[str, ...] = (Level.WORKSTATION, Level.OFFICE, Level.STATION, Level.BUREAU)


class Source(models.TextChoices):
    OFFICER = "officer", _("Beat officer")
    AIDE = "aide", _("Aide")
    PORTAL = "portal", _("Residents' portal")
    OPEN311 = "open311", _("Open311")
    HOTLINE = "hotline", _("Hotline call")
    WECHAT = "wechat", _("WeChat message")
    SMS = "sms", _("SMS message")


# Sources where the reporter reads the answers on the portal by their tracking code.
PUBLIC_SOURCES = frozenset({Source.PORTAL, Source.OPEN311})

# What the public reaches by a tracking code (the portal's tracking page and the reporter's
# actions, Open311's lookups): only what a resident submitted there themselves. A matter staff
# entered — a crime lead above all, with its informant's details — is never reachable by its
# code, whoever holds it. (A lead a resident sent shows its informant the state and the replies
# only: never its text, place or outcome — ``open311.selectors``, ``portal.selectors``.)
PUBLICLY_TRACKABLE = Q(source__in=PUBLIC_SOURCES)


class State(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REFERRED = "referred", _("Referred")
    MERGED = "merged", _("Merged")


OPEN_STATES = frozenset({State.NEW, State.ACCEPTED})


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    ACCEPT = "accept", _("Accepted")
    REPLY = "reply", _("Replied to the reporter")
    RESOLVE = "resolve", _("Resolved")
    ESCALATE = "escalate", _("Escalated")
    REFER = "refer", _("Referred")
    MERGE = "merge", _("Merged into a duplicate")
    CONFIRM = "confirm", _("Confirmed by the reporter")
    REOPEN = "reopen", _("Reopened by the reporter")
    RATE = "rate", _("Rated by the reporter")
    CLOSE = "close", _("Closed")
    OVERDUE = "overdue", _("Deadline missed")
    CASE = "case", _("Led to a case")


class ReplyChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("In person")
    PORTAL = "portal", _("Portal")


class BreachKind(models.TextChoices):
    REPLY = "reply", _("First reply")
    RESOLVE = "resolve", _("Resolution")


class MatterCategory(TenantModel):
    """A category under one kind of matter (e.g. 噪音扰民 under requests), kept per bureau."""

    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("matter category")
        verbose_name_plural = _("matter categories")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "kind", "name"], name="matter_category_bureau_kind_name"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MatterKind.values), name="matter_category_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Matter(TenantModel):
    """One matter collected in a village or community, handled level by level until it is
    answered and landed. ``handling_unit`` and ``level`` say where it is now; ``entry_unit``
    where it started (the workstation, else the office, serving the area)."""

    scope_area_field = "area"
    # Aides report matters and read those of their area, never a crime lead (its informant).
    scope_hidden_from_aides = Q(kind=MatterKind.LEAD)

    tracking_code = models.CharField(_("tracking code"), max_length=16)
    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    category = models.ForeignKey(
        MatterCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    area = models.ForeignKey(
        "org.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village or community"),
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[validate_latitude]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[validate_longitude]
    )
    description = models.TextField(_("description"), max_length=2000)
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    # Stored encrypted (AES-GCM, the key outside the database), with its blind index.
    reporter_phone = EncryptedCharField(
        _("reporter's phone"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        personal=crypto.PHONE,
    )
    reporter_phone_index = BlindIndexField(of="reporter_phone")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    entry_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("entry unit"),
    )
    handling_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("handling unit"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("created by"),
    )
    client_uuid = models.UUIDField(_("client UUID"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    first_reply_at = models.DateTimeField(_("first reply"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    replied_at_level = models.BooleanField(_("replied at this level"), default=False)
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    case_number = models.CharField(_("case number"), max_length=50, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("rating comment"), max_length=1000, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "tracking_code"], name="matter_bureau_tracking_code"
            ),
            models.UniqueConstraint(
                fields=["bureau", "created_by", "client_uuid"],
                condition=Q(client_uuid__isnull=False),
                name="matter_bureau_client_uniq",
            ),
            models.CheckConstraint(condition=Q(kind__in=MatterKind.values), name="matter_kind"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="matter_state"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="matter_level"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="matter_source"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="matter_rating_1_5",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False),
                name="matter_merged_has_target",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "area", "kind", "created_at"], name="matter_area_kind"),
            models.Index(fields=["bureau", "handling_unit", "state"], name="matter_handling"),
            models.Index(fields=["bureau", "-created_at", "-id"], name="matter_bureau_time"),
            models.Index(fields=["state", "reply_due_at"], name="matter_reply_due"),
            models.Index(fields=["state", "resolve_due_at"], name="matter_resolve_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tracking_code}"

    @property
    def has_reporter(self) -> bool:
        """Somebody is waiting for an answer: a known contact, or a resident who reads it by
        tracking code on the portal."""
        return bool(self.reporter_name or self.reporter_phone) or self.source in PUBLIC_SOURCES

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def next_due_at(self):
        """The nearest deadline still running: the reply's, else the resolution's (None when
        no clock runs)."""
        due = [d for d in (self.reply_due_at, self.resolve_due_at) if d is not None]
        return min(due) if due else None


class MatterEvent(TimelineEvent):
    """One row of a matter's timeline: a transition, by whom (a user, the reporter or the
    system), from which state and level to which, with a note. Append-only."""

    scope_area_field = "matter__area"

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="events", verbose_name=_("matter")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_level = models.CharField(_("from level"), max_length=16, blank=True)
    to_level = models.CharField(_("to level"), max_length=16)

    objects = ScopedQuerySet.as_manager()

    class Meta(TimelineEvent.Meta):
        verbose_name = _("matter event")
        verbose_name_plural = _("matter events")
        indexes = [models.Index(fields=["bureau", "matter", "created_at"], name="matter_event")]


class MatterReply(TenantModel):
    """An answer to the reporter (回声): through which channel, what was said, by whom."""

    scope_area_field = "matter__area"

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="replies", verbose_name=_("matter")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ReplyChannel.choices)
    text = models.TextField(_("text"), max_length=2000)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("replied by"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=ReplyChannel.values), name="matter_reply_channel"
            )
        ]

    def __str__(self) -> str:
        return self.text[:50]


def attachment_path(instance: MatterAttachment, filename: str) -> str:
    # The stored name is random: a resident's file name never reaches the disk.
    import secrets

    ext = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
        instance.content_type, "bin"
    )
    return f"matters/{instance.bureau_id}/{secrets.token_hex(16)}.{ext}"


class MatterAttachment(TenantModel):
    """A photo or document attached to a matter (JPEG, PNG or PDF, at most 5 MB, checked by
    content)."""

    scope_area_field = "matter__area"

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("matter")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class SlaPolicy(TenantModel):
    """The bureau's deadlines for one level and kind: hours to the first reply and to the
    resolution. Without a row the defaults of ``matters.services.sla.DEFAULT_SLA`` apply."""

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    reply_hours = models.PositiveIntegerField(
        _("hours to first reply"), validators=[MinValueValidator(1), MaxValueValidator(8760)]
    )
    resolve_hours = models.PositiveIntegerField(
        _("hours to resolution"), validators=[MinValueValidator(1), MaxValueValidator(8760)]
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "level", "kind"], name="sla_bureau_level"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="sla_level_valid"),
            models.CheckConstraint(condition=Q(kind__in=MatterKind.values), name="sla_kind_valid"),
            models.CheckConstraint(
                condition=Q(reply_hours__gte=1, resolve_hours__gte=1), name="sla_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.kind}"


class MatterBreach(TenantModel):
    """A deadline a unit missed on a matter (reply or resolution), for the assessment."""

    scope_unit_field = "unit"

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="breaches", verbose_name=_("matter")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BreachKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    due_at = models.DateTimeField(_("due"))
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("missed deadline")
        verbose_name_plural = _("missed deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "matter", "unit", "kind"], name="matter_breach_once"
            ),
        ]
        indexes = [models.Index(fields=["bureau", "unit", "at"], name="matter_breach_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.matter_id}"
