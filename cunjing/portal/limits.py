"""Rate limits of the portal's public requests (django-ratelimit, counted in the cache per
client address). Beyond a limit the request is answered 429 with a page in the resident's
language and a ``Retry-After`` header; nothing behind the limit runs.

The rates are settings (env-overridable, see ``settings.PORTAL_RATES``):

* ``submit``: submitting a matter (a write that reaches the handlers' queues);
* ``lookup``: every request that resolves a tracking code (the code is the resident's key);
* ``action``: confirming, reopening, rating;
* ``search``: village searches (a GET, but each one is a query over the areas).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

SUBMIT = "submit"
LOOKUP = "lookup"
ACTION = "action"
SEARCH = "search"


def exceeded(request: HttpRequest, *kinds: str) -> int | None:
    """Count this request against each of ``kinds``: the seconds to wait when one is exceeded,
    else None."""
    for kind in kinds:
        usage = get_usage(
            request,
            group=f"portal.{kind}",
            key="ip",
            rate=settings.PORTAL_RATES[kind],
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            return max(1, int(usage["time_left"]))
    return None


def limited(request: HttpRequest, *kinds: str) -> HttpResponse | None:
    """Count this request against each of ``kinds``; the 429 answer when one is exceeded."""
    retry_after = exceeded(request, *kinds)
    return None if retry_after is None else too_many(request, retry_after)


def minutes(retry_after: int) -> int:
    return max(1, (retry_after + 59) // 60)


def too_many(
    request: HttpRequest,
    retry_after: int,
    template: str = "portal/limited.html",
    context: dict | None = None,
) -> HttpResponse:
    """The 429 answer: ``template`` (by default the plain page) with the minutes to wait; a form
    page passes itself with the resident's input, so nothing typed is lost."""
    context = {**(context or {}), "minutes": minutes(retry_after), "limited": True}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
