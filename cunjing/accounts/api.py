"""The accounts API: exchanging a password for a bearer token, and who the caller is.

``TokenAuth`` (the bearer scheme of every other endpoint) lives here, next to the tokens it
checks; ``cunjing/api.py`` pairs it with the session scheme from ``core.api``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.security import HttpBearer

from cunjing.accounts import selectors, services, two_factor
from cunjing.accounts.models import User
from cunjing.accounts.schemas import (
    AccountFilter,
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatchIn,
    DisableIn,
    MeOut,
    OneTimePasswordOut,
    TokenIn,
    TokenOut,
)
from cunjing.accounts.views import locked_out, throttled
from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, ErrorOut, Id, ValidationErrorOut, require
from cunjing.core.net import client_address
from cunjing.core.pagination import offset_page
from cunjing.core.roles import CAPABILITIES, Capability, Role
from cunjing.org.models import Aide, Officer, Unit

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
    failures: after 5 failed attempts from one address the account is locked there for 30
    minutes (429), even for the right password; an address with 30 failed sign-ins in 10
    minutes, whatever the usernames, gets 429 too. The token expires after `API_TOKEN_HOURS`;
    issuing it is audited."""
    address = client_address(request)
    if services.signin_throttled(address):
        return throttled(request)
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return locked_out(request)  # the same 429 answer the axes middleware gives
    if user is None:
        services.signin_failed(address)
        return Status(401, {"detail": _("Wrong username or password.")})
    if not user.bureau_id or not user.role:
        return Status(403, {"detail": _("This account has no role and cannot use the API.")})
    if two_factor.enrolled(user) and two_factor.verify(user, payload.otp) is None:
        services.signin_failed(address)
        return Status(401, {"detail": two_factor.required_message()})
    if user.must_change_password or services.password_expired(user):
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


# --- The security admin's administration of accounts (安全管理员) -------------------------------


def _account_out(account: User) -> dict:
    unit = account.unit if account.unit_id else None
    return AccountOut.model_validate(
        {
            "id": account.pk,
            "username": account.username,
            "full_name": account.full_name,
            "role": account.role,
            "unit": {"id": unit.pk, "kind": unit.kind, "name": unit.name} if unit else None,
            "officer_id": account.officer_id,
            "aide_id": account.aide_id,
            "is_active": account.is_active,
            "locked": bool(getattr(account, "locked", False)),
            "must_change_password": account.must_change_password,
            "two_factor": account.two_factor,
            "last_login": account.last_login,
            "password_changed_at": account.password_changed_at,
        }
    ).model_dump(mode="json")


def _in_bureau(user, model, pk: int, field: str):
    """A row of the caller's bureau named in the body: a 422 on ``field`` when there is none
    (another bureau's or a missing id look the same)."""
    row = model.objects.filter(bureau_id=user.bureau_id, pk=pk).first()
    if row is None:
        raise ValidationError({field: [_("Select a valid choice.")]})
    return row


def _account(request: HttpRequest, account_id: int) -> tuple[User, User]:
    user = require(request, Capability.MANAGE_USERS)
    return user, selectors.account_get(user, account_id)


@router.get(
    "/accounts",
    response={200: AccountPage, **ERRORS_READ},
    summary="List the bureau's accounts",
    operation_id="accounts_list",
)
def account_list(request: HttpRequest, filters: Query[AccountFilter]):
    """The security admin: search by username, name, pinyin or initials; filter by role, unit
    (its subtree) and state."""
    user = require(request, Capability.MANAGE_USERS)
    qs = selectors.account_list(
        user, q=filters.q, role=filters.role or "", unit=filters.unit, state=filters.state or ""
    )
    page = offset_page(qs, limit=filters.limit, offset=filters.offset)
    return {"items": [_account_out(a) for a in page.items], "count": page.count}


