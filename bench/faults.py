"""Faults benchmark: phones keep posting household visits while gunicorn workers are killed and
PostgreSQL is restarted; every acknowledged visit must be stored exactly once.

Run only when asked (``python -m bench faults``, not by ``make bench``): it kills processes and
restarts a PostgreSQL server. By default that server is a private one (``--restart private``):
a throw-away cluster made with ``initdb`` in a temporary directory and started with ``pg_ctl``
on a free port of 127.0.0.1 (as the ``postgres`` account when run as root), so the restart is a
real stop and start of the postmaster (``pg_ctl restart --mode fast``, or ``--pg-stop
immediate`` for a crash and WAL recovery) and nobody else's server is touched. Where no
``initdb`` is installed, ``--restart terminate`` uses the shared server (``$BENCH_DATABASE_URL``
…, as ``bench.ingest``) and, instead of restarting it, terminates every connection to the
benchmark's database (``pg_terminate_backend``), which is what the application sees of a
restart.

A fresh database ``cunjing_bench_faults`` gets the schema and a county (``--county small``: six
beat officers, the default; ``demo``: 217), a bearer token per officer, and gunicorn (``gthread``,
``--workers`` × ``--threads``, DEBUG off, ``CONN_MAX_AGE`` 60). ``--clients`` threads then post
visits with a fresh ``Idempotency-Key`` each, and on a connection error, a 5xx or a 409 retry
with the SAME key and body, after an exponential backoff with jitter (``--backoff`` doubling up
to ``--max-backoff``), at most ``--attempts`` times. Meanwhile a fault thread, after
``--warmup`` seconds, sends SIGKILL to a random gunicorn worker every ``--kill-every`` seconds,
``--kills`` times (gunicorn's master starts a new one), and restarts PostgreSQL once, halfway
through; ``--tail`` seconds after the last fault the clients stop starting new visits.

Printed: submissions attempted, acknowledged (2xx), retries, 5xx seen and 5xx not recovered (a
submission that saw a 5xx and was never acknowledged), connection errors, submissions given up,
rows in the database, duplicates (a key stored more than once), acknowledged-but-missing, the
visit counters of the bureau (daily and monthly sums) against the rows and every roll-up counter
against the raw rows, audit events and idempotency keys against the rows, and ``verify_audit``.
The exit status is 1 when an invariant fails, or when the faults did not all happen.

``python -m bench faults [--kills 5 --kill-every 3 ...]`` or ``python -m bench.faults``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import _http, _pg
from bench._http import SHANGHAI, Account

DATABASE = "cunjing_bench_faults"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=16, help="concurrent clients (threads)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument("--kills", type=int, default=5, help="gunicorn workers killed (SIGKILL)")
    p.add_argument("--kill-every", type=float, default=3.0, help="seconds between two kills")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of load before the first")
    p.add_argument("--tail", type=float, default=4.0, help="seconds of load after the last fault")
    p.add_argument(
        "--restart",
        choices=("private", "terminate"),
        default="private",
        help="restart a private PostgreSQL server, or terminate the connections on the shared one",
    )
    p.add_argument(
        "--pg-stop",
        choices=("fast", "immediate"),
        default="fast",
        help="how the private server is stopped (immediate: as a crash)",
    )
    p.add_argument("--attempts", type=int, default=20, help="tries per visit before giving up")
    p.add_argument("--backoff", type=float, default=0.05, help="first retry delay, seconds")
    p.add_argument("--max-backoff", type=float, default=2.0, help="longest retry delay, seconds")
    p.add_argument("--county", choices=("demo", "small"), default="small")
    p.add_argument("--database", default=DATABASE, help="database name (cunjing_bench_*)")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--keep", action="store_true", help="keep the database (--restart terminate)")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--pg-bindir", help=argparse.SUPPRESS)
    p.add_argument("--pg-datadir", help=argparse.SUPPRESS)
    p.add_argument("--pg-port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.clients < 1 or args.workers < 1 or args.threads < 1 or args.attempts < 1:
        p.error("--clients, --workers, --threads and --attempts must be >= 1")
    if args.kills < 0 or args.kill_every <= 0 or args.backoff <= 0:
        p.error("--kills must be >= 0, --kill-every and --backoff > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    args = parse(argv)
    if args.inner:
        return inner(args)
    if args.restart == "terminate":
        reason = _pg.unreachable()
        if reason:
            print(
                f"bench.faults: skipped, PostgreSQL not reachable at {_pg.server_url()} ({reason})"
            )
            return 0
        return _pg.run_inner("bench.faults", args.database, argv)
    if _pg.postgres_bindir() is None:
        print("bench.faults: skipped, no initdb to make a private server (try --restart terminate)")
        return 0
    t = time.perf_counter()
    server = _pg.PrivateServer.create(_http.free_port())
    print(
        f"private PostgreSQL server: {server.bindir}, port {server.port}, data in "
        f"{server.datadir} (made and started in {time.perf_counter() - t:.1f} s)"
    )
    try:
        where = [
            f"--pg-bindir={server.bindir}",
            f"--pg-datadir={server.datadir}",
            f"--pg-port={server.port}",
        ]
        return _pg.run_inner("bench.faults", args.database, [*argv, *where], server=server.url)
    finally:
        server.remove()


# --- The clients -------------------------------------------------------------------------------


@dataclass
class Tally:
    """One client's count. A submission is one visit (one key), however many tries it took."""

    attempted: int = 0
    sent: set[str] = field(default_factory=set)  # every key sent, acknowledged or not
    acked: dict[str, dict] = field(default_factory=dict)  # key -> the answer's body
    retries: int = 0
    status_5xx: int = 0
    keys_5xx: set[str] = field(default_factory=set)
    transport_errors: int = 0
    conflicts_409: int = 0
    given_up: list[str] = field(default_factory=list)  # "key: why"
    refused: list[str] = field(default_factory=list)  # 4xx other than 409: a bug of the bench
    latencies: list[float] = field(default_factory=list)  # of each acknowledged submission
    attempts_hist: dict[int, int] = field(default_factory=dict)


