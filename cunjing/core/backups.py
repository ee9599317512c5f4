"""Back up and restore the whole database as one file, with each vendor's own consistent copy.

* PostgreSQL: ``pg_dump --format=custom`` of the configured database, run inside a snapshot
  exported from a REPEATABLE READ transaction in which the row counts are also taken, so the
  counts printed at backup time are exactly those of the file. Restored with ``pg_restore
  --clean --if-exists --no-owner --single-transaction``: all of it or nothing. A custom-format
  archive creates tables, then loads their rows (COPY), then builds indexes, constraints and
  triggers (the post-data section), so the audit table's append-only trigger does not exist
  yet while its rows are loaded, and ``--clean`` drops the table, never its rows one by one.
* SQLite: the online backup API (``sqlite3.Connection.backup``), page by page, inside one read
  transaction of the source: a consistent copy while the application writes (WAL lets writers
  go on). Restored with the same API the other way: every page of the database is replaced at
  once, no row is deleted (the audit table's triggers never fire).

The connection parameters are the Django connection's own (``settings.DATABASES``); the
password goes to ``pg_dump`` and ``pg_restore`` in ``PGPASSWORD``, never on a command line.
``manage.py backup`` and ``manage.py restore`` are the thin commands over this module.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.utils.translation import gettext as _

POSTGRESQL, SQLITE = "postgresql", "sqlite"
SUFFIX = {POSTGRESQL: ".dump", SQLITE: ".sqlite3"}
# The first bytes of each kind of file.
_MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# SQLite pages copied per step of the backup API (4 MiB at the default 4 KiB page size).
_SQLITE_PAGES_PER_STEP = 1024
# libpq's environment variables for the connection OPTIONS that may be set in DATABASES.
_LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore that cannot go ahead; the message says why, for the operator."""


@dataclass
class Outcome:
    """What a backup wrote, or what a restore loaded: the file, its size, the time taken and the
    rows of every table of the project's models (``app_label.model``) in that copy."""

    path: Path
    size: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


def _quiet(message: str) -> None:
    pass


# --- Files -------------------------------------------------------------------------------------


