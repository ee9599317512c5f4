"""Helpers of the matters tests."""

from __future__ import annotations

import uuid

from cunjing.matters import services


def new_matter(county, persona: str = "beat", area: str = "own", **fields):
    defaults = {
        "kind": "request",
        "description": "村口路灯坏了，晚上很黑",
        "reporter_name": "李大爷",
        "reporter_phone": "13903750001",
    }
    defaults.update(fields)
    return services.matter_create(
        actor=county.user(persona),
        area=county.areas[area],
        client_uuid=uuid.uuid4(),
        **defaults,
    )


def public_matter(county, area: str = "own", **fields):
    """A matter a resident submitted on the portal: the only kind the public tracks by code
    (``matters.models.PUBLICLY_TRACKABLE``)."""
    defaults = {"kind": "request", "description": "村口路灯坏了，晚上很黑"}
    defaults.update(fields)
    return services.matter_submit(area=county.areas[area], **defaults)
