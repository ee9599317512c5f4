"""The site on a live server thread over the transactional test database, for tests that talk to
it over HTTP (the browser tests, the third-party Open311 client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler


class _OneRequestAtATime(LiveServerThread):
    """Django's live server, answering one request at a time: the in-memory SQLite test database
    is one connection shared by every thread, and concurrent requests on it fail with "database
    table is locked"."""

    def _create_server(self, connections_override=None):
        return WSGIServer(
            (self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False
        )


@contextmanager
def running_site(handler: Callable = StaticFilesHandler) -> Iterator[str]:
    """Serve the site on a free local port while the block runs; yields its URL. The test must
    be transactional (the server thread reads committed data)."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = _OneRequestAtATime("localhost", handler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()
