"""Test data of the registry: valid ID numbers, and a small registry in the test county.

瓦房沟村 (own)      建设路 1号 — dwelling — 张伟明 (head, ID …, phone), 张小宝 (child, no ID)
                    建设路 1号 — 瓦房沟便利店 (shop, key unit)
刘沟村 (sibling)    刘沟大街 8号 — dwelling — 王建国 (head)
杨庄村 (other)      杨庄路 3号 — dwelling — 李秀英 (head)
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import ric

from cunjing.core.roles import SYSTEM
from cunjing.registry import services
from cunjing.registry.models import Dwelling, Establishment, Resident, StandardAddress


def id_number(birth: str = "19800101", seq: str = "123", region: str = "410481") -> str:
    """A valid 18-character ID number (GB 11643 check digit)."""
    body = f"{region}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


OWN_ID = id_number("19800101", "561")  # ends in …561x
OWN_PHONE = "13903751234"


@dataclass
class Registry:
    addresses: dict[str, StandardAddress]
    dwellings: dict[str, Dwelling]
    residents: dict[str, Resident]
    establishments: dict[str, Establishment]


def build_registry(county) -> Registry:
    a = county.areas
    addresses = {
        "own": services.address_create(actor=SYSTEM, area=a["own"], road="建设路", number="1号"),
        "sibling": services.address_create(
            actor=SYSTEM, area=a["sibling"], road="刘沟大街", number="8号"
        ),
        "other": services.address_create(
            actor=SYSTEM, area=a["other"], road="杨庄路", number="3号"
        ),
    }
    dwellings = {
        key: services.dwelling_create(actor=SYSTEM, address=address, kind="owner_occupied")
        for key, address in addresses.items()
    }
    residents = {
        "own": services.resident_create(
            actor=SYSTEM,
            dwelling=dwellings["own"],
            name="张伟明",
            household_role="head",
            id_number=OWN_ID,
            phone=OWN_PHONE,
        ),
        "own_child": services.resident_create(
            actor=SYSTEM, dwelling=dwellings["own"], name="张小宝", household_role="child"
        ),
        "sibling": services.resident_create(
            actor=SYSTEM,
            dwelling=dwellings["sibling"],
            name="王建国",
            household_role="head",
            id_number=id_number("19700505", "234"),
        ),
        "other": services.resident_create(
            actor=SYSTEM,
            dwelling=dwellings["other"],
            name="李秀英",
            household_role="head",
            id_number=id_number("19650707", "345"),
            phone="13903755678",
        ),
    }
    establishments = {
        "own": services.establishment_create(
            actor=SYSTEM,
            address=addresses["own"],
            name="瓦房沟便利店",
            kind="shop",
            contact_name="张伟明",
            contact_phone="13903751111",
            is_key_unit=True,
        ),
        "other": services.establishment_create(
            actor=SYSTEM,
            address=addresses["other"],
            name="杨庄网吧",
            kind="internet_cafe",
            contact_phone="13903752222",
        ),
    }
    return Registry(addresses, dwellings, residents, establishments)
