"""After its server went away, the pool fails one transaction at most per outage and then
connects afresh: it never lends, one after another, every connection the server ended."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import psycopg2
import pytest

from adapters.postgres.connect import url_connector
from adapters.postgres.pool import ConnectionPool
from contracts.database import CONNECT_TIMEOUT_SECONDS
from domain.errors import DatabaseUnavailableError


def backend_pids_of_two_idle_connections(pool: ConnectionPool) -> list[int]:
    """Two connections opened at once and given back, so that both sit idle in the pool."""
    pids = []
    with pool.transaction() as outer:
        outer.execute("SELECT pg_backend_pid()")
        pids.append(outer.fetchone()[0])
        with pool.transaction() as inner:
            inner.execute("SELECT pg_backend_pid()")
            pids.append(inner.fetchone()[0])
    return pids


def end_backends(database_url: str, pids: list[int]) -> None:
    """End server processes from another connection, as a server restart ends them all."""
    with (
        closing(psycopg2.connect(database_url)) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        for pid in pids:
            # The timeout makes the call wait until the process is gone.
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
            assert cursor.fetchone() == (True,)


def test_once_one_connection_broke_the_other_idle_ones_are_checked_before_they_are_lent(
    database_url: str,
) -> None:
    # Given a pool holding two idle connections, both ended by the server a moment ago
    pool = ConnectionPool(url_connector(database_url), max_connections=2)
    try:
        ended = backend_pids_of_two_idle_connections(pool)
        end_backends(database_url, ended)

        # When a transaction runs on the first (no check is due yet) and fails, then another
        with pytest.raises(DatabaseUnavailableError), pool.transaction() as cursor:
            cursor.execute("SELECT 1")
        with pool.transaction() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            replacement = cursor.fetchone()[0]
    finally:
        pool.close()

    # Then the second ran on a new connection, not on the other ended one
    assert replacement not in ended


def test_a_pool_whose_server_cannot_be_reached_connects_on_the_next_call_once_it_can(
    database_url: str,
) -> None:
    # Given a pool whose connector fails while the server is away
    reachable = False

    def connector() -> Any:
        if not reachable:
            raise psycopg2.OperationalError("connection refused")
        return psycopg2.connect(database_url)

    pool = ConnectionPool(connector, max_connections=1)
    try:
        with pytest.raises(DatabaseUnavailableError), pool.transaction():
            pass

        # When the server is back
        reachable = True
        with pool.transaction() as cursor:
            cursor.execute("SELECT 1")
            answer = cursor.fetchone()
    finally:
        pool.close()

    # Then the next transaction connected, the failed attempt holding no place in the pool
    assert answer == (1,)


def test_a_url_gets_a_connect_timeout_unless_it_sets_its_own() -> None:
    # Given a connect function that records how it was called
    calls: list[tuple[str, dict[str, Any]]] = []

    def connect(url: str, **options: Any) -> Any:
        calls.append((url, options))

    # When a connection is opened by URL, with and without a timeout of its own
    url_connector("postgresql://app@db.example/app", connect=connect)()
    url_connector("postgresql://app@db.example/app?connect_timeout=2", connect=connect)()

    # Then the URL's own timeout stands, and the other gets the default
    assert calls == [
        ("postgresql://app@db.example/app", {"connect_timeout": CONNECT_TIMEOUT_SECONDS}),
        ("postgresql://app@db.example/app?connect_timeout=2", {}),
    ]
