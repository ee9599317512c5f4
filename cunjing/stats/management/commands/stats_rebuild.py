"""``manage.py stats_rebuild``: recompute the roll-up counters from the raw records (repair).

manage.py stats_rebuild                          every bureau, every day
manage.py stats_rebuild --bureau 410481          one bureau (its code)
manage.py stats_rebuild --from 2014-09-01 --to 2015-01-20   a range (widened to whole months)
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cunjing.core import context
from cunjing.core.roles import SYSTEM
from cunjing.org.models import Bureau
from cunjing.stats.services import rebuild


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("Enter a valid date (YYYY-MM-DD): %(value)s") % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = "Recompute the roll-up counters (daily and monthly) from the raw records."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", help="The bureau's code (default: every bureau).")
        parser.add_argument("--from", dest="date_from", help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="date_to", help="Last day (YYYY-MM-DD).")

    def handle(self, *args, bureau: str | None, date_from: str | None, date_to: str | None, **kw):
        first = _date(date_from) if date_from else None
        last = _date(date_to) if date_to else None
        if first and last and first > last:
            raise CommandError(_("The first day is after the last day."))
        bureaus = Bureau.objects.order_by("code")
        if bureau:
            bureaus = bureaus.filter(code=bureau)
            if not bureaus.exists():
                raise CommandError(_("No bureau has the code %(code)s.") % {"code": bureau})
        with context.bind(context.RequestContext(channel="command")):
            for b in bureaus:
                result = rebuild(actor=SYSTEM, bureau=b, date_from=first, date_to=last)
                self.stdout.write(
                    _("%(name)s: %(days)d daily and %(months)d monthly counters rebuilt.")
                    % {"name": b.name, "days": result.daily_rows, "months": result.monthly_rows}
                )
