"""Open311 GeoReport v2: the third-party clients the bureau issues API keys to, and the matters
they submitted.

A resident's app (a city service app, a WeChat mini-program's back end) submits matters through
the standard Open311 interface at ``/open311/v2/``. Each such app is an :class:`Open311Client`
with its own API key; the key itself is shown once when issued and stored only as its SHA-256
hash (a key is 240 random bits: a fast hash is enough, nothing to brute-force). Each matter an
app submitted is an :class:`Open311Request`: which client, which matter, and the token the spec
hands back with it. The public id of a request is the matter's tracking code, never a pk.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core.models import TenantModel


class Open311Client(TenantModel):
    """An application allowed to submit matters through Open311 (一个接入应用), with its API key.
    Revoking it (``active`` false) refuses its key from then on; its requests stay."""

    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "key_hash"], name="open311_client_key"),
            models.UniqueConstraint(
                fields=["bureau", "name"],
                condition=Q(active=True),
                name="open311_client_active_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Open311Request(TenantModel):
    """A matter submitted through Open311 by a client, with the token the spec returns."""

    client = models.ForeignKey(
        Open311Client, on_delete=models.PROTECT, related_name="requests", verbose_name=_("client")
    )
    matter = models.OneToOneField(
        "matters.Matter", on_delete=models.PROTECT, related_name="+", verbose_name=_("matter")
    )
    token = models.UUIDField(_("token"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "token"], name="open311_request_token"),
        ]
        indexes = [
            models.Index(fields=["bureau", "client", "-created_at"], name="open311_request_client"),
        ]

    def __str__(self) -> str:
        return str(self.token)
