"""``manage.py demo``: build the deterministic demo county shaped like 舞钢市公安局.

manage.py demo                 build it into an empty database
manage.py demo --if-empty      build it only if no bureau exists yet (``make run``)
manage.py demo --reset         wipe the database and rebuild (refused if other bureaus exist)
manage.py demo --seed N        another deterministic variant (default 2014)
manage.py demo --logins        print the demo accounts and their password (and write the list of
                               every account again), and exit
manage.py demo --no-simulate   build the county (and its matter categories) only, without its
                               registry and simulated field work

After the county, ``cunjing.demo.fieldwork.simulate`` writes its field work from 2014-09-01 to
today (the source's results table for 2014-09-01 to 2015-01-20, then a thin stream and a
mature last year), with a progress line per month (per year in the thin years).

Every officer and leader of the demo county has an account (username: the police number), and
so does every aide of one station; the command prints the nine persona logins and writes the
list of all accounts (username, name, role, unit; no password) to ``var/demo-accounts.csv``
whenever it prints the logins.
"""

from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cunjing.accounts.models import User
from cunjing.core import context
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM, Role
from cunjing.demo import accounts as demo_accounts
from cunjing.demo import builder, wugang
from cunjing.demo import fieldwork as field_demo
from cunjing.demo import registry as registry_demo
from cunjing.fieldwork.models import FollowUpState
from cunjing.matters import services as matter_services
from cunjing.org.models import Aide, Area, AreaKind, Bureau, Officer, Unit, UnitKind
from cunjing.stats.models import Figure


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(str(c), widths[i]) for i, c in enumerate(r)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * wd for wd in widths))
    return "\n".join(lines)


