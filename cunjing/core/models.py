"""Core models: the tenant base every operational row inherits, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TenantModel(models.Model):
    """Base of every operational row: it carries ``bureau``, the county that owns it.

    The tenant key is the distribution column when a province outgrows one PostgreSQL server
    (SCALE.md); every unique constraint and hot index of a subclass starts with it.
    """

    bureau = models.ForeignKey(
        "org.Bureau", on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau")
    )

    class Meta:
        abstract = True


class TimelineEvent(TenantModel):
    """Base of a case's timeline row (a matter's, a dispute's): who acted — a user, or by name
    only the reporter or the system — from which state to which, with a note. Append-only. The
    subclass adds its case, its ``action`` (with its own choices), its manager (scoped through
    the case's area) and its index."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=150)
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class AuditEvent(models.Model):
    """One audited write: who (actor, role, unit) did what (action) to which object, with the
    values before and after, from which request and address, when.

    Append-only: database triggers refuse UPDATE and DELETE on both databases (emptying the whole
    table — TRUNCATE on PostgreSQL, ``manage.py flush`` — is an administrator's act outside them).
    Each row carries an HMAC of its content and of its predecessor's HMAC in the same bureau
    (``prev_digest``): a row changed, deleted, inserted or moved outside the application breaks
    the chain at that point, which ``manage.py verify_audit`` reports.
    """

    bureau = models.ForeignKey(
        "org.Bureau", on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    role = models.CharField(_("role"), max_length=32)
    unit_id = models.BigIntegerField(_("unit"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16)
    prev_digest = models.CharField(_("previous digest"), max_length=64, blank=True, default="")
    digest = models.CharField(_("digest"), max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["bureau", "-created_at", "-id"], name="audit_bureau_time"),
            models.Index(fields=["bureau", "object_type", "object_id"], name="audit_bureau_object"),
            models.Index(fields=["bureau", "actor", "-created_at"], name="audit_bureau_actor"),
            # The chain's head: the bureau's last row, read under the chain lock on every write.
            models.Index(fields=["bureau", "-id"], name="audit_bureau_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class IdempotencyKey(TenantModel):
    """The first answer to one client write, kept under the UUID the client chose for it.

    A phone on a village road queues its submission and replays it when the connection returns;
    if the first attempt was stored but its answer lost, the replay must not store the record a
    second time. The client's UUID (``Idempotency-Key`` header or ``client_uuid`` field) is unique
    per user in the database; the record, its audit event and this row commit in one
    transaction, so a retry finds either nothing (and writes) or this row (and gets its stored
    answer back); the same key with a different request is refused. ``status_code`` is empty only
    while the first request's transaction is still open. See ``cunjing.core.idempotency``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.UUIDField(_("idempotency key"))
    endpoint = models.CharField(_("endpoint"), max_length=100)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response = models.JSONField(_("response"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "user", "key"], name="idem_bureau_user_key"),
            models.CheckConstraint(
                condition=models.Q(status_code__isnull=True)
                | models.Q(status_code__gte=100, status_code__lte=599),
                name="idem_status_code_http",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idem_created")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"

    @property
    def is_pending(self) -> bool:
        return self.status_code is None
