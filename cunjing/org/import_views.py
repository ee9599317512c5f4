"""The organisation import page and its template download (system admins only)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cunjing.core.roles import Capability, require
from cunjing.org import importer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"))


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.IMPORT_ORG)
    context: dict = {"max_rows": importer.MAX_ROWS, "max_bytes": settings.IMPORT_MAX_BYTES}
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = importer.import_org(
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
    return render(request, "org/import.html", context, status=status)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.IMPORT_ORG)
    response = HttpResponse(importer.build_template(request.user.bureau), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="cunjing-org-import.xlsx"'
    return response
