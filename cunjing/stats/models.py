"""Roll-up counters of the results table (统计): one row per unit × period × figure.

A record written at a workstation (a household visit, a dispute mediated, …) adds to the counter
of that workstation *and of every ancestor* — its office, station and bureau — for the record's
local day and month, in the record's own transaction (``services.figures_add``). A figure for any
unit and any date range is then a sum over O(days) rows, whatever the number of records: partial
months from ``DailyCount``, whole months from ``MonthlyCount`` (``selectors.totals``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunjing.core.models import TenantModel
from cunjing.org.models import ScopedQuerySet


class Figure(models.TextChoices):
    """The figures of the bureau's results table, named as in the glossary."""

    VOLUNTEERS = "volunteers", _("Volunteers")
    VISITS = "visits", _("Household visits")
    MATTERS = "matters", _("Matters collected")
    DISPUTES_MEDIATED = "disputes_mediated", _("Disputes mediated")
    FLOATING_RESIDENTS = "floating_residents", _("Floating residents registered")
    CONTACT_CARDS = "contact_cards", _("Contact cards handed out")
    ASSISTED_HOUSEHOLDS = "assisted_households", _("Hardship households helped")
    ASSISTED_PEOPLE = "assisted_people", _("People helped")
    SERVICES = "services", _("Good deeds")
    # Disputes (``disputes.services.figures``): where settled cases were settled, for the tier
    # rates (小事不出村、大事不出镇、矛盾不上交), and the weekly screening rounds.
    DISPUTES_SETTLED_VILLAGE = "disputes_settled_village", _("Disputes settled in the village")
    DISPUTES_SETTLED_TOWNSHIP = "disputes_settled_township", _("Disputes settled in the township")
    DISPUTES_ESCALATED = "disputes_escalated", _("Disputes escalated above the township")
    DISPUTES_PASSED_UP = "disputes_passed_up", _("Disputes passed above the county")
    SCREENINGS = "screenings", _("Screening rounds")


class DailyCount(TenantModel):
    """How much of one figure a unit's subtree produced on one local (Asia/Shanghai) day.

    Kept by ``services.figures_add`` only; never edited by hand. The unique constraint
    ``(bureau, unit, day, figure)`` is both the upsert's conflict target and the index every read
    uses (bureau, unit, then a day range)."""

    scope_unit_field = "unit"

    # No separate index on ``unit`` alone: the unique index starting (bureau, unit) serves.
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    day = models.DateField(_("day"))
    figure = models.CharField(_("figure"), max_length=32, choices=Figure.choices)
    value = models.BigIntegerField(_("value"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "unit", "day", "figure"], name="dailycount_bureau_unit_day_uniq"
            ),
            models.CheckConstraint(
                condition=Q(figure__in=Figure.values), name="dailycount_figure_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.figure}={self.value}"


class MonthlyCount(TenantModel):
    """How much of one figure a unit's subtree produced in one calendar month; ``month`` is the
    first day of the month. The same additions as ``DailyCount``, so a month's row equals the sum
    of its days; long ranges (years) read these instead of days."""

    scope_unit_field = "unit"

    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("unit"),
    )
    month = models.DateField(_("month"))
    figure = models.CharField(_("figure"), max_length=32, choices=Figure.choices)
    value = models.BigIntegerField(_("value"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "unit", "month", "figure"],
                name="monthlycount_bureau_unit_month_uniq",
            ),
            models.CheckConstraint(
                condition=Q(figure__in=Figure.values), name="monthlycount_figure_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.figure}={self.value}"
