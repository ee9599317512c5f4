"""One declaration of a list's filters, for its page and its API (NetBox's ``FilterSet``, small).

A list declares its filters once, in its app's ``filters.py``::

    class AreaFilters(FilterSet):
        kind = ChoiceFilter(AreaKind, label=_("kind"), empty_label=_("All kinds"))
        parent = IdFilter(label=_("parent area"), description="Only the direct children.")
        q = TextFilter(max_length=50, label=_("search"))

        @staticmethod
        def select(user, **values):
            return selectors.area_list(user, **values)

and from that one declaration come

- the API's query schema: ``AreaFilters.schema("AreaFilter", base=PageIn)`` — typed and bounded
  like every query string here (pydantic: a bad value is a 422 on its field, in the user's
  language, through ``core.api``'s handler);
- the page's GET form: ``AreaFilters.form()`` — the same names, bounds and labels as Django form
  fields (a bad value is a 422 with the error on the form's field);
- the queryset: ``AreaFilters.queryset(user, form_or_schema)`` hands the cleaned values (ids for
  the rows a page's select returns) to the app's selector, which applies them through the
  caller's scope.

A filter marked ``api_only`` is not on the page (its page has no widget for it yet); the
pagination fields (``before``, ``limit``, ``offset``, ``page``) are not filters and never reach
the selector.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, ClassVar

from django import forms
from django.db import models
from ninja import Field, Schema
from pydantic import create_model

from cunjing.core.api import MAX_ID, EmptyAsNone, Id, QueryDate, Text
from cunjing.core.forms import DATE_WIDGET, NameChoiceField, TablerForm
from cunjing.core.pagination import CURSOR_MAX_LENGTH


class Filter:
    """One filter of a list: its type and bounds, its label on the page, its description in
    the API document."""

    name: str = ""
    paging = False  # True for the cursor: read by the paginator, not by the selector

    def __init__(self, *, label=None, description: str | None = None, help_text="", api_only=False):
        self.label = label
        self.description = description
        self.help_text = help_text
        self.api_only = api_only

    def api(self) -> tuple[Any, Any]:
        """``(annotation, Field(...))`` of the query-string parameter."""
        raise NotImplementedError

    def form_field(self, user) -> forms.Field:
        raise NotImplementedError

    def value(self, cleaned: Any) -> Any:
        """What the selector takes from the cleaned value (``None``: no filter)."""
        return None if cleaned in ("", None) else cleaned


class IdFilter(Filter):
    """A row, by id. On the page, ``choices(user)`` (rows through the user's scope) makes it a
    select; without it, a number. The selector gets the id and matches it through the scope."""

    def __init__(self, *, choices: Callable[[Any], models.QuerySet] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def api(self):
        return Annotated[Id | None, EmptyAsNone], Field(None, description=self.description)

    def form_field(self, user):
        if self.choices is not None:
            return NameChoiceField(label=self.label, queryset=self.choices(user), required=False)
        return forms.IntegerField(label=self.label, required=False, min_value=1, max_value=MAX_ID)

    def value(self, cleaned):
        if isinstance(cleaned, models.Model):
            return cleaned.pk
        return super().value(cleaned)


class DateFilter(Filter):
    def api(self):
        return Annotated[QueryDate | None, EmptyAsNone], Field(None, description=self.description)

    def form_field(self, user):
        return forms.DateField(label=self.label, required=False, widget=DATE_WIDGET)


class ChoiceFilter(Filter):
    """One of ``choices`` (a ``TextChoices``); the page's select starts with ``empty_label``.
    With a ``default``, the filter always applies: a missing value means the default, the page's
    select has no empty entry and the API refuses an empty value."""

    def __init__(self, choices: type[Enum], *, empty_label="", default=None, **kwargs):
        super().__init__(**kwargs)
        self.enum = choices
        self.empty_label = empty_label
        self.default = default

    def api(self):
        if self.default is not None:
            return self.enum, Field(self.default, description=self.description)
        return Annotated[self.enum | None, EmptyAsNone], Field(None, description=self.description)

    def form_field(self, user):
        choices = list(self.enum.choices)
        if self.default is None:
            choices.insert(0, ("", self.empty_label))
        return forms.ChoiceField(
            label=self.label, required=False, choices=choices, initial=self.default
        )

    def value(self, cleaned):
        value = super().value(cleaned)
        if value is None:
            return self.default
        return value.value if isinstance(value, Enum) else value


class TextFilter(Filter):
    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def api(self):
        return Annotated[Text | None, EmptyAsNone], Field(
            None, max_length=self.max_length, description=self.description
        )

    def form_field(self, user):
        return forms.CharField(
            label=self.label,
            required=False,
            max_length=self.max_length,
            help_text=self.help_text,
        )


class BoolFilter(Filter):
    """Yes or no; ``default=None`` makes "either" the third answer."""

    def __init__(self, *, default: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        self.default = default

    def api(self):
        kind = bool if self.default is not None else bool | None
        return Annotated[kind, EmptyAsNone], Field(self.default, description=self.description)

    def form_field(self, user):
        if self.default is None:
            return forms.NullBooleanField(label=self.label, required=False)
        return forms.BooleanField(label=self.label, required=False)

    def value(self, cleaned):
        if cleaned is None:
            return None if self.default is None else self.default
        return cleaned


class CursorFilter(Filter):
    """``before``: the ``next`` cursor of the previous page (``core.pagination``), checked by
    the paginator — a malformed one is a 422 on ``before``. A list ordered by id alone may
    declare ``integer=True``: its cursor is the last id shown, a number in the API."""

    paging = True

    def __init__(self, *, max_length: int = CURSOR_MAX_LENGTH, integer: bool = False, **kwargs):
        kwargs.setdefault("description", "The `next` cursor of the previous page.")
        super().__init__(**kwargs)
        self.max_length = max_length
        self.integer = integer

    def api(self):
        if self.integer:
            return Annotated[Id | None, EmptyAsNone], Field(None, description=self.description)
        return Annotated[Text | None, EmptyAsNone], Field(
            None, max_length=self.max_length, description=self.description
        )

    def form_field(self, user):
        if self.integer:
            return forms.IntegerField(
                required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
            )
        return forms.CharField(required=False, max_length=self.max_length, widget=forms.HiddenInput)


class FilterForm(TablerForm):
    """A page's GET form made by :meth:`FilterSet.form`."""

    filter_set: ClassVar[type[FilterSet]]

    exclude: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, spec in self.filter_set.page_filters().items():
            if name not in self.exclude:
                self.fields[name] = spec.form_field(user)

    def filters(self) -> dict:
        """The selector's keyword arguments (the filters given, none of the paging)."""
        return self.filter_set.values(self.cleaned_data)

    def cursor(self) -> str | None:
        return self.cleaned_data.get("before") or None


class FilterSet:
    """The filters of one list; subclasses declare :class:`Filter` attributes and ``select``."""

    declared: ClassVar[dict[str, Filter]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declared = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Filter):
                    value.name = name
                    declared[name] = value
        cls.declared = declared

    @staticmethod
    def select(user, **values) -> models.QuerySet:
        raise NotImplementedError

    @classmethod
    def page_filters(cls) -> dict[str, Filter]:
        return {n: f for n, f in cls.declared.items() if not f.api_only}

    @classmethod
    def values(cls, data: dict) -> dict:
        """The selector's keyword arguments from cleaned ``data`` (form or schema): the filters
        given, the paging left out."""
        out = {}
        for name, spec in cls.declared.items():
            if spec.paging or name not in data:
                continue
            value = spec.value(data[name])
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def queryset(cls, user, source, **context) -> models.QuerySet:
        """The list filtered by ``source`` — a bound, valid page form (of this list's filters or
        of a filter set whose filters this list shares) or an instance of :meth:`schema`."""
        if isinstance(source, FilterForm):
            # Only the form's own filters: a page field of the same name (a tab) is not one.
            names = set(source.filter_set.page_filters()) - set(source.exclude)
            data = {k: v for k, v in source.cleaned_data.items() if k in names}
        else:
            data = dict(source)
        return cls.select(user, **context, **cls.values(data))

    @classmethod
    def schema(cls, name: str, *, base: type[Schema] = Schema, **extra) -> type[Schema]:
        """The API's query schema: every declared filter, then ``extra`` fields given as
        ``name=(annotation, Field(...))`` (``limit``), on ``base`` (``core.api.PageIn``)."""
        fields = {n: f.api() for n, f in cls.declared.items()}
        return create_model(name, __base__=base, **fields, **extra)

    @classmethod
    def form(cls, name: str | None = None, *, exclude: tuple[str, ...] = ()) -> type[FilterForm]:
        """The page's GET form: the filters not ``api_only``, less ``exclude``. Built with
        ``user=`` (the choices of an :class:`IdFilter` come through the user's scope)."""
        attrs = {"filter_set": cls, "exclude": tuple(exclude), "__module__": cls.__module__}
        return type(name or f"{cls.__name__}Form", (FilterForm,), attrs)
