"""Hypothesis strategies shared by the property tests.

``odd_numbers`` are strings that look like numbers to ``str.isdigit()`` or ``\\d`` but are not
ASCII: superscripts (¹), circled (①), full-width (１２), other scripts' digits (٣), letter-like
numerals (Ⅻ), mathematical digits (𝟙) — mixed with ASCII digits and an ID number's X. Every
text strategy of the fuzz tests includes them, so the class of 500s of issue 13 (``int()`` of a
string ``isdigit()`` accepted) cannot come back unseen.
"""

from __future__ import annotations

from hypothesis import strategies as st

_NUMBERISH = st.characters(whitelist_categories=("Nd", "No", "Nl"))
_ASCII_DIGITS = st.sampled_from("0123456789")

odd_numbers = st.text(
    alphabet=_NUMBERISH | _ASCII_DIGITS | st.sampled_from("Xx"), min_size=1, max_size=20
) | st.sampled_from(["¹", "①", "１２", "٣", "Ⅻ", "𝟙", "¹" * 17 + "X", "４１０４８１"])


def with_odd_numbers(strategy, weight: int = 1):
    """``strategy`` or, about one time in ``weight + 1``, an odd number."""
    return st.one_of(*([strategy] * weight), odd_numbers)