class Client:
    """Posts visits until ``stop`` is set; each visit is retried with its own key until it is
    acknowledged, refused (4xx) or ``--attempts`` tries have failed."""

    def __init__(self, index: int, accounts: list[Account], args, port: int, stop, tally: Tally):
        self.index, self.accounts, self.args, self.stop, self.tally = (
            index,
            accounts,
            args,
            stop,
            tally,
        )
        self.rng = random.Random(args.seed * 1000 + index)
        self.http = _http.KeepAlive(port, timeout=30)

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter: up to ``backoff * 2**(attempt-1)``, capped."""
        ceiling = min(self.args.max_backoff, self.args.backoff * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.random() * ceiling / 2

    def submit(self, account: Account, key: str, body: bytes) -> None:
        tally = self.tally
        tally.attempted += 1
        tally.sent.add(key)
        started = time.perf_counter()
        for attempt in range(1, self.args.attempts + 1):
            if attempt > 1:
                tally.retries += 1
                time.sleep(self.delay(attempt - 1))
            try:
                status, data, _elapsed = self.http.post(account.token, key, body)
            except _http.TRANSPORT_ERRORS:
                tally.transport_errors += 1
                continue
            if 200 <= status < 300:
                tally.acked[key] = json.loads(data)
                tally.latencies.append(time.perf_counter() - started)
                tally.attempts_hist[attempt] = tally.attempts_hist.get(attempt, 0) + 1
                return
            if status >= 500:
                tally.status_5xx += 1
                tally.keys_5xx.add(key)
                continue
            if status == 409:  # the first request with this key is still open
                tally.conflicts_409 += 1
                continue
            tally.refused.append(f"{key}: {status} {data[:200]!r}")
            return
        tally.given_up.append(f"{key}: no acknowledgement in {self.args.attempts} tries")

    def run(self) -> None:
        today = dt.datetime.now(SHANGHAI).date()
        i = 0
        while not self.stop.is_set():
            account = self.accounts[i % len(self.accounts)]
            body = _http.visit_body(self.rng, account, f"第{self.index}-{i}户", today)
            self.submit(account, str(uuid.uuid4()), body)
            i += 1
        self.http.close()


# --- The faults --------------------------------------------------------------------------------


@dataclass
class FaultLog:
    kills: list[tuple[float, int]] = field(default_factory=list)  # (second, worker pid)
    restarts: list[tuple[float, str, float]] = field(default_factory=list)  # (second, how, s)
    errors: list[str] = field(default_factory=list)


def _victim(master: int, rng: random.Random, timeout: float = 30) -> int | None:
    """A random live worker of gunicorn's ``master`` (waiting for a new one to be forked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = _http.children(master)
        if workers:
            return rng.choice(workers)
        time.sleep(0.1)
    return None


