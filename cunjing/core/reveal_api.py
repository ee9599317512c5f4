"""``POST /api/reveal``: one clear ID number or phone, with a reason (``core.reveal``).

The router is built by :func:`build_router` when the API is assembled (after every app has
registered its revealable kinds), so that the OpenAPI description enumerates them. No
``from __future__ import annotations`` here: ninja reads the local schema class from the
endpoint's annotations.
"""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cunjing.core import reveal
from cunjing.core.api import ERRORS_WRITE, BodyId, InputSchema, Text


class RevealOut(Schema):
    object: str
    id: int
    field: str
    value: str = Field(description="The clear value; this answer was written to the audit trail.")


def build_router() -> Router:
    kinds = reveal.kinds()
    if not kinds:
        raise RuntimeError("no revealable kind is registered: build the router after apps load")

    class RevealIn(InputSchema):
        object: Literal[kinds] = Field(description="The kind of record.")  # type: ignore[valid-type]
        id: BodyId
        field: Literal[reveal.REVEAL_FIELDS]  # type: ignore[valid-type]
        reason: Text = Field(
            min_length=reveal.REVEAL_REASON_MIN,
            max_length=reveal.REVEAL_REASON_MAX,
            description="Why the clear value is needed; kept in the audit trail.",
        )

    router = Router(tags=["personal data"])

    @router.post(
        "",
        response={200: RevealOut, **ERRORS_WRITE},
        summary="Reveal one masked ID number or phone, with a reason (audited)",
        operation_id="personal_data_reveal",
    )
    def reveal_value(request: HttpRequest, payload: RevealIn):
        """The clear value of one field of one record: a resident's or floating resident's
        `id_number` or `phone`, an establishment's contact `phone`, a volunteer's `phone`, a
        matter reporter's `phone`. Needs the right to reveal (beat officers, office and station
        leaders, the commander) and a record in the caller's jurisdiction (404 otherwise); the
        reason (at least 4 characters) goes into the audit event written with this answer, the
        value never does."""
        value = reveal.reveal(
            actor=request.auth,
            kind=payload.object,
            pk=payload.id,
            field=payload.field,
            reason=payload.reason,
        )
        return {"object": payload.object, "id": payload.id, "field": payload.field, "value": value}

    return router
