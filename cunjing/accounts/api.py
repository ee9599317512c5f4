"""The accounts API: exchanging a password for a bearer token, and who the caller is.

``TokenAuth`` (the bearer scheme of every other endpoint) lives here, next to the tokens it
checks; ``cunjing/api.py`` pairs it with the session scheme from ``core.api``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.security import HttpBearer

from cunjing.accounts import services
from cunjing.accounts.models import User
from cunjing.accounts.schemas import MeOut, TokenIn, TokenOut
from cunjing.accounts.views import locked_out
from cunjing.core.api import ErrorOut, ValidationErrorOut
from cunjing.core.roles import CAPABILITIES, Role

router = Router(tags=["accounts"])


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: an unexpired, unrevoked token of an active user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return services.token_user(token)


token_auth = TokenAuth()


def me_out(user: User) -> dict:
    role = {"code": user.role, "label": str(Role(user.role).label)} if user.role else None
    unit = user.unit if user.unit_id else None
    bureau = user.bureau if user.bureau_id else None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.full_name,
        "role": role,
        "unit": {"id": unit.pk, "kind": unit.kind, "name": unit.name} if unit else None,
        "bureau": ({"id": bureau.pk, "name": bureau.name, "code": bureau.code} if bureau else None),
        "capabilities": sorted(CAPABILITIES.get(user.role, ())),
    }


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="Sign in: exchange a username and password for a bearer token",
)
def token_create(request: HttpRequest, payload: TokenIn):
    """Checks the password through Django's authentication backends, so django-axes counts
    failures: after 5 failed attempts the account is locked for 30 minutes (429), even for the
    right password. The token expires after `API_TOKEN_HOURS`; issuing it is audited."""
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return locked_out(request)  # the same 429 answer the axes middleware gives
    if user is None:
        return Status(401, {"detail": _("Wrong username or password.")})
    if not user.bureau_id or not user.role:
        return Status(403, {"detail": _("This account has no role and cannot use the API.")})
    if user.must_change_password:
        return Status(
            403,
            {"detail": _("Sign in on the website and change your one-time password first.")},
        )
    # A token sign-in is a sign-in: last_login, axes' access log and its failure reset.
    user_logged_in.send(sender=type(user), request=request, user=user)
    raw, token = services.token_issue(user=user)
    return Status(200, {"token": raw, "expires_at": token.expires_at, "user": me_out(user)})


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The signed-in user")
def me(request: HttpRequest):
    """Username, name, role, jurisdiction unit, bureau and what the role may do."""
    return me_out(request.auth)
