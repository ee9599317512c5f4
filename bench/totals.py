"""Totals benchmark: the results table (统计) from the roll-up counters vs a GROUP BY over the raw
visits, on PostgreSQL, at 0.5M and 5M household visits over one year.

A fresh database ``cunjing_bench_totals`` gets the schema and the demo county (232 units;
``--county small`` for eight). Visits are generated in SQL (``INSERT … SELECT … FROM
generate_series``, not the ORM), spread evenly over the county's villages and communities (each
counted for the unit serving it) and over the days of 2025; the visit counters (``DailyCount``,
``MonthlyCount``) are then recomputed from the raw rows by GROUP BY, each visit counting for its
unit and every ancestor — the same figures ``figures_add`` keeps one record at a time. The table
grows from one size to the next (0.5M, then 4.5M more).

At each size, warm, the median of ``--repeat`` runs of:

* the roll-up path: ``cunjing.stats.selectors.totals(commander, unit=..., ...)``, the real
  selector (all nine figures, through the jurisdiction rule);
* the raw path: ``SELECT count(*), count(*) FILTER (WHERE contact_card_given)`` over the visits
  table for the same unit subtree and dates (the ``(bureau, unit, occurred_on)`` index is there;
  the plan's scan nodes are printed);

(the roll-up path three times as many runs: milliseconds on a shared machine; the best run is
printed too) for the bureau over the year, a station over the year, the bureau over one month
and an office over 15 March–14 April (partial months: daily counters). The two paths must return
the same visits and contact cards. ``python -m bench totals`` or ``python -m bench.totals
--sizes 500000,5000000``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time

from bench import _pg

DATABASE = "cunjing_bench_totals"
YEAR = 2025
CHUNK = 500_000


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.totals", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="500000,5000000", help="visit counts, comma-separated")
    p.add_argument("--repeat", type=int, default=7, help="timed runs per query (median)")
    p.add_argument("--county", choices=("demo", "small"), default="demo")
    p.add_argument("--database", default=DATABASE, help="database name (cunjing_bench_*)")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error("--sizes takes integers, e.g. 500000,5000000")
    if not args.sizes or args.sizes[0] < 1 or args.repeat < 1:
        p.error("--sizes and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(list(argv or []))
    if args.inner:
        return inner(args)
    reason = _pg.unreachable()
    if reason:
        print(f"bench.totals: skipped, PostgreSQL not reachable at {_pg.server_url()} ({reason})")
        return 0
    return _pg.run_inner("bench.totals", args.database, list(argv or []))


# --- Generating the visits --------------------------------------------------------------------


def make_combos(cursor, bureau_id: int) -> int:
    """``bench_combo(i, area_id, unit_id)``: every village and community with the unit serving
    it (the deepest workstation or office covering it, as ``fieldwork.services`` picks)."""
    cursor.execute("DROP TABLE IF EXISTS bench_combo")
    cursor.execute(
        """
        CREATE TABLE bench_combo AS
        SELECT (row_number() OVER (ORDER BY a.id) - 1)::int AS i, a.id AS area_id, s.unit_id
        FROM org_area a
        JOIN LATERAL (
            SELECT c.unit_id FROM org_coverage c JOIN org_unit u ON u.id = c.unit_id
            WHERE c.area_id = a.id AND u.kind IN ('workstation', 'office')
            ORDER BY u.depth DESC, u.path LIMIT 1
        ) s ON true
        WHERE a.bureau_id = %s AND a.kind IN ('village', 'community')
        """,
        [bureau_id],
    )
    cursor.execute("SELECT count(*) FROM bench_combo")
    return cursor.fetchone()[0]


def generate(cursor, *, table: str, bureau_id: int, user_id: int, lo: int, hi: int, n: int):
    """Visits number ``lo``..``hi``: area and unit round-robin over the combos, the day spread
    over the year by a multiplicative hash, a contact card every third visit."""
    cursor.execute(
        f"""
        INSERT INTO {table} (bureau_id, area_id, unit_id, recorded_by_id, officer_id,
            occurred_on, client_uuid, created_at, household, purpose, notes,
            contact_card_given, follow_up_needed)
        SELECT %s, c.area_id, c.unit_id, %s, NULL,
            %s::date + ((g::bigint * 7919) %% 365)::int, gen_random_uuid(), now(),
            '第' || g || '户',
            (ARRAY['routine', 'information', 'dispute_screening', 'service', 'other'])[1 + g %% 5],
            '', g %% 3 = 0, false
        FROM generate_series(%s::bigint, %s::bigint) g
        JOIN bench_combo c ON c.i = g %% %s
        """,  # noqa: S608 - table name from model metadata
        [bureau_id, user_id, dt.date(YEAR, 1, 1), lo, hi, n],
    )


def indexes_off(cursor, table: str) -> list[str]:
    """Drop the table's foreign keys, unique constraints and secondary indexes for a bulk load;
    return the statements that put them back exactly (their own definitions from the
    catalogue). The primary key stays."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
        "ORDER BY i.relname",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


