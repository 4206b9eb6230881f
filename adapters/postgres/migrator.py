"""Brings a PostgreSQL database up to the schema this code expects.

Migrations are the numbered ``.sql`` files shipped in ``contracts/migrations``
(contracts/database.py); a file's name without ``.sql`` is its version, and versions apply in
name order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from contracts.database import Migration, shipped_migrations

# Every process applying migrations takes this one lock, so they apply one at a time. Any
# fixed bigint nothing else locks would do; this one spells the product's name.
_MIGRATION_LOCK_KEY = int.from_bytes(b"sixpotfy", "big")


def apply_migrations(connection: Any, migrations: list[Migration] | None = None) -> list[str]:
    """Apply every migration not yet recorded in ``schema_migrations``; return their versions.

    Each migration runs in its own transaction together with the row that records it, so a
    failing migration leaves neither a half-applied schema nor a record. Every transaction
    holds the same advisory lock and re-reads what is applied, so processes racing to migrate
    one database apply each version exactly once.

    ``connection`` is a psycopg2 connection outside any transaction; it is left open.
    """
    pending = shipped_migrations() if migrations is None else migrations
    with _locked_transaction(connection) as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    newly_applied = []
    for migration in pending:
        with _locked_transaction(connection) as cursor:
            cursor.execute(
                "SELECT 1 FROM schema_migrations WHERE version = %s", (migration.version,)
            )
            if cursor.fetchone() is not None:
                continue
            cursor.execute(migration.sql)
            cursor.execute(
                "INSERT INTO schema_migrations (version) VALUES (%s)", (migration.version,)
            )
        newly_applied.append(migration.version)
    return newly_applied


@contextmanager
def _locked_transaction(connection: Any) -> Iterator[Any]:
    autocommit = connection.autocommit
    # A transaction-scoped lock needs a transaction: in autocommit mode it would be
    # released as soon as it was taken.
    connection.autocommit = False
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_KEY,))
            yield cursor
    finally:
        connection.autocommit = autocommit
