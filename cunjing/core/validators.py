"""Validators shared by every app: division codes, phone numbers, coordinates, ID numbers, the
dates a query may name."""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

# ASCII digits only: ``\d`` and ``str.isdigit()`` also accept "１", "¹" or "①", which ``int()``
# refuses or the data must not hold. Parse numbers from input with :func:`ascii_int`.
DIVISION_CODE_RE = re.compile(r"^[0-9]{12}\Z")


def is_ascii_digits(text: str | None) -> bool:
    """Whether ``text`` is one or more ASCII digits (0-9) and nothing else."""
    return bool(text) and text.isascii() and text.isdigit()


def ascii_int(text: str | None, *, max_digits: int = 18) -> int | None:
    """``text`` as a non-negative integer when it is 1 to ``max_digits`` ASCII digits (an id
    from a URL or a form), else ``None``: never an exception, whatever the input."""
    if not is_ascii_digits(text) or len(text) > max_digits:
        return None
    return int(text)


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


def form_phone(value: str) -> str:
    """A phone number typed into a public form (portal, Open311): "" when left empty, else in
    E.164; refused with an example of each kind of number, in the user's language."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError:
        raise ValidationError(
            _("Enter a mobile number such as 13903750001 or a landline such as 0375-1234567."),
            code="phone",
        ) from None


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_latitude(value: float) -> None:
    if value is not None and not -90 <= value <= 90:
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude")


def validate_longitude(value: float) -> None:
    if value is not None and not -180 <= value <= 180:
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude")


def validate_id_number(value: str) -> None:
    """A resident identity card number (GB 11643): 18 characters, a known region code, a real
    birth date not in the future, and the check digit.

    python-stdnum's ``cn.ric.validate`` also requires the region code to have existed in the
    birth year. That rejects real people: an ID's region is where it was first issued, so a
    resident of 舞钢市 (code 410481 since 1990) born in 1960 carries 410481. We check that the
    region code exists at all, and the rest as stdnum does.
    """
    import datetime as dt

    from stdnum import numdb

    invalid = ValidationError(_("Enter a valid resident ID number."), code="id_number")
    number = ric.compact(value or "")
    if len(number) != 18 or not is_ascii_digits(number[:17]) or number[17] not in "0123456789X":
        raise invalid
    if number[-1] != ric.calc_check_digit(number):
        raise invalid
    try:
        born = ric.get_birth_date(number)
    except StdnumError as exc:
        raise invalid from exc
    if born > dt.date.today() or born.year < 1880:
        raise invalid
    places = {key for _part, props in numdb.get("cn/loc").info(number[:6]) for key in props}
    if "county" not in places:
        raise invalid


# --- Dates named in queries (``from``/``to``, ``date_from``/``date_to``, Open311's start/end) ---
# One accepted range for every date a client names in a query: from 1990-01-01, well before any
# record the platform holds (its source years are 2014–15), to a year after today. A date outside
# it is a typo or a probe, and is refused like a malformed one (422 on /api/, 400 on Open311).
QUERY_DATE_MIN = dt.date(1990, 1, 1)
_ISO_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")


def query_date_max(today: dt.date | None = None) -> dt.date:
    """The latest date a query may name: a year after ``today`` (the bureau's local date)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def check_query_date(value: dt.date) -> dt.date:
    """``value`` if it lies in the accepted range (:data:`QUERY_DATE_MIN` to
    :func:`query_date_max`), else a ``ValidationError`` (code ``date_out_of_range``, params
    ``min`` and ``max``)."""
    low, high = QUERY_DATE_MIN, query_date_max()
    if not low <= value <= high:
        raise ValidationError(
            _("Enter a date from %(min)s to %(max)s."),
            code="date_out_of_range",
            params={"min": low.isoformat(), "max": high.isoformat()},
        )
    return value


def parse_query_date(text: str) -> dt.date:
    """A date from a query string: exactly ``YYYY-MM-DD`` in ASCII digits, a real day, within
    the accepted range. Anything else — ``00000000000`` (a timestamp to a lenient parser),
    ``0000-01-01``, ``10000-01-01``, ``2026-02-30``, full-width digits — raises
    ``ValidationError`` (code ``date`` when malformed, ``date_out_of_range`` when out of range)."""
    match = _ISO_DATE_RE.match(text or "")
    try:
        if match is None:
            raise ValueError(text)
        value = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValidationError(_("Enter a valid date."), code="date") from None
    return check_query_date(value)