def vendor_of(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in SUFFIX:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def default_path(vendor: str, now: dt.datetime | None = None) -> Path:
    """``<var>/backups/cunjing-YYYYMMDD-HHMM.<dump|sqlite3>``, local (Asia/Shanghai) time."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone(LOCAL_TZ)
    return Path(settings.VAR_DIR) / "backups" / f"cunjing-{local:%Y%m%d-%H%M}{SUFFIX[vendor]}"


def file_kind(path: Path) -> str | None:
    """``"postgresql"`` for a ``pg_dump`` custom-format archive, ``"sqlite"`` for an SQLite
    database file, ``None`` for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    for kind, magic in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _prepare_target(path: Path) -> Path:
    """The temporary file the copy is written to before it is renamed to ``path``; a backup is
    never overwritten, and backups are readable by their owner only (they hold the personal
    data of the whole county)."""
    if path.exists():
        raise BackupError(
            _("%(path)s already exists; a backup is never overwritten.") % {"path": path}
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    return partial


# --- Row counts --------------------------------------------------------------------------------


def project_tables() -> dict[str, str]:
    """``app_label.model`` → table of every concrete model of the project's own apps (the
    many-to-many tables included), sorted by label."""
    found: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not model.__module__.startswith("cunjing.") or meta.proxy or not meta.managed:
            continue
        found[meta.label_lower] = meta.db_table
    return dict(sorted(found.items()))


def table_counts(cursor, quote: Callable[[str], str]) -> dict[str, int]:
    """Rows of every project table, read through ``cursor`` (in its transaction, if any)."""
    counts: dict[str, int] = {}
    for label, table in project_tables().items():
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 - model metadata
        counts[label] = cursor.fetchone()[0]
    return counts


def current_counts(using: str = "default") -> dict[str, int]:
    """Rows of every project table now, in one transaction."""
    conn = connections[using]
    with transaction.atomic(using=using), conn.cursor() as cursor:
        if conn.vendor == POSTGRESQL:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return table_counts(cursor, conn.ops.quote_name)


def unapplied_migrations(using: str = "default") -> list[str]:
    """Migrations of this code that the database has not applied (after restoring an older
    backup: ``manage.py migrate`` brings it up to date)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def _refuse_inside_transaction(using: str) -> None:
    if connections[using].in_atomic_block:
        raise BackupError(
            _("A backup or restore runs outside any transaction: it must see committed data only.")
        )


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """The environment of ``pg_dump``/``pg_restore``: the password in ``PGPASSWORD`` (never on a
    command line, where ``ps`` shows it), TLS options in their libpq variables."""
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, variable in _LIBPQ_ENV.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    env.setdefault("PGAPPNAME", "cunjing-backup")
    return env


def _pg_args(settings_dict: dict) -> list[str]:
    args = ["--no-password"]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", str(settings_dict["NAME"])]
    return args


def _major(version_num: int) -> int:
    """The major version of a ``server_version_num`` (150020 → 15; Django 5.2 needs 14 or
    later, so the 9.x numbering never comes up)."""
    return version_num // 10000


def _tool_major(tool: str) -> int | None:
    """The major version of a client tool, from ``tool --version`` ("pg_dump (PostgreSQL)
    15.20 (Debian …)")."""
    try:
        out = subprocess.run(  # noqa: S603 - a path we chose, fixed arguments
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)(?:\.(\d+))?", out)
    if not match:
        return None
    major = int(match.group(1))
    return major


def pg_tool(name: str, server_major: int, pg_bin: str | None = None) -> tuple[str, int]:
    """The ``pg_dump`` or ``pg_restore`` to use and its major version: from ``pg_bin`` when
    given, else the one of the server's major version in Debian's layout
    (``/usr/lib/postgresql/<major>/bin``), else the one on ``PATH``. ``pg_dump`` refuses a
    server newer than itself; that case is refused here with what to install."""
    candidates = []
    if pg_bin:
        candidates.append(str(Path(pg_bin) / name))
    else:
        candidates.append(f"/usr/lib/postgresql/{server_major}/bin/{name}")
        found = shutil.which(name)
        if found:
            candidates.append(found)
    for tool in candidates:
        if not Path(tool).is_file():
            continue
        major = _tool_major(tool)
        if major is None:
            continue
        if major < server_major:
            raise BackupError(
                _(
                    "%(tool)s is version %(client)s but the server is PostgreSQL %(server)s: "
                    "install the client of the server's version (Debian: postgresql-client-"
                    "%(server)s) or name its directory with --pg-bin."
                )
                % {"tool": tool, "client": major, "server": server_major}
            )
        return tool, major
    raise BackupError(
        _("%(name)s was not found: install the PostgreSQL client (Debian: postgresql-client).")
        % {"name": name}
    )


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode:
        detail = (proc.stderr or proc.stdout).strip()
        raise BackupError(
            _("%(tool)s failed (exit status %(status)s): %(detail)s")
            % {"tool": Path(cmd[0]).name, "status": proc.returncode, "detail": detail}
        )


def _pg_backup(path: Path, using: str, pg_bin: str | None, progress: Progress) -> Outcome:
    conn = connections[using]
    conn.ensure_connection()
    server_major = _major(conn.pg_version)
    tool, client_major = pg_tool("pg_dump", server_major, pg_bin)
    settings_dict = conn.settings_dict
    progress(
        _("PostgreSQL %(server)s, database %(name)s; %(tool)s (client %(client)s)")
        % {
            "server": server_major,
            "name": settings_dict["NAME"],
            "tool": tool,
            "client": client_major,
        }
    )
    partial = _prepare_target(path)
    started = time.perf_counter()
    try:
        with transaction.atomic(using=using), conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = table_counts(cursor, conn.ops.quote_name)
            progress(
                _("snapshot %(snapshot)s: %(rows)s rows in %(tables)s tables; dumping …")
                % {"snapshot": snapshot, "rows": sum(counts.values()), "tables": len(counts)}
            )
            _run(
                [
                    tool,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    *_pg_args(settings_dict),
                ],
                _pg_env(settings_dict),
            )
        restore_tool, _major_restore = pg_tool("pg_restore", server_major, pg_bin)
        listing = subprocess.run(  # noqa: S603 - our tool, our file
            [restore_tool, "--list", str(partial)],
            capture_output=True,
            text=True,
            check=False,
        )
        if listing.returncode:
            raise BackupError(
                _("the archive cannot be read back: %(detail)s")
                % {"detail": listing.stderr.strip()}
            )
        entries = sum(1 for line in listing.stdout.splitlines() if line and line[0].isdigit())
        progress(_("archive read back: %(entries)s entries") % {"entries": entries})
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, path.stat().st_size, time.perf_counter() - started, counts)


def _pg_other_sessions(using: str) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _pg_restore(path: Path, using: str, pg_bin: str | None, progress: Progress) -> float:
    conn = connections[using]
    conn.ensure_connection()
    server_major = _major(conn.pg_version)
    tool, _client = pg_tool("pg_restore", server_major, pg_bin)
    others = _pg_other_sessions(using)
    if others:
        raise BackupError(
            _(
                "%(count)s other sessions are connected to database %(name)s: stop the "
                "application (gunicorn, huey) before restoring."
            )
            % {"count": others, "name": conn.settings_dict["NAME"]}
        )
    settings_dict = conn.settings_dict
    connections.close_all()
    progress(
        _("restoring %(path)s into database %(name)s with %(tool)s (one transaction) …")
        % {"path": path, "name": settings_dict["NAME"], "tool": tool}
    )
    started = time.perf_counter()
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *_pg_args(settings_dict),
            str(path),
        ],
        _pg_env(settings_dict),
    )
    return time.perf_counter() - started


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_raw(using: str) -> sqlite3.Connection:
    conn = connections[using]
    conn.ensure_connection()
    return conn.connection


