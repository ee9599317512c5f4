"""The backup drill: back up, write more, restore; the audit trail verifies and every table
holds the rows it held at backup time. On both databases: PostgreSQL through ``pg_dump`` and
``pg_restore`` against the test database (another session: the test is transactional, so what
it wrote is committed and visible to them), SQLite through the backup API.

The transactional tests leave the database as pytest-django expects: it empties it afterwards
(TRUNCATE on PostgreSQL, its flush on SQLite), and a restore recreates the same schema."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from cunjing.core import backups
from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services as fieldwork
from cunjing.fieldwork.models import HouseholdVisit
from cunjing.matters.models import Matter
from tests.county import build_county
from tests.matters import new_matter


@pytest.fixture(autouse=True)
def in_english(settings):
    """The commands' messages in English, the language of the assertions (management commands
    activate LANGUAGE_CODE; the zh-Hans catalogue translates them all)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


DAY = dt.date(2015, 3, 9)


def _visit(county, n: int, persona: str = "beat", area: str = "own") -> HouseholdVisit:
    return fieldwork.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        household=f"第{n}户",
        purpose="routine",
        contact_card_given=n % 2 == 0,
    )


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_drill_backup_write_more_restore(tmp_path):
    county = build_county()
    kept = [_visit(county, n) for n in range(3)]
    kept_matter = new_matter(county)
    path = tmp_path / f"drill{backups.SUFFIX[connection.vendor]}"

    output = _run("backup", str(path))
    assert path.is_file() and path.stat().st_size > 0
    assert backups.file_kind(path) == connection.vendor
    at_backup = backups.current_counts()
    assert at_backup["fieldwork.householdvisit"] == 3
    assert at_backup["matters.matter"] == 1
    assert at_backup["core.auditevent"] > 0
    assert f"{sum(at_backup.values()):,} rows" in output  # the counts of the file's snapshot

    # Written after the backup: lost by the restore, as they must be.
    later = [_visit(county, n, persona="sibling", area="sibling") for n in range(3, 5)]
    later_matter = new_matter(county, description="后来的事项：桥栏杆松动")
    assert backups.current_counts() != at_backup

    output = _run("restore", str(path), "--yes")
    assert "audit events verified" in output  # verify_audit ran (and raised nothing)
    call_command("verify_audit", stdout=io.StringIO())
    assert backups.current_counts() == at_backup
    assert set(HouseholdVisit.objects.values_list("pk", flat=True)) == {v.pk for v in kept}
    assert list(Matter.objects.values_list("pk", flat=True)) == [kept_matter.pk]
    assert not HouseholdVisit.objects.filter(pk__in=[v.pk for v in later]).exists()
    assert not Matter.objects.filter(pk=later_matter.pk).exists()

    # The restored database takes writes (its sequences came back with it) …
    _visit(county, 9)
    assert HouseholdVisit.objects.count() == 4
    call_command("verify_audit", stdout=io.StringIO())
    # … and its audit trail is still append-only (the triggers came back after the rows).
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="forged")
    assert not AuditEvent.objects.filter(action="forged").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_is_refused_without_yes_and_for_the_other_kind(tmp_path):
    build_county()
    path = tmp_path / f"mine{backups.SUFFIX[connection.vendor]}"
    backups.backup(path)
    before = backups.current_counts()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path), stdout=io.StringIO())  # stdin is no terminal

    other_kind = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(backups._MAGIC[other_kind] + b"\0" * 200)
    with pytest.raises(CommandError, match="backup; this database is"):
        call_command("restore", str(foreign), "--yes", stdout=io.StringIO())
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup")
    with pytest.raises(CommandError, match="neither"):
        call_command("restore", str(garbage), "--yes", stdout=io.StringIO())

    with pytest.raises(CommandError, match="never overwritten"):
        call_command("backup", str(path), stdout=io.StringIO())

    if connection.vendor == "postgresql":
        # A running application (another session on the database) must be stopped first.
        import psycopg

        params = connection.get_connection_params()
        with (
            psycopg.connect(**params),
            pytest.raises(CommandError, match="other sessions are connected"),
        ):
            call_command("restore", str(path), "--yes", stdout=io.StringIO())
    assert backups.current_counts() == before


@pytest.mark.django_db
def test_backup_inside_a_transaction_is_refused(tmp_path):
    """``db`` runs the test in a transaction: pg_dump could not see its rows."""
    with pytest.raises(backups.BackupError):
        backups.backup(tmp_path / "x")
    assert not list(tmp_path.iterdir())


def test_default_path_is_local_time_under_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    at = dt.datetime(2026, 12, 8, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    assert backups.default_path("postgresql", at) == (
        tmp_path / "backups" / "cunjing-20261208-0930.dump"
    )
    assert backups.default_path("sqlite", at).name == "cunjing-20261208-0930.sqlite3"


def test_password_goes_to_the_environment_not_the_command_line():
    params = {"NAME": "c", "USER": "u", "PASSWORD": "s3cret", "HOST": "h", "PORT": 5433}
    args = backups._pg_args(params)
    assert "s3cret" not in " ".join(args)
    assert args[-2:] == ["--dbname", "c"] and "--no-password" in args
    assert backups._pg_env({**params, "OPTIONS": {"sslmode": "require"}})["PGPASSWORD"] == "s3cret"


def test_a_client_older_than_the_server_is_refused(tmp_path):
    tool = tmp_path / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.9'\n")
    tool.chmod(0o755)
    with pytest.raises(backups.BackupError, match="version 13 but the server is PostgreSQL 15"):
        backups.pg_tool("pg_dump", 15, str(tmp_path))
    assert backups.pg_tool("pg_dump", 13, str(tmp_path)) == (str(tool), 13)
    assert backups._major(150020) == 15
