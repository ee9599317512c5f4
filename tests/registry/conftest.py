from __future__ import annotations

import pytest

from tests.registry.data import Registry, build_registry


@pytest.fixture
def registry(county) -> Registry:
    return build_registry(county)
