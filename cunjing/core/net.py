"""The client's address, one rule for the sign-in lockout (django-axes) and every rate limit
(django-ratelimit): ``REMOTE_ADDR``, or behind a reverse proxy the header it sets
(``settings.CLIENT_ADDRESS_HEADER``, e.g. ``HTTP_X_REAL_IP`` from nginx). A value that is not
an IP address is not trusted: ``REMOTE_ADDR`` is used instead."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    value = (value or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str:
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        found = _valid(request.META.get(header, ""))
        if found:
            return found
    return _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 - a key, not a bind
