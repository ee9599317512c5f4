"""Two-factor sign-in (双因素认证): a TOTP device per account (django-otp), enrolled by the user
with a QR code drawn here (segno, SVG: no outside service), and ten recovery codes shown once.
The security admin can reset an account's second factor. Every change is audited."""

from __future__ import annotations

import secrets

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cunjing.accounts.models import User
from cunjing.core import audit

RECOVERY_CODES = 10


def enrolled(user: User) -> bool:
    """Whether the account signs in with a second factor (a flag the enrolment and the reset
    keep, so that no request pays a query for it)."""
    return bool(getattr(user, "two_factor", False))


def verify(user: User, token: str):
    """The device that accepts ``token`` (a TOTP code or an unused recovery code), or
    ``None``. django-otp throttles a device after failures."""
    token = "".join((token or "").split())
    if not token or len(token) > 20:
        return None
    return match_token(user, token)


def pending_device(user: User) -> TOTPDevice:
    """The account's TOTP device waiting for its first code (made when first asked for)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="totp", confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as an SVG QR code (a data URI)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def secret_text(device: TOTPDevice) -> str:
    """The key for typing into an authenticator app by hand (base32, in groups of four)."""
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def confirm(user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with its first code; returns the recovery codes (shown once) or
    ``None`` when the code is wrong."""
    token = "".join((token or "").split())
    if not token.isascii() or not token.isdigit() or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    User.objects.filter(pk=user.pk).update(two_factor=True)
    user.two_factor = True
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [secrets.token_hex(4) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    audit.record(actor=user, action="user.two_factor.enrol", instance=user)
    return codes


@transaction.atomic
def reset(*, actor, account: User) -> int:
    """The security admin removes an account's second factor (a lost phone): it enrols again
    at its next sign-in. Returns the devices removed."""
    from cunjing.accounts.services import _administer, _lock_account

    account = _lock_account(actor, account)
    _administer(actor, account)
    devices = list(devices_for_user(account, confirmed=None))
    for device in devices:
        device.delete()
    account.two_factor = False
    account.save(update_fields=["two_factor"])
    audit.record(
        actor=actor,
        action="user.two_factor.reset",
        instance=account,
        after={"devices": len(devices)},
    )
    return len(devices)


def required_message() -> str:
    return _("Enter the 6-digit code of your authenticator app.")
