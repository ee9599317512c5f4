import pytest

from cunjing.org.models import Area, Unit


def names(qs):
    return sorted(o.name for o in qs)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("beat", ["瓦房沟村"]),
        ("sibling", ["刘沟村"]),
        ("other", ["杨庄村"]),
        ("aide", ["瓦房沟村"]),
        ("office_leader", ["刘沟村", "瓦房沟村", "甲社区"]),
        ("station_leader", ["刘沟村", "瓦房沟村", "甲乡", "甲社区"]),
        (
            "commander",
            ["乙社区", "乙镇", "刘沟村", "杨庄村", "测试县", "瓦房沟村", "甲乡", "甲社区"],
        ),
    ],
)
def test_visible_areas(county, persona, expected):
    assert names(Area.objects.visible_to(county.user(persona))) == sorted(expected)


def test_station_leader_sees_station_subtree(county):
    seen = names(Unit.objects.visible_to(county.user("station_leader")))
    assert seen == sorted(["甲派出所", "甲中心警务室", "瓦房沟警务工作站", "刘沟警务工作站"])


def test_anonymous_sees_nothing(county):
    from django.contrib.auth.models import AnonymousUser

    assert not Area.objects.visible_to(AnonymousUser()).exists()
    assert not Unit.objects.visible_to(None).exists()


def test_other_bureau_invisible(county):
    from tests.county import build_county

    other = build_county(code="410500", name="另一县公安局", prefix="x-")
    commander = county.user("commander")
    assert not Area.objects.visible_to(commander).filter(bureau=other.bureau).exists()
    assert Area.objects.visible_to(commander).count() == 8
