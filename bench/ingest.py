"""Ingest benchmark: concurrent phones posting household visits to a real server on PostgreSQL.

A fresh database ``cunjing_bench_ingest`` gets the schema and the demo county (217 beat
officers; ``--county small`` for a six-officer county), accounts and bearer tokens for
``--officers`` beat officers (one per client by default), and a real gunicorn server in a
subprocess (DEBUG off, ``gthread`` workers: ``--workers`` processes × ``--threads`` threads;
on this 2-core machine 2 × 4 lets a worker overlap its PostgreSQL round trips without more
processes than cores; measured on 29 Nov 2026 at a load average of ~10 from other work, 16
clients: 2 × 4 acknowledged 23.4 visits/s, 4 × 1 10.7/s).

``--clients`` threads then each post ``--requests`` visits (``POST /api/fieldwork/visits``, their
officers' own areas, keep-alive HTTP/1.1), each with a fresh ``Idempotency-Key``:

* a ``--cut-fraction`` of the visits is first sent on a raw socket with a hand-written HTTP/1.1
  request that is closed before the response is read — half of them after the whole request
  (the server stores the visit; the phone never hears), half in the middle of the body (the
  server stores nothing) — and then retried with the SAME key until acknowledged (201);
* after a ``--replay-fraction`` of acknowledgements the client replays one of its acknowledged
  keys with the same body, which must be answered with the original body.

Printed: acknowledged records per second, latency p50/p95/p99 of the acknowledged requests,
acknowledged unique keys vs rows stored (must be equal, and the same keys), duplicate rows
(``GROUP BY client_uuid HAVING count(*) > 1``, must be 0), replays answered with the original
body, the roll-up counters against the stored rows, and the same number of rows inserted with
raw psycopg into the same table in the same run: single-row INSERT per transaction from as many
connections as clients (the apples-to-apples path), ``executemany`` in one transaction, and
``COPY``. The HTTP path does much more per record (token lookup, scope checks, idempotency row,
audit event, roll-up upserts for the unit and its ancestors, JSON answer) — the ratio says what
that costs.

``python -m bench ingest`` or ``python -m bench.ingest [--clients N ...]``. The database is
dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field

from bench import _http, _pg
from bench._http import PATH, PURPOSES, SHANGHAI, Account

DATABASE = "cunjing_bench_ingest"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=16, help="concurrent clients (threads)")
    p.add_argument("--requests", type=int, default=100, help="new visits per client")
    p.add_argument(
        "--cut-fraction", type=float, default=0.1, help="visits first sent on a cut connection"
    )
    p.add_argument("--replay-fraction", type=float, default=0.05, help="acks followed by a replay")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument(
        "--officers", type=int, default=0, help="beat officers posting (default: one per client)"
    )
    p.add_argument("--county", choices=("demo", "small"), default="demo")
    p.add_argument("--database", default=DATABASE, help="database name (cunjing_bench_*)")
    p.add_argument("--conn-max-age", type=int, default=60, help="server's CONN_MAX_AGE")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or not 0 <= args.cut_fraction <= 1:
        p.error("--clients and --requests must be >= 1, --cut-fraction in [0, 1]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(list(argv or []))
    if args.inner:
        return inner(args)
    reason = _pg.unreachable()
    if reason:
        print(f"bench.ingest: skipped, PostgreSQL not reachable at {_pg.server_url()} ({reason})")
        return 0
    return _pg.run_inner("bench.ingest", args.database, list(argv or []))


# --- The clients -------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    acked: dict[str, dict] = field(default_factory=dict)  # key -> first answer
    cuts_full: int = 0
    cuts_partial: int = 0
    retries: int = 0
    transport_errors: int = 0
    conflicts_409: int = 0
    failed: list[str] = field(default_factory=list)
    replays: int = 0
    replays_same: int = 0
    replay_latencies: list[float] = field(default_factory=list)


def _cut(port: int, headers: dict[str, str], body: bytes, *, partial: bool) -> None:
    """Send the request by hand on a raw socket and close it before reading any answer."""
    head = f"POST {PATH} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = head.encode() + b"\r\n" + body
    if partial:
        raw = raw[: len(raw) - len(body) // 2 - 1]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)


class Client:
    def __init__(self, index: int, accounts: list[Account], args, port: int, tally: Tally):
        self.index, self.accounts, self.args, self.port, self.tally = (
            index,
            accounts,
            args,
            port,
            tally,
        )
        self.rng = random.Random(args.seed * 1000 + index)
        self.http = _http.KeepAlive(port)

    def _until_acked(self, token: str, key: str, body: bytes) -> tuple[dict, float] | None:
        """Retry with the same key until the server acknowledges (201)."""
        attempts = 0
        while attempts < 50:
            attempts += 1
            try:
                status, data, elapsed = self.http.post(token, key, body)
            except _http.TRANSPORT_ERRORS:
                self.tally.transport_errors += 1
                self.tally.retries += 1
                time.sleep(0.01)
                continue
            if status == 201:
                return json.loads(data), elapsed
            if status == 409:  # the first request with this key is still open
                self.tally.conflicts_409 += 1
                self.tally.retries += 1
                time.sleep(0.02)
                continue
            self.tally.failed.append(f"{status} {data[:200]!r}")
            return None
        self.tally.failed.append(f"gave up after {attempts} attempts")
        return None

    def run(self) -> None:
        today = dt.datetime.now(SHANGHAI).date()
        sent: list[tuple[Account, str, bytes]] = []
        for i in range(self.args.requests):
            account = self.accounts[i % len(self.accounts)]
            body = _http.visit_body(self.rng, account, f"第{self.index}-{i}户", today)
            key = str(uuid.uuid4())
            if self.rng.random() < self.args.cut_fraction:
                partial = self.rng.random() < 0.5
                try:
                    _cut(
                        self.port,
                        _http.headers(account.token, key, len(body), self.port),
                        body,
                        partial=partial,
                    )
                except OSError:
                    self.tally.transport_errors += 1
                if partial:
                    self.tally.cuts_partial += 1
                else:
                    self.tally.cuts_full += 1
                self.tally.retries += 1
            acked = self._until_acked(account.token, key, body)
            if acked is None:
                continue
            answer, elapsed = acked
            self.tally.latencies.append(elapsed)
            self.tally.acked[key] = answer
            sent.append((account, key, body))
            if self.rng.random() < self.args.replay_fraction:
                account, key, body = self.rng.choice(sent)
                replayed = self._until_acked(account.token, key, body)
                self.tally.replays += 1
                if replayed is not None:
                    self.tally.replay_latencies.append(replayed[1])
                    self.tally.replays_same += replayed[0] == self.tally.acked[key]
        self.http.close()


# --- Raw psycopg -------------------------------------------------------------------------------

_COLUMNS = (
    "bureau_id",
    "area_id",
    "unit_id",
    "recorded_by_id",
    "officer_id",
    "occurred_on",
    "client_uuid",
    "created_at",
    "household",
    "purpose",
    "notes",
    "contact_card_given",
    "follow_up_needed",
)


def _raw_rows(n: int, accounts: list[Account], bureau_id: int, seed: int, tag: str) -> list[tuple]:
    rng = random.Random(seed)
    today = dt.datetime.now(SHANGHAI).date()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(n):
        a = accounts[i % len(accounts)]
        rows.append(
            (
                bureau_id,
                a.area_id,
                a.unit_id,
                a.user_id,
                a.officer_id,
                today - dt.timedelta(days=rng.randrange(365)),
                uuid.uuid4(),
                now,
                f"{tag}-{i}",
                rng.choice(PURPOSES),
                "",
                rng.random() < 0.6,
                False,
            )
        )
    return rows


def raw_inserts(url: str, table: str, rows: list[tuple], clients: int) -> dict[str, float]:
    """Seconds to insert ``rows`` three ways; each way gets its own copy with fresh keys."""
    import psycopg

    cols = ", ".join(_COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    insert = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608
    seconds: dict[str, float] = {}

    def fresh() -> list[tuple]:
        return [(*r[:6], uuid.uuid4(), *r[7:]) for r in rows]

    # 1. single-row INSERT, one transaction each (autocommit), from ``clients`` connections.
    batch = fresh()
    shares = [batch[i::clients] for i in range(clients)]
    conns = [psycopg.connect(url, autocommit=True) for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def work(conn, share):
        barrier.wait()
        for row in share:
            conn.execute(insert, row)

    threads = [
        threading.Thread(target=work, args=(c, s)) for c, s in zip(conns, shares, strict=True)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds["INSERT per row, autocommit, concurrent"] = time.perf_counter() - t0
    for c in conns:
        c.close()

    with psycopg.connect(url) as conn:
        # 2. executemany in one transaction (psycopg pipelines it).
        batch = fresh()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(insert, batch)
        conn.commit()
        seconds["executemany, one transaction"] = time.perf_counter() - t0
        # 3. COPY in one transaction.
        batch = fresh()
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
        conn.commit()
        seconds["COPY, one transaction"] = time.perf_counter() - t0
    return seconds


# --- The run -----------------------------------------------------------------------------------


def inner(args) -> int:
    started = time.perf_counter()
    _pg.recreate(args.database)
    server = None
    try:
        _pg.django_setup()
        from django.db import connection, connections

        from cunjing.core.models import AuditEvent, IdempotencyKey
        from cunjing.fieldwork.models import HouseholdVisit

        t = time.perf_counter()
        with _pg.fast_hashing():
            bureau = _pg.build_county(args.county)
            beats = _pg.beat_accounts(bureau, args.officers or args.clients)
        accounts = _http.accounts_with_tokens(beats)
        print(
            f"database {args.database}: schema + {args.county} county + {len(accounts)} beat "
            f"officers' accounts and tokens in {time.perf_counter() - t:.1f} s"
        )
        connections.close_all()

        port = _http.free_port()
        log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed after the load
        t = time.perf_counter()
        server = _http.start_server(
            port,
            log,
            workers=args.workers,
            threads=args.threads,
            conn_max_age=args.conn_max_age,
        )
        _http.wait_ready(port, accounts[0].token, server)
        print(f"server ready in {time.perf_counter() - t:.1f} s; {_pg.load()}")
        print(
            f"server: gunicorn gthread, {args.workers} workers x {args.threads} threads, "
            f"DEBUG off, CONN_MAX_AGE={args.conn_max_age}, 127.0.0.1:{port}; "
            f"{args.clients} clients x {args.requests} visits, cut fraction {args.cut_fraction}, "
            f"replay fraction {args.replay_fraction} ({os.cpu_count()} CPUs shared by clients, "
            "server and PostgreSQL)"
        )

        tallies = [Tally() for _ in range(args.clients)]
        clients = [
            Client(
                i, accounts[i :: args.clients] or [accounts[i % len(accounts)]], args, port, tally
            )
            for i, tally in enumerate(tallies)
        ]
        threads = [threading.Thread(target=c.run) for c in clients]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        _http.stop_server(server)
        server = None
        print(f"load done; {_pg.load()}")
        log.seek(0)
        server_log = log.read().splitlines()
        log.close()
        # Half-sent bodies reach the application truncated and are refused (422: not JSON);
        # anything else the server logged is shown.
        refused = [line for line in server_log if "Unprocessable Entity" in line]
        other = [line for line in server_log if line not in refused]

        acked: dict[str, dict] = {}
        for tally in tallies:
            acked.update(tally.acked)
        latencies = [x for t in tallies for x in t.latencies]
        replay_lat = [x for t in tallies for x in t.replay_latencies]
        total = lambda name: sum(getattr(t, name) for t in tallies)  # noqa: E731

        visits = HouseholdVisit.objects.filter(bureau=bureau)
        stored_keys = {str(k) for k in visits.values_list("client_uuid", flat=True)}
        table = HouseholdVisit._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT count(*) FROM (SELECT client_uuid FROM {table} "  # noqa: S608
                "GROUP BY client_uuid HAVING count(*) > 1) d"
            )
            duplicates = cur.fetchone()[0]
            rollup_mismatches = _pg.rollups_mismatches(cur)
        body_ids_match = all(str(a["client_uuid"]) == k for k, a in acked.items())
        audit_events = AuditEvent.objects.filter(action="fieldwork.visit.create").count()
        keys_stored = IdempotencyKey.objects.filter(endpoint="fieldwork.visits").count()

        ack_rate = len(acked) / wall
        ms = lambda s: f"{1e3 * s:.1f} ms"  # noqa: E731
        figures = {
            "clients": args.clients,
            "requests_per_client": args.requests,
            "wall_s": wall,
            "acknowledged": len(acked),
            "acknowledged_per_s": ack_rate,
            "p50_ms": 1e3 * _pg.percentile(latencies, 50),
            "p95_ms": 1e3 * _pg.percentile(latencies, 95),
            "p99_ms": 1e3 * _pg.percentile(latencies, 99),
            "stored": len(stored_keys),
            "stored_keys_equal_acknowledged": stored_keys == set(acked),
            "duplicates": duplicates,
            "cuts_full": total("cuts_full"),
            "cuts_partial": total("cuts_partial"),
            "retries": total("retries"),
            "transport_errors": total("transport_errors"),
            "conflicts_409": total("conflicts_409"),
            "failed": [f for t in tallies for f in t.failed],
            "replays": total("replays"),
            "replays_same_body": total("replays_same"),
            "rollup_mismatches": rollup_mismatches,
            "audit_events": audit_events,
            "idempotency_keys": keys_stored,
        }
        rows = [
            ["acknowledged visits (unique keys)", f"{len(acked):,}"],
            ["wall time of the load", f"{wall:.2f} s"],
            ["acknowledged records per second", f"{ack_rate:,.1f}"],
            [
                "latency of acknowledged requests p50 / p95 / p99",
                " / ".join(ms(_pg.percentile(latencies, q)) for q in (50, 95, 99)),
            ],
            [
                "cut connections (whole request / half the body sent)",
                f"{figures['cuts_full']} / {figures['cuts_partial']}",
            ],
            [
                "retries (after a cut, a dropped keep-alive, a 409)",
                f"{figures['retries']} ({figures['transport_errors']} transport errors, "
                f"{figures['conflicts_409']} x 409)",
            ],
            ["requests given up (non-201 answers)", f"{len(figures['failed'])}"],
            [
                "server: truncated bodies refused (422) / other log lines",
                f"{len(refused)} / {len(other)}",
            ],
            ["rows stored", f"{len(stored_keys):,}"],
            [
                "stored keys == acknowledged keys",
                "yes" if figures["stored_keys_equal_acknowledged"] else "NO",
            ],
            ["duplicate rows (GROUP BY client_uuid HAVING count > 1)", f"{duplicates}"],
            [
                "replays answered with the original body",
                f"{figures['replays_same_body']} / {figures['replays']}"
                + (f" (p50 {ms(_pg.percentile(replay_lat, 50))})" if replay_lat else ""),
            ],
            ["audit events / idempotency keys stored", f"{audit_events:,} / {keys_stored:,}"],
            ["roll-up counters differing from the stored rows", f"{rollup_mismatches}"],
        ]
        print(_pg.table(["HTTP ingest", "figure"], rows))
        for line in other[:10]:
            print(f"  server log: {line}")
        figures["server_log_other"] = other

        # The same number of rows with raw psycopg, into the same table.
        connections.close_all()
        n = len(acked)
        raw = raw_inserts(
            _pg.database_url(args.database),
            table,
            _raw_rows(n, accounts, bureau.pk, args.seed, "raw"),
            args.clients,
        )
        raw_rows = [
            ["HTTP POST (the benchmark above)", f"{wall:.2f} s", f"{ack_rate:,.0f}", "1.0x"]
        ]
        figures["raw"] = {}
        for name, seconds in raw.items():
            rate = n / seconds
            figures["raw"][name] = {"seconds": seconds, "rows_per_s": rate}
            raw_rows.append(
                [
                    f"raw psycopg: {name}",
                    f"{seconds:.2f} s",
                    f"{rate:,.0f}",
                    f"{rate / ack_rate:,.1f}x",
                ]
            )
        print(
            f"\nthe same {n:,} rows inserted with raw psycopg into {table} (no audit, no roll-ups, "
            "no idempotency row):"
        )
        print(_pg.table(["path", "time", "rows/s", "rows/s vs HTTP"], raw_rows))

        ok = (
            figures["stored_keys_equal_acknowledged"]
            and duplicates == 0
            and rollup_mismatches == 0
            and not figures["failed"]
            and figures["replays_same_body"] == figures["replays"]
            and body_ids_match
        )
        figures["ok"] = ok
        outcome = "all passed" if ok else "FAILED"
        print(f"checks: {outcome}; total {time.perf_counter() - started:.1f} s")
        _http.write_json(args.json, figures)
        return 0 if ok else 1
    finally:
        _http.clean_up(server, args.database, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
