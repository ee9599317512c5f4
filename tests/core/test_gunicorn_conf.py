"""``make run`` serves with ``cunjing/gunicorn_conf.py``: the huey consumer (periodic escalation
of overdue matters) starts beside the web workers and stops with them — a real gunicorn in a
subprocess, its children read from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"

pytestmark = pytest.mark.skipif(
    not Path("/proc").is_dir() or not GUNICORN.exists(), reason="needs /proc and gunicorn"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``: its command line."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                found[child] = (
                    (Path("/proc") / str(child) / "cmdline")
                    .read_bytes()
                    .replace(b"\0", b" ")
                    .decode()
                )
            except OSError:
                continue
            todo.append(child)
    return found


def _start(tmp_path, **env) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603
        [
            str(GUNICORN),
            "cunjing.wsgi",
            "-c",
            "cunjing/gunicorn_conf.py",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env={**os.environ, "CUNJING_VAR_DIR": str(tmp_path), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.2)
    proc.kill()
    pytest.fail("gunicorn did not start")


def _consumers(pid: int) -> list[int]:
    return [p for p, cmd in _descendants(pid).items() if "run_huey" in cmd]


def _wait_for(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_consumer_runs_beside_the_server_and_stops_with_it(tmp_path):
    proc, _port = _start(tmp_path)
    try:
        assert _wait_for(lambda: len(_consumers(proc.pid)) == 1), _descendants(proc.pid)
        consumer = _consumers(proc.pid)[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert _wait_for(
        lambda: (
            not Path(f"/proc/{consumer}").exists()
            or "Z" in Path(f"/proc/{consumer}/stat").read_text().split()[2]
        )
    )


def test_a_county_deployment_can_leave_the_consumer_out(tmp_path):
    proc, _port = _start(tmp_path, CUNJING_EMBEDDED_HUEY="0")
    try:
        time.sleep(1.5)
        assert _consumers(proc.pid) == []
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
