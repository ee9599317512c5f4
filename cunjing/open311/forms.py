"""Input of Open311: a service request (POST, form-encoded, the spec's field names), the filters
of the request list, and the keys page's form."""

from __future__ import annotations

import datetime as dt
import math
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunjing.core.forms import TablerForm
from cunjing.core.validators import ascii_int, check_query_date, form_phone
from cunjing.matters.services import normalize_tracking_code

MAX_RANGE_DAYS = 90
# Service request ids one lookup may name (documented in the served OpenAPI description).
MAX_CODES = 50
CODE_RE = re.compile(r"^[0-9A-Za-z]{1,32}$")
CJK_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·]+$")


def _coordinate(value: float | None, low: float, high: float, message: str) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError(message)
    return value


class ServiceRequestForm(forms.Form):
    """POST requests: the spec's fields. ``address_id``, ``device_id``, ``account_id``,
    ``media_url`` and ``attribute[…]`` are accepted and not kept (no service has attributes; a
    media URL is not fetched: the server does not reach out to addresses a client names);
    ``email`` is checked and not kept (a matter has no e-mail; replies go by phone or by
    tracking code)."""

    service_code = forms.CharField(max_length=32)
    lat = forms.FloatField(required=False)
    long = forms.FloatField(required=False)
    address_string = forms.CharField(max_length=200, required=False)
    description = forms.CharField(max_length=2000)
    first_name = forms.CharField(max_length=25, required=False)
    last_name = forms.CharField(max_length=25, required=False)
    phone = forms.CharField(max_length=20, required=False)
    email = forms.EmailField(max_length=254, required=False)
    device_id = forms.CharField(max_length=100, required=False)
    account_id = forms.CharField(max_length=100, required=False)
    media_url = forms.CharField(max_length=500, required=False)

    def clean_phone(self) -> str:
        return form_phone(self.cleaned_data.get("phone", ""))

    def clean_lat(self):
        return _coordinate(
            self.cleaned_data.get("lat"), -90, 90, _("Latitude must be between -90 and 90.")
        )

    def clean_long(self):
        return _coordinate(
            self.cleaned_data.get("long"), -180, 180, _("Longitude must be between -180 and 180.")
        )

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("long")
        if "lat" in self.errors or "long" in self.errors:
            return data
        if (lat is None) != (lon is None):
            self.add_error("long" if lon is None else "lat", _("Give both lat and long."))
        elif lat is None and not data.get("address_string"):
            self.add_error(
                "address_string", _("Give the location: lat and long, or an address_string.")
            )
        return data

    def reporter_name(self) -> str:
        """The reporter's name in Chinese order, family name first: 张 + 伟 → 张伟; names not
        written in Chinese characters are joined with a space (Smith John)."""
        last = self.cleaned_data.get("last_name", "").strip()
        first = self.cleaned_data.get("first_name", "").strip()
        if last and first and CJK_RE.match(last) and CJK_RE.match(first):
            return last + first
        return " ".join(part for part in (last, first) if part)


def parse_w3c(value: str) -> dt.datetime | None:
    """A W3C date-time (2010-01-01T00:00:00Z, with or without an offset) or a date, in ASCII
    digits; None if it is neither. Without an offset, the bureau's time zone."""
    value = (value or "").strip()
    if not value.isascii():  # full-width or other scripts' digits: never a W3C date
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                return None
            parsed = dt.datetime.combine(day, dt.time.min)
    except (ValueError, OverflowError):
        return None
    if timezone.is_naive(parsed):
        try:
            parsed = timezone.make_aware(parsed)
        except (ValueError, OverflowError):
            return None
    return parsed


def _local_day(value: dt.datetime) -> dt.date:
    """The bureau's local day of ``value``; a time whose local day falls outside the calendar
    (9999-12-31T23:00:00-10:00) has its own day, which is out of range anyway."""
    try:
        return timezone.localtime(value).date()
    except (OverflowError, ValueError):
        return value.date()


class RequestFilters:
    """GET requests' parameters, checked: ``errors`` maps a parameter to its messages."""

    STATUSES = frozenset({"open", "closed"})

    def __init__(self, params):
        self.errors: dict[str, list[str]] = {}
        # a code as people copy it (spaces, dashes, lower case) is the code
        self.codes = [
            normalize_tracking_code(c) for c in self._list(params.get("service_request_id", ""))
        ]
        self.service_codes = None
        self.start = self.end = None
        self.statuses: set[str] = set()
        for code in self.codes:
            if not CODE_RE.match(code):
                self._error("service_request_id", _("Enter service request ids, comma separated."))
                break
        if len(self.codes) > MAX_CODES:
            self._error(
                "service_request_id",
                _("Name at most %(n)s service request ids at a time.") % {"n": MAX_CODES},
            )
        if raw := params.get("service_code", ""):
            codes = self._list(raw)
            parsed = [ascii_int(c) for c in codes]
            if not parsed or None in parsed:
                self._error("service_code", _("Unknown service."))
            else:
                self.service_codes = parsed
        for name in ("start_date", "end_date"):
            if raw := params.get(name, ""):
                parsed = parse_w3c(raw)
                if parsed is None:
                    self._error(name, _("Enter a date and time such as 2015-01-20T00:00:00Z."))
                else:
                    try:  # the range every query date keeps to (``core.validators``)
                        check_query_date(_local_day(parsed))
                    except ValidationError as exc:
                        self.errors.setdefault(name, []).extend(exc.messages)
                        parsed = None
                setattr(self, "start" if name == "start_date" else "end", parsed)
        if self.start and self.end:
            if self.end < self.start:
                self._error("end_date", _("The end date is before the start date."))
            elif self.end - self.start > dt.timedelta(days=MAX_RANGE_DAYS):
                self._error("end_date", _("The dates may span at most 90 days."))
        if raw := params.get("status", ""):
            self.statuses = set(self._list(raw.lower()))
            if not self.statuses or not self.statuses <= self.STATUSES:
                self._error("status", _("The status is open or closed."))

    @staticmethod
    def _list(raw: str) -> list[str]:
        return [part.strip() for part in (raw or "").split(",") if part.strip()][:1000]

    def _error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


class ClientForm(TablerForm):
    name = forms.CharField(
        label=gettext_lazy("Name of the application"),
        max_length=100,
        help_text=gettext_lazy("Who will use the key, e.g. the city's service app."),
    )
