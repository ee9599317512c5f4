"""Tracking codes: the reporter's only key to their matter (portal, Open311, the phone)."""

from __future__ import annotations

import re
import secrets
import unicodedata

from cunjing.matters.models import Matter

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone
TRACKING_LENGTH = 12  # 60 random bits


def new_tracking_code(bureau_id: int) -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        if not Matter.objects.filter(bureau_id=bureau_id, tracking_code=code).exists():
            return code


# What people put between the characters of a code they copy or type: spaces, dashes, dots.
_SEPARATORS = re.compile(r"[\s\-_.·—–]+")


def normalize_tracking_code(text: str) -> str:
    """A code as typed ("6bbm aeu2-y96z", full-width "６ＢＢＭ…") in the stored form: NFKC, no
    separators, upper case. Anything else stays as it is and simply finds no matter."""
    value = unicodedata.normalize("NFKC", text or "")
    return _SEPARATORS.sub("", value).upper()
