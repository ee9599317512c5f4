"""``manage.py restore PATH --yes``: replace the whole database by a backup of ``manage.py
backup``, then check it.

Refused without ``--yes`` (or "yes" typed at the prompt), and when the file is not of the
database's kind. Stop the application (gunicorn, huey) first: on PostgreSQL a restore is refused
while other sessions are connected. PostgreSQL: ``pg_restore --clean --if-exists --no-owner
--single-transaction`` (all or nothing); SQLite: the backup API the other way (every page
replaced at once). Afterwards it runs ``verify_audit`` and prints the rows of every table (the
figures ``manage.py backup`` printed for that file). See :mod:`cunjing.core.backups`.
"""

from __future__ import annotations

import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from cunjing.core import backups
from cunjing.core.management.commands.backup import counts_table


class Command(BaseCommand):
    help = (
        "Replace the database by a backup file of manage.py backup (asks first; --yes to "
        "skip the question), then verify the audit trail and print the rows of every table."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: the database is replaced"
        )
        parser.add_argument(
            "--pg-bin", help="directory of pg_dump/pg_restore (default: the server's version)"
        )

    def confirmed(self, name: str) -> bool:
        if not sys.stdin or not sys.stdin.isatty():
            return False
        question = _(
            "Every row of database %(name)s will be replaced by the backup. Type 'yes' to go on: "
        ) % {"name": name}
        return input(question).strip().lower() == "yes"

    def handle(self, *args, path, yes=False, pg_bin=None, **options):
        name = connections["default"].settings_dict["NAME"]
        if not yes and not self.confirmed(name):
            raise CommandError(
                _("Not restored: the database %(name)s would be replaced; pass --yes to confirm.")
                % {"name": name}
            )
        try:
            outcome = backups.restore(path, pg_bin=pg_bin, progress=self.stdout.write)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Restored %(path)s in %(seconds).1f s; %(rows)s rows:")
            % {
                "path": outcome.path,
                "seconds": outcome.seconds,
                "rows": f"{sum(outcome.counts.values()):,}",
            }
        )
        self.stdout.write(counts_table(outcome.counts))
        missing = backups.unapplied_migrations()
        if missing:
            self.stdout.write(
                _(
                    "The backup predates %(count)s migrations of this code (%(names)s): run "
                    "manage.py migrate."
                )
                % {"count": len(missing), "names": ", ".join(missing[:5])}
            )
        self.stdout.write(_("Verifying the audit trail …"))
        call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
