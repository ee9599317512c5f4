from __future__ import annotations

import pytest

from cunjing.core.roles import SYSTEM
from cunjing.matters import services
from cunjing.matters.models import Matter


@pytest.fixture
def categories(county):
    services.categories_ensure_defaults(actor=SYSTEM, bureau=county.bureau)


def submit(county, **values) -> Matter:
    """A matter from the portal in 瓦房沟村 (through the service, as the page does)."""
    data = {"area": county.areas["own"], "kind": "request", "description": "路灯坏了"}
    data.update(values)
    return services.matter_submit(**data)


def resolve(county, matter: Matter, text: str = "路灯已修好") -> Matter:
    """The workstation takes it up, answers the reporter and resolves it."""
    beat = county.user("beat")
    services.matter_accept(actor=beat, matter=matter)
    services.matter_reply(actor=beat, matter=matter, channel="phone", text=text)
    services.matter_resolve(actor=beat, matter=matter, resolution="已修复")
    matter.refresh_from_db()
    return matter
