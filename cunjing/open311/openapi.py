"""An OpenAPI 3 description of the Open311 endpoints, served at ``/open311/v2/openapi.json``
(schemathesis generates requests from it in the tests)."""

from __future__ import annotations

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "schema": {"type": "string"}}


def _query(name: str, **schema) -> dict:
    return {"name": name, "in": "query", "schema": {"type": "string", **schema}}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


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
    for code in (400, 403, 404, 405, 429):
        result[str(code)] = {"description": "Error (GeoReport v2 format)", "content": errors}
    return result


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

    def get(summary: str, *parameters: dict) -> dict:
        return {
            "summary": summary,
            "parameters": [FORMAT, JURISDICTION, *parameters],
            "responses": _responses(),
        }

    return {
        "openapi": "3.0.3",
        "info": {"title": "cunjing Open311 GeoReport v2", "version": "v2"},
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
                    _query("service_request_id"),
                    _query("service_code"),
                    _query("start_date"),
                    _query("end_date"),
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
                "get": get("A service request", _path("service_request_id"))
            },
            f"{base}/tokens/{{token}}.{{format}}": {
                "get": get("The service request of a token", _path("token"))
            },
        },
    }
