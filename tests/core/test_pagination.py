"""core.pagination: the keyset cursor is validated (any text is a page or a 422 on ``before``,
never a 500), round-trips, and walks a list once; the counted pages count once."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.core.pagination import (
    MAX_BIGINT,
    Keyset,
    keyset_page,
    numbered_page,
    offset_page,
)
from cunjing.core.selectors import AUDIT_ORDER
from cunjing.fieldwork.models import HouseholdVisit, WorkLog
from cunjing.fieldwork.selectors import RECORD_ORDER, WORKLOG_ORDER
from cunjing.org.models import Area
from tests.api import api_as
from tests.fieldwork.test_lists import visit

VISITS = Keyset(HouseholdVisit, RECORD_ORDER)
AUDIT = Keyset(AuditEvent, AUDIT_ORDER)
LOGS = Keyset(WorkLog, WORKLOG_ORDER)

ids = st.integers(min_value=0, max_value=MAX_BIGINT)
moments = st.datetimes(
    min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)
).map(lambda moment: moment.replace(tzinfo=dt.UTC))
# Text near the real shape as well as anything at all.
near = st.lists(
    st.one_of(
        st.dates().map(dt.date.isoformat),
        ids.map(str),
        st.text(alphabet="0123456789-.,:TZX +", max_size=12),
        st.text(max_size=8),
    ),
    min_size=1,
    max_size=3,
).map(",".join)
any_text = st.one_of(st.text(max_size=80), near)


def _is_before_error(exc: ValidationError) -> bool:
    return set(exc.message_dict) == {"before"}


@given(text=any_text)
@example(text="")
@example(text="2014-10-20.42")  # the old fieldwork spelling
@example(text="2014-10-20,042")  # a second spelling of an id
@example(text="2014-10-20,9223372036854775808")  # one past a bigint
@example(text="20141020,1")  # ISO basic format: another spelling of the day
@example(text="2014-W43-1,1")
@example(text="2014-10-20,1,")
def test_any_text_is_a_cursor_or_a_field_error_on_before(text):
    for keyset in (VISITS, AUDIT):
        try:
            values = keyset.parse(text)
        except ValidationError as exc:
            assert _is_before_error(exc)
        else:
            # Accepted only in the one spelling the server writes.
            assert keyset.encode(values) == text


@given(day=st.dates(), pk=ids)
def test_a_date_cursor_round_trips(day, pk):
    row = HouseholdVisit(id=pk, occurred_on=day)
    assert VISITS.parse(VISITS.cursor(row)) == (day, pk)


@given(moment=moments, pk=ids)
def test_a_moment_cursor_round_trips(moment, pk):
    row = AuditEvent(id=pk, created_at=moment)
    assert AUDIT.parse(AUDIT.cursor(row)) == (moment, pk)


def test_the_audit_cursor_keeps_its_spelling():
    row = AuditEvent(id=42, created_at=dt.datetime(2015, 3, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert AUDIT.cursor(row) == "2015-03-01T02:03:04.000005Z,42"


def test_an_ordering_must_end_with_the_id_and_name_real_columns():
    with pytest.raises(ImproperlyConfigured):
        Keyset(HouseholdVisit, ("-occurred_on",))
    with pytest.raises(ImproperlyConfigured):
        Keyset(HouseholdVisit, ("-nowhere", "-id"))
    with pytest.raises(ImproperlyConfigured):
        Keyset(HouseholdVisit, ("-household", "-id"))  # a text column has no codec here


def test_the_condition_matches_the_ordering():
    after = VISITS.after((dt.date(2014, 10, 2), 7))
    rows = HouseholdVisit.objects.filter(after).query
    sql = str(rows)
    assert "occurred_on" in sql and "id" in sql


@pytest.mark.django_db
def test_pages_walk_every_row_once_in_order(county):
    days = [dt.date(2014, 10, d) for d in (1, 2, 2, 2, 5, 9, 9)]
    for day in days:
        visit(county, "beat", "own", day)
    expected = list(HouseholdVisit.objects.order_by(*RECORD_ORDER).values_list("pk", flat=True))
    for limit in (1, 2, 3, 7, 8):
        seen, before = [], None
        while True:
            page = keyset_page(
                HouseholdVisit.objects.all(), order=RECORD_ORDER, limit=limit, before=before
            )
            seen.append([row.pk for row in page.items])
            before = page.next
            if before is None:
                break
        assert list(itertools.chain(*seen)) == expected
        assert all(len(p) == limit for p in seen[:-1])


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=any_text)
def test_no_cursor_makes_the_api_or_a_page_answer_5xx(county, client, text):
    api = api_as(county.user("commander"))
    response = api.get("/api/fieldwork/visits", {"before": text})
    assert response.status_code in (200, 422), text
    if response.status_code == 422:
        assert list(response.json()["errors"]) == ["before"]
    client.force_login(county.user("commander"))
    url = reverse("fieldwork:record_list", args=["visits"])
    assert client.get(url, {"before": text}).status_code in (200, 422), text
    assert client.get(reverse("fieldwork:worklog_list"), {"before": text}).status_code in (
        200,
        422,
    )


@pytest.mark.django_db
def test_counted_pages(county, django_assert_num_queries):
    qs = Area.objects.order_by("path", "id")
    total = qs.count()
    with django_assert_num_queries(2):
        page = offset_page(qs, limit=3, offset=1)
    assert (page.count, page.limit, page.offset) == (total, 3, 1)
    assert [a.pk for a in page.items] == list(qs.values_list("pk", flat=True)[1:4])
    with django_assert_num_queries(1):
        assert offset_page(qs, limit=3, offset=total).items == []
    with django_assert_num_queries(2):
        numbered = numbered_page(qs, per_page=3, number="2")
        shown = [a.pk for a in numbered.object_list]
    assert shown == list(qs.values_list("pk", flat=True)[3:6])
    assert numbered.number == 2 and numbered.paginator.count == total
    with django_assert_num_queries(1):  # the caller's count is used
        numbered = numbered_page(qs, per_page=3, number="nonsense", count=total)
        assert numbered.number == 1 and len(list(numbered.object_list)) == min(3, total)
    assert numbered_page(qs, per_page=3, number="999").number == numbered.paginator.num_pages