def run_faults(
    master: int,
    args,
    restart: Callable[[], str],
    stop: threading.Event,
    log: FaultLog,
) -> None:
    """Kill ``--kills`` workers ``--kill-every`` seconds apart and call ``restart`` once,
    halfway through; set ``stop`` ``--tail`` seconds after the last fault."""
    rng = random.Random(args.seed)
    actions = ["kill"] * args.kills
    actions.insert(args.kills // 2, "restart")  # 5 kills: kill kill restart kill kill kill
    t0 = time.perf_counter()
    try:
        time.sleep(args.warmup)
        for i, action in enumerate(actions):
            if i:
                time.sleep(args.kill_every)
            if action == "restart":
                started = time.perf_counter()
                how = restart()
                log.restarts.append((started - t0, how, time.perf_counter() - started))
                continue
            victim = _victim(master, rng)
            if victim is None:
                log.errors.append("no gunicorn worker to kill")
                continue
            os.kill(victim, signal.SIGKILL)
            log.kills.append((time.perf_counter() - t0, victim))
        time.sleep(args.tail)
    except Exception as exc:  # reported with the figures
        log.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        stop.set()


def _restarter(args) -> Callable[[], str]:
    if args.restart == "private":
        server = _pg.PrivateServer(args.pg_bindir, args.pg_datadir, args.pg_port)

        def restart() -> str:
            server.restart(args.pg_stop)
            return f"pg_ctl restart --mode {args.pg_stop} (private server)"

        return restart

    def terminate() -> str:
        import psycopg

        with psycopg.connect(_pg.database_url("postgres"), autocommit=True) as conn:
            n = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [args.database],
            ).fetchone()[0]
        return f"pg_terminate_backend of {n} connections (shared server)"

    return terminate


# --- The invariants ----------------------------------------------------------------------------


def invariants(f: dict) -> list[str]:
    """What failed, from the figures of a run (an empty list: every invariant holds)."""
    failed = []
    if f["acknowledged_missing"]:
        failed.append(f"{f['acknowledged_missing']} acknowledged visits are not stored")
    if f["duplicates"]:
        failed.append(f"{f['duplicates']} keys are stored more than once")
    if f["stored_unknown"]:
        failed.append(f"{f['stored_unknown']} stored keys were never sent")
    if f["unrecovered_5xx"]:
        failed.append(f"{f['unrecovered_5xx']} submissions saw a 5xx and were never acknowledged")
    if f["given_up"] or f["refused"]:
        failed.append(f"{f['given_up']} submissions given up, {f['refused']} refused (4xx)")
    rows = f["rows"]
    if not f["counter_daily"] == f["counter_monthly"] == rows:
        failed.append(
            f"visit counters of the bureau (daily {f['counter_daily']}, monthly "
            f"{f['counter_monthly']}) differ from the {rows} rows"
        )
    if f["rollup_mismatches"]:
        failed.append(f"{f['rollup_mismatches']} roll-up counters differ from the raw rows")
    if not f["audit_events"] == f["idempotency_keys"] == rows:
        failed.append(
            f"{f['audit_events']} audit events and {f['idempotency_keys']} idempotency keys for "
            f"{rows} rows"
        )
    if not f["verify_audit_ok"]:
        failed.append(f"verify_audit: {f['verify_audit']}")
    if f["kills"] != f["kills_asked"] or f["restarts"] != 1 or f["fault_errors"]:
        failed.append(
            f"faults: {f['kills']} of {f['kills_asked']} kills, {f['restarts']} restarts, "
            f"errors {f['fault_errors']}"
        )
    if f["workers_at_end"] != f["workers_asked"]:
        failed.append(
            f"{f['workers_at_end']} gunicorn workers at the end, not {f['workers_asked']}"
        )
    if not f["attempted"] or not f["acknowledged"]:
        failed.append("no visit was acknowledged")
    return failed


def _verify_audit() -> tuple[bool, str]:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=out)
    except CommandError as exc:
        return False, str(exc)
    return True, out.getvalue().strip().splitlines()[-1]


