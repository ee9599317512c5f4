"""The filters of the registry lists, declared once for the search page and the API
(``core.filters``). Every list takes the search text ``q`` (``selectors.search_q``) and an area;
each kind adds its own. The lists are counted offset pages (``core.pagination``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunjing.core.filters import BoolFilter, ChoiceFilter, FilterSet, IdFilter, TextFilter
from cunjing.registry import selectors
from cunjing.registry.models import DwellingKind, EstablishmentKind
from cunjing.registry.selectors import Q_MAX


def _search() -> TextFilter:
    return TextFilter(
        max_length=Q_MAX,
        label=_("search"),
        help_text=_(
            "Name, pinyin initials (zw), an ID number or its last 4–6 characters, a phone "
            "number, or address."
        ),
        description="Name (contains), pinyin initials (prefix), a whole ID number or its last "
        "4–6 characters, a whole phone number (national or E.164 form), or address text "
        "(contains).",
    )


def _area() -> IdFilter:
    return IdFilter(description="Only this village or community.", api_only=True)


class SearchFilters(FilterSet):
    """The search box of the registry page: the ``q`` every list below takes."""

    q = _search()


class AddressFilters(FilterSet):
    q = _search()
    area = _area()
    select = staticmethod(selectors.address_list)


class DwellingFilters(FilterSet):
    area = _area()
    address = IdFilter(description="Only at this address.", api_only=True)
    kind = ChoiceFilter(DwellingKind, api_only=True)
    select = staticmethod(selectors.dwelling_list)


class ResidentFilters(FilterSet):
    q = _search()
    area = _area()
    dwelling = IdFilter(description="Only in this dwelling.", api_only=True)
    current = BoolFilter(
        default=False, description="Only residents who have not moved out.", api_only=True
    )
    select = staticmethod(selectors.resident_list)


class EstablishmentFilters(FilterSet):
    q = _search()
    area = _area()
    kind = ChoiceFilter(EstablishmentKind, api_only=True)
    key_unit = BoolFilter(description="Key units only.", api_only=True)
    select = staticmethod(selectors.establishment_list)
