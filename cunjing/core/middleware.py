"""Middleware that binds the request context and keeps the request id on the response."""

from __future__ import annotations

import re
import uuid

from django.http import HttpRequest, HttpResponse

from cunjing.core import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. X-Forwarded-For is honoured only behind a configured proxy (nginx sets
    X-Real-IP); a client cannot forge its audit IP through a header on a direct connection."""
    from django.conf import settings

    if getattr(settings, "TRUST_X_REAL_IP", False):
        real = request.META.get("HTTP_X_REAL_IP")
        if real:
            return real.strip()
    return request.META.get("REMOTE_ADDR")


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
