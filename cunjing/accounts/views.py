"""Sign-in and sign-out pages; the lockout answer for pages and the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cunjing.accounts import services
from cunjing.accounts.forms import LoginForm, PasswordChangeForm
from cunjing.core.forms import add_service_errors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.login_record(user=form.get_user())
        return response


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
    context = {"form": form, "required": request.user.must_change_password}
    return render(request, "accounts/password_change.html", context, status=status)


def locked_out(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """django-axes calls this once an account has had too many failed sign-ins."""
    message = _("Too many failed sign-ins: this account is locked for 30 minutes.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(
        request,
        "accounts/login.html",
        {"form": LoginForm(request), "locked_message": message},
        status=429,
    )
