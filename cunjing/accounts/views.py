"""Sign-in and sign-out pages; the lockout answer for pages and the API."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cunjing.accounts import services
from cunjing.accounts.forms import LoginForm


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
