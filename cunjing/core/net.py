"""The client's address, one rule for the audit trail (``core.middleware``), the sign-in lockout
(django-axes) and every rate limit (django-ratelimit): ``REMOTE_ADDR``, or behind the documented
nginx the header it sets, ``X-Real-IP`` (``settings.CLIENT_ADDRESS_HEADER``, turned on by the
environment variable ``TRUST_X_REAL_IP=1``; README, "County deployment").

The header is trusted only when the setting names it: a client talking to the site directly can
send any header, so by default it is ignored. A value that is not one IP address (empty, a list
such as ``X-Forwarded-For`` carries, a name, an address with a port) is not trusted either:
``REMOTE_ADDR`` is used instead."""

from __future__ import annotations

import ipaddress

from django.conf import settings

UNKNOWN = "0.0.0.0"  # noqa: S104 - a rate-limit key for a request without an address, not a bind


def _valid(value: str) -> str | None:
    value = (value or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, or ``None`` when the request has none (the audit row's ``ip``)."""
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        found = _valid(request.META.get(header, ""))
        if found:
            return found
    return _valid(request.META.get("REMOTE_ADDR", ""))


def client_address(request) -> str:
    """The client's address as a key (lockout, rate limits): never empty."""
    return client_ip(request) or UNKNOWN
