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


class AuditEvent(models.Model):
    """One audited write: who (actor, role, unit) did what (action) to which object, with the
    values before and after, from which request and address, when.

    Append-only: database triggers refuse UPDATE (and DELETE on PostgreSQL, where retention drops
    whole monthly partitions); each row carries an HMAC of its content, checked by
    ``manage.py verify_audit``.
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
    digest = models.CharField(_("digest"), max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["bureau", "-created_at", "-id"], name="audit_bureau_time"),
            models.Index(fields=["bureau", "object_type", "object_id"], name="audit_bureau_object"),
            models.Index(fields=["bureau", "actor", "-created_at"], name="audit_bureau_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
