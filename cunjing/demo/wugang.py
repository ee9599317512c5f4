"""Static facts of the demo county, shaped like 舞钢市 (Wugang, 平顶山, Henan; division code 410481)
as the source report describes it in 2014: 26 communities, 191 villages, 27 central offices, 190
workstations, 217 beat officers.

Sources for the real names (checked 2025):

- Township-level areas and their codes: the statistical division codes as republished by
  modood/Administrative-divisions-of-China (``dist/streets.csv``: 410481001 垭口街道 … 410481205
  杨庄乡), and the area's history at https://www.itsfun.com.tw/舞鋼/wiki-2547295-6274175
  ("截至2013年8月,舞钢市辖5个街道、4个镇、4个乡"; 王店乡 merged into 尚店镇 and 安寨乡 into 枣林
  in 2005). 铁山乡 later became 铁山街道 (410481006) and 红山街道 was created after 2014; the
  2014-era township code of 铁山乡 is not confirmed, 203 is assumed.
- Communities of 垭口/寺坡/朱兰/院岭街道 and their villages 石门郭村, 垭口村, 寺坡村, 朱兰村: the
  itsfun page above.
- 杨庄乡's 21 villages with their real codes 410481205201…221 (瓦房沟村 = 221):
  https://www.newton.com.tw/wiki/楊莊鄉/16025875
- 庙街乡's 12 villages (刘沟村 among them): https://www.qicai.net/sight/town_20136.html and
  https://newton.com.tw/wiki/廟街鄉/2437940
- 尹集镇's 19 villages: https://m.ke263.com/list2074/114753l0.html (one name is garbled on that
  page; 陈庄村 stands in for it). 八台镇 has 23 villages (八台, 杨泉, 赵案庄 are named at
  https://ggdituw.com/pingdingshanmap/wugangshi_bataizhen.html), 枣林 39 (枣林, 安寨:
  http://mdiming.qi18.com/henan/wugangshi_zaolinxiangdianhltq).

Everything else — the communities of 矿建街道 and of the town seats, the remaining village names,
all people, addresses and phone numbers — is invented but plausible for the area. Village counts
per township are chosen so the county totals match the source exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

COUNTY_CODE = "410481"
COUNTY_NAME = "舞钢市"
BUREAU_NAME = "舞钢市公安局"
COUNTY_CENTRE = (33.302, 113.523)  # 垭口, the seat of the city government
BEAT_START = dt.date(2014, 9, 1)  # 一村一警 starts in Henan in September 2014

# The bounding box every demo coordinate stays in (WGS-84).
LAT_RANGE = (33.20, 33.45)
LON_RANGE = (113.30, 113.75)


@dataclass(frozen=True)
class Township:
    """A township-level area (街道 / 镇 / 乡) with its station, communities and villages. Village
    codes run 201, 202, … in the order given; community codes 001, 002, …"""

    code: str  # the three digits after 410481
    name: str
    kind: str  # subdistrict / town / township
    short: str  # 垭口 → 垭口派出所
    centre: tuple[float, float]
    road: str  # main street, for addresses
    communities: tuple[str, ...]
    villages: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    """Names written as one space-separated string (keeps the tables compact)."""
    return tuple(text.split())


TOWNSHIPS: tuple[Township, ...] = (
    Township(
        code="001",
        name="垭口街道",
        kind="subdistrict",
        short="垭口",
        centre=(33.302, 113.523),
        road="朝阳路",
        communities=_names("鑫源社区 朝阳路社区 育才社区 振兴社区 平安社区"),
        villages=_names("石门郭村 垭口村"),
    ),
    Township(
        code="002",
        name="寺坡街道",
        kind="subdistrict",
        short="寺坡",
        centre=(33.292, 113.548),
        road="湖滨大道",
        communities=_names("奋飞社区 龙泉社区 九九山社区 中兴社区"),
        villages=_names("寺坡村"),
    ),
    Township(
        code="003",
        name="朱兰街道",
        kind="subdistrict",
        short="朱兰",
        centre=(33.281, 113.503),
        road="钢城路",
        communities=_names("矿业社区 银龙社区 夕阳红社区"),
        villages=_names("朱兰村"),
    ),
    Township(
        code="004",
        name="院岭街道",
        kind="subdistrict",
        short="院岭",
        centre=(33.318, 113.561),
        road="院岭路",
        communities=_names("兴钢社区 工业园社区 白云社区"),
        villages=_names("院岭村 韩店村 苗庄村"),
    ),
    Township(
        code="005",
        name="矿建街道",
        kind="subdistrict",
        short="矿建",
        centre=(33.334, 113.487),
        road="矿建路",
        communities=_names("矿建社区 红山社区"),
        villages=_names("冢张村 岗刘村 彭庄村 田岗村"),
    ),
    Township(
        code="100",
        name="尚店镇",
        kind="town",
        short="尚店",
        centre=(33.222, 113.425),
        road="尚店街",
        communities=_names("尚店社区 王店社区"),
        villages=_names(
            "尚店村 马庄村 李楼村 黄庄村 刘庄村 程庄村 魏庄村 祁庄村 下曹村 东王庄村 邓庄村 "
            "坡张村 柏树岗村"
        )
        # the former 王店乡 (merged into 尚店镇 in 2005), served by 王店派出所
        + _names("王店村 石庙村 罗庄村 韩岗村 龚庄村 霍堰村 杜庄村 沙河湾村 侯庄村"),
    ),
    Township(
        code="101",
        name="八台镇",
        kind="town",
        short="八台",
        centre=(33.393, 113.428),
        road="八台街",
        communities=_names("八台社区"),
        villages=_names(
            "八台村 杨泉村 赵案庄村 闫庄村 五里铺村 后营村 前营村 孙庄村 贾庄村 大营村 "
            "袁庄村 路庄村 肖庄村 马湾村 荆山村 古城村 冢王村 东高庄村 西高庄村 新庄村 "
            "郭庄村 曹湾村 井王村"
        ),
    ),
    Township(
        code="102",
        name="尹集镇",
        kind="town",
        short="尹集",
        centre=(33.218, 113.643),
        road="尹集街",
        communities=_names("尹集社区"),
        villages=_names(
            "尹集村 谢古洞村 清凉寺村 李庄村 石岗村 军王村 梁庄村 蔡庄村 陈庄村 小王庄村 "
            "埂上村 苇子园村 楼房湾村 大刘庄村 康庄村 张庄村 朱洼村 鸡山村 姬庄村"
        ),
    ),
    Township(
        code="103",
        name="枣林镇",
        kind="town",
        short="枣林",
        centre=(33.418, 113.582),
        road="枣林街",
        communities=_names("枣林社区"),
        villages=_names(
            "枣林村 安寨村 北寨村 东寨村 朱庄村 丁庄村 湾张村 王营村 三里河村 韦河村 "
            "滚河李村 姚庄村 尹庄村 段庄村 胡庄村 小王营村 金庄村 翟庄村 陶庄村 冯庄村 "
            "楼张村 樊庄村 史庄村 蒋庄村 于庄村 邢庄村 崔庄村 关庄村 前朱村 郑庄村 谢庄村 "
            "霍庄村 吕庄村 岳庄村 宋庄村 高营村 连庄村 付庄村 徐庄村"
        ),
    ),
    Township(
        code="202",
        name="庙街乡",
        kind="township",
        short="庙街",
        centre=(33.346, 113.398),
        road="庙街",
        communities=_names("庙街社区"),
        villages=_names(
            "庙街村 山和庄村 刘沟村 人头山村 曹庄村 党庄村 胡沟村 干沟村 东营村 郭洼村 "
            "大韩庄村 冷岗村"
        ),
    ),
    Township(
        code="203",
        name="铁山乡",
        kind="township",
        short="铁山",
        centre=(33.366, 113.506),
        road="铁山路",
        communities=_names("铁山社区"),
        villages=_names(
            "铁山村 石漫滩村 经山寺村 王沟村 张湾村 冯沟村 秦庄村 大河村 柳树沟村 洪河村 "
            "南岗村 赵沟村 水磨湾村 青石岭村 枣树岗村 黄土坡村 石板河村 北岭村"
        ),
    ),
    Township(
        code="204",
        name="武功乡",
        kind="township",
        short="武功",
        centre=(33.286, 113.664),
        road="武功街",
        communities=_names("武功社区"),
        villages=_names(
            "武功村 七里营村 张集村 周庄村 唐庄村 尹湾村 花庄村 双庙村 许庄村 马集村 范庄村 "
            "鲁庄村 倪庄村 董庄村 湾赵村 潘庄村 吴岗村 黄岗村 大郭庄村 南庄村 北庄村 杜岗村 "
            "薛湾村 梁洼村 安庄村 孟庄村"
        ),
    ),
    Township(
        code="205",
        name="杨庄乡",
        kind="township",
        short="杨庄",
        centre=(33.236, 113.533),
        road="平桐路",
        communities=_names("杨庄社区"),
        villages=_names(
            "吴庄村 薛庄村 红石岗村 袁门村 臧坪村 叶楼村 晁庄村 操占村 毛庄村 建新村 岗李村 "
            "水田村 长岭头村 袁老庄村 陡沟村 龙泉村 柏庄村 郜林村 五座窑村 雷庄村 瓦房沟村"
        ),
    ),
)

# 王店派出所 is named in the source, but 王店乡 was merged into 尚店镇 in 2005: the demo gives it
# the former 王店乡 part of 尚店镇 (the station serves 尚店镇 alongside 尚店派出所).
EXTRA_STATIONS: dict[str, tuple[str, frozenset[str]]] = {
    "王店": (
        "100",
        frozenset(
            _names("王店社区 王店村 石庙村 罗庄村 韩岗村 龚庄村 霍堰村 杜庄村 沙河湾村 侯庄村")
        ),
    ),
}

# The one community with two central offices (27 offices in 26 communities).
DOUBLE_OFFICE_COMMUNITY = "工业园社区"
DOUBLE_OFFICE_NAMES = ("工业园东区中心警务室", "工业园西区中心警务室")

# The one workstation serving two quiet villages (190 workstations for 191 villages).
SHARED_WORKSTATION = ("204", ("安庄村", "孟庄村"), "安庄孟庄警务工作站")

# Officers the source names, on the beat of an office's community (the lead office if two).
NAMED_OFFICERS: dict[str, str] = {
    "夕阳红社区": "周志强",  # 朱兰派出所; the "神探光头强" of the source's weibo story
    "工业园社区": "金文",  # settled the neighbours' fight near the industrial park
}

# The areas the demo personas work in.
DEMO_VILLAGE = "瓦房沟村"  # 杨庄派出所, the source's 户口 story
DEMO_STATION = "杨庄"

# People named in the source who hold accounts but are not beat officers.
BUREAU_DIRECTOR = "王中孚"  # 局长
DEPUTY_DIRECTOR = "王利军"  # 副局长

# --- Name pools for generated people ------------------------------------------------------

# Common surnames, most frequent in Henan first (repeated ones weigh more).
SURNAMES = (
    "王王王王李李李张张张刘刘刘陈陈杨杨赵赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆"
    "郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_MALE = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林洋阳峰建国志文海"
    "亮兵东毅彬力振刚晓坤永庆春德朝宏卫红新"
)
GIVEN_FEMALE = "芳娜敏静燕艳霞玲婷丹丽秀英华慧颖琳洁晶雪梅兰凤萍倩红霞莉琴月"

# Mobile prefixes of the three Chinese carriers (13x / 15x / 18x).
MOBILE_PREFIXES = _names(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "180 181 182 183 185 186 187 188 189"
)
LANDLINE_PREFIX = "0375-8"  # Pingdingshan area code; Wugang numbers start with 8
