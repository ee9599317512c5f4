"""The filters of the organisation lists, declared once for the pages and the API
(``core.filters``); they apply through the selectors (``filter_units``, ``filter_areas``,
``officer_list``, ``aide_list``). The lists are counted offset pages (``core.pagination``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunjing.core.filters import BoolFilter, ChoiceFilter, FilterSet, IdFilter, TextFilter
from cunjing.org import selectors
from cunjing.org.models import AideKind, AideSubtype, AreaKind, UnitKind


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


def _units(user):
    return selectors.unit_list(user).order_by("path")


class OfficerFilters(FilterSet):
    q = TextFilter(
        max_length=50,
        label=_("search"),
        help_text=_("Name, pinyin initials (zs) or badge number."),
        description="Name contains it, pinyin initials start with it (`zs` finds 张三), or the "
        "badge (police) number starts with it.",
    )
    unit = IdFilter(
        choices=_units,
        label=_("unit"),
        description="Only officers of this unit and the units under it.",
    )
    state = ChoiceFilter(
        selectors.PersonState,
        label=_("state"),
        default=selectors.PersonState.ACTIVE,
        description="`active`: serving (default); `inactive`: retired or left.",
    )
    on_beat = BoolFilter(
        label=_("on a beat"),
        description="true: only officers with an open beat; false: only those without.",
    )

    @staticmethod
    def select(user, **values):
        return selectors.officer_list(user, **values).order_by("unit__path", "name", "id")


class AideFilters(FilterSet):
    q = TextFilter(
        max_length=50,
        label=_("search"),
        help_text=_("Name, pinyin initials or phone digits."),
        description="Name contains it, pinyin initials start with it, or the phone contains "
        "these digits.",
    )
    area = IdFilter(
        choices=lambda user: selectors.area_list(user).order_by("path"),
        label=_("area"),
        description="Only aides of this village or community, or of the villages under this "
        "township.",
    )
    kind = ChoiceFilter(
        AideKind, label=_("kind"), empty_label=_("Both kinds"), description="Only this kind."
    )
    subtype = ChoiceFilter(
        AideSubtype,
        label=_("subtype"),
        empty_label=_("All subtypes"),
        description="Only security members of this subtype.",
    )
    state = ChoiceFilter(
        selectors.PersonState,
        label=_("state"),
        default=selectors.PersonState.ACTIVE,
        description="`active`: serving (default); `inactive`: service ended.",
    )

    @staticmethod
    def select(user, **values):
        return selectors.aide_list(user, **values).order_by("area__path", "name", "id")
