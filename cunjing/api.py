"""The API: django-ninja routers of every app, assembled here."""

from ninja import NinjaAPI

api = NinjaAPI(title="cunjing API", version="1", urls_namespace="api")
