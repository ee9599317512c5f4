"""Django's SQLite backend, except that ``flush`` may empty the audit table.

The audit table refuses DELETE row by row (migration ``core.0004``), on SQLite as on PostgreSQL.
Emptying the whole database (``manage.py flush``, ``manage.py demo --reset``, the test runner
between transactional tests) is an administrator's act, as TRUNCATE is on PostgreSQL, where row
triggers do not fire: here the flush lifts the DELETE trigger and puts it back in the same
transaction.
"""

from __future__ import annotations

from django.db.backends.sqlite3 import base, operations

AUDIT_TABLE = "core_auditevent"
DROP_DELETE_TRIGGER = "DROP TRIGGER IF EXISTS core_auditevent_no_delete"
CREATE_DELETE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if AUDIT_TABLE not in tables:
            return sql
        return [DROP_DELETE_TRIGGER, *sql, CREATE_DELETE_TRIGGER]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
