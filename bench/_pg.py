"""What the PostgreSQL benchmarks share: a throw-away database, Django in a child process, a
county with beat officers, the roll-up counters recomputed from the raw table, percentiles.

The benchmarks run their Django work in a child process (``python -m bench.<name> --inner``)
with ``DATABASE_URL`` pointing at their own database, so ``make bench`` can run several of them
from one process and a test can run them without touching its own test database.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Only databases named like this are ever created or dropped.
PREFIX = "cunjing_bench_"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


# --- The server and the throw-away database -------------------------------------------------


def server_url() -> str:
    """The PostgreSQL server to use, without a database name: ``$BENCH_DATABASE_URL``, else the
    server of ``$DATABASE_URL`` when it is PostgreSQL, else the local default."""
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            parts = urlsplit(url)
            return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return DEFAULT_SERVER


def database_url(name: str, server: str | None = None) -> str:
    return f"{(server or server_url()).rstrip('/')}/{name}"


def _check_name(name: str) -> None:
    if not name.startswith(PREFIX) or not name.replace("_", "").isalnum():
        raise ValueError(f"benchmark databases are named {PREFIX}*: {name!r}")


def _admin(server: str):
    import psycopg

    return psycopg.connect(database_url("postgres", server), autocommit=True, connect_timeout=3)


def unreachable(server: str | None = None) -> str | None:
    """Why the server cannot be used (``None`` when it can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({exc})"
    try:
        with _admin(server or server_url()):
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


def recreate(name: str, server: str | None = None) -> None:
    _check_name(name)
    with _admin(server or server_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(name: str, server: str | None = None) -> None:
    _check_name(name)
    with _admin(server or server_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_inner(module: str, database: str, argv: list[str], server: str | None = None) -> int:
    """Run ``python -m <module> --inner <argv>`` with Django pointed at ``database`` (on
    ``server``, default :func:`server_url`); its output goes straight to ours."""
    env = dict(os.environ)
    if server:
        env["BENCH_DATABASE_URL"] = server
    env.update(
        DATABASE_URL=database_url(database, server),
        DJANGO_SETTINGS_MODULE="cunjing.settings",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    sys.stdout.flush()
    return subprocess.call(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, "--inner", *argv], cwd=ROOT, env=env
    )


# --- A private PostgreSQL server, for the benchmarks that restart it -------------------------


def postgres_bindir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: Debian's ``/usr/lib/postgresql/<newest>/bin``,
    else the one on ``PATH``; ``None`` when there is none."""
    debian = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    debian.sort(key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    if debian:
        return debian[-1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PrivateServer:
    """A throw-away PostgreSQL cluster of the benchmark's own: ``initdb`` into a temporary
    directory, started with ``pg_ctl`` on a free port of 127.0.0.1 (trust authentication, its
    socket in its own directory), so that a benchmark can restart it — a real stop and start of
    the postmaster — without disturbing the shared server other work is using. When run as root
    the cluster belongs to the ``postgres`` account (``initdb`` refuses root): its commands run
    through ``runuser``.

    ``PrivateServer.create(port)`` makes and starts one; ``restart()``, ``stop()``; ``remove()``
    deletes its directory. Another process can drive the same cluster from ``(bindir, datadir,
    port)``."""

    def __init__(self, bindir: Path, datadir: Path, port: int):
        self.bindir, self.datadir, self.port = Path(bindir), Path(datadir), port

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(  # noqa: S603 - our tools, our arguments
            cmd, capture_output=True, text=True, check=check, timeout=120
        )

    @classmethod
    def create(cls, port: int) -> PrivateServer:
        bindir = postgres_bindir()
        if bindir is None:
            raise RuntimeError("initdb not found (Debian: the postgresql package)")
        datadir = Path(tempfile.mkdtemp(prefix="cunjing_bench_pg_"))
        if os.geteuid() == 0:
            import pwd

            account = pwd.getpwnam("postgres")
            os.chown(datadir, account.pw_uid, account.pw_gid)
        server = cls(bindir, datadir, port)
        try:
            server._run(
                "initdb",
                "--pgdata",
                str(datadir),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-instructions",
            )
            server._run(
                "pg_ctl",
                "--pgdata",
                str(datadir),
                "--log",
                str(datadir / "server.log"),
                "--options",
                f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c max_connections=200",
                "--wait",
                "start",
            )
        except BaseException:
            server.remove()
            raise
        return server

    def restart(self, mode: str = "fast") -> float:
        """Stop the postmaster (``fast``: roll back open transactions and close every
        connection; ``immediate``: abort without a shutdown checkpoint, as a crash, recovered
        from the WAL at the start) and start it again with the same options; the seconds taken
        until it accepts connections."""
        started = time.perf_counter()
        # --log again: pg_ctl remembers the server's options, not where its output goes (without
        # it the new postmaster would hold our output pipe open).
        self._run(
            "pg_ctl",
            "--pgdata",
            str(self.datadir),
            "--log",
            str(self.datadir / "server.log"),
            "--mode",
            mode,
            "--wait",
            "restart",
        )
        return time.perf_counter() - started

    def stop(self) -> None:
        self._run(
            "pg_ctl", "--pgdata", str(self.datadir), "--mode", "fast", "--wait", "stop", check=False
        )

    def remove(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)


def django_setup() -> None:
    """Configure Django in the child process and bring the schema up to date."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunjing.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


@contextlib.contextmanager
def fast_hashing():
    """Setting up: the accounts' passwords are hashed with MD5 instead of Argon2 (deliberately
    slow: ~0.1–0.5 s each). Nobody logs in with them; the benchmarks use bearer tokens."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# --- The county -------------------------------------------------------------------------------


@dataclass
class Beat:
    """A beat officer's account and one area of their beat, served by ``unit_id``."""

    user_id: int
    username: str
    area_id: int
    unit_id: int


def _password() -> str:
    from cunjing.demo.builder import generate_password

    return generate_password()


def build_county(kind: str):
    """The demo county (``"demo"``, ~20 s: 232 units, 217 beat officers) or a small one
    (``"small"``: two stations, two offices, six workstations, one village each). Returns the
    bureau; every officer gets a beat over a village or community."""
    if kind == "demo":
        from cunjing.demo import builder

        return builder.build(builder.make_plan(), password=_password()).bureau
    if kind != "small":
        raise ValueError(f"unknown county {kind!r}")
    import datetime as dt

    from django.db import transaction

    from cunjing.core.roles import SYSTEM
    from cunjing.org import services as org

    with transaction.atomic():
        bureau = org.bureau_create(actor=SYSTEM, name="基准县公安局", code="419901")
        root = org.bureau_root_unit(bureau)
        county = org.area_create(
            actor=SYSTEM,
            bureau=bureau,
            parent=None,
            kind="county",
            name="基准县",
            division_code="419901000000",
        )
        org.coverage_create(actor=SYSTEM, unit=root, area=county)
        n = 0
        for s in range(2):
            station = org.unit_create(
                actor=SYSTEM, parent=root, kind="station", name=f"基准{s + 1}派出所"
            )
            town = org.area_create(
                actor=SYSTEM,
                bureau=bureau,
                parent=county,
                kind="town",
                name=f"基准{s + 1}镇",
                division_code=f"4199011{s}0000",
            )
            org.coverage_create(actor=SYSTEM, unit=station, area=town)
            office = org.unit_create(
                actor=SYSTEM, parent=station, kind="office", name=f"基准{s + 1}中心警务室"
            )
            for w in range(3):
                n += 1
                ws = org.unit_create(
                    actor=SYSTEM, parent=office, kind="workstation", name=f"基准{n}村警务工作站"
                )
                village = org.area_create(
                    actor=SYSTEM,
                    bureau=bureau,
                    parent=town,
                    kind="village",
                    name=f"基准{n}村",
                    division_code=f"4199011{s}02{w:02d}",
                )
                org.coverage_create(actor=SYSTEM, unit=ws, area=village)
                officer = org.officer_create(
                    actor=SYSTEM,
                    unit=ws,
                    name=f"民警{n}",
                    badge_number=f"0999{n:02d}",
                    phone=f"138037599{n:02d}",
                    title="民警",
                )
                org.beat_assign(
                    actor=SYSTEM,
                    officer=officer,
                    area=village,
                    start_date=dt.date(2014, 9, 1),
                    is_lead=True,
                )
    return bureau


def beat_accounts(bureau, n: int) -> list[Beat]:
    """Accounts for up to ``n`` beat officers of ``bureau`` (their own, as the demo county gives
    every officer one, else a new one through the accounts service), each with the first
    village or community of their beat and the unit serving it."""
    from django.db import transaction

    from cunjing.accounts import services as accounts
    from cunjing.core.roles import SYSTEM, Role
    from cunjing.org.models import BEAT_AREA_KINDS, Officer
    from cunjing.org.models import Beat as BeatRow
    from cunjing.org.selectors import record_unit

    password = _password()
    found: list[Beat] = []
    officers = (
        Officer.objects.filter(bureau=bureau)
        .select_related("unit", "user")
        .order_by("unit__path", "pk")
    )
    with transaction.atomic():
        for officer in officers:
            if len(found) == n:
                break
            beat = (
                BeatRow.objects.filter(officer=officer, area__kind__in=BEAT_AREA_KINDS)
                .select_related("area")
                .order_by("-is_lead", "area__division_code")
                .first()
            )
            if beat is None:
                continue
            user = getattr(officer, "user", None)  # None: no account (a reverse one-to-one)
            if user is not None and user.role != Role.BEAT_OFFICER:
                continue
            user = user or accounts.user_create(
                actor=SYSTEM,
                username=f"bench-{officer.badge_number}",
                password=password,
                role=Role.BEAT_OFFICER,
                unit=officer.unit,
                full_name=officer.name,
                officer=officer,
            )
            unit = record_unit(beat.area, actor=user)
            found.append(Beat(user.pk, user.username, beat.area_id, unit.pk))
    return found


def any_user(bureau, role: str):
    """An account of ``role`` in ``bureau`` (created over the bureau's root unit if none)."""
    from cunjing.accounts import services as accounts
    from cunjing.accounts.models import User
    from cunjing.core.roles import SYSTEM
    from cunjing.org import services as org

    user = User.objects.filter(bureau=bureau, role=role).order_by("pk").first()
    if user is None:
        user = accounts.user_create(
            actor=SYSTEM,
            username=f"bench-{role}",
            password=_password(),
            role=role,
            unit=org.bureau_root_unit(bureau),
            full_name="基准",
        )
    return user


# --- The roll-up counters, from the raw table ----------------------------------------------------


def _tables() -> dict[str, str]:
    from cunjing.fieldwork.models import HouseholdVisit
    from cunjing.org.models import Unit
    from cunjing.stats.models import DailyCount, MonthlyCount

    return {
        "visit": HouseholdVisit._meta.db_table,
        "unit": Unit._meta.db_table,
        "daily": DailyCount._meta.db_table,
        "monthly": MonthlyCount._meta.db_table,
    }


def _expected_sql(period: str) -> str:
    """``(bureau_id, unit_id, period, figure, value)`` of the visit counters as computed from the
    raw visits: each visit counts for its unit and every ancestor (path prefix), ``visits`` one
    per visit, ``contact_cards`` one per card handed over; zero totals have no row.

    Both CTEs are MATERIALIZED: the raw table is aggregated once, to (unit, period) rows, before
    the small join with the (unit, ancestor) pairs."""
    t = _tables()
    bucket = "v.occurred_on" if period == "day" else "date_trunc('month', v.occurred_on)::date"
    return f"""
        WITH per_unit AS MATERIALIZED (
            SELECT v.unit_id, {bucket} AS period, count(*) AS visits,
                   count(*) FILTER (WHERE v.contact_card_given) AS cards
            FROM {t["visit"]} v GROUP BY 1, 2
        ), pairs AS MATERIALIZED (
            SELECT s.id AS unit_id, a.id AS ancestor_id, a.bureau_id
            FROM {t["unit"]} s
            JOIN {t["unit"]} a ON a.bureau_id = s.bureau_id
                 AND a.path = left(s.path, length(a.path))
        )
        SELECT pr.bureau_id, pr.ancestor_id AS unit_id, p.period, f.figure, sum(f.value) AS value
        FROM per_unit p
        JOIN pairs pr ON pr.unit_id = p.unit_id
        CROSS JOIN LATERAL (VALUES ('visits', p.visits), ('contact_cards', p.cards))
             AS f(figure, value)
        GROUP BY 1, 2, 3, 4
        HAVING sum(f.value) > 0
    """  # noqa: S608 - table names from model metadata


def rollups_fill(cursor) -> None:
    """Replace the visit counters by the ones computed from the raw visits."""
    t = _tables()
    for table, period in ((t["daily"], "day"), (t["monthly"], "month")):
        cursor.execute(f"DELETE FROM {table} WHERE figure IN ('visits', 'contact_cards')")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (bureau_id, unit_id, {period}, figure, value) "
            + _expected_sql(period)
        )


def rollups_mismatches(cursor) -> int:
    """How many (unit, day or month, figure) visit counters differ from the raw visits (rows
    missing on either side count too); 0 when the counters are right."""
    total = 0
    t = _tables()
    for table, period in ((t["daily"], "day"), (t["monthly"], "month")):
        cursor.execute(
            f"""
            SELECT count(*) FROM (
                SELECT bureau_id, unit_id, {period} AS period, figure, value
                FROM {table} WHERE figure IN ('visits', 'contact_cards') AND value <> 0
            ) kept
            FULL JOIN ({_expected_sql(period)}) e
                 ON e.bureau_id = kept.bureau_id AND e.unit_id = kept.unit_id
                AND e.period = kept.period AND e.figure = kept.figure
            WHERE kept.value IS DISTINCT FROM e.value
            """  # noqa: S608
        )
        total += cursor.fetchone()[0]
    return total


# --- Figures ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def load() -> str:
    """The machine's load averages (1, 5, 15 min), to read the figures with."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        return "load average unknown"
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            str(c).rjust(widths[i]) if i else str(c).ljust(widths[i]) for i, c in enumerate(r)
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
