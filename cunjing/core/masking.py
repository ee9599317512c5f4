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
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        return ""
    if len(digits) < 8:
        return "****" + (digits[-2:] if len(digits) > 4 else "")
    return f"{digits[:3]}****{digits[-4:]}"
