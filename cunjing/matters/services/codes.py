"""Tracking codes: the reporter's only key to their matter (portal, Open311, the phone)."""

from __future__ import annotations

import secrets

from cunjing.matters.models import Matter

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone
TRACKING_LENGTH = 12  # 60 random bits


def new_tracking_code(bureau_id: int) -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        if not Matter.objects.filter(bureau_id=bureau_id, tracking_code=code).exists():
            return code
