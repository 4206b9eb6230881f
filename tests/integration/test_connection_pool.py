"""The connection pool keeps connections between transactions and never lends a dead one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import psycopg2
import psycopg2.errors
import pytest

from adapters.postgres.connect import url_connector
from adapters.postgres.pool import CHECK_IDLE_AFTER_SECONDS, ConnectionPool
from domain.errors import DatabaseUnavailableError


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def pool(database_url: str, clock: ManualClock) -> Iterator[ConnectionPool]:
    opened = ConnectionPool(url_connector(database_url), max_connections=1, clock=clock)
    try:
        yield opened
    finally:
        opened.close()


def backend_pid(pool: ConnectionPool) -> int:
    with pool.transaction() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid: int = cursor.fetchone()[0]
        return pid


def terminate_backend(database_url: str, pid: int) -> None:
    """End a server process from another connection, as RDS Proxy ends idle clients."""
    with (
        closing(psycopg2.connect(database_url)) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        # The timeout makes the call wait until the process is gone.
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        assert cursor.fetchone() == (True,)


def test_the_connector_opens_a_new_connection_on_each_call(database_url: str) -> None:
    # Given
    connector = url_connector(database_url)

    # When
    with closing(connector()) as first, closing(connector()) as second:
        pids = {first.get_backend_pid(), second.get_backend_pid()}

    # Then
    assert len(pids) == 2


def test_back_to_back_transactions_share_one_connection(pool: ConnectionPool) -> None:
    # When
    first, second = backend_pid(pool), backend_pid(pool)

    # Then
    assert first == second


def test_a_failed_statement_rolls_back_and_keeps_the_connection(pool: ConnectionPool) -> None:
    # Given
    before = backend_pid(pool)

    # When a statement fails inside a transaction
    with pytest.raises(psycopg2.errors.UndefinedTable), pool.transaction() as cursor:
        cursor.execute("SELECT * FROM no_such_table")

    # Then the same connection serves the next transaction
    assert backend_pid(pool) == before


def test_a_connection_ended_by_the_server_while_idle_is_replaced_before_it_is_lent(
    pool: ConnectionPool, clock: ManualClock, database_url: str
) -> None:
    # Given the server ended the pool's connection while it sat idle for a while
    ended = backend_pid(pool)
    terminate_backend(database_url, ended)
    clock.advance(CHECK_IDLE_AFTER_SECONDS + 1)

    # When the next transaction runs
    replacement = backend_pid(pool)

    # Then it ran on a new connection
    assert replacement != ended


def test_a_connection_ended_during_a_transaction_is_never_lent_again(
    pool: ConnectionPool, database_url: str
) -> None:
    # Given a transaction whose connection the server ends halfway
    ended: list[int] = []

    def query_while_the_server_ends_the_connection() -> None:
        with pool.transaction() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            ended.append(cursor.fetchone()[0])
            terminate_backend(database_url, ended[0])
            cursor.execute("SELECT 1")

    with pytest.raises(DatabaseUnavailableError):
        query_while_the_server_ends_the_connection()

    # When the next transaction runs at once, without any check being due
    replacement = backend_pid(pool)

    # Then it ran on a new connection
    assert replacement != ended[0]


def test_closing_the_pool_closes_idle_connections_and_lent_ones_as_they_come_back(
    database_url: str,
) -> None:
    # Given a pool with one connection lent and another given back
    pool = ConnectionPool(url_connector(database_url), max_connections=2)
    with pool.transaction() as outer:
        lent: Any = outer.connection
        with pool.transaction() as inner:
            idle: Any = inner.connection

        # When the pool is closed
        pool.close()

        # Then the idle one is closed at once, the lent one not yet
        assert idle.closed
        assert not lent.closed

    # And the lent one is closed once given back
    assert lent.closed


def test_a_deadlock_is_the_transactions_own_error_and_not_an_outage(
    pool: ConnectionPool,
) -> None:
    # Given a transaction the server rolls back for a deadlock (raised here as PostgreSQL
    # reports it)
    def deadlocked() -> None:
        with pool.transaction() as cursor:
            cursor.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = 'deadlock_detected'; END $$"
            )

    # When it runs / Then the caller meets the deadlock itself, which the similarity store
    # maps to a write conflict, not a lost database
    with pytest.raises(psycopg2.errors.DeadlockDetected):
        deadlocked()
    assert backend_pid(pool) > 0
