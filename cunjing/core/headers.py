"""Response headers every answer carries, beside Django's ``SecurityMiddleware`` and django-csp's
``CSPMiddleware`` (the Content-Security-Policy, ``settings.CONTENT_SECURITY_POLICY``).

- ``Permissions-Policy``: the browser features a page may use (``settings.PERMISSIONS_POLICY``);
  every feature the site does not use is switched off, for its pages and any frame in them.
- ``Cache-Control: no-store`` on every answer that may carry personal data, so that no browser
  cache, disk cache or proxy on the way keeps a copy (等保: residual information): every answer
  to a signed-in user, every answer of the API and Open311 (token or key, not the session), and
  every answer to a POST (the portal's status page, which shows a matter by its tracking code, is
  only ever the answer to a POST). Static files (served by whitenoise, before this middleware) and
  the views named in ``settings.CACHEABLE_VIEWS`` (the workspace's service worker and manifest:
  public, with caching rules of their own) keep their headers.

The phone workspace keeps its pages for offline use in the service worker's Cache Storage, which
is filled by the page's own script and does not read ``Cache-Control``: ``no-store`` does not
take them away.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def permissions_policy(features: dict[str, list[str]]) -> str:
    """The header's value: ``{"camera": [], "geolocation": ["self"]}`` →
    ``camera=(), geolocation=(self)``; an origin is quoted, ``self`` and ``*`` are not."""

    def allow(item: str) -> str:
        return item if item in ("self", "*") else f'"{item}"'

    return ", ".join(
        f"{feature}=({' '.join(allow(item) for item in allowed)})"
        for feature, allowed in features.items()
    )


def may_carry_personal_data(request: HttpRequest) -> bool:
    """Whether the answer to ``request`` is kept out of every cache (the rule of the module)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in settings.CACHEABLE_VIEWS:
        return False
    if request.path_info.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)):
        return True
    if request.method not in SAFE_METHODS:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every answer; ``Cache-Control: no-store`` (with ``no-cache``,
    ``must-revalidate``, ``private``, ``max-age=0``, as Django's ``never_cache``) on those of
    :func:`may_carry_personal_data`. Listed right after whitenoise, so that it also sees the
    answers the middleware below it make (a redirect to the sign-in or password page, a lockout
    page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        if may_carry_personal_data(request) and not _stored_nowhere(response):
            add_never_cache_headers(response)
        return response


def _stored_nowhere(response: HttpResponse) -> bool:
    """The view said ``no-store`` itself: its header is kept as it is."""
    return "no-store" in response.headers.get("Cache-Control", "").replace(" ", "").split(",")
