"""Draw the workspace's home-screen icons (PNG, 192 and 512 px) without an imaging library.

A white shield on the theme blue, inside the maskable safe zone. Run from the project root:
``python scripts/workspace_icons.py``; the PNGs are committed.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (0x20, 0x6B, 0xC4)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "cunjing/workspace/static/workspace/icons"


def _inside_shield(x: float, y: float) -> bool:
    """(x, y) in 0..1; a shield: flat top, straight sides, rounded point at the bottom."""
    if not (0.3 <= x <= 0.7 and 0.26 <= y <= 0.76):
        return False
    if y <= 0.52:
        return True
    half = 0.2 * (1 - ((y - 0.52) / 0.24) ** 2) ** 0.5
    return abs(x - 0.5) <= half


def _inside_star(x: float, y: float) -> bool:
    """A small blue mark in the shield: a diamond."""
    return abs(x - 0.5) + abs(y - 0.47) <= 0.09


def png(size: int) -> bytes:
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            x, y = (i + 0.5) / size, (j + 0.5) / size
            colour = WHITE if _inside_shield(x, y) and not _inside_star(x, y) else BLUE
            row.extend(colour)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))
