"""The security admin's accounts import page and its template download (三权分立: the accounts
sheet of the organisation's workbook is imported here, never by the system admin)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunjing.accounts import importer
from cunjing.core.roles import Capability, require
from cunjing.org.import_views import workbook_download, workbook_import_page


@never_cache  # the answer may hold one-time passwords
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    return workbook_import_page(
        request, run=importer.import_accounts, template="accounts/import.html"
    )


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    return workbook_download(
        importer.build_template(request.user.bureau), "cunjing-accounts-import.xlsx"
    )
