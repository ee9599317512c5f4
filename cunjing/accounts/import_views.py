"""The security admin's accounts import page and its template download (三权分立: the accounts
sheet of the organisation's workbook is imported here, never by the system admin)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunjing.accounts import importer
from cunjing.core.roles import Capability, require
from cunjing.org.import_views import XLSX, ImportForm
from cunjing.org.importer import MAX_ROWS


@never_cache  # the answer may hold one-time passwords
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    context: dict = {"max_rows": MAX_ROWS, "max_bytes": settings.IMPORT_MAX_BYTES}
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = importer.import_accounts(
                actor=request.user, bureau=request.user.bureau, file=upload, filename=upload.name
            )
            context["result"] = result
            status = 200 if result.ok else 422
            if result.ok:
                form = ImportForm()
        else:
            status = 422
    else:
        form = ImportForm()
    context["form"] = form
    return render(request, "accounts/import.html", context, status=status)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    response = HttpResponse(importer.build_template(request.user.bureau), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="cunjing-accounts-import.xlsx"'
    return response
