from __future__ import annotations

from bench.__main__ import discover, main


def test_bench_discovers_the_hotspots_benchmark():
    assert "hotspots" in discover()
    assert main(["no-such-benchmark"]) == 2
