"""Validators shared by every app: division codes, phone numbers, coordinates, ID numbers."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

DIVISION_CODE_RE = re.compile(r"^\d{12}$")


def validate_division_code(value: str) -> None:
    """A 12-digit statistical division code (统计用区划代码), e.g. 410481100201."""
    if not DIVISION_CODE_RE.match(value or ""):
        raise ValidationError(_("Enter a 12-digit division code."), code="division_code")


def normalize_phone(value: str) -> str:
    """Parse a Chinese mobile or landline number; return it in E.164 form or raise."""
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number."), code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_latitude(value: float) -> None:
    if value is not None and not -90 <= value <= 90:
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude")


def validate_longitude(value: float) -> None:
    if value is not None and not -180 <= value <= 180:
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude")


def validate_id_number(value: str) -> None:
    """A resident identity card number (GB 11643: region, birth date, check digit)."""
    try:
        ric.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("Enter a valid resident ID number."), code="id_number") from exc
