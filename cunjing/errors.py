"""The site's error pages: a resident on the public portal gets the portal's own page (no staff
navigation, a way back to the portal), staff get the desk pages. Chinese first, like every page.

Under ``/api/`` these answers are JSON in the API's error shape (``core.api.error_response``),
under ``/open311/v2/`` in Open311's format (``open311.views.refusal``): a client of either never
gets an HTML page, whatever went wrong. A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django
raises ``RequestDataTooBig`` wherever it is read) answers 413 everywhere, not Django's 400.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

from cunjing.core.api import error_response
from cunjing.core.errors import too_large_message
from cunjing.open311 import views as open311


def _on_portal(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("portal:home"))


def _on_api(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("api:api-root"))


def _on_open311(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("open311:root"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _on_api(request):
        return error_response(404, _("Not found."))
    if _on_portal(request):
        return render(request, "portal/404.html", status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django could not read (a ``SuspiciousOperation``): 413 when its body is too
    large, else 400."""
    too_large = isinstance(exception, RequestDataTooBig)
    status = 413 if too_large else 400
    if _on_api(request):
        if too_large:
            return error_response(413, too_large_message())
        return error_response(400, _("The request could not be read."))
    if _on_open311(request):
        return open311.refusal(request, status)
    if too_large:
        page = defaults.ERROR_PAGE_TEMPLATE % {
            "title": escape(_("Request too large")),
            "details": escape(too_large_message()),
        }
        return HttpResponse(page, status=413)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """An unhandled exception (Django has logged it with its traceback before calling this)."""
    if _on_api(request):
        return error_response(
            500, _("Something went wrong on the server; it has been logged. Try again.")
        )
    if _on_open311(request):
        return open311.refusal(request, 500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token: most often a page left open for hours, or cookies
    switched off. Say so in the user's language, never Django's English debug page."""
    template = "portal/csrf.html" if _on_portal(request) else "403_csrf.html"
    return render(request, template, status=403)
