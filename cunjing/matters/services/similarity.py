"""Possible duplicates: how alike two descriptions are (character bigrams, Jaccard), and the
window the selectors search (``matters.selectors.possible_duplicates``)."""

from __future__ import annotations

import re

DUPLICATE_DAYS = 7
DUPLICATE_THRESHOLD = 0.5
DUPLICATE_CANDIDATES = 50

_NOT_WORD = re.compile(r"[\W_]+")


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of ``text`` without spaces and punctuation (Chinese has no word
    boundaries: bigrams are the cheap unit of similarity)."""
    s = _NOT_WORD.sub("", (text or "").lower())
    if len(s) < 2:
        return frozenset({s} if s else ())
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the bigram sets, 0–1."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)
