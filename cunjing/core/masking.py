"""Masking and display of personal data: phones are shown masked unless revealing is allowed.

Stored phones are E.164 (``+8613903751009``); people read them in the national form
(``13903751009``), and masked as ``139****1009``.
"""

from __future__ import annotations

_CN_PREFIX = "+86"


def national_phone(value: str | None) -> str:
    """``+8613903751009`` → ``13903751009``; a landline ``+863758123456`` → ``03758123456``.

    Numbers of other countries keep their E.164 form; empty stays empty.
    """
    raw = (value or "").strip()
    if raw.startswith(_CN_PREFIX):
        rest = raw[len(_CN_PREFIX) :]
        # Mobiles start with 1; landlines drop their trunk 0 in E.164 and get it back here.
        return rest if rest.startswith("1") else f"0{rest}"
    return raw


def mask_phone(value: str | None) -> str:
    """Keep the first three and the last four digits: ``+8613903751009`` → ``139****1009``.

    Short numbers (fewer than eight digits) show only their last two digits; empty stays empty.
    """
    number = national_phone(value)
    digits = "".join(ch for ch in number if ch in "0123456789")
    if not digits:
        return ""
    if len(digits) < 8:
        return "****" + (digits[-2:] if len(digits) > 4 else "")
    return f"{digits[:3]}****{digits[-4:]}"


# Resident ID numbers: 18 characters (15 for first-generation cards). Whatever the length, at most
# this many characters are shown: the region (first 6) and the last 4.
_ID_HEAD = 6
_ID_TAIL = 4
_ID_MIN_FULL = 15


def mask_id_number(value: str | None) -> str:
    """Keep the region code and the last four: ``410481199001011234`` → ``410481********1234``.

    The birth date and sequence number never show. The masked string has the input's length
    (surrounding spaces stripped). Values shorter than an ID (typos, partial data) show at most a
    quarter of their characters, all at the end; empty stays empty.
    """
    raw = (value or "").strip()
    n = len(raw)
    if n == 0:
        return ""
    if n >= _ID_MIN_FULL:
        return raw[:_ID_HEAD] + "*" * (n - _ID_HEAD - _ID_TAIL) + raw[-_ID_TAIL:]
    shown = min(_ID_TAIL, n // 4)
    return "*" * (n - shown) + (raw[-shown:] if shown else "")
