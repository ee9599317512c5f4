"""The OpenAPI document and the Swagger page."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.test import Client

from cunjing.api import api

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


FIELDWORK_KINDS = (
    "visits",
    "floating-residents",
    "services",
    "assistance",
    "outreach",
    "volunteers",
    "prevention",
    "worklogs",
    "reports",
)


REGISTRY_KINDS = (
    ("addresses", "address"),
    ("dwellings", "dwelling"),
    ("residents", "resident"),
    ("establishments", "establishment"),
)


MATTERS_OPERATIONS = (
    "POST /api/matters",
    "GET /api/matters",
    "GET /api/matters/{matter_id}",
    *(
        f"POST /api/matters/{{matter_id}}/{action}"
        for action in ("accept", "reply", "resolve", "escalate", "refer", "merge", "case")
    ),
    "POST /api/matters/{matter_id}/attachments",
    "GET /api/matters/sla",
    "PUT /api/matters/sla",
    "GET /api/matters/categories",
    "GET /api/matters/counts",
)


DISPUTES_OPERATIONS = (
    "GET /api/disputes/kinds",
    "POST /api/disputes/kinds",
    "PATCH /api/disputes/kinds/{kind_id}",
    "POST /api/disputes/screenings",
    "GET /api/disputes/screenings",
    "GET /api/disputes/screenings/{screening_id}",
    "GET /api/disputes/hazards",
    "POST /api/disputes/hazards/{hazard_id}/close",
    "GET /api/disputes/rates",
    "POST /api/disputes",
    "GET /api/disputes",
    "GET /api/disputes/{dispute_id}",
    "POST /api/disputes/{dispute_id}/transitions",
    "GET /api/disputes/{dispute_id}/sessions",
    "POST /api/disputes/{dispute_id}/sessions",
    "GET /api/disputes/{dispute_id}/follow-ups",
    "POST /api/disputes/{dispute_id}/follow-ups",
)


def test_openapi_document_loads_in_schemathesis(document):
    schema = schemathesis.openapi.from_dict(document)
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert labels == {
        "POST /api/auth/token",
        "GET /api/me",
        "GET /api/org/units",
        "GET /api/org/units/{unit_id}",
        "GET /api/org/areas",
        "GET /api/org/areas/{area_id}",
        "PATCH /api/org/areas/{area_id}",
        "POST /api/org/beats",
        "POST /api/org/beats/{beat_id}/end",
        "GET /api/org/coverage",
        *(
            f"{method} /api/org/{kind}"
            for method in ("GET", "POST")
            for kind in ("officers", "aides")
        ),
        *(
            f"{method} /api/org/{kind}/{{{one}_id}}"
            for method in ("GET", "PATCH")
            for kind, one in (("officers", "officer"), ("aides", "aide"))
        ),
        "POST /api/org/officers/{officer_id}/transfer",
        "POST /api/org/officers/{officer_id}/leave",
        "POST /api/org/aides/{aide_id}/end",
        "GET /api/accounts",
        "POST /api/accounts",
        "GET /api/accounts/{account_id}",
        "PATCH /api/accounts/{account_id}",
        *(
            f"POST /api/accounts/{{account_id}}/{action}"
            for action in (
                "disable",
                "enable",
                "unlock",
                "revoke-tokens",
                "reset-password",
                "reset-2fa",
            )
        ),
        "GET /api/org/rules",
        "PUT /api/org/rules",
        "GET /api/stats/totals",
        "POST /api/fieldwork/supervisions",
        "POST /api/fieldwork/corrections",
        "GET /api/fieldwork/corrections",
        "POST /api/fieldwork/corrections/{correction_id}/decision",
        *(
            f"{label} /api/fieldwork/{kind}/{{record_id}}{tail}"
            for label, tail in (("PATCH", ""), ("POST", "/void"))
            for kind in FIELDWORK_KINDS
            if kind not in ("worklogs", "reports")
        ),
        *(
            f"{method} /api/fieldwork/{kind}"
            for method in ("GET", "POST")
            for kind in FIELDWORK_KINDS
        ),
        *(
            label
            for kind, one in REGISTRY_KINDS
            for label in (
                f"GET /api/registry/{kind}",
                f"POST /api/registry/{kind}",
                f"GET /api/registry/{kind}/{{{one}_id}}",
            )
        ),
        "POST /api/reveal",
        *MATTERS_OPERATIONS,
        *DISPUTES_OPERATIONS,
    }
    assert document["openapi"].startswith("3.1")


def test_openapi_document_is_valid_openapi_3_1(document):
    # schemathesis checks the document against the OpenAPI 3.1 meta-schema (jsonschema_rs).
    schemathesis.openapi.from_dict(document).validate()
    # ... and would notice a broken one.
    broken = copy.deepcopy(document)
    broken["paths"]["/api/me"]["get"]["responses"]["200"] = {"content": "nonsense"}
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_every_operation_has_summary_tags_and_error_responses(document):
    for path, method, operation in operations(document):
        label = f"{method.upper()} {path}"
        assert operation.get("summary"), label
        assert operation.get("tags"), label
        assert operation.get("operationId"), label
        responses = operation["responses"]
        if path != "/api/auth/token":
            assert "401" in responses, label
            assert operation.get("security"), label  # bearer token or session
        if "requestBody" in operation or any(
            p["in"] in ("path", "query") for p in operation.get("parameters", [])
        ):
            assert "422" in responses, label


PEOPLE_INPUTS = (
    "OfficerIn",
    "OfficerPatchIn",
    "OfficerTransferIn",
    "LeaveIn",
    "AideIn",
    "AidePatchIn",
)


def test_input_schemas_forbid_unknown_fields(document):
    schemas = document["components"]["schemas"]
    for name in ("TokenIn", "AreaPatchIn", "BeatAssignIn", "BeatEndIn", *PEOPLE_INPUTS):
        assert schemas[name]["additionalProperties"] is False, name


def test_strings_are_bounded_and_numbers_have_ranges(document):
    schemas = document["components"]["schemas"]

    def string_bounded(prop):
        options = prop.get("anyOf", [prop])
        return all(o.get("type") != "string" or "maxLength" in o or "format" in o for o in options)

    for name in ("TokenIn", "AreaPatchIn", "BeatAssignIn", "BeatEndIn", *PEOPLE_INPUTS):
        for field, prop in schemas[name]["properties"].items():
            assert string_bounded(prop), (name, field)
    lat = schemas["AreaPatchIn"]["properties"]["latitude"]["anyOf"][0]
    assert (lat["minimum"], lat["maximum"]) == (-90, 90)
    lon = schemas["AreaPatchIn"]["properties"]["longitude"]["anyOf"][0]
    assert (lon["minimum"], lon["maximum"]) == (-180, 180)
    for path, _method, operation in operations(document):
        for param in operation.get("parameters", []):
            schema = param["schema"]
            options = schema.get("anyOf", [schema])
            for o in options:
                if o.get("type") == "integer":
                    assert "maximum" in o and "minimum" in o, (path, param["name"])
                if o.get("type") == "string":
                    assert "maxLength" in o, (path, param["name"])


def test_both_security_schemes_are_documented(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"


def test_the_document_matches_the_api_object(document):
    assert document == Client().get("/api/openapi.json").json()
    assert document["info"]["title"] == api.title


# --- Swagger page ------------------------------------------------------------------------------


def test_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs, html
    for ref in refs:
        assert ref.startswith("/static/"), ref  # same origin: no CDN, no other host
        assert "cdn" not in ref.lower(), ref
    assert "//" not in "".join(refs)
    assert "/static/ninja/swagger-ui-bundle.js" in refs
    assert "/static/ninja/swagger-ui.css" in refs
    # Swagger UI would otherwise ask validator.swagger.io to badge the document.
    assert '"validatorUrl": null' in html


def test_docs_assets_are_served_locally(client):
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert finders.find(asset), asset
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset


def test_docs_init_script_loads_nothing_remote():
    source = Path(finders.find("ninja/swagger-ui-init.js")).read_text(encoding="utf-8")
    assert "http://" not in source and "https://" not in source
