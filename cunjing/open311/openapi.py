"""An OpenAPI 3 description of the Open311 endpoints, served at ``/open311/v2/openapi.json``
(schemathesis generates requests from it in the tests)."""

from __future__ import annotations

from django.conf import settings

from cunjing.core.validators import QUERY_DATE_MIN
from cunjing.open311.forms import MAX_CODES, MAX_RANGE_DAYS

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "schema": {"type": "string"}}


def _query(name: str, description: str = "", **schema) -> dict:
    parameter = {"name": name, "in": "query", "schema": {"type": "string", **schema}}
    if description:
        parameter["description"] = description
    return parameter


def _path(name: str, description: str = "") -> dict:
    parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
    if description:
        parameter["description"] = description
    return parameter


ERROR = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}


def _responses(ok: int = 200) -> dict:
    body = {
        "application/json": {"schema": {}},
        "text/xml": {"schema": {"type": "string"}},
    }
    errors = {"application/json": {"schema": ERROR}, "text/xml": {"schema": {"type": "string"}}}
    result = {str(ok): {"description": "OK", "content": body}}
    for code in (400, 403, 404, 405, 413, 429):
        result[str(code)] = {"description": "Error (GeoReport v2 format)", "content": errors}
    return result


def _description() -> str:
    lookup = settings.PORTAL_RATES["lookup"]
    return (
        "Errors are GeoReport v2 error lists, in the format the path asks for. Rate limits per "
        f"client address: GET {settings.OPEN311_RATE_GET_PER_IP}, POST "
        f"{settings.OPEN311_RATE_POST_PER_IP} (and {settings.OPEN311_RATE_POST_PER_KEY} per API "
        f"key); a lookup by service request id without an API key also counts against the "
        f"residents' portal's tracking limit ({lookup}, shared with the portal) and names at most "
        f"{MAX_CODES} ids. Dates are W3C date-times from {QUERY_DATE_MIN.isoformat()} to a year "
        f"after today, spanning at most {MAX_RANGE_DAYS} days. A body larger than the upload "
        "limit answers 413. Past a limit, 429 with Retry-After."
    )


LOOKUP = (
    f"At most {MAX_CODES} ids, comma separated; without api_key, counted against the portal's "
    "tracking limit."
)
DATE = "A W3C date-time (2015-01-20T00:00:00+08:00) or date, from {min} to a year after today."


POST_FIELDS = {
    "api_key": {"type": "string"},
    "jurisdiction_id": {"type": "string"},
    "service_code": {"type": "string"},
    "lat": {"type": "number"},
    "long": {"type": "number"},
    "address_string": {"type": "string"},
    "address_id": {"type": "string"},
    "email": {"type": "string"},
    "device_id": {"type": "string"},
    "account_id": {"type": "string"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string"},
    "description": {"type": "string"},
    "media_url": {"type": "string"},
}


def openapi_document(base: str) -> dict:
    """The document for endpoints under ``base`` (e.g. ``/open311/v2``)."""

    date = DATE.format(min=QUERY_DATE_MIN.isoformat())

    def get(summary: str, *parameters: dict) -> dict:
        return {
            "summary": summary,
            "parameters": [FORMAT, JURISDICTION, *parameters],
            "responses": _responses(),
        }

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "cunjing Open311 GeoReport v2",
            "version": "v2",
            "description": _description(),
        },
        "paths": {
            f"{base}/discovery.{{format}}": {"get": get("Discovery")},
            f"{base}/services.{{format}}": {"get": get("Service list")},
            f"{base}/services/{{service_code}}.{{format}}": {
                "get": get("Service definition", _path("service_code"))
            },
            f"{base}/requests.{{format}}": {
                "get": get(
                    "Service requests",
                    _query("api_key"),
                    _query("service_request_id", LOOKUP),
                    _query("service_code"),
                    _query("start_date", date),
                    _query("end_date", date),
                    _query("status"),
                ),
                "post": {
                    "summary": "Create a service request",
                    "parameters": [FORMAT],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": POST_FIELDS,
                                    "required": ["api_key", "service_code"],
                                }
                            }
                        },
                    },
                    "responses": _responses(201),
                },
            },
            f"{base}/requests/{{service_request_id}}.{{format}}": {
                "get": get(
                    "A service request",
                    _path("service_request_id", "Without api_key, counted as a lookup."),
                    _query("api_key"),
                )
            },
            f"{base}/tokens/{{token}}.{{format}}": {
                "get": get("The service request of a token", _path("token"))
            },
        },
    }
