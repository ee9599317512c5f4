"""What the demo's simulated field work is calibrated on: the source's results table
(``SOURCE_FIGURES``, 2014-09-01 to 2015-01-20), the records of each kind in that launch phase,
the rates of the later phases, and the calendar that weights the days (weekends, public
holidays, the ramp-up of September 2014). ``cunjing.demo.fieldwork`` simulates from them."""

from __future__ import annotations

import datetime as dt

SOURCE_FROM = dt.date(2014, 9, 1)
SOURCE_TO = dt.date(2015, 1, 20)
SOURCE_OFFICERS = 217

# 截至2015年1月20日 (the results table of the source; matters and disputes did not exist yet).
SOURCE_FIGURES: dict[str, int] = {
    "volunteers": 3434,
    "visits": 51700,
    "matters": 0,
    "disputes_mediated": 0,
    "floating_residents": 1000,
    "contact_cards": 51700,
    "assisted_households": 651,
    "assisted_people": 1953,
    "services": 300,
}

KINDS = ("visit", "floating", "service", "assistance", "outreach", "volunteer", "prevention")

# Records of each kind in the launch phase for SOURCE_OFFICERS officers (scaled to the bureau's
# number of beat officers). Outreach and prevention are not in the source's table: about one
# lesson a month and one patrol or watch a week per officer (the source's weekly 二级巡控).
LAUNCH_RECORDS: dict[str, int] = {
    "visit": SOURCE_FIGURES["visits"],
    "floating": SOURCE_FIGURES["floating_residents"],
    "service": SOURCE_FIGURES["services"],
    "assistance": SOURCE_FIGURES["assisted_households"],
    "outreach": 950,
    "volunteer": SOURCE_FIGURES["volunteers"],
    "prevention": 4400,
}
# Kinds the source counts with "余" (51700余, 1000余, 300余): up to SURPLUS more.
SURPLUS_KINDS = frozenset({"visit", "floating", "service", "outreach", "prevention"})
SURPLUS = 0.008

BETWEEN_FACTOR = 0.02
RECENT_FACTOR = 0.2
RECENT_DAYS = 365
SPOTLIGHT_DAYS = 7
# Contact cards after the launch: most households already have one.
LATER_CARD_SHARE = 0.35
FOLLOW_UP_SHARE = 0.06
SPOTLIGHT_FOLLOW_UP_SHARE = 0.3

# Public holidays (the days off), for the texture of the series.
_SPRING_FESTIVAL = {
    2015: dt.date(2015, 2, 19),
    2016: dt.date(2016, 2, 8),
    2017: dt.date(2017, 1, 28),
    2018: dt.date(2018, 2, 16),
    2019: dt.date(2019, 2, 5),
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
}
_MID_AUTUMN_2014 = dt.date(2014, 9, 8)


def is_holiday(day: dt.date) -> bool:
    """元旦 (Jan 1–3), 劳动节 (May 1–3), 国庆 (Oct 1–7), 春节 (eve to the 6th day), 中秋 2014."""
    md = (day.month, day.day)
    if (1, 1) <= md <= (1, 3) or (5, 1) <= md <= (5, 3) or (10, 1) <= md <= (10, 7):
        return True
    if day == _MID_AUTUMN_2014:
        return True
    festival = _SPRING_FESTIVAL.get(day.year)
    return festival is not None and -1 <= (day - festival).days <= 5


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def day_weight(day: dt.date) -> float:
    """How busy a day is, relative to an ordinary working day of the running mechanism."""
    weight = 1.0
    if day.weekday() == 5:
        weight = 0.55
    elif day.weekday() == 6:
        weight = 0.45
    if is_holiday(day):
        weight *= 0.3
    if SOURCE_FROM <= day < dt.date(2014, 10, 1):
        # The mechanism ramps up through September 2014: 35 % on the first day, full on the 30th.
        weight *= 0.35 + 0.65 * (day - SOURCE_FROM).days / 29
    return weight
