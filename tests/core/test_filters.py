"""core.filters: each list's page form and API query schema come from one declaration, so they
take the same names, with the same bounds, and refuse the same values on the same field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticError

from cunjing.core.api import pydantic_field_errors
from cunjing.core.filters import FilterSet, TextFilter
from cunjing.fieldwork.filters import RecordFilters, ReportFilters
from cunjing.fieldwork.forms import RecordFilterForm, ReportFilterForm
from cunjing.fieldwork.schemas import RecordFilter, ReportFilter
from cunjing.org.filters import AreaFilters
from cunjing.org.forms import AreaFilterForm
from cunjing.org.schemas import AreaFilter
from cunjing.registry.filters import SearchFilters
from cunjing.registry.forms import SearchForm
from cunjing.registry.schemas import ResidentFilter

LISTS = [
    (RecordFilters, RecordFilterForm, RecordFilter),
    (ReportFilters, ReportFilterForm, ReportFilter),
    (AreaFilters, AreaFilterForm, AreaFilter),
    (SearchFilters, SearchForm, ResidentFilter),
]


@pytest.mark.parametrize(("declared", "form", "schema"), LISTS)
def test_the_page_and_the_api_take_the_declared_names_and_bounds(declared, form, schema):
    fields = form().fields
    for name, spec in declared.declared.items():
        assert name in schema.model_fields
        if not spec.api_only:
            assert name in fields
        if isinstance(spec, TextFilter):
            assert fields[name].max_length == spec.max_length
            metadata = schema.model_fields[name].metadata
            bound = [m.max_length for m in metadata if hasattr(m, "max_length")]
            assert bound == [spec.max_length]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("declared", "form", "schema", "params"),
    [
        (RecordFilters, RecordFilterForm, RecordFilter, {"date_from": "2014-13-01"}),
        (ReportFilters, ReportFilterForm, ReportFilter, {"kind": "poem"}),
        (AreaFilters, AreaFilterForm, AreaFilter, {"q": "x" * 51}),
        (AreaFilters, AreaFilterForm, AreaFilter, {"parent": "-3"}),
        (SearchFilters, SearchForm, ResidentFilter, {"q": "张" * 51}),
    ],
)
def test_a_bad_value_is_an_error_on_the_same_field_on_both(declared, form, schema, params):
    bound = form(params)
    assert not bound.is_valid()
    with pytest.raises(PydanticError) as caught:
        schema.model_validate(params)
    assert set(bound.errors) == set(params)
    as_query = [{**e, "loc": ("query", *e["loc"])} for e in caught.value.errors()]
    assert set(pydantic_field_errors(as_query)) == set(params)


def test_a_selector_gets_only_the_filters_given():
    class Echo(FilterSet):
        q = TextFilter(max_length=5)

        @staticmethod
        def select(user, **values):
            return values

    schema = Echo.schema("EchoFilter")
    assert Echo.queryset(None, schema(q="")) == {}
    assert Echo.queryset(None, schema(q="ab")) == {"q": "ab"}
    page = Echo.form()({"q": "ab", "before": "x"})
    assert page.is_valid()
    assert Echo.queryset(None, page) == {"q": "ab"}