def stored_figures(bureau, acked: set[str], sent: set[str]) -> dict:
    """The database's side of the figures: rows, duplicates, missing acknowledged keys, the
    counters, the audit events and idempotency keys, ``verify_audit``."""
    from django.db import connection
    from django.db.models import Sum

    from cunjing.core.models import AuditEvent, IdempotencyKey
    from cunjing.fieldwork.models import HouseholdVisit
    from cunjing.org.services import bureau_root_unit
    from cunjing.stats.models import DailyCount, MonthlyCount

    visits = HouseholdVisit.objects.filter(bureau=bureau)
    stored = {str(k) for k in visits.values_list("client_uuid", flat=True)}
    table = HouseholdVisit._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM (SELECT client_uuid FROM {table} "  # noqa: S608
            "GROUP BY client_uuid HAVING count(*) > 1) d"
        )
        duplicates = cur.fetchone()[0]
        rollup_mismatches = _pg.rollups_mismatches(cur)
    root = bureau_root_unit(bureau)

    def counter(model) -> int:
        rows = model.objects.filter(bureau=bureau, unit=root, figure="visits")
        return rows.aggregate(total=Sum("value"))["total"] or 0

    ok, verdict = _verify_audit()
    return {
        "rows": visits.count(),
        "stored_keys": len(stored),
        "duplicates": duplicates,
        "acknowledged_missing": len(acked - stored),
        "stored_unacknowledged": len(stored - acked),
        "stored_unknown": len(stored - sent),
        "counter_daily": counter(DailyCount),
        "counter_monthly": counter(MonthlyCount),
        "rollup_mismatches": rollup_mismatches,
        "audit_events": AuditEvent.objects.filter(
            bureau=bureau, action="fieldwork.visit.create"
        ).count(),
        "idempotency_keys": IdempotencyKey.objects.filter(
            bureau=bureau, endpoint="fieldwork.visits"
        ).count(),
        "verify_audit_ok": ok,
        "verify_audit": verdict,
    }


# --- The run -----------------------------------------------------------------------------------


def inner(args) -> int:
    started = time.perf_counter()
    _pg.recreate(args.database)
    server = None
    try:
        _pg.django_setup()
        from django.db import connections

        t = time.perf_counter()
        with _pg.fast_hashing():
            bureau = _pg.build_county(args.county)
            beats = _pg.beat_accounts(bureau, args.clients)
        accounts = _http.accounts_with_tokens(beats)
        print(
            f"database {args.database}: schema + {args.county} county + {len(accounts)} beat "
            f"officers' accounts and tokens in {time.perf_counter() - t:.1f} s"
        )
        connections.close_all()

        port = _http.free_port()
        log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed after the load
        server = _http.start_server(
            port, log, workers=args.workers, threads=args.threads, conn_max_age=60
        )
        _http.wait_ready(port, accounts[0].token, server)
        print(
            f"server: gunicorn gthread (master pid {server.pid}), {args.workers} workers x "
            f"{args.threads} threads, CONN_MAX_AGE=60; {args.clients} clients; faults: "
            f"{args.kills} SIGKILLs of a worker every {args.kill_every:g} s after "
            f"{args.warmup:g} s, one PostgreSQL restart ({args.restart}"
            + (f", --mode {args.pg_stop}" if args.restart == "private" else "")
            + f"), {args.tail:g} s of load after; {_pg.load()}"
        )

        stop = threading.Event()
        tallies = [Tally() for _ in range(args.clients)]
        clients = [
            Client(
                i, accounts[i :: args.clients] or [accounts[i % len(accounts)]], args, port, stop, t
            )
            for i, t in enumerate(tallies)
        ]
        faults = FaultLog()
        threads = [threading.Thread(target=c.run) for c in clients]
        fault_thread = threading.Thread(
            target=run_faults, args=(server.pid, args, _restarter(args), stop, faults)
        )
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        fault_thread.start()
        fault_thread.join()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        time.sleep(0.5)
        workers_at_end = len(_http.children(server.pid))
        _http.stop_server(server)
        server = None
        log.seek(0)
        server_log = log.read().splitlines()
        log.close()

        total = lambda name: sum(getattr(t, name) for t in tallies)  # noqa: E731
        acked = {k for t in tallies for k in t.acked}
        keys_5xx = {k for t in tallies for k in t.keys_5xx}
        sent = {k for t in tallies for k in t.sent}
        latencies = [x for t in tallies for x in t.latencies]
        attempts_hist: dict[int, int] = {}
        for tally in tallies:
            for n, count in tally.attempts_hist.items():
                attempts_hist[n] = attempts_hist.get(n, 0) + count
        figures = {
            "clients": args.clients,
            "workers_asked": args.workers,
            "kills_asked": args.kills,
            "wall_s": wall,
            "attempted": total("attempted"),
            "acknowledged": len(acked),
            "retries": total("retries"),
            "status_5xx": total("status_5xx"),
            "submissions_with_5xx": len(keys_5xx),
            "unrecovered_5xx": len(keys_5xx - acked),
            "transport_errors": total("transport_errors"),
            "conflicts_409": total("conflicts_409"),
            "given_up": total_len(tallies, "given_up"),
            "refused": total_len(tallies, "refused"),
            "attempts_per_ack": dict(sorted(attempts_hist.items())),
            "p50_ms": 1e3 * _pg.percentile(latencies, 50),
            "p99_ms": 1e3 * _pg.percentile(latencies, 99),
            "max_ms": 1e3 * max(latencies, default=float("nan")),
            "kills": len(faults.kills),
            "kill_times": [(round(s, 2), pid) for s, pid in faults.kills],
            "restarts": len(faults.restarts),
            "restart": [(round(s, 2), how, round(d, 2)) for s, how, d in faults.restarts],
            "fault_errors": faults.errors,
            "workers_at_end": workers_at_end,
            "server_log": log_summary(server_log),
        }
        figures.update(stored_figures(bureau, acked, sent))
        failed = invariants(figures)
        figures["failed"] = failed
        _print(figures, faults, tallies)
        outcome = "all invariants hold" if not failed else "FAILED: " + "; ".join(failed)
        print(f"checks: {outcome}; total {time.perf_counter() - started:.1f} s")
        _http.write_json(args.json, figures)
        return 1 if failed else 0
    finally:
        _http.clean_up(server, args.database, keep=args.keep)


