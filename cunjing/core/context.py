"""Per-request context (request id, client IP, acting user) carried in a contextvar.

The middleware sets it; services read it when they write the audit event, so the audit row
knows the request without every service threading the request object through.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    channel: str = "system"  # "web", "api", "command", "system"


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "cunjing_request_context", default=None
)


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext()


@contextmanager
def bind(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