@router.post(
    "/accounts",
    response={201: OneTimePasswordOut, **ERRORS_WRITE},
    summary="Create an account with a one-time password",
    operation_id="accounts_create",
)
def account_create(request: HttpRequest, payload: AccountIn):
    """The one-time password is in this answer only; the account must change it at its first
    sign-in (no API token before that)."""
    user = require(request, Capability.MANAGE_USERS)
    unit = _in_bureau(user, Unit, payload.unit, "unit")
    officer = _in_bureau(user, Officer, payload.officer, "officer") if payload.officer else None
    aide = _in_bureau(user, Aide, payload.aide, "aide") if payload.aide else None
    account, password = services.account_create(
        actor=user,
        username=payload.username,
        full_name=payload.full_name,
        role=payload.role,
        unit=unit,
        officer=officer,
        aide=aide,
    )
    out = _account_out(selectors.account_get(user, account.pk))
    return Status(201, {"account": out, "password": password})


@router.get(
    "/accounts/{account_id}",
    response={200: AccountOut, **ERRORS_READ},
    summary="One account",
    operation_id="accounts_detail",
)
def account_detail(request: HttpRequest, account_id: Id):
    _user, account = _account(request, account_id)
    return _account_out(account)


@router.patch(
    "/accounts/{account_id}",
    response={200: AccountOut, **ERRORS_WRITE},
    summary="Change an account's name, role or unit",
    operation_id="accounts_update",
)
def account_update(request: HttpRequest, account_id: Id, payload: AccountPatchIn):
    """A new role or unit signs the account out everywhere."""
    user, account = _account(request, account_id)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("unit") is not None:
        changes["unit"] = _in_bureau(user, Unit, changes["unit"], "unit")
    services.account_update(actor=user, account=account, **changes)
    return _account_out(selectors.account_get(user, account_id))


@router.post(
    "/accounts/{account_id}/disable",
    response={200: AccountOut, **ERRORS_WRITE},
    summary="Disable an account",
    operation_id="accounts_disable",
)
def account_disable(request: HttpRequest, account_id: Id, payload: DisableIn):
    """It cannot sign in any more; its sessions and API tokens end at once."""
    user, account = _account(request, account_id)
    services.account_disable(actor=user, account=account, reason=payload.reason)
    return _account_out(selectors.account_get(user, account_id))


def _action(name: str, summary: str, doc: str, service) -> None:
    @router.post(
        f"/accounts/{{account_id}}/{name}",
        response={200: AccountOut, **ERRORS_WRITE},
        summary=summary,
        operation_id=f"accounts_{name.replace('-', '_')}",
    )
    def action(request: HttpRequest, account_id: Id):
        user, account = _account(request, account_id)
        service(actor=user, account=account)
        return _account_out(selectors.account_get(user, account_id))

    action.__doc__ = doc


_action("enable", "Enable an account", "The account can sign in again.", services.account_enable)
_action(
    "unlock",
    "Unlock an account",
    "Clear the failed sign-ins that lock it.",
    services.account_unlock,
)
_action(
    "revoke-tokens",
    "Sign an account out everywhere",
    "Every API token revoked and every session ended; the password stays.",
    services.account_revoke_access,
)


@router.post(
    "/accounts/{account_id}/reset-password",
    response={200: OneTimePasswordOut, **ERRORS_WRITE},
    summary="Reset an account's password",
    operation_id="accounts_reset_password",
)
def account_reset_password(request: HttpRequest, account_id: Id):
    """A new one-time password, in this answer only; the old one, the tokens and the sessions
    stop working at once."""
    user, account = _account(request, account_id)
    account, password = services.account_reset_password(actor=user, account=account)
    return {"account": _account_out(selectors.account_get(user, account_id)), "password": password}


@router.post(
    "/accounts/{account_id}/reset-2fa",
    response={200: AccountOut, **ERRORS_WRITE},
    summary="Reset an account's two-factor sign-in",
    operation_id="accounts_reset_2fa",
)
def account_reset_two_factor(request: HttpRequest, account_id: Id):
    """Its authenticator app and recovery codes removed (a lost phone): it enrols again."""
    user, account = _account(request, account_id)
    two_factor.reset(actor=user, account=account)
    return _account_out(selectors.account_get(user, account_id))
