"""``manage.py backup [PATH]``: one file holding a consistent copy of the whole database.

PostgreSQL: ``pg_dump --format=custom`` (restore with ``manage.py restore``, or ``pg_restore``);
SQLite: the online backup API. Safe while the application runs. The default file is
``var/backups/cunjing-YYYYMMDD-HHMM.dump`` (``.sqlite3`` on SQLite), local time; an existing file
is never overwritten. Prints each step, the size of the file and the rows of every table in it.
See :mod:`cunjing.core.backups`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cunjing.core import backups


def counts_table(counts: dict[str, int]) -> str:
    """The tables that hold rows, one per line, and how many tables are empty."""
    width = max((len(label) for label in counts), default=0)
    lines = [f"  {label.ljust(width)}  {n:>10,}" for label, n in counts.items() if n]
    empty = sum(1 for n in counts.values() if not n)
    lines.append("  " + _("(%(empty)s empty tables not shown)") % {"empty": empty})
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Back up the database to one file: pg_dump custom format on PostgreSQL, the online "
        "backup API on SQLite. Default: var/backups/cunjing-YYYYMMDD-HHMM.dump or .sqlite3."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="the file to write (must not exist)")
        parser.add_argument(
            "--pg-bin", help="directory of pg_dump/pg_restore (default: the server's version)"
        )

    def handle(self, *args, path=None, pg_bin=None, **options):
        try:
            vendor = backups.vendor_of()
            target = path or backups.default_path(vendor)
            self.stdout.write(_("Backing up to %(path)s") % {"path": target})
            outcome = backups.backup(target, pg_bin=pg_bin, progress=self.stdout.write)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Wrote %(path)s: %(size)s in %(seconds).1f s; %(rows)s rows:")
            % {
                "path": outcome.path,
                "size": backups.human_size(outcome.size),
                "seconds": outcome.seconds,
                "rows": f"{sum(outcome.counts.values()):,}",
            }
        )
        self.stdout.write(counts_table(outcome.counts))
