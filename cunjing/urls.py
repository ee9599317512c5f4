"""URL map: pages per app, the API, language switch."""

from django.urls import include, path

from cunjing.api import api

urlpatterns = [
    path("accounts/", include("cunjing.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("org/", include("cunjing.org.urls")),
    path("fieldwork/", include("cunjing.fieldwork.urls")),
    path("stats/", include("cunjing.stats.urls")),
    path("registry/", include("cunjing.registry.urls")),
    path("m/", include("cunjing.workspace.urls")),
    path("matters/", include("cunjing.matters.urls")),
    path("portal/", include("cunjing.portal.urls")),
    path("open311/", include("cunjing.open311.urls")),
    path("", include("cunjing.dashboard.urls")),
]

handler400 = "cunjing.errors.bad_request"
handler404 = "cunjing.errors.page_not_found"
handler500 = "cunjing.errors.server_error"
