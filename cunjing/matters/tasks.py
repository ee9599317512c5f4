"""Periodic work of matters, run by the huey consumer (``manage.py run_huey``): every 15 minutes
the breached deadlines are escalated and the resolved matters due are closed. The same services
back ``manage.py escalate_overdue``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from cunjing.core import context
from cunjing.matters import services


@db_periodic_task(crontab(minute="*/15"))
def escalate_overdue_matters() -> dict[str, int]:
    with context.bind(context.RequestContext(channel="system")):
        escalated = services.escalate_overdue()
        closed = services.close_resolved()
    return {"escalated": escalated, "closed": closed}
