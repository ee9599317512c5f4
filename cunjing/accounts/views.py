"""Sign-in and sign-out pages; the lockout answer for pages and the API."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login

from cunjing.accounts import selectors, services, two_factor
from cunjing.accounts.forms import (
    AccountForm,
    AccountSearchForm,
    AccountUpdateForm,
    DisableForm,
    LoginForm,
    PasswordChangeForm,
    TwoFactorForm,
)
from cunjing.accounts.models import User
from cunjing.core.forms import add_service_errors
from cunjing.core.net import client_address
from cunjing.core.pagination import numbered_page
from cunjing.core.roles import Capability, has_capability


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if services.signin_throttled(client_address(request)):
            return throttled(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        services.login_record(user=form.get_user())
        return response

    def form_invalid(self, form):
        services.signin_failed(client_address(self.request))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    pass


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """The user's own new password; required after a one-time password. This session stays
    signed in, every other one and every API token end."""
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        typed = form.cleaned_data
        if valid or {"old_password", "new_password"} <= set(typed):
            # Every error at once: the service's rules even when the two copies differ.
            for name, messages_ in services.password_problems(
                request.user, typed["old_password"], typed["new_password"]
            ).items():
                form.add_error(name, messages_)
        if form.is_valid():
            try:
                user = services.password_change(
                    user=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password was changed."))
                return redirect("dashboard:home")
        status = 422
    context = {
        "form": form,
        "required": request.user.must_change_password,
        "expired": services.password_expired(request.user),
    }
    return render(request, "accounts/password_change.html", context, status=status)


def throttled(request: HttpRequest) -> HttpResponse:
    """Too many failed sign-ins from this address, whatever the usernames."""
    message = _("Too many failed sign-ins from this network address: try again in 10 minutes.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(
        request,
        "accounts/login.html",
        {"form": LoginForm(request), "locked_message": message},
        status=429,
    )


def locked_out(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """django-axes calls this once an account has had too many failed sign-ins."""
    message = _(
        "Too many failed sign-ins: this account is locked for 30 minutes at this network address."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(
        request,
        "accounts/login.html",
        {"form": LoginForm(request), "locked_message": message},
        status=429,
    )


# --- The security admin's pages (安全管理员) ---------------------------------------------------

ACCOUNTS_PER_PAGE = 50


def _require_manage(user) -> None:
    if not has_capability(user, Capability.MANAGE_USERS):
        raise PermissionDenied(_("You do not have permission to do this."))


@login_required
@require_safe
def account_list(request: HttpRequest) -> HttpResponse:
    """The bureau's accounts: search by username, name, pinyin or initials; filter by role,
    unit and state (active, disabled, locked, waiting for a new password)."""
    user = request.user
    _require_manage(user)
    form = AccountSearchForm(request.GET or None, user=user)
    status, rows = 200, []
    if form.is_bound and not form.is_valid():
        status = 422
        qs = selectors.account_list(user).none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        unit = data.get("unit")
        qs = selectors.account_list(
            user,
            q=data.get("q", ""),
            role=data.get("role", ""),
            unit=unit.pk if unit else None,
            state=data.get("state", ""),
        )
    page = numbered_page(qs, per_page=ACCOUNTS_PER_PAGE, number=request.GET.get("page"))
    rows = page.object_list
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "accounts/account_list.html", context, status=status)


def _person_initial(user, query) -> dict:
    """``?officer=`` or ``?aide=`` (the person's page links here): the form starts with that
    person, their name and their unit (an aide's: the unit serving their village)."""
    initial: dict = {}
    for key in ("officer", "aide"):
        value = query.get(key, "")
        if not (value.isascii() and value.isdigit()) or len(value) > 12:
            continue
        person = selectors.unlinked_person(user, key, int(value))
        if person is not None:
            initial.update(person)
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    """Create an account; the one-time password is shown on the answer page, once."""
    user = request.user
    _require_manage(user)
    form = AccountForm(
        request.POST if request.method == "POST" else None,
        user=user,
        initial=_person_initial(user, request.GET),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                account, password = services.account_create(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                context = {"account": account, "password": password}
                return render(request, "accounts/one_time_password.html", context, status=201)
        status = 422
    return render(request, "accounts/account_new.html", {"form": form}, status=status)


_ACTIONS = (
    "update",
    "disable",
    "enable",
    "reset_password",
    "unlock",
    "revoke_access",
    "reset_two_factor",
)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account and what the security admin may do with it."""
    user = request.user
    _require_manage(user)
    try:
        account = selectors.account_get(user, pk)
    except User.DoesNotExist:
        raise Http404 from None
    initial = {"full_name": account.full_name, "role": account.role, "unit": account.unit_id}
    update_form = AccountUpdateForm(initial=initial, user=user, auto_id="update-%s")
    disable_form = DisableForm(auto_id="disable-%s")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in _ACTIONS:
            raise Http404
        try:
            if action == "update":
                update_form = AccountUpdateForm(request.POST, user=user, auto_id="update-%s")
                if update_form.is_valid():
                    changes = dict(update_form.cleaned_data)
                    try:
                        services.account_update(actor=user, account=account, **changes)
                    except ValidationError as exc:
                        add_service_errors(update_form, exc)
                if update_form.errors:
                    status = 422
            elif action == "disable":
                disable_form = DisableForm(request.POST, auto_id="disable-%s")
                if disable_form.is_valid():
                    try:
                        services.account_disable(
                            actor=user, account=account, **disable_form.cleaned_data
                        )
                    except ValidationError as exc:
                        add_service_errors(disable_form, exc)
                if disable_form.errors:
                    status = 422
            elif action == "reset_password":
                account, password = services.account_reset_password(actor=user, account=account)
                context = {"account": account, "password": password, "reset": True}
                return render(request, "accounts/one_time_password.html", context)
            elif action == "reset_two_factor":
                two_factor.reset(actor=user, account=account)
            else:
                getattr(services, f"account_{action}")(actor=user, account=account)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 422
        if status == 200:
            messages.success(request, _("Saved."))
            return redirect("accounts:account_detail", pk=pk)
    account = selectors.account_get(user, pk)
    context = {
        "account": account,
        "two_factor": two_factor.enrolled(account),
        "update_form": update_form,
        "disable_form": disable_form,
        "tokens": account.api_tokens.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count(),
    }
    return render(request, "accounts/account_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol the account's authenticator app: scan the QR code (or type the key), confirm with
    its first code; the recovery codes are shown once."""
    user = request.user
    if two_factor.enrolled(user):
        return render(request, "accounts/two_factor.html", {"enrolled": True})
    device = two_factor.pending_device(user)
    form = TwoFactorForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            codes = two_factor.confirm(user, device, form.cleaned_data["token"])
            if codes is not None:
                otp_login(request, device)
                context = {"codes": codes, "enrolled": True, "new": True}
                return render(request, "accounts/two_factor.html", context)
            form.add_error("token", _("The code is wrong or too old: try the current one."))
        status = 422
    context = {
        "form": form,
        "qr": two_factor.qr_svg(device),
        "secret": two_factor.secret_text(device),
        "required": settings.TWO_FACTOR_REQUIRED,
    }
    return render(request, "accounts/two_factor.html", context, status=status)
