"""What a signed-in account must do before anything else: choose its own password (after a
one-time password, or when it has expired: ``PASSWORD_MAX_AGE_DAYS``), then — when
``TWO_FACTOR_REQUIRED`` — enrol its authenticator app. A session of an enrolled account that
was not verified with a code (opened before the enrolment, say) is signed out."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from cunjing.accounts import two_factor
from cunjing.accounts.services import password_expired

# What such an account may still open: the two pages, signing out, the language switch.
_ALLOWED = (
    "accounts:password_change",
    "accounts:two_factor",
    "accounts:logout",
    "accounts:login",
    "set_language",
)


@functools.cache
def _allowed_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in _ALLOWED)


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(("/static/", "/api/"))
            or request.path in _allowed_paths()
        ):
            return self.get_response(request)
        if getattr(user, "must_change_password", False) or password_expired(user):
            return redirect("accounts:password_change")
        enrolled = two_factor.enrolled(user)
        if enrolled and not user.is_verified():
            logout(request)
            return redirect("accounts:login")
        if settings.TWO_FACTOR_REQUIRED and not enrolled:
            return redirect("accounts:two_factor")
        return self.get_response(request)
