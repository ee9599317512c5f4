"""Accounts: who signs in, in which role, over which unit; API bearer tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from cunjing.core.roles import Role


class User(AbstractUser):
    """A staff account. Its jurisdiction is ``unit``; its one ``role`` says what it may do
    (holding exactly one role keeps the three admin roles exclusive). A beat officer's account
    links to their ``officer`` record, an aide's to their ``aide`` record."""

    bureau = models.ForeignKey(
        "org.Bureau",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bureau"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    officer = models.OneToOneField(
        "org.Officer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("officer"),
    )
    aide = models.OneToOneField(
        "org.Aide",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("aide"),
    )
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    # Of ``full_name``, for search (set by ``accounts.services``).
    pinyin = models.CharField(_("pinyin"), max_length=300, blank=True, editable=False)
    pinyin_initials = models.CharField(
        _("pinyin initials"), max_length=100, blank=True, editable=False
    )
    must_change_password = models.BooleanField(
        _("must change the password"),
        default=False,
        help_text=_("Set by a one-time password: the next sign-in asks for a new one."),
    )
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # Kept by ``accounts.two_factor`` (enrolment, reset): read on every request without a query.
    two_factor = models.BooleanField(_("two-factor sign-in"), default=False)
    # Part of every session's check (``_get_session_auth_hash``): a new value signs the
    # account out everywhere at once (disabled, reset, access revoked).
    session_salt = models.CharField(max_length=32, blank=True, default="")

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="") | Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(role="") | (Q(bureau__isnull=False) & Q(unit__isnull=False)),
                name="user_role_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django's own, with the salt that revokes every session of the account.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.session_salt, secret=secret, algorithm="sha256"
        ).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; it expires and can be revoked."""

    bureau = models.ForeignKey(
        "org.Bureau", on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["bureau", "user"], name="apitoken_bureau_user")]

    def __str__(self) -> str:
        return f"token #{self.pk} of {self.user}"


class PasswordHistory(models.Model):
    """A password an account used (its hash): a new one may not be any of the last
    ``PASSWORD_HISTORY`` (等保: periodic change, no cycling back)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    encoded = models.CharField(max_length=256)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
