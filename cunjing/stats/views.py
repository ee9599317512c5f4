"""The results table page (统计): the figures of any visible unit over any date range, read
from the roll-up counters (one query, whatever the number of records)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cunjing.core.roles import Capability, has_capability
from cunjing.stats import selectors
from cunjing.stats.forms import TotalsForm
from cunjing.stats.models import Figure

UNPROCESSABLE = 422


@login_required
@require_safe
def results(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, Capability.VIEW_ORG):
        raise PermissionDenied(_("You do not have permission to do this."))
    today = timezone.localdate()
    form = TotalsForm(request.GET or None, user=user)
    status, rows, unit = 200, [], None
    date_from, date_to = today.replace(day=1), today
    if form.is_bound and not form.is_valid():
        status = UNPROCESSABLE
    else:
        data = form.cleaned_data if form.is_bound else {}
        unit = data.get("unit") or form.fields["unit"].queryset.first()
        date_from = data.get("date_from") or date_from
        date_to = data.get("date_to") or max(date_from, today)
        if unit is not None:
            totals = selectors.totals(user, unit=unit, date_from=date_from, date_to=date_to)
            rows = [(Figure(name).label, totals[name]) for name in Figure.values]
    if not form.is_bound:
        form = TotalsForm(
            initial={"unit": unit, "date_from": date_from, "date_to": date_to}, user=user
        )
    context = {
        "form": form,
        "rows": rows,
        "unit": unit,
        "date_from": date_from,
        "date_to": date_to,
    }
    return render(request, "stats/results.html", context, status=status)