# --- Timing --------------------------------------------------------------------------------------


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median and best of ``repeat`` warm runs (after one warm-up), and the result."""
    result = fn()  # warm-up
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), min(samples), result


def _scans(plan: dict) -> list[str]:
    found = []
    node = plan.get("Node Type", "")
    if "Scan" in node:
        found.append(f"{node}{' on ' + plan['Index Name'] if plan.get('Index Name') else ''}")
    for child in plan.get("Plans", []):
        found.extend(_scans(child))
    return found


def inner(args) -> int:
    started = time.perf_counter()
    _pg.recreate(args.database)
    try:
        _pg.django_setup()
        from django.db import connection

        from cunjing.core.roles import Role
        from cunjing.fieldwork.models import HouseholdVisit
        from cunjing.org.models import Unit, UnitKind
        from cunjing.stats import selectors
        from cunjing.stats.models import DailyCount, MonthlyCount

        t = time.perf_counter()
        with _pg.fast_hashing():
            bureau = _pg.build_county(args.county)
            owner = _pg.beat_accounts(bureau, 1)[0]
            commander = _pg.any_user(bureau, Role.COMMANDER)
        units = Unit.objects.visible_to(commander).filter(bureau=bureau)
        root = units.get(depth=1)
        station = units.filter(kind=UnitKind.STATION).order_by("path").first()
        office = units.filter(kind=UnitKind.OFFICE).order_by("path").first()
        table = HouseholdVisit._meta.db_table
        with connection.cursor() as cur:
            n_combos = make_combos(cur, bureau.pk)
            cur.execute("ANALYZE")
        print(
            f"database {args.database}: schema + {args.county} county ({units.count()} units, "
            f"{n_combos} villages and communities) in {time.perf_counter() - t:.1f} s; "
            f"{_pg.load()}"
        )

        queries = [
            ("bureau, year", root, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)),
            ("station, year", station, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)),
            ("bureau, June", root, dt.date(YEAR, 6, 1), dt.date(YEAR, 6, 30)),
            ("office, 15 Mar-14 Apr", office, dt.date(YEAR, 3, 15), dt.date(YEAR, 4, 14)),
        ]

        def raw_sql(unit) -> tuple[str, list]:
            sql = (
                f"SELECT count(*), count(*) FILTER (WHERE contact_card_given) FROM {table} "  # noqa: S608
                "WHERE bureau_id = %s AND occurred_on BETWEEN %s AND %s"
            )
            if unit.depth == 1:
                return sql, [bureau.pk]
            return (
                sql + " AND unit_id IN (SELECT id FROM org_unit WHERE bureau_id = %s "  # noqa: S608
                "AND path LIKE %s)",
                [bureau.pk, bureau.pk, unit.path + "%"],
            )

        results: dict[int, list[dict]] = {}
        failures = []
        have = 0
        for size in args.sizes:
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '256MB'")
                restore = indexes_off(cur, table)
                for lo in range(have + 1, size + 1, CHUNK):
                    hi = min(lo + CHUNK - 1, size)
                    generate(
                        cur,
                        table=table,
                        bureau_id=bureau.pk,
                        user_id=owner.user_id,
                        lo=lo,
                        hi=hi,
                        n=n_combos,
                    )
                gen_s = time.perf_counter() - t
                t = time.perf_counter()
                for statement in restore:
                    cur.execute(statement)
                index_s = time.perf_counter() - t
                t = time.perf_counter()
                _pg.rollups_fill(cur)
                fill_s = time.perf_counter() - t
                t = time.perf_counter()
                cur.execute(f"VACUUM ANALYZE {table}")
                for model in (DailyCount, MonthlyCount):
                    cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
                vacuum_s = time.perf_counter() - t
                cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                stored = cur.fetchone()[0]
            added, have = size - have, size
            n_daily, n_monthly = DailyCount.objects.count(), MonthlyCount.objects.count()
            print(
                f"\n{stored:,} visits in {YEAR}: +{added:,} generated "
                f"in {gen_s:.1f} s (indexes and foreign keys off), indexes and foreign keys "
                f"rebuilt in {index_s:.1f} s, counters recomputed by GROUP BY in {fill_s:.1f} s "
                f"({n_daily:,} daily + {n_monthly:,} monthly rows), VACUUM ANALYZE "
                f"{vacuum_s:.1f} s; {_pg.load()}"
            )
            if stored != size:
                failures.append(f"{stored} visits stored, {size} expected")

            rows, per_size = [], []
            for label, unit, date_from, date_to in queries:
                # Milliseconds on a shared machine: three times the runs, and the best is shown.
                roll_s, roll_best, figures = timed(
                    lambda u=unit, a=date_from, b=date_to: selectors.totals(
                        commander, unit=u, date_from=a, date_to=b
                    ),
                    3 * args.repeat,
                )
                sql, params = raw_sql(unit)
                params = [params[0], date_from, date_to, *params[1:]]

                def raw(sql=sql, params=params):
                    with connection.cursor() as cur:
                        cur.execute(sql, params)
                        return cur.fetchone()

                raw_s, raw_best, (visits, cards) = timed(raw, args.repeat)
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                    plan = cur.fetchone()[0]
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                scans = ", ".join(dict.fromkeys(_scans(plan[0]["Plan"])))
                same = figures["visits"] == visits and figures["contact_cards"] == cards
                if not same:
                    failures.append(
                        f"{size:,} {label}: roll-up {figures['visits']}/{figures['contact_cards']}"
                        f" != raw {visits}/{cards}"
                    )
                per_size.append(
                    {
                        "query": label,
                        "rollup_ms": 1e3 * roll_s,
                        "rollup_best_ms": 1e3 * roll_best,
                        "raw_ms": 1e3 * raw_s,
                        "raw_best_ms": 1e3 * raw_best,
                        "ratio": raw_s / roll_s,
                        "visits": visits,
                        "contact_cards": cards,
                        "equal": same,
                        "raw_plan": scans,
                    }
                )
                rows.append(
                    [
                        label,
                        f"{visits:,}",
                        f"{1e3 * roll_s:.2f} ({1e3 * roll_best:.2f}) ms",
                        f"{1e3 * raw_s:.1f} ({1e3 * raw_best:.1f}) ms",
                        f"{raw_s / roll_s:,.1f}x",
                        "yes" if same else "NO",
                    ]
                )
            results[size] = per_size
            print(
                _pg.table(
                    [
                        f"{stored:,} visits",
                        "visits",
                        "roll-up median (best)",
                        "raw GROUP BY median (best)",
                        "raw/roll-up",
                        "equal",
                    ],
                    rows,
                )
            )
            for item in per_size:
                print(f"  raw plan, {item['query']}: {item['raw_plan']}")

        if len(args.sizes) > 1:
            first, last = args.sizes[0], args.sizes[-1]
            print(f"\nroll-up latency {first:,} -> {last:,} visits (flat is the goal):")
            for a, b in zip(results[first], results[last], strict=True):
                print(
                    f"  {a['query']}: roll-up {a['rollup_ms']:.2f} -> {b['rollup_ms']:.2f} ms "
                    f"(x{b['rollup_ms'] / a['rollup_ms']:.2f}; best {a['rollup_best_ms']:.2f} -> "
                    f"{b['rollup_best_ms']:.2f} ms); raw {a['raw_ms']:.1f} -> "
                    f"{b['raw_ms']:.1f} ms (x{b['raw_ms'] / a['raw_ms']:.2f})"
                )
        for failure in failures:
            print(f"MISMATCH: {failure}")
        ok = not failures
        outcome = "all passed" if ok else "FAILED"
        print(f"checks: {outcome}; total {time.perf_counter() - started:.1f} s")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump({"ok": ok, "sizes": results, "failures": failures}, fh, indent=1)
        return 0 if ok else 1
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet
            pass
        if not args.keep:
            _pg.drop(args.database)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
