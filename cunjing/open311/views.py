"""Open311 GeoReport v2 at ``/open311/v2/`` (plain views: the spec needs XML and its own error
format), and the bureau's page of API keys.

Every endpoint takes the format as its suffix (``.json`` or ``.xml``) and answers errors in the
spec's format, in the language the client asks for (``Accept-Language``: zh-Hans by default,
English). ``jurisdiction_id`` names the bureau by its county code; without it the one bureau
hosted here (or ``OPEN311_JURISDICTION``) answers.

    GET  discovery                     where and what this endpoint is
    GET  services                      the bureau's services (its matter categories)
    GET  services/{code}               a service's definition (no service has attributes)
    GET  requests                      with service_request_id (at most 50, comma separated):
                                       those requests, no key needed; without: api_key
                                       required, that client's own requests
    POST requests                      api_key required: a new matter; its id and token
    GET  requests/{id}                 one request (id = the matter's tracking code)
    GET  tokens/{token}                the request id of a token

Rate limits: POSTs per client address and per API key, GETs per client address; a lookup by
service request id without an API key (``requests`` with ``service_request_id``, and
``requests/{id}``; a bad or revoked key is no key) also counts against the portal's tracking
limit, in the same count as the portal's own lookups (``PORTAL_RATES["lookup"]``, 30 per 10
minutes): the ids are the residents' keys, and both doors resolve them. Past a limit, 429 with
Retry-After. A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413, in the spec's format
like every refusal.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from cunjing.core import context
from cunjing.core.errors import field_errors, too_large_message
from cunjing.core.forms import add_service_errors
from cunjing.core.middleware import client_ip
from cunjing.core.roles import Capability, has_capability
from cunjing.core.validators import is_ascii_digits
from cunjing.open311 import formats, selectors, services
from cunjing.open311.forms import ClientForm, RequestFilters, ServiceRequestForm
from cunjing.open311.models import Open311Client
from cunjing.open311.openapi import openapi_document
from cunjing.org import selectors as org_selectors
from cunjing.org.models import Bureau

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when this endpoint's interface last changed

# The portal's count of tracking lookups (``portal.limits``, group ``portal.<kind>``), which keyless
# Open311 lookups share: one budget per client address for resolving residents' codes.
LOOKUP_GROUP = "portal.lookup"

# The spec's names for the fields of a matter a service may refuse.
SPEC_FIELDS = {
    "reporter_phone": "phone",
    "reporter_name": "last_name",
    "latitude": "lat",
    "longitude": "long",
    "category": "service_code",
    "kind": "service_code",
    "area": "address_string",
    "__all__": "",
}


class Problem(Exception):
    """An answer in the spec's error format."""

    def __init__(self, status: int, descriptions: list[str]):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions

    @classmethod
    def field(cls, status: int, name: str, message: str) -> Problem:
        return cls.fields({name: [message]}, status)

    @classmethod
    def fields(cls, errors: dict[str, list[str]], status: int = 400) -> Problem:
        descriptions = []
        for name, msgs in errors.items():
            label = SPEC_FIELDS.get(name, name)
            descriptions += [f"{label}: {m}" if label else str(m) for m in msgs]
        return cls(status, descriptions)


def _language(request: HttpRequest) -> str:
    """The language cookie, else Accept-Language (API clients choose), else zh-Hans."""
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in supported:
        return chosen
    return translation.get_language_from_request(request)


def _limit(request: HttpRequest, group: str, key, rate: str) -> None:
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        problem = Problem(429, [_("Too many requests. Try again later.")])
        # The seconds left in the current window (django-ratelimit's fixed windows).
        problem.retry_after = max(1, int(usage["time_left"]))
        raise problem


def _bureau(params) -> Bureau:
    """The bureau ``jurisdiction_id`` names, else the one served here: the public side's rule
    (:func:`org.selectors.public_bureau`) applied to ``OPEN311_JURISDICTION``."""
    code = (params.get("jurisdiction_id") or "").strip()
    if code and not (len(code) == 6 and is_ascii_digits(code)):
        # A county code is 6 ASCII digits: anything else names no bureau (and a NUL in it would
        # be refused by PostgreSQL, a 500, if it reached the query).
        raise Problem.field(400, "jurisdiction_id", _("Unknown jurisdiction."))
    try:
        return org_selectors.public_bureau(code or settings.OPEN311_JURISDICTION)
    except Bureau.DoesNotExist:
        if code:
            raise Problem.field(400, "jurisdiction_id", _("Unknown jurisdiction.")) from None
        raise Problem(404, [_("No jurisdiction is served here.")]) from None
    except Bureau.MultipleObjectsReturned:
        raise Problem.field(400, "jurisdiction_id", _("This field is required.")) from None


