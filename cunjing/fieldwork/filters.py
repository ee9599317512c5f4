"""The filters of the field-work lists, declared once for the pages and the API
(``core.filters``): records of every kind and work logs share :class:`RecordFilters`, weekly
analyses and monthly summaries have :class:`ReportFilters`.

Every list is keyset-paginated (``before``; ``core.pagination``) in :func:`selectors.order_of`.
The unit filter (and a report's dates) are not on the pages yet: ``api_only``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunjing.core.filters import ChoiceFilter, CursorFilter, DateFilter, FilterSet, IdFilter
from cunjing.fieldwork import selectors
from cunjing.fieldwork.models import ReportKind
from cunjing.org.models import BEAT_AREA_KINDS, Area

# Long enough for any cursor of a date ordering ("2014-10-20,<id>").
CURSOR_MAX = 40


def beat_areas(user):
    """The villages and communities ``user`` sees: the page's choice of area."""
    return Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS).order_by("path")


class RecordFilters(FilterSet):
    """Field records of one kind (``model=``), and work logs (which refuse ``area``)."""

    area = IdFilter(
        label=_("village or community"), description="Only this area.", choices=beat_areas
    )
    unit = IdFilter(
        description="Only records counted for this unit or a unit below it.", api_only=True
    )
    date_from = DateFilter(label=_("from"), description="From this date (inclusive).")
    date_to = DateFilter(label=_("to"), description="Until this date (inclusive).")
    before = CursorFilter(max_length=CURSOR_MAX)

    @staticmethod
    def select(user, *, model, **values):
        return selectors.record_list(user, model, **values)


class ReportFilters(FilterSet):
    kind = ChoiceFilter(ReportKind, label=_("kind"), empty_label=_("All"))
    unit = IdFilter(
        description="Only reports of officers of this unit or a unit below it.", api_only=True
    )
    date_from = DateFilter(description="Periods starting from this date.", api_only=True)
    date_to = DateFilter(description="Periods starting until this date.", api_only=True)
    before = CursorFilter(max_length=CURSOR_MAX)

    @staticmethod
    def select(user, **values):
        return selectors.report_list(user, **values)