def log_summary(lines: list[str]) -> dict[str, int]:
    """What gunicorn and Django logged: the workers the master saw killed, the 500s."""
    return {
        "sigkilled": sum(1 for line in lines if "was sent SIGKILL" in line),
        "errors_500": sum(1 for line in lines if "Internal Server Error" in line),
        "lines": len(lines),
    }


def total_len(tallies: list[Tally], name: str) -> int:
    return sum(len(getattr(t, name)) for t in tallies)


def _print(f: dict, faults: FaultLog, tallies: list[Tally]) -> None:
    yes = lambda ok: "yes" if ok else "NO"  # noqa: E731
    kills = ", ".join(f"{s:.1f} s (pid {pid})" for s, pid in faults.kills) or "none"
    restarts = "; ".join(f"{s:.1f} s: {how}, {d:.2f} s" for s, how, d in faults.restarts) or "none"
    rows = [
        ["workers killed (SIGKILL), at", f"{f['kills']}: {kills}"],
        ["PostgreSQL restarted, at", restarts],
        ["gunicorn workers alive at the end", f"{f['workers_at_end']} of {f['workers_asked']}"],
        ["wall time of the load", f"{f['wall_s']:.1f} s"],
        ["submissions attempted (one key each)", f"{f['attempted']:,}"],
        ["acknowledged (2xx)", f"{f['acknowledged']:,}"],
        ["retries (same key, same body)", f"{f['retries']:,}"],
        ["connection errors", f"{f['transport_errors']:,}"],
        [
            "5xx answers / submissions that saw one",
            f"{f['status_5xx']:,} / {f['submissions_with_5xx']:,}",
        ],
        ["5xx not recovered by a retry", f"{f['unrecovered_5xx']}"],
        ["409 (key still in flight)", f"{f['conflicts_409']}"],
        ["given up / refused (4xx)", f"{f['given_up']} / {f['refused']}"],
        [
            "tries per acknowledged submission",
            ", ".join(f"{n}: {c:,}" for n, c in f["attempts_per_ack"].items()),
        ],
        [
            "time to acknowledgement p50 / p99 / max",
            f"{f['p50_ms']:.0f} / {f['p99_ms']:.0f} / {f['max_ms']:.0f} ms",
        ],
        ["rows in the database", f"{f['rows']:,}"],
        ["duplicates (a key stored more than once)", f"{f['duplicates']}"],
        ["acknowledged but missing", f"{f['acknowledged_missing']}"],
        ["stored but never acknowledged (given up)", f"{f['stored_unacknowledged']}"],
        [
            "visit counter of the bureau, daily / monthly sums",
            f"{f['counter_daily']:,} / {f['counter_monthly']:,} "
            f"(= rows: {yes(f['counter_daily'] == f['counter_monthly'] == f['rows'])})",
        ],
        ["roll-up counters differing from the raw rows", f"{f['rollup_mismatches']}"],
        [
            "audit events / idempotency keys of the visits",
            f"{f['audit_events']:,} / {f['idempotency_keys']:,}",
        ],
        ["verify_audit", f["verify_audit"]],
        [
            "server log: workers SIGKILLed / 500s logged / lines",
            "{sigkilled} / {errors_500} / {lines}".format(**f["server_log"]),
        ],
    ]
    print(_pg.table(["faults", "figure"], rows))
    for tally in tallies:
        for line in (tally.given_up + tally.refused)[:3]:
            print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
