"""gunicorn settings of the embedded shape (``make run``): the huey consumer runs beside the web
workers, started when the server is ready and stopped when it exits, so that one command also
runs the periodic work (escalating overdue matters, closing resolved ones).

A county deployment runs ``manage.py run_huey`` as a service of its own and sets
``CUNJING_EMBEDDED_HUEY=0`` (or does not use this file).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
STOP_TIMEOUT_S = 10

_consumer: subprocess.Popen | None = None


def consumer_command() -> list[str]:
    return [sys.executable, str(MANAGE), "run_huey", "--workers", "1", "--quiet"]


def when_ready(server) -> None:
    global _consumer
    if os.environ.get("CUNJING_EMBEDDED_HUEY", "1").strip().lower() in ("0", "false", "no", "off"):
        return
    _consumer = subprocess.Popen(consumer_command())  # noqa: S603 - our own fixed command
    server.log.info("huey consumer started (pid %s)", _consumer.pid)


def on_exit(server) -> None:
    global _consumer
    if _consumer is None:
        return
    _consumer.terminate()
    try:
        _consumer.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _consumer.kill()
        _consumer.wait()
    server.log.info("huey consumer stopped")
    _consumer = None
