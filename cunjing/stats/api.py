"""The results table (统计) over the API: any visible unit, any date range, from the roll-ups."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from cunjing.core.api import ERRORS_READ, require
from cunjing.core.roles import Capability
from cunjing.org.models import Unit
from cunjing.stats import selectors
from cunjing.stats.schemas import TotalsFilter, TotalsOut

router = Router(tags=["stats"])

MAX_RANGE_DAYS = 366 * 20


@router.get(
    "/totals",
    response={200: TotalsOut, **ERRORS_READ},
    summary="Totals of the results table for a unit's subtree and a date range",
    by_alias=True,
)
def totals(request: HttpRequest, filters: Query[TotalsFilter]):
    user = require(request, Capability.VIEW_ORG)
    if filters.date_to < filters.date_from:
        raise ValidationError({"to": [_("The end date cannot be before the start date.")]})
    if (filters.date_to - filters.date_from).days > MAX_RANGE_DAYS:
        raise ValidationError({"to": [_("The date range cannot exceed 20 years.")]})
    unit_id = filters.unit or user.unit_id
    unit = Unit.objects.visible_to(user).get(pk=unit_id)
    figures = selectors.totals(
        user, unit=unit, date_from=filters.date_from, date_to=filters.date_to
    )
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        **figures,
    }