def _client(bureau: Bureau, params) -> Open311Client:
    key = (params.get("api_key") or "").strip()
    if not key:
        raise Problem.field(403, "api_key", _("An API key is required."))
    client = services.client_for_key(bureau_id=bureau.pk, key=key)
    if client is None:
        raise Problem.field(403, "api_key", _("This API key is not valid or was revoked."))
    return client


def _params(request: HttpRequest):
    if request.method != "POST":
        return request.GET
    try:
        return request.POST
    except RequestDataTooBig:
        raise Problem(413, [too_large_message()]) from None
    except (MultiPartParserError, SuspiciousOperation):
        raise Problem(400, [_("The request body could not be read.")]) from None


def _lookup(request: HttpRequest, bureau: Bureau, params) -> None:
    """A lookup by service request id needs no key. With a valid one, only the per-address GET
    rate applies (a city's app asks for many residents); without one — or with a bad or revoked
    one, which is no key at all — it also counts against the portal's tracking limit."""
    key = (params.get("api_key") or "").strip()
    if not key or services.client_for_key(bureau_id=bureau.pk, key=key) is None:
        _limit(request, LOOKUP_GROUP, "ip", settings.PORTAL_RATES["lookup"])


def endpoint(*methods: str) -> Callable:
    """An Open311 endpoint: CSRF-exempt (clients post with a key, not a session), the
    client's language, the audit channel ``open311``, the allowed methods, the per-address
    limit, and every refusal in the spec's error format."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            ctx = context.RequestContext(
                request_id=getattr(request, "request_id", None) or context.current().request_id,
                ip=client_ip(request),
                channel="open311",
            )
            language = _language(request)
            with context.bind(ctx), translation.override(language):
                try:
                    if request.method not in methods:
                        raise Problem(405, [_("This method is not allowed here.")])
                    if request.method == "POST":
                        _limit(request, "open311.post.ip", "ip", settings.OPEN311_RATE_POST_PER_IP)
                    else:
                        _limit(request, "open311.get.ip", "ip", settings.OPEN311_RATE_GET_PER_IP)
                    params = _params(request)
                    response = view(request, fmt, _bureau(params), params, **kwargs)
                except Problem as problem:
                    response = formats.errors(fmt, problem.status, problem.descriptions)
                    if problem.status == 429:
                        response["Retry-After"] = str(problem.retry_after)
                    if problem.status == 405:
                        response["Allow"] = ", ".join(methods)
                response["Content-Language"] = language
            return response

        return wrapper

    return decorate


# --- Endpoints ------------------------------------------------------------------------------------


@endpoint("GET", "HEAD")
def discovery(request, fmt, bureau, params):
    base = request.build_absolute_uri(reverse("open311:root"))
    body = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT or bureau.name,
        "key_service": settings.OPEN311_KEY_SERVICE
        or _("API keys are issued by the bureau's system administrator."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return formats.respond(fmt, "discovery", body)


def _service(category) -> dict:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": category.get_kind_display(),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.get_kind_display(),
    }


@endpoint("GET", "HEAD")
def service_list(request, fmt, bureau, params):
    return formats.respond(fmt, "services", [_service(c) for c in selectors.services(bureau.pk)])


@endpoint("GET", "HEAD")
def service_definition(request, fmt, bureau, params, code: str):
    service = selectors.service_get(bureau.pk, code)
    if service is None:
        raise Problem(404, [_("Unknown service.")])
    body = {"service_code": str(service.pk), "attributes": []}
    return formats.respond(fmt, "service_definition", body)


def _request_rows(rows) -> list[dict]:
    return [dataclasses.asdict(row) for row in rows]


@endpoint("GET", "HEAD", "POST")
def requests(request, fmt, bureau, params):
    if request.method == "POST":
        return _submit(request, fmt, bureau, params)
    filters = RequestFilters(params)
    if filters.codes:
        _lookup(request, bureau, params)
    if filters.errors:
        raise Problem.fields(filters.errors)
    if filters.codes:
        rows = selectors.requests_by_codes(bureau.pk, filters.codes)
    else:
        client = _client(bureau, params)
        rows = selectors.client_requests(
            client,
            service_codes=filters.service_codes,
            start=filters.start,
            end=filters.end,
            statuses=filters.statuses,
        )
    return formats.respond(fmt, "service_requests", _request_rows(rows))


def _submit(request, fmt, bureau, params):
    client = _client(bureau, params)
    _limit(
        request,
        "open311.post.key",
        lambda group, req: f"client:{client.pk}",
        settings.OPEN311_RATE_POST_PER_KEY,
    )
    form = ServiceRequestForm(params)
    if not form.is_valid():
        raise Problem.fields({k: list(v) for k, v in form.errors.items()})
    data = form.cleaned_data
    service = selectors.service_get(bureau.pk, data["service_code"])
    if service is None:
        raise Problem.field(400, "service_code", _("Unknown service."))
    try:
        area = selectors.request_area(
            bureau.pk,
            lat=data.get("lat"),
            long=data.get("long"),
            address_string=data.get("address_string", ""),
        )
        row = services.request_submit(
            client=client,
            service=service,
            area=area,
            description=data["description"],
            latitude=data.get("lat"),
            longitude=data.get("long"),
            reporter_name=form.reporter_name(),
            reporter_phone=data.get("phone", ""),
        )
    except ValidationError as exc:
        raise Problem.fields(field_errors(exc)) from None
    body = [
        {
            "service_request_id": row.matter.tracking_code,
            "token": str(row.token),
            "service_notice": _(
                "Keep the service request id: it is the key to follow this matter."
            ),
            "account_id": None,
        }
    ]
    return formats.respond(fmt, "service_requests", body, status=201)


@endpoint("GET", "HEAD")
def request_detail(request, fmt, bureau, params, code: str):
    _lookup(request, bureau, params)
    rows = selectors.requests_by_codes(bureau.pk, [code]) if len(code) <= 64 else []
    if not rows:
        raise Problem(404, [_("Unknown service request.")])
    return formats.respond(fmt, "service_requests", _request_rows(rows))


@endpoint("GET", "HEAD")
def token(request, fmt, bureau, params, value: str):
    row = selectors.request_by_token(bureau.pk, value)
    if row is None:
        raise Problem(404, [_("Unknown token.")])
    body = [{"service_request_id": row.matter.tracking_code, "token": str(row.token)}]
    return formats.respond(fmt, "service_requests", body)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: a 404 in the spec's format (XML if asked for)."""
    return refusal(request, 404)