def _shown_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it (``var/…``)."""
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative


class Command(BaseCommand):
    help = "Build the demo county (舞钢市公安局), or print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Flush the database and rebuild the demo (only if it holds no other bureau).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=builder.DEFAULT_SEED,
            help="Seed of the generated names, phones, badges and coordinates (default 2014).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any bureau already exists.",
        )
        parser.add_argument(
            "--logins", action="store_true", help="Only print the demo logins and exit."
        )
        parser.add_argument(
            "--no-simulate",
            action="store_true",
            help="Build the county only, without its simulated field work (fast; for tests).",
        )

    def handle(
        self,
        *args,
        reset: bool,
        seed: int,
        if_empty: bool,
        logins: bool,
        no_simulate: bool = False,
        **options,
    ):
        if logins:
            self.print_logins()
            return
        if reset and if_empty:
            raise CommandError(_("Use either --reset or --if-empty, not both."))

        existing = list(Bureau.objects.order_by("code").values_list("code", "name"))
        if if_empty and existing:
            self.stdout.write(
                ngettext(
                    "The database already holds %(n)d bureau (%(names)s): the demo was not built.",
                    "The database already holds %(n)d bureaus (%(names)s): the demo was not built.",
                    len(existing),
                )
                % {"n": len(existing), "names": "、".join(n for _c, n in existing)}
            )
            self.print_logins()
            return
        others = [name for code, name in existing if code != builder.DEMO_BUREAU_CODE]
        if reset and others:
            raise CommandError(
                _(
                    "Refusing to reset: the database holds bureaus other than the demo one "
                    "(%(names)s). --reset flushes the whole database."
                )
                % {"names": "、".join(others)}
            )
        if existing and not reset:
            raise CommandError(
                _(
                    "The database already holds %(names)s. Run with --reset to rebuild the demo, "
                    "or --if-empty to leave it alone."
                )
                % {"names": "、".join(name for _code, name in existing)}
            )

        password, source = builder.demo_password()
        try:
            password_validation.validate_password(password)
        except ValidationError as exc:
            raise CommandError(
                _("The demo password from %(source)s is too weak: %(errors)s")
                % {"source": source, "errors": " ".join(exc.messages)}
            ) from exc

        started = time.monotonic()
        self.stdout.write(
            _("Building the demo county %(name)s (seed %(seed)d)…")
            % {"name": wugang.BUREAU_NAME, "seed": seed}
        )
        plan = builder.make_plan(seed)
        try:
            with context.bind(context.RequestContext(channel="command")), transaction.atomic():
                if reset and existing:
                    # PostgreSQL refuses to TRUNCATE tables with pending deferred-constraint
                    # checks (rows written earlier in a transaction that wraps this one):
                    # settle them first. Flushing truncates there, which the append-only
                    # audit trigger allows; on SQLite it deletes, which its trigger allows.
                    connection.check_constraints()
                    call_command("flush", interactive=False, verbosity=0)
                    self.stdout.write("  " + _("Flushed the database."))
                county = builder.build(plan, password=password, progress=self.progress)
                # The matter categories are the services of the portal and Open311: always.
                matter_services.categories_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
                if not no_simulate:
                    self.stdout.write(_("Filling the registry (一标三实)…"))
                    registry_demo.populate(county.bureau, seed=seed, progress=self.progress)
                    self.simulate(county.bureau, seed, password)
        except ValidationError as exc:
            raise CommandError(
                _("The demo could not be built: %(error)s") % {"error": exc}
            ) from exc
        self.stdout.write(self.summary())
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo county built in %(s).1f s.") % {"s": time.monotonic() - started}
            )
        )
        self.print_logins()

    def simulate(self, bureau: Bureau, seed: int, password: str) -> None:
        today = timezone.localdate()
        self.stdout.write(
            _("Simulating the field work from %(start)s to %(end)s…")
            % {"start": field_demo.SOURCE_FROM.isoformat(), "end": today.isoformat()}
        )
        result = field_demo.simulate(
            bureau,
            start=field_demo.SOURCE_FROM,
            end=today,
            seed=seed,
            password=password,
            progress=self.sim_progress,
        )
        self.stdout.write(
            "  "
            + _("Field records: %(rows)s")
            % {
                "rows": ", ".join(
                    f"{field_demo.kind_label(kind)} {n}"
                    for kind, n in sorted(result.rows.items(), key=lambda kv: -kv[1])
                )
            }
        )
        header = [_("figure"), _("source"), _("simulated"), _("deviation")]
        rows = [
            [
                str(Figure(figure).label),
                str(expected),
                str(value),
                f"{deviation:+.1f}%" if deviation is not None else "—",
            ]
            for figure, expected, value, deviation in field_demo.source_comparison(bureau)
        ]
        self.stdout.write(
            _("The results table, %(start)s to %(end)s:")
            % {
                "start": field_demo.SOURCE_FROM.isoformat(),
                "end": field_demo.SOURCE_TO.isoformat(),
            }
        )
        self.stdout.write(format_table(header, rows))

    def sim_progress(self, label: str, rows, seconds: float) -> None:
        if label == "accounts":
            text = _("beat officers' accounts created: %(n)d") % {"n": rows["accounts"]}
            label = _("accounts")
        elif label == "follow_ups":
            text = " · ".join(
                f"{FollowUpState(state).label} {n}" for state, n in rows.items() if n
            ) or _("nothing")
            label = _("follow-ups")
        elif label == "corrections":
            text = _("%(voided)d duplicate visits voided · %(requests)d correction requests") % {
                "voided": rows.get("voided", 0),
                "requests": rows.get("requests", 0),
            }
            label = _("corrections")
        elif label == "counters":
            text = _("%(days)d daily and %(months)d monthly counters") % {
                "days": rows["daily_rows"],
                "months": rows["monthly_rows"],
            }
            label = _("counters")
        else:
            text = " · ".join(
                f"{field_demo.kind_label(kind)} {n}" for kind, n in rows.items() if n
            ) or _("nothing")
        self.stdout.write(f"  {_pad(label, 8)} {text}  ({seconds:.1f} s)")

    def progress(self, step: int, total: int, stage: str, count: int, seconds: float) -> None:
        label = _pad(_(stage), 20)
        self.stdout.write(f"  [{step}/{total}] {label} {count:>5}  ({seconds:.1f} s)")

    def summary(self) -> str:
        bureau = Bureau.objects.get(code=builder.DEMO_BUREAU_CODE)
        units = Unit.objects.filter(bureau=bureau)
        areas = Area.objects.filter(bureau=bureau)
        figures = [
            (_("stations"), units.filter(kind=UnitKind.STATION).count()),
            (_("central offices"), units.filter(kind=UnitKind.OFFICE).count()),
            (_("workstations"), units.filter(kind=UnitKind.WORKSTATION).count()),
            (_("communities"), areas.filter(kind=AreaKind.COMMUNITY).count()),
            (_("villages"), areas.filter(kind=AreaKind.VILLAGE).count()),
            (_("officers"), Officer.objects.filter(bureau=bureau).count()),
            (_("aides"), Aide.objects.filter(bureau=bureau).count()),
            (_("accounts"), User.objects.filter(bureau=bureau).count()),
            (_("audit events"), AuditEvent.objects.filter(bureau=bureau).count()),
        ]
        return "  " + ", ".join(f"{label} {n}" for label, n in figures)

    def print_logins(self) -> None:
        users = builder.demo_users()
        if not users:
            self.stdout.write(_("No demo accounts: run `manage.py demo` first."))
            return
        password, source = builder.demo_password(create=False)
        shown = password or _("(unknown: %(source)s is missing)") % {"source": source}
        rows = [[u.username, str(Role(u.role).label), u.unit.name, shown] for u in users]
        header = [_("username"), _("role"), _("unit"), _("password")]
        self.stdout.write(_("Demo logins (password from %(source)s):") % {"source": source})
        self.stdout.write(format_table(header, rows))
        path, count = demo_accounts.write_accounts_file(users[0].bureau)
        self.stdout.write(
            _(
                "Every officer and leader has an account too (username: the police number), and "
                "so does every aide of %(station)s: %(n)d accounts in all, with the same password."
            )
            % {"station": builder.station_name(builder.AIDE_ACCOUNTS_STATION), "n": count}
        )
        self.stdout.write(
            _(
                "All of them: sign in as secadmin and open /accounts/users/, or open %(path)s "
                "(username, name, role, unit)."
            )
            % {"path": _shown_path(path)}
        )
