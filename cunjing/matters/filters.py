"""The filters of the matters list, declared once for the queue page and ``GET /api/matters``
(``core.filters``). The list is keyset-paginated (``selectors.matter_page``) newest first or,
open matters only, by deadline. Area, unit and dates are not on the page yet: ``api_only``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunjing.core.filters import ChoiceFilter, CursorFilter, DateFilter, FilterSet, IdFilter
from cunjing.matters import selectors
from cunjing.matters.models import MatterKind, State
from cunjing.matters.selectors import Queue, Sort


class MatterFilters(FilterSet):
    queue = ChoiceFilter(
        Queue,
        label=_("list"),
        default=Queue.ALL,
        description="mine: at your unit awaiting action; overdue; awaiting_reply; all.",
    )
    kind = ChoiceFilter(MatterKind, label=_("kind"), empty_label="—")
    state = ChoiceFilter(State, label=_("state"), empty_label="—")
    area = IdFilter(description="Only this area.", api_only=True)
    unit = IdFilter(description="Handled by this unit or a unit below it.", api_only=True)
    date_from = DateFilter(description="Created from this date (inclusive).", api_only=True)
    date_to = DateFilter(description="Created until this date (inclusive).", api_only=True)
    sort = ChoiceFilter(
        Sort,
        label=_("order"),
        default=Sort.NEWEST,
        description="newest: newest first; deadline: the open ones, the most urgent first.",
    )
    before = CursorFilter()

    @staticmethod
    def select(user, **values):
        return selectors.matter_list(user, **values)
