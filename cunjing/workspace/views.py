"""The beat officer's phone workspace (``/m/``): the Today page, a quick-add form per record
kind, and what makes them work offline — the web app manifest and the service worker.

The forms are not posted to these views: the page's script puts each submission in an outbox on
the phone (IndexedDB) with a UUID it generated, and sends it as JSON to ``POST
/api/fieldwork/<kind>`` (``Idempotency-Key``); the API stores it exactly once however often it
is sent. The service worker keeps the pages and static files so the forms open without a
network.

Who may open the pages: those who record field work (beat officers, aides, office and station
leaders); the forms of kinds the user may not record answer 403. The manifest and the service
worker script are public: browsers fetch the manifest without cookies, and neither holds
anything about a user (the user's pages are cached by the worker only when a signed-in page
asks it to).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import Context, Template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cunjing.fieldwork import selectors as fieldwork_selectors
from cunjing.fieldwork import services as fieldwork_services
from cunjing.fieldwork import views as fieldwork_views
from cunjing.fieldwork.models import FollowUp, HouseholdVisit
from cunjing.workspace import selectors
from cunjing.workspace.kinds import KINDS, Kind, kinds_for

THEME_COLOUR = "#206bc4"
# Static files the pages need offline; the service worker caches them when it installs.
STATIC_FILES = [
    "vendor/tabler/css/tabler.min.css",
    "vendor/tabler/js/tabler.min.js",
    "cunjing/cunjing.css",
    "workspace/workspace.css",
    "workspace/outbox.js",
    "workspace/app.js",
    "workspace/icons/icon-192.png",
    "workspace/icons/icon-512.png",
]
_TEMPLATES = Path(__file__).parent / "templates" / "workspace"


@lru_cache(maxsize=1)
def cache_version() -> str:
    """A digest of the static files and the page templates: a new release gets a new service
    worker, which drops the caches of the old one."""
    digest = hashlib.sha256()
    for name in STATIC_FILES:
        found = finders.find(name)
        digest.update(name.encode())
        if found:
            digest.update(Path(found).read_bytes())
    for path in sorted(_TEMPLATES.glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def _htmx_urls() -> list[str]:
    """The script ``{% htmx_script %}`` puts on every page (its file name follows the installed
    django-htmx)."""
    html = Template("{% load django_htmx %}{% htmx_script %}").render(Context())
    return re.findall(r'src="([^"]+)"', html)


def offline_urls() -> list[str]:
    """What the service worker keeps when it installs: static files and the manifest."""
    return [
        *(static(name) for name in STATIC_FILES),
        *_htmx_urls(),
        reverse("workspace:manifest"),
    ]


def _strings() -> dict[str, str]:
    """The messages the page's script shows, in the user's language."""
    return {
        "queued": _("Waiting to send"),
        "sending": _("Sending"),
        "rejected": _("Needs correction"),
        "blocked": _("Sign in again to send"),
        "saved": _("Recorded."),
        "saved_queued": _("Kept on this phone; it will be sent when the network returns."),
        "fix_fields": _("Correct the fields marked below."),
        "required": _("This field is required."),
        "whole_number": _("Enter a whole number."),
        "at_least": _("Ensure this value is greater than or equal to %(limit_value)s."),
        "at_most": _("Ensure this value is less than or equal to %(limit_value)s."),
        "bad_date": _("Enter a valid date."),
        "future_date": _("The date cannot be in the future."),
        "bad_phone": _(
            "Enter a mobile number such as 13903750001 or a landline such as 0375-1234567."
        ),
        "bad_id": _("Enter a valid resident ID number."),
        "empty_queue": _("Nothing is waiting to be sent."),
        "offline": _("You are offline: new records are kept on this phone and sent later."),
        "edit": _("Edit"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this record? It has not been stored."),
    }


def _workspace_user(request: HttpRequest) -> list[Kind]:
    kinds = kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(_("This workspace is for those who record field work."))
    return kinds


def _config(request: HttpRequest, kinds: list[Kind]) -> dict:
    pages = [reverse("workspace:today")]
    pages += [reverse("workspace:add", args=[kind.path]) for kind in kinds]
    return {
        "user": request.user.pk,
        "scope": reverse("workspace:today"),
        "sw": reverse("workspace:sw"),
        "api": "/api/fieldwork/",
        "pages": pages,
        "labels": {kind.path: str(kind.label) for kind in KINDS.values()},
        "strings": _strings(),
    }


@login_required
@require_safe
def today(request: HttpRequest) -> HttpResponse:
    kinds = _workspace_user(request)
    areas = list(selectors.my_areas(request.user)[: selectors.AREAS_SHOWN + 1])
    follow_ups = selectors.follow_ups(request.user)
    context = {
        "kinds": kinds,
        "areas": areas[: selectors.AREAS_SHOWN],
        "more_areas": len(areas) > selectors.AREAS_SHOWN,
        "rows": selectors.recorded_today(request.user, kinds),
        "follow_ups": follow_ups,
        "today": timezone.localdate(),
        "config": _config(request, kinds),
    }
    return render(request, "workspace/today.html", context)


@login_required
@require_safe
def add(request: HttpRequest, kind: str) -> HttpResponse:
    found = KINDS.get(kind)
    if found is None:
        raise Http404(kind)
    kinds = _workspace_user(request)
    if found not in kinds:
        raise PermissionDenied(_("You do not have permission to do this."))
    areas = [] if found.is_worklog else list(selectors.my_areas(request.user))
    # The work log is one text a day: the page shows what is written so far; the form adds an
    # entry after it (an explicit edit of the whole text is on the desktop page).
    log = selectors.todays_log(request.user) if found.is_worklog else None
    fields = found.form_fields()
    dwellings = []
    if any(f.widget == "dwelling" for f in fields):
        dwellings = selectors.my_dwellings(request.user)
        if dwellings is None:  # too many to offer (a leader's): the field is left out
            fields = [f for f in fields if f.widget != "dwelling"]
    context = {
        "kind": found,
        "fields": fields,
        "dwellings": dwellings,
        "areas": areas,
        "log_text": log.text if log else "",
        "today": timezone.localdate(),
        "config": _config(request, kinds),
    }
    return render(request, "workspace/add.html", context)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, at the top of the scope it controls (``/m/``)."""
    body = render_to_string(
        "workspace/sw.js",
        {
            "version": cache_version(),
            "static_urls": json.dumps(offline_urls()),
            "scope": reverse("workspace:today"),
            "static_prefix": settings.STATIC_URL,
            "manifest": reverse("workspace:manifest"),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("workspace:today")
    # The browser checks for a new worker on every navigation; never serve it from a cache.
    response["Cache-Control"] = "no-cache, max-age=0"
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: what the phone needs to install the workspace on its home
    screen."""
    scope = reverse("workspace:today")
    data = {
        "name": _("Cunjing"),
        "short_name": _("Cunjing"),
        "description": _("Record the day's field work, with or without a network."),
        "lang": get_language(),
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": static(f"workspace/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in (192, 512)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache, max-age=0"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up on the phone: what it came from; done with the return visit, or no longer
    needed with the reason (the forms and the rules of the desktop page)."""
    kinds = _workspace_user(request)
    try:
        found = fieldwork_selectors.follow_up_get(request.user, pk)
    except FollowUp.DoesNotExist:
        raise Http404 from None
    status, forms = 200, fieldwork_views.follow_up_forms()
    if request.method == "POST":
        forms, saved = fieldwork_views.follow_up_action(
            request, found, request.POST.get("action", "")
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("workspace:today")
        status = 422
    context = {
        "follow_up": found,
        "forms": forms,
        "may_close": fieldwork_services.can_record(request.user, HouseholdVisit),
        "config": _config(request, kinds),
    }
    return render(request, "workspace/follow_up.html", context, status=status)
