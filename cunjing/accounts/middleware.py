"""An account signed in with a one-time password, or whose password has expired
(``PASSWORD_MAX_AGE_DAYS``), goes to the password page first."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from cunjing.accounts.services import password_expired

# What such an account may still open: the password page, signing out, the language switch.
_ALLOWED = ("accounts:password_change", "accounts:logout", "set_language")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (getattr(user, "must_change_password", False) or password_expired(user))
            and not request.path.startswith(("/static/", "/api/"))
            and request.path not in {reverse(name) for name in _ALLOWED}
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
