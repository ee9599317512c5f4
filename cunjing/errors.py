"""The site's error pages: a resident on the public portal gets the portal's own page (no staff
navigation, a way back to the portal), staff get the desk pages. Chinese first, like every page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults


def _on_portal(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("portal:home"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _on_portal(request):
        return render(request, "portal/404.html", status=404)
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token: most often a page left open for hours, or cookies
    switched off. Say so in the user's language, never Django's English debug page."""
    template = "portal/csrf.html" if _on_portal(request) else "403_csrf.html"
    return render(request, template, status=403)