def refusal(request: HttpRequest, status: int) -> HttpResponse:
    """An answer under /open311/v2/ made outside :func:`endpoint` — an unknown endpoint (404),
    and the URL conf's error views (``cunjing/errors.py``): a body too large read before the view
    (413), one that could not be read (400), a server error (500) — in the spec's format (XML if
    the path asks for it) and the client's language."""
    fmt = formats.XML if request.path.endswith(".xml") else formats.JSON
    language = _language(request)
    with translation.override(language):
        message = {
            400: lambda: _("The request body could not be read."),
            404: lambda: _("No such endpoint. See discovery.json."),
            413: too_large_message,
            500: lambda: _("Something went wrong on the server; it has been logged. Try again."),
        }[status]()
        response = formats.errors(fmt, status, [message])
    response["Content-Language"] = language
    return response


def openapi(request: HttpRequest) -> JsonResponse:
    """The OpenAPI 3 description of these endpoints (used by the schemathesis test)."""
    return JsonResponse(openapi_document(reverse("open311:root").rstrip("/")))


# --- The keys page ----------------------------------------------------------------------------


def _require_keys(user) -> None:
    if not has_capability(user, Capability.MANAGE_OPEN311):
        raise PermissionDenied(_("You do not have permission to do this."))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def keys(request: HttpRequest) -> HttpResponse:
    """The bureau's Open311 clients: list, issue a key (shown on this answer only)."""
    user = request.user
    _require_keys(user)
    form = ClientForm(request.POST or None)
    new_key, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _client_row, new_key = services.client_create(
                    actor=user, bureau=user.bureau, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            else:
                form = ClientForm()
        else:
            status = 422
    context = {
        "form": form,
        "clients": selectors.clients(user.bureau_id),
        "new_key": new_key,
        "endpoint": request.build_absolute_uri(reverse("open311:root")),
    }
    response = render(request, "open311/keys.html", context, status=status)
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_keys(user)
    client = selectors.client_get(user.bureau_id, pk)
    if client is None:
        raise Http404
    services.client_revoke(actor=user, client=client)
    messages.success(request, _("The key of %(name)s is revoked.") % {"name": client.name})
    return redirect("open311:keys")
