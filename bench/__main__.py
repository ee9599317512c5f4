"""Run benchmarks: ``python -m bench`` runs every module in this package that defines
``main()``; ``python -m bench NAME [NAME ...]`` runs the named ones."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if not info.name.startswith("_")
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    available = discover()
    names = argv or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    for name in names:
        module = importlib.import_module(f"{__package__ or 'bench'}.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        print(f"== bench.{name} ==", flush=True)
        t = time.perf_counter()
        run()
        print(f"== bench.{name}: {time.perf_counter() - t:.1f} s ==\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
