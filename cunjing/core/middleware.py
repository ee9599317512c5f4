"""Middleware that binds the request context and keeps the request id on the response."""

from __future__ import annotations

import re
import uuid

from django.http import HttpRequest, HttpResponse

from cunjing.core import context, net

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit trail: the rule of :mod:`cunjing.core.net`, the same
    as the lockout's and the rate limits' (REMOTE_ADDR; X-Real-IP only with TRUST_X_REAL_IP)."""
    return net.client_ip(request)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "web"
        ctx = context.RequestContext(request_id=request_id, ip=client_ip(request), channel=channel)
        request.request_id = request_id
        with context.bind(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    """Chinese first: pages are in zh-Hans unless the user picked another language (the language
    cookie set by the switch). A browser's Accept-Language is not enough to leave Chinese — an
    officer's phone set to English still gets the Chinese UI until they choose English. API
    clients choose explicitly, so for ``/api/`` the Accept-Language header is honoured too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        supported = {code for code, _ in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
