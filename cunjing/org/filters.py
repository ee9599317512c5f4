"""The filters of the organisation lists, declared once for the area page and the API
(``core.filters``); they apply through ``selectors.filter_units`` and ``selectors.filter_areas``.
Both lists are counted offset pages in tree order (``core.pagination``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunjing.core.filters import ChoiceFilter, FilterSet, IdFilter, TextFilter
from cunjing.org import selectors
from cunjing.org.models import AreaKind, UnitKind


class UnitFilters(FilterSet):
    """The units of the caller's subtree (API only: the page is the tree)."""

    kind = ChoiceFilter(UnitKind, label=_("kind"), description="Only units of this kind.")
    parent = IdFilter(description="Only the direct children of this unit.")
    q = TextFilter(
        max_length=100, description="Name contains this text, or the code is exactly it."
    )

    @staticmethod
    def select(user, **values):
        return selectors.unit_list(user, **values).order_by("path", "id")


class AreaFilters(FilterSet):
    q = TextFilter(
        max_length=50,
        label=_("search"),
        help_text=_("Name, pinyin, pinyin initials (wfg) or division code."),
        description="Chinese name contains it, or pinyin / pinyin initials start with it "
        "(`wfg` finds 瓦房沟村), or the division code starts with it.",
    )
    kind = ChoiceFilter(
        AreaKind,
        label=_("kind"),
        empty_label=_("All kinds"),
        description="Only areas of this kind.",
    )
    parent = IdFilter(label=_("parent area"), description="Only the direct children of this area.")

    @staticmethod
    def select(user, **values):
        return selectors.area_list(user, **values).order_by("path", "id")
