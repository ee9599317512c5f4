"""The home page of each role and the audit trail page.

Home: one panel per role, its figures from ``dashboard.selectors`` (a few grouped queries).
Audit: the audit admin's read-only view of the bureau's trail, keyset-paged (newest first).
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cunjing.core.masking import national_phone
from cunjing.core.pagination import keyset_page
from cunjing.core.personal import for_display
from cunjing.core.roles import Capability, Role, has_capability
from cunjing.core.selectors import AUDIT_ORDER, audit_events
from cunjing.dashboard import selectors
from cunjing.dashboard.forms import AuditFilterForm

UNPROCESSABLE = 422
AUDIT_PAGE_SIZE = 50
LATEST_EVENTS = 10

# Which panel of the home page each role sees.
PANELS: dict[str, str] = {
    Role.BEAT_OFFICER: "areas",
    Role.AIDE: "areas",
    Role.OFFICE_LEADER: "unit",
    Role.STATION_LEADER: "unit",
    Role.COMMANDER: "bureau",
    Role.INSPECTOR: "bureau",
    Role.SYSADMIN: "maintenance",
    Role.SECADMIN: "accounts",
    Role.AUDITOR: "audit",
}


def _panel_context(user, panel: str) -> dict:
    if panel == "areas":
        cards = selectors.contact_cards(user)
        for card in cards:
            card.officer_phone = national_phone(card.officer.phone) if card.officer else ""
        todo = selectors.todo(user) if user.role == Role.BEAT_OFFICER else None
        return {"cards": cards, "todo": todo}
    if panel in ("unit", "bureau"):
        return {"summary": selectors.org_summary(user), "todo": selectors.todo(user)}
    if panel == "accounts":
        return {"accounts": selectors.accounts_summary(user)}
    if panel == "audit":
        return {"events": [for_display(e) for e in audit_events(user)[:LATEST_EVENTS]]}
    return {}


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    panel = PANELS.get(request.user.role, "none")
    context = {"panel": panel, **_panel_context(request.user, panel)}
    return render(request, "dashboard/home.html", context)


def _pretty(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@login_required
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    """The bureau's audit trail, newest first, 50 a page; read only."""
    if not has_capability(request.user, Capability.VIEW_AUDIT):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "events": [], "next_query": None, "paged": False}
        return render(request, "dashboard/audit.html", context, status=UNPROCESSABLE)
    page = keyset_page(
        audit_events(request.user, **form.filters()),
        order=AUDIT_ORDER,
        limit=AUDIT_PAGE_SIZE,
        before=form.cleaned_data["before"],
    )
    events, next_query = page.items, None
    if page.next is not None:
        query = request.GET.copy()
        query["before"] = page.next
        next_query = query.urlencode()
    roles = dict(Role.choices)
    for event in events:
        for_display(event)
        event.role_label = roles.get(event.role, event.role)
        event.before_json = _pretty(event.before)
        event.after_json = _pretty(event.after)
    first_query = request.GET.copy()
    first_query.pop("before", None)
    context = {
        "form": form,
        "events": events,
        "next_query": next_query,
        "first_query": first_query.urlencode(),
        "paged": bool(form.cleaned_data.get("before")),
    }
    return render(request, "dashboard/audit.html", context)
