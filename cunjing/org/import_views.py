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


def workbook_import_page(request: HttpRequest, *, run, template: str) -> HttpResponse:
    """The upload page of a workbook import (the caller checked the capability): GET shows the
    form; POST runs ``run(actor=, bureau=, file=, filename=)`` and shows its result, 422 with
    every row error when nothing was saved."""
    context: dict = {"max_rows": importer.MAX_ROWS, "max_bytes": settings.IMPORT_MAX_BYTES}
    status = 200
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = run(
                actor=request.user, bureau=request.user.bureau, file=upload, filename=upload.name
            )
            context["result"] = result
            status = 200 if result.ok else 422
            if result.ok:
                form = ImportForm()
        else:
            status = 422
    context["form"] = form
    return render(request, template, context, status=status)


def workbook_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.IMPORT_ORG)
    return workbook_import_page(request, run=importer.import_org, template="org/import.html")


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.IMPORT_ORG)
    return workbook_download(
        importer.build_template(request.user.bureau), "cunjing-org-import.xlsx"
    )
