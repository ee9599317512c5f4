"""Without any bureau the public side serves none (a module of its own: no test county here)."""

from __future__ import annotations

import pytest

from cunjing.org.models import Bureau
from cunjing.org.selectors import public_bureau


def test_no_bureau(db):
    assert not Bureau.objects.exists()
    with pytest.raises(Bureau.DoesNotExist):
        public_bureau()
