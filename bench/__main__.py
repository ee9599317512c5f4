"""Run benchmarks: ``python -m bench`` (``make bench``) runs every module in this package that
defines ``main()``, except those of ``ON_REQUEST``; ``python -m bench NAME [NAME ...]`` runs the
named ones; ``python -m bench NAME --option ...`` passes the options to that one benchmark's
``main(argv)``. The exit status is 1 when a benchmark's ``main`` returned a non-zero status (a
failed check), else 0.

``ON_REQUEST`` holds the disruptive ones, run only when named: ``python -m bench faults`` kills
gunicorn workers and restarts a PostgreSQL server (a private one it makes by default)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import time
from pathlib import Path

ON_REQUEST = frozenset({"faults"})


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if not info.name.startswith("_")
    )


def by_default(available: list[str]) -> list[str]:
    """What ``python -m bench`` runs without names: all but the ``ON_REQUEST`` ones."""
    return [name for name in available if name not in ON_REQUEST]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    available = discover()
    split = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, options = argv[:split] or by_default(available), argv[split:]
    if options and len(names) != 1:
        print("options go to one benchmark: python -m bench NAME --option ...", file=sys.stderr)
        return 2
    unknown = [n for n in names if n not in available]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names:
        module = importlib.import_module(f"{__package__ or 'bench'}.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        takes_argv = bool(inspect.signature(run).parameters)
        if options and not takes_argv:
            print(f"bench.{name} takes no options", file=sys.stderr)
            return 2
        print(f"== bench.{name} ==", flush=True)
        t = time.perf_counter()
        result = run(options) if takes_argv else run()
        if isinstance(result, int) and result:
            status = 1
        outcome = f", FAILED (status {result})" if isinstance(result, int) and result else ""
        print(f"== bench.{name}: {time.perf_counter() - t:.1f} s{outcome} ==\n", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
