"""The bureau a public side (the portal, Open311) serves: the one a code names, else the only
bureau; otherwise the reason, for the caller to answer and log."""

from __future__ import annotations

import pytest

from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from cunjing.org.models import Bureau
from cunjing.org.selectors import public_bureau


def test_the_only_bureau_without_a_code(county):
    assert public_bureau() == county.bureau
    assert public_bureau("") == county.bureau


def test_a_code_names_its_bureau_or_none(county):
    second = org.bureau_create(actor=SYSTEM, name="第二县公安局", code="410500")
    assert public_bureau("410500") == second
    assert public_bureau(county.bureau.code) == county.bureau
    with pytest.raises(Bureau.DoesNotExist):
        public_bureau("999999")


def test_several_bureaus_need_a_code(county):
    org.bureau_create(actor=SYSTEM, name="第二县公安局", code="410500")
    with pytest.raises(Bureau.MultipleObjectsReturned):
        public_bureau()
