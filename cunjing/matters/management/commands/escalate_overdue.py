"""``manage.py escalate_overdue``: escalate every matter past a deadline one level up and close
the resolved matters nobody reopened within 7 days — what the huey periodic task does."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cunjing.core import context
from cunjing.matters import services


class Command(BaseCommand):
    help = "Escalate matters past their deadline one level up; close resolved matters due."

    def handle(self, *args, **options) -> None:
        with context.bind(context.RequestContext(channel="command")):
            escalated = services.escalate_overdue()
            closed = services.close_resolved()
        self.stdout.write(f"escalated {escalated}, closed {closed}")
