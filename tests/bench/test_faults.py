"""bench.faults: its invariants fail when they should, its clients retry with the same key and
body until acknowledged, it is not run by a bare ``make bench``, and a tiny run on a private
PostgreSQL server (a worker killed, the server restarted) holds every invariant."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from bench import __main__ as runner
from bench import _http, _pg, faults

CLEAN = {
    "attempted": 100,
    "acknowledged": 100,
    "acknowledged_missing": 0,
    "duplicates": 0,
    "stored_unknown": 0,
    "unrecovered_5xx": 0,
    "given_up": 0,
    "refused": 0,
    "rows": 100,
    "counter_daily": 100,
    "counter_monthly": 100,
    "rollup_mismatches": 0,
    "audit_events": 100,
    "idempotency_keys": 100,
    "verify_audit_ok": True,
    "verify_audit": "100 audit events verified",
    "kills": 5,
    "kills_asked": 5,
    "restarts": 1,
    "fault_errors": [],
    "workers_at_end": 2,
    "workers_asked": 2,
}


def test_a_clean_run_holds_every_invariant():
    assert faults.invariants(CLEAN) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"acknowledged_missing": 1}, "not stored"),
        ({"duplicates": 1}, "more than once"),
        ({"stored_unknown": 1}, "never sent"),
        ({"unrecovered_5xx": 1}, "saw a 5xx"),
        ({"given_up": 1}, "given up"),
        ({"refused": 1}, "refused"),
        ({"counter_daily": 99}, "visit counters"),
        ({"counter_monthly": 101}, "visit counters"),
        ({"rows": 101}, "visit counters"),
        ({"rollup_mismatches": 2}, "roll-up counters"),
        ({"audit_events": 99}, "audit events"),
        ({"idempotency_keys": 101}, "idempotency keys"),
        ({"verify_audit_ok": False, "verify_audit": "1 broken link"}, "verify_audit: 1 broken"),
        ({"kills": 4}, "faults"),
        ({"restarts": 0}, "faults"),
        ({"fault_errors": ["no gunicorn worker to kill"]}, "faults"),
        ({"workers_at_end": 1}, "gunicorn workers at the end"),
        ({"attempted": 0, "acknowledged": 0}, "no visit"),
    ],
)
def test_each_broken_invariant_is_reported(change, expected):
    failed = faults.invariants({**CLEAN, **change})
    assert failed and any(expected in f for f in failed), failed


def test_faults_runs_only_when_named():
    available = runner.discover()
    assert "faults" in available
    assert "faults" not in runner.by_default(available)
    assert {"hotspots", "ingest", "totals"} <= set(runner.by_default(available))


def test_children_lists_the_live_child_processes():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in _http.children(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert child.pid not in _http.children(os.getpid())


class _Flaky(BaseHTTPRequestHandler):
    """Per key: a 500 first, then a connection closed without an answer (a killed worker),
    then 201 with the key; every request's key and body are recorded."""

    seen: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def do_POST(self):
        key = self.headers["Idempotency-Key"]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            self.seen.append((key, body))
            tries = sum(1 for k, _b in self.seen if k == key)
        if tries == 1:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif tries == 2:
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            answer = json.dumps({"client_uuid": key}).encode()
            self.send_response(201)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_a_client_retries_with_the_same_key_and_body_until_acknowledged():
    _Flaky.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        args = argparse.Namespace(seed=1, attempts=5, backoff=0.001, max_backoff=0.01)
        account = _http.Account(token="t", user_id=1, officer_id=None, area_id=7, unit_id=3)
        tally = faults.Tally()
        client = faults.Client(
            0, [account], args, server.server_address[1], threading.Event(), tally
        )
        sent = [(f"00000000-0000-4000-8000-00000000000{i}", f"body {i}".encode()) for i in (1, 2)]
        for key, body in sent:
            client.submit(account, key, body)
        client.http.close()
    finally:
        server.shutdown()
        server.server_close()
    assert set(tally.acked) == {key for key, _b in sent}
    assert tally.attempted == 2 and tally.retries == 4
    assert tally.status_5xx == 2 and tally.transport_errors == 2
    assert tally.given_up == [] and tally.refused == []
    assert tally.attempts_hist == {3: 2}
    assert _Flaky.seen == [s for s in sent for _ in range(3)]  # the same key and body each time


def test_a_client_gives_up_after_its_attempts():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    _Flaky.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        args = argparse.Namespace(seed=1, attempts=2, backoff=0.001, max_backoff=0.01)
        account = _http.Account(token="t", user_id=1, officer_id=None, area_id=7, unit_id=3)
        tally = faults.Tally()
        client = faults.Client(
            0, [account], args, server.server_address[1], threading.Event(), tally
        )
        client.submit(account, "00000000-0000-4000-8000-000000000009", b"x")
        client.http.close()
    finally:
        server.shutdown()
        server.server_close()
    assert tally.acked == {} and len(tally.given_up) == 1
    figures = {**CLEAN, "unrecovered_5xx": len(tally.keys_5xx - set(tally.acked)), "given_up": 1}
    assert len(faults.invariants(figures)) == 2


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"] or _pg.postgres_bindir() is None,
    reason="the benchmarks run in the PostgreSQL pass; this one makes a private server (initdb)",
)
def test_faults_at_a_tiny_size_holds_every_invariant(tmp_path):
    out = tmp_path / "faults.json"
    proc = subprocess.run(  # noqa: S603 - our interpreter, our module
        [
            sys.executable,
            "-m",
            "bench.faults",
            "--clients=3",
            "--workers=2",
            "--threads=2",
            "--kills=2",
            "--kill-every=1.5",
            "--warmup=1",
            "--tail=1",
            "--database=cunjing_bench_faults_smoke",
            "--json",
            str(out),
        ],
        cwd=_pg.ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    f = json.loads(out.read_text())
    assert f["failed"] == []
    assert f["kills"] == 2 and f["restarts"] == 1 and f["workers_at_end"] == 2
    assert f["acknowledged"] == f["rows"] == f["counter_daily"] > 0
    assert f["duplicates"] == f["acknowledged_missing"] == f["unrecovered_5xx"] == 0
    assert f["server_log"]["sigkilled"] == 2
    assert "pg_ctl restart --mode fast" in output