def _quick_check(db: sqlite3.Connection) -> str:
    return db.execute("PRAGMA quick_check").fetchone()[0]


def _sqlite_progress(progress: Progress) -> Callable[[int, int, int], None]:
    shown = {"tenth": -1}

    def report(status: int, remaining: int, total: int) -> None:
        tenth = (total - remaining) * 10 // max(total, 1)
        if tenth != shown["tenth"]:
            shown["tenth"] = tenth
            progress(
                _("%(done)s of %(total)s pages copied")
                % {"done": total - remaining, "total": total}
            )

    return report


def _sqlite_backup(path: Path, using: str, progress: Progress) -> Outcome:
    conn = connections[using]
    source = _sqlite_raw(using)
    progress(
        _("SQLite %(version)s, database %(name)s")
        % {"version": sqlite3.sqlite_version, "name": conn.settings_dict["NAME"]}
    )
    partial = _prepare_target(path)
    started = time.perf_counter()
    try:
        target = sqlite3.connect(partial)
        try:
            # One read transaction on the source for the counts and every step of the copy: in
            # WAL mode it holds one snapshot while other connections go on writing.
            source.execute("BEGIN")
            try:
                counts = table_counts(source.cursor(), conn.ops.quote_name)
                progress(
                    _("%(rows)s rows in %(tables)s tables; copying …")
                    % {"rows": sum(counts.values()), "tables": len(counts)}
                )
                source.backup(
                    target,
                    pages=_SQLITE_PAGES_PER_STEP,
                    progress=_sqlite_progress(progress),
                    sleep=0,
                )
            finally:
                source.execute("ROLLBACK")
            check = _quick_check(target)
            if check != "ok":
                raise BackupError(_("the copy fails its check: %(check)s") % {"check": check})
            progress(_("copy checked (quick_check: ok)"))
        finally:
            target.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, path.stat().st_size, time.perf_counter() - started, counts)


def _sqlite_restore(path: Path, using: str, progress: Progress) -> float:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        check = _quick_check(source)
        if check != "ok":
            raise BackupError(
                _("%(path)s fails its check: %(check)s") % {"path": path, "check": check}
            )
        connections.close_all()
        target = _sqlite_raw(using)
        progress(
            _("restoring %(path)s into %(name)s …")
            % {"path": path, "name": connections[using].settings_dict["NAME"]}
        )
        started = time.perf_counter()
        # Every page of the database is replaced, in one step: the target holds its lock from
        # the first page to the last, so no reader sees half of each.
        source.backup(target)
    finally:
        source.close()
    # Django's next query opens a connection that reads the restored schema afresh.
    connections[using].close()
    return time.perf_counter() - started


# --- The two operations --------------------------------------------------------------------------


def backup(
    path: Path | None = None,
    *,
    using: str = "default",
    pg_bin: str | None = None,
    progress: Progress = _quiet,
) -> Outcome:
    """Write a consistent copy of database ``using`` to ``path`` (default: :func:`default_path`)
    and return it with the rows of every project table in that copy."""
    vendor = vendor_of(using)
    _refuse_inside_transaction(using)
    path = Path(path) if path else default_path(vendor)
    if vendor == POSTGRESQL:
        return _pg_backup(path, using, pg_bin, progress)
    try:
        return _sqlite_backup(path, using, progress)
    except sqlite3.Error as exc:
        raise BackupError(_("SQLite refused the copy: %(error)s") % {"error": exc}) from exc


def restore(
    path: Path,
    *,
    using: str = "default",
    pg_bin: str | None = None,
    progress: Progress = _quiet,
) -> Outcome:
    """Replace database ``using`` by the backup ``path`` and return the rows of every project
    table now. The file must be of the database's kind; the caller has asked for confirmation."""
    path = Path(path)
    vendor = vendor_of(using)
    _refuse_inside_transaction(using)
    if not path.is_file():
        raise BackupError(_("%(path)s is not a file.") % {"path": path})
    kind = file_kind(path)
    if kind is None:
        raise BackupError(
            _("%(path)s is neither a pg_dump custom-format archive nor an SQLite database.")
            % {"path": path}
        )
    if kind != vendor:
        raise BackupError(
            _("%(path)s is a %(kind)s backup; this database is %(vendor)s.")
            % {"path": path, "kind": kind, "vendor": vendor}
        )
    if vendor == POSTGRESQL:
        seconds = _pg_restore(path, using, pg_bin, progress)
    else:
        try:
            seconds = _sqlite_restore(path, using, progress)
        except sqlite3.Error as exc:
            raise BackupError(_("SQLite refused the copy: %(error)s") % {"error": exc}) from exc
    return Outcome(path, path.stat().st_size, seconds, current_counts(using))
