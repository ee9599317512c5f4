"""Pagination: the one place that pages a list, for the pages and the API alike.

Two kinds, chosen by how the list grows (``SCALE.md``):

- **Keyset** (:func:`keyset_page`) for lists that grow without bound — field records, work logs,
  reports, matters, the audit trail. A page is "the ``limit`` rows after this one" in a fixed
  ordering whose last key is unique (the id): one query, whatever the page, and rows written
  meanwhile never shift a page. The cursor (``before`` in, ``next`` out) is an opaque string made
  from the ordering values of the last row shown; a malformed one is a ``ValidationError`` on
  ``before`` (a field-level 422), never a database error.
- **Counted offset** (:func:`offset_page` for the API's ``limit``/``offset``,
  :func:`numbered_page` for the pages' ``?page=``) for bounded lists — the organisation trees, the
  registry — where a total and a jump to any page are worth one ``COUNT``: two queries.

Cursor text: the ordering values of the row, joined by ``,``: a date as ``2014-10-20``, a moment
as ``2015-03-01T02:03:04.000005Z`` (UTC, microseconds), an integer in decimal. Clients must treat
it as opaque; the server accepts only the exact text it would have made (no second spelling of a
value), so a cursor is checked by re-encoding what was parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

T = TypeVar("T")

# Largest value a bigint column holds; larger ids in a cursor are refused, not sent to the driver.
MAX_BIGINT = 2**63 - 1
# Longest cursor any ordering here makes (a moment and an id: 27 + 1 + 19): a bound for the
# query-string fields that carry one.
CURSOR_MAX_LENGTH = 64

_MOMENT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_INT_RE = re.compile(r"^(0|[1-9][0-9]{0,18})$")
_SEPARATOR = ","


def invalid_cursor_message() -> str:
    return _("This page link is not valid.")


def _invalid() -> ValidationError:
    return ValidationError({"before": [invalid_cursor_message()]}, code="invalid_cursor")


# --- The cursor codec, one per kind of ordering field -------------------------------------------


class _Codec:
    def encode(self, value: Any) -> str:
        raise NotImplementedError

    def decode(self, text: str) -> Any:
        """The value of ``text``; raises ``ValueError`` when malformed."""
        raise NotImplementedError


class _IntCodec(_Codec):
    def encode(self, value: int) -> str:
        return str(int(value))

    def decode(self, text: str) -> int:
        if not _INT_RE.match(text):
            raise ValueError("not a decimal integer")
        value = int(text)
        if value > MAX_BIGINT:
            raise ValueError("beyond a bigint")
        return value


class _DateCodec(_Codec):
    def encode(self, value: dt.date) -> str:
        return value.isoformat()

    def decode(self, text: str) -> dt.date:
        return dt.date.fromisoformat(text)


class _MomentCodec(_Codec):
    def encode(self, value: dt.datetime) -> str:
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        # Not strftime: it writes the year 1 as "1", which strptime would not read back.
        return f"{value.year:04d}-{value.strftime('%m-%dT%H:%M:%S.%f')}Z"

    def decode(self, text: str) -> dt.datetime:
        return dt.datetime.strptime(text, _MOMENT_FORMAT).replace(tzinfo=dt.UTC)


def _codec_for(field: models.Field) -> _Codec:
    # DateTimeField is a DateField: test it first.
    if isinstance(field, models.DateTimeField):
        return _MomentCodec()
    if isinstance(field, models.DateField):
        return _DateCodec()
    if isinstance(field, models.IntegerField | models.AutoField):
        return _IntCodec()
    raise ImproperlyConfigured(f"keyset ordering on {field!r} is not supported")


# --- Keyset pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    """One page of a keyset-paginated list: its rows and the cursor of the next page (``None``
    on the last)."""

    items: list[T]
    next: str | None


@dataclass(frozen=True)
class Keyset:
    """An ordering of ``model`` fit for keyset pages: non-null fields, each ascending or
    descending (``-``), the last unique (the id). It encodes a row's position as a cursor,
    reads a cursor back, and turns it into the condition "after that row"."""

    model: type[models.Model]
    order: tuple[str, ...]
    # Nullable fields of ``order`` the caller's queryset has filtered to non-null values.
    non_null: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.order or self.order[-1].lstrip("-") not in ("id", "pk"):
            raise ImproperlyConfigured("a keyset ordering must end with the id")
        _ = self.codecs  # fail on a field that cannot be ordered on

    @cached_property
    def fields(self) -> tuple[models.Field, ...]:
        out = []
        for item in self.order:
            name = item.lstrip("-")
            try:
                field = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(f"{self.model.__name__} has no field {name!r}") from None
            if field.null and name not in self.non_null:
                raise ImproperlyConfigured(f"keyset ordering on nullable {name!r}")
            out.append(field)
        return tuple(out)

    @cached_property
    def codecs(self) -> tuple[_Codec, ...]:
        return tuple(_codec_for(f) for f in self.fields)

    def encode(self, values: Sequence) -> str:
        """The cursor of a position given by its ordering values."""
        return _SEPARATOR.join(c.encode(v) for c, v in zip(self.codecs, values, strict=True))

    def cursor(self, row: models.Model) -> str:
        """The cursor that continues after ``row``."""
        return self.encode([getattr(row, f.attname) for f in self.fields])

    def parse(self, text: str) -> tuple:
        """The ordering values of a cursor made by :meth:`cursor`; a ``ValidationError`` on
        ``before`` for anything else."""
        if not isinstance(text, str) or len(text) > CURSOR_MAX_LENGTH:
            raise _invalid()
        parts = text.split(_SEPARATOR)
        if len(parts) != len(self.codecs):
            raise _invalid()
        try:
            values = tuple(c.decode(p) for c, p in zip(self.codecs, parts, strict=True))
        except (ValueError, OverflowError):
            raise _invalid() from None
        # One spelling per value: what was read must write back to the same text.
        if self.encode(values) != text:
            raise _invalid()
        return values

    def after(self, values: Sequence) -> Q:
        """The rows that come after the row with ``values`` in this ordering: for
        ``(-a, -id)``, ``a < x OR (a = x AND id < y)``."""
        parts = []
        for i, item in enumerate(self.order):
            equal = {f.name: v for f, v in zip(self.fields[:i], values[:i], strict=True)}
            lookup = "lt" if item.startswith("-") else "gt"
            parts.append(Q(**equal, **{f"{self.fields[i].name}__{lookup}": values[i]}))
        cond = parts[0]
        for part in parts[1:]:
            cond |= part
        return cond

    def page(self, qs: QuerySet, *, limit: int, before: str | None = None) -> KeysetPage:
        """One page of ``qs`` in this ordering after the cursor ``before``: one query."""
        if qs.model is not self.model and not issubclass(qs.model, self.model):
            raise ImproperlyConfigured(f"a {self.model.__name__} keyset on {qs.model.__name__}")
        if before:
            qs = qs.filter(self.after(self.parse(before)))
        rows = list(qs.order_by(*self.order)[: limit + 1])
        if len(rows) <= limit:
            return KeysetPage(rows, None)
        rows = rows[:limit]
        return KeysetPage(rows, self.cursor(rows[-1]))


def keyset_page(
    qs: QuerySet,
    *,
    order: Sequence[str],
    limit: int,
    before: str | None = None,
    non_null: Sequence[str] = (),
) -> KeysetPage:
    """``limit`` rows of ``qs`` in ``order`` after the cursor ``before`` (``None``: the first
    page) and the cursor of the next page: one query. ``order`` ends with the id, e.g.
    ``("-occurred_on", "-id")``; a nullable field may be in it when ``qs`` excludes its NULLs
    and says so in ``non_null``. A malformed ``before`` raises ``ValidationError`` on
    ``before``."""
    keyset = Keyset(qs.model, tuple(order), tuple(non_null))
    return keyset.page(qs, limit=limit, before=before)


# --- Counted offset pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetPage(Generic[T]):
    """One counted page: the total after filtering, where the page starts and its rows."""

    count: int
    limit: int
    offset: int
    items: list[T]

    def as_dict(self, items: list | None = None) -> dict:
        """The API's page body, with ``items`` presented (default: the rows as they are)."""
        return {
            "count": self.count,
            "limit": self.limit,
            "offset": self.offset,
            "items": self.items if items is None else items,
        }


def offset_page(qs: QuerySet, *, limit: int, offset: int = 0) -> OffsetPage:
    """``limit`` rows of ``qs`` from ``offset`` and the total: two queries (one when the offset
    is past the end). ``qs`` must be ordered."""
    count = qs.count()
    rows = list(qs[offset : offset + limit]) if offset < count else []
    return OffsetPage(count=count, limit=limit, offset=offset, items=rows)


class _CountedPaginator(Paginator):
    """Django's paginator, told the total when the caller has already counted."""

    def __init__(self, object_list, per_page, *, count: int | None = None):
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached property


def numbered_page(
    qs: QuerySet, *, per_page: int, number: str | int | None, count: int | None = None
) -> Page:
    """Page ``number`` of ``qs`` for an HTML list (``?page=``), as Django's ``Page``: a number
    that is not one gives the first page, one past the end the last. Two queries, or one when
    the caller passes the ``count`` it already has. ``qs`` must be ordered."""
    return _CountedPaginator(qs, per_page, count=count).get_page(number)
