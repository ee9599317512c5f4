"""Where a point or an address falls (``cunjing.org.geo``): boundaries of the test county
(``tests/county.py``: 瓦房沟村 and 刘沟村 side by side, 杨庄村 far east) and boundaries set in the
test (a hole, a multipolygon)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.org import geo
from cunjing.org import services as org
from cunjing.org.models import Area
from tests.county import square

pytestmark = pytest.mark.django_db
NEAR_KM = 3.0


def at(county, lat, lon, km=NEAR_KM):
    return geo.area_at_point(bureau_id=county.bureau.pk, latitude=lat, longitude=lon, nearest_km=km)


def test_boundaries_of_the_test_county_keep_their_bounding_box(county):
    own = county.areas["own"]
    assert own.boundary["type"] == "Polygon"
    assert (own.bbox_min_lat, own.bbox_max_lat) == (33.22, 33.24)
    assert (own.bbox_min_lon, own.bbox_max_lon) == (113.44, 113.46)
    assert county.areas["township_a"].boundary is None


def test_a_point_inside_a_boundary_finds_its_village(county):
    assert at(county, 33.23, 113.45) == county.areas["own"]
    assert at(county, 33.23, 113.47) == county.areas["sibling"]
    assert at(county, 33.31, 113.61) == county.areas["other"]


def test_a_point_on_the_edge_counts_as_inside(county):
    # The south-west corner of 瓦房沟村 belongs to nobody else.
    assert at(county, 33.22, 113.44, km=0) == county.areas["own"]
    # On the edge shared with 刘沟村, the village whose centre is nearest wins (瓦房沟村 has one).
    assert at(county, 33.23, 113.46, km=0) == county.areas["own"]


def test_a_point_in_a_hole_is_not_inside(county):
    holed = {
        "type": "Polygon",
        "coordinates": [
            [[113.60, 33.30], [113.62, 33.30], [113.62, 33.32], [113.60, 33.32], [113.60, 33.30]],
            [[113.605, 33.305], [113.615, 33.305], [113.615, 33.315], [113.605, 33.315],
             [113.605, 33.305]],
        ],
    }  # fmt: skip
    org.area_set_boundary(actor=SYSTEM, area=county.areas["other"], boundary=holed)
    assert at(county, 33.302, 113.602, km=0) == county.areas["other"]
    # 杨庄村 has no centre: in the hole, nothing holds the point and nothing is near.
    assert at(county, 33.31, 113.61) is None


def test_a_multipolygon_holds_points_in_each_part(county):
    parts = {
        "type": "MultiPolygon",
        "coordinates": [square(33.30, 113.60)["coordinates"], square(33.40, 113.70)["coordinates"]],
    }
    org.area_set_boundary(actor=SYSTEM, area=county.areas["other"], boundary=parts)
    assert at(county, 33.31, 113.61, km=0) == county.areas["other"]
    assert at(county, 33.41, 113.71, km=0) == county.areas["other"]
    assert at(county, 33.35, 113.65, km=0) is None  # between the parts


def test_outside_but_near_a_centre_finds_the_nearest_village(county):
    # 0.01° south of 瓦房沟村's boundary (about 1.1 km from its edge, 2.3 km from its centre).
    assert at(county, 33.21, 113.45) == county.areas["own"]
    assert geo.haversine_km(33.21, 113.45, 33.2301, 113.4502) < NEAR_KM


def test_far_away_finds_nothing(county):
    assert at(county, 33.10, 113.45) is None  # about 14 km south
    assert at(county, 39.9, 116.4) is None  # Beijing


def test_another_bureaus_villages_are_never_found(county):
    from tests.county import build_county

    other = build_county(code="410498", name="邻县公安局", prefix="n_")
    assert at(county, 33.23, 113.45) == county.areas["own"]
    assert (
        geo.area_at_point(bureau_id=other.bureau.pk, latitude=33.23, longitude=113.45, nearest_km=3)
        == other.areas["own"]
    )


@pytest.mark.parametrize(
    "value",
    [
        "{not json",
        {"type": "Point", "coordinates": [113.4, 33.2]},
        {"type": "Polygon", "coordinates": [[[113.4, 33.2], [113.5, 33.2]]]},
        {"type": "Polygon", "coordinates": "x"},
        # A bow tie crosses itself.
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        # Latitude and longitude swapped past 90°.
        {"type": "Polygon", "coordinates": [[[33, 113], [34, 113], [34, 114], [33, 113]]]},
        [1, 2, 3],
    ],
)
def test_bad_boundaries_are_refused_on_the_field(county, value):
    with pytest.raises(ValidationError) as exc:
        org.area_set_boundary(actor=SYSTEM, area=county.areas["own"], boundary=value)
    assert "boundary" in exc.value.message_dict
    own = Area.objects.get(pk=county.areas["own"].pk)
    assert own.boundary == county.areas["own"].boundary


def test_setting_a_boundary_is_audited_and_clearing_it_clears_the_box(county):
    area = org.area_set_boundary(actor=SYSTEM, area=county.areas["own"], boundary=None)
    assert area.boundary is None and area.bbox_min_lat is None
    event = AuditEvent.objects.filter(action="area.boundary", object_id=str(area.pk)).get()
    assert event.before["boundary"]["type"] == "Polygon" and event.after == {"boundary": None}
    assert at(county, 33.23, 113.45, km=0) is None


def test_setting_a_boundary_needs_manage_org(county):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        org.area_set_boundary(
            actor=county.user("beat"), area=county.areas["own"], boundary=square(1, 1)
        )


# --- Addresses ------------------------------------------------------------------------------


def named(county, text):
    return geo.areas_named_in(bureau_id=county.bureau.pk, text=text)


def test_an_address_naming_a_village_finds_it(county):
    assert named(county, "甲乡瓦房沟村三组12号").area == county.areas["own"]
    assert named(county, "杨庄村 村委会东 100 米").area == county.areas["other"]
    assert named(county, "甲社区中心路").area == county.areas["community_a"]


def test_an_address_naming_nothing_finds_nothing(county):
    found = named(county, "北京市朝阳区")
    assert found.area is None and found.candidates == ()
    assert named(county, "   ").area is None


def test_an_address_naming_two_villages_is_ambiguous(county):
    found = named(county, "瓦房沟村和刘沟村交界处")
    assert found.area is None
    assert set(found.candidates) == {county.areas["own"], county.areas["sibling"]}


def test_the_township_tells_two_villages_of_one_name_apart(county):
    twin = org.area_create(
        actor=SYSTEM,
        bureau=county.bureau,
        parent=county.areas["township_b"],
        kind="village",
        name="瓦房沟村",
        division_code="410499100202",
    )
    assert set(named(county, "瓦房沟村5号").candidates) == {county.areas["own"], twin}
    assert named(county, "乙镇瓦房沟村5号").area == twin
    assert named(county, "甲乡瓦房沟村5号").area == county.areas["own"]


def test_a_longer_name_wins_over_the_name_inside_it(county):
    longer = org.area_create(
        actor=SYSTEM,
        bureau=county.bureau,
        parent=county.areas["township_a"],
        kind="village",
        name="大刘沟村",
        division_code="410499200203",
    )
    assert named(county, "大刘沟村东头").area == longer
