"""``/open311/v2/…``: GeoReport v2 (each endpoint with its ``.json`` or ``.xml`` suffix);
``/open311/keys/``: the bureau's API keys."""

from django.urls import path, re_path

from cunjing.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("v2/", views.discovery, {"fmt": "json"}, name="root"),
    path("v2/openapi.json", views.openapi, name="openapi"),
    re_path(r"^v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/(?P<code>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<value>[^/]+?)" + FMT, views.token, name="token"),
    re_path(r"^v2/(?P<rest>.*)$", views.not_found),
    path("keys/", views.keys, name="keys"),
    path("keys/<int:pk>/revoke/", views.revoke, name="revoke"),
]
