from __future__ import annotations

import pytest

from cunjing.core.roles import SYSTEM
from cunjing.disputes import services


@pytest.fixture
def kinds(county):
    """The bureau's default kinds of dispute, by code."""
    services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
    from cunjing.disputes.models import DisputeKind

    return {k.code: k for k in DisputeKind.objects.filter(bureau=county.bureau)}
