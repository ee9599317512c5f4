"""What the HTTP benchmarks share (``bench.ingest``, ``bench.faults``): the project under
gunicorn in a subprocess, the beat officers' bearer tokens, and a keep-alive client that posts
household visits with an ``Idempotency-Key``.

Django-free at import: the Django pieces are imported inside the functions that need them, in
the benchmark's child process (see ``bench._pg``)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bench import _pg

PATH = "/api/fieldwork/visits"
PURPOSES = ("routine", "information", "dispute_screening", "service", "other")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# What a client sees when the server or the connection goes away under it.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Account:
    """A beat officer's bearer token and what a visit of theirs is filed under."""

    token: str
    user_id: int
    officer_id: int | None
    area_id: int
    unit_id: int


def accounts_with_tokens(beats: list[_pg.Beat]) -> list[Account]:
    """A bearer token for each beat officer of ``beats`` (issued through the accounts service)."""
    from cunjing.accounts.models import User
    from cunjing.accounts.services import token_issue

    users = User.objects.in_bulk([b.user_id for b in beats])
    return [
        Account(
            token=token_issue(user=users[b.user_id])[0],
            user_id=b.user_id,
            officer_id=users[b.user_id].officer_id,
            area_id=b.area_id,
            unit_id=b.unit_id,
        )
        for b in beats
    ]


def visit_body(rng: random.Random, account: Account, household: str, today: dt.date) -> bytes:
    """The JSON body of a household visit of ``account``'s officer in their area, on a day of
    the last year."""
    payload = {
        "area": account.area_id,
        "occurred_on": (today - dt.timedelta(days=rng.randrange(365))).isoformat(),
        "household": household,
        "purpose": rng.choice(PURPOSES),
        "notes": "入户走访，了解家庭情况。" if rng.random() < 0.5 else "",
        "contact_card_given": rng.random() < 0.6,
        "follow_up_needed": rng.random() < 0.1,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def headers(token: str, key: str, length: int, port: int) -> dict[str, str]:
    return {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
        "Content-Length": str(length),
    }


class KeepAlive:
    """One client's keep-alive HTTP/1.1 connection to the server: reopened after a transport
    error (which is raised to the caller) or a ``Connection: close`` answer."""

    def __init__(self, port: int, timeout: float = 60):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def post(self, token: str, key: str, body: bytes) -> tuple[int, bytes, float]:
        """``POST`` one visit; ``(status, body, seconds)``."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.conn.request(
                "POST", PATH, body=body, headers=headers(token, key, len(body), self.port)
            )
            response = self.conn.getresponse()
            data = response.read()
        except TRANSPORT_ERRORS:
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, data, time.perf_counter() - started

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    port: int, log, *, workers: int, threads: int, conn_max_age: int
) -> subprocess.Popen:
    """gunicorn (``gthread``) in a subprocess, on the database of this process's
    ``DATABASE_URL``, DEBUG off; its log (warnings and up) goes to the file ``log``. The
    ``Popen``'s pid is gunicorn's master: its children are the workers."""
    env = dict(os.environ, DEBUG="0", CONN_MAX_AGE=str(conn_max_age))
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "cunjing.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(cmd, cwd=_pg.ROOT, env=env, stdout=log, stderr=log)  # noqa: S603


def wait_ready(port: int, token: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", PATH, headers={"Authorization": f"Bearer {token}"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (gunicorn's workers, for its master), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid …": comm may hold spaces and parentheses; split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def write_json(path: str | None, figures: dict) -> None:
    """The run's figures as JSON at ``path`` (``--json``), if one was asked for."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, ensure_ascii=False, indent=1, default=str)


def clean_up(server: subprocess.Popen | None, database: str, *, keep: bool) -> None:
    """After a run over HTTP: stop gunicorn, close Django's connections, drop the run's database
    (unless ``--keep``)."""
    if server is not None:
        stop_server(server)
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 - Django may not be set up yet
        pass
    if not keep:
        _pg.drop(database)
