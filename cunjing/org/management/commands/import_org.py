"""``manage.py import_org FILE.xlsx [--bureau CODE]``: import a bureau's organisation, all or
nothing, as the system (see :mod:`cunjing.org.importer` for the workbook layout)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cunjing.core import context
from cunjing.core.roles import SYSTEM
from cunjing.org.importer import import_org
from cunjing.org.models import Bureau


class Command(BaseCommand):
    help = gettext_lazy(
        "Import units, areas, coverage, officers, aides and beats from an .xlsx workbook "
        "(created, or updated where the sheet allows). If any row has an error nothing is "
        "saved and every error is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("the .xlsx workbook"))
        parser.add_argument(
            "--bureau",
            metavar="CODE",
            help=gettext_lazy("6-digit code of the bureau (default: the only bureau)"),
        )

    def handle(self, *args, file: str, bureau: str | None = None, **options):
        target = self._bureau(bureau)
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        self.stdout.write(
            _("Importing %(file)s into %(bureau)s (%(code)s)")
            % {"file": path.name, "bureau": target.name, "code": target.code}
        )

        def on_sheet(title: str, rows: int) -> None:
            line = ngettext("  %(sheet)s: %(rows)d row", "  %(sheet)s: %(rows)d rows", rows)
            self.stdout.write(line % {"sheet": title, "rows": rows})

        with context.bind(context.RequestContext(channel="command")):
            result = import_org(
                actor=SYSTEM, bureau=target, file=path, filename=path.name, on_sheet=on_sheet
            )
        if not result.ok:
            for e in result.errors:
                where = ", ".join(
                    part
                    for part in (
                        e.sheet,
                        _("row %(row)d") % {"row": e.row} if e.row is not None else "",
                        e.column,
                    )
                    if part
                )
                self.stderr.write(f"{where}: {e.message}" if where else e.message)
            if result.truncated:
                self.stderr.write(_("Only the first errors are listed; there are more."))
            count = len(result.errors)
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(count)d error.",
                    "Nothing was imported: %(count)d errors.",
                    count,
                )
                % {"count": count}
            )
        for key, label, created, updated, unchanged in result.sheet_rows():
            self.stdout.write(
                _(
                    "  %(label)s (%(key)s): %(created)d created, %(updated)d updated, "
                    "%(same)d unchanged"
                )
                % {
                    "label": label,
                    "key": key,
                    "created": created,
                    "updated": updated,
                    "same": unchanged,
                }
            )
        for title in result.ignored:
            self.stdout.write(_("  %(sheet)s: not imported here") % {"sheet": title})
        done = _("Imported: %(created)d created, %(updated)d updated, %(same)d unchanged.") % {
            "created": result.total_created,
            "updated": result.total_updated,
            "same": result.total_unchanged,
        }
        self.stdout.write(self.style.SUCCESS(done))

    def _bureau(self, code: str | None) -> Bureau:
        if code:
            found = Bureau.objects.filter(code=code.strip()).first()
            if found is None:
                raise CommandError(_("No bureau with code %(code)s.") % {"code": code})
            return found
        bureaus = list(Bureau.objects.order_by("code")[:2])
        if not bureaus:
            raise CommandError(_("There is no bureau yet."))
        if len(bureaus) > 1:
            raise CommandError(_("There are several bureaus: choose one with --bureau CODE."))
        return bureaus[0]
