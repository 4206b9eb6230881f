"""One connection pool per process, shared by every PostgreSQL adapter."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import psycopg2.errors
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, connection

from adapters.postgres.connect import Connector, url_connector
from domain.errors import DatabaseUnavailableError

# Errors after which a connection cannot be trusted with another transaction.
_CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)

# RDS Proxy closes client connections left idle (30 minutes by default), and a Lambda
# environment can stay frozen far longer: a connection idle this long is checked with a
# round trip before it is lent. Back-to-back transactions skip the check.
CHECK_IDLE_AFTER_SECONDS = 5.0


class ConnectionPool:
    """Connections opened by a connector on demand and kept while they stay healthy.

    At most `max_connections` are lent at once; callers beyond wait for one instead of
    failing. Each borrow is one transaction. A connection that is closed, or whose
    transaction failed with a connection-level error, is closed and forgotten, never lent
    again; one left idle for `check_idle_after_seconds` or more is checked before it is
    lent, and replaced if the check fails. Once a connection broke, every connection idle
    since before is checked before it is lent too: a server that restarted ended them all,
    and the next transaction gets a new connection rather than another dead one. While the
    server cannot be reached, each transaction fails to connect; the first after it is back
    connects.

    `clock` tells wall-clock seconds: a frozen Lambda environment's monotonic clock may
    stand still while its connections are closed on the other end.
    """

    def __init__(
        self,
        connector: Connector,
        max_connections: int = 4,
        *,
        check_idle_after_seconds: float = CHECK_IDLE_AFTER_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._connector = connector
        self._connections_free = threading.BoundedSemaphore(max_connections)
        self._check_idle_after_seconds = check_idle_after_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # (connection, when it was given back, breakages seen by then), most recently given
        # back last.
        self._idle: list[tuple[connection, float, int]] = []
        self._breakages = 0
        self._closed = False

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor in a transaction, committed when the block ends and rolled back if it
        raises; the connection goes back to the pool either way, unless it is broken."""
        with self._connections_free:
            try:
                borrowed = self._borrow()
            except _CONNECTION_ERRORS as error:
                raise DatabaseUnavailableError(f"cannot connect to PostgreSQL: {error}") from error
            failure: BaseException | None = None
            try:
                with borrowed.cursor() as cursor:
                    yield cursor
                borrowed.commit()
            except BaseException as error:
                failure = error
                # The caller learns what failed, not that a rollback found the connection
                # gone; a connection whose rollback failed is not given back.
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    borrowed.rollback()
                if _lost_connection(error):
                    raise DatabaseUnavailableError(f"PostgreSQL failed: {error}") from error
                raise
            finally:
                self._give_back(borrowed, failure)

    def close(self) -> None:
        """Close the idle connections now, and each lent one when it comes back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for unused, _, _ in idle:
            _close_quietly(unused)

    def _borrow(self) -> connection:
        while True:
            with self._lock:
                if not self._idle:
                    break
                candidate, given_back_at, breakages_then = self._idle.pop()
                suspect = breakages_then < self._breakages
            if self._usable(candidate, given_back_at, suspect=suspect):
                return candidate
            _close_quietly(candidate)
        return self._connector()

    def _usable(self, candidate: connection, given_back_at: float, *, suspect: bool) -> bool:
        if candidate.closed:
            return False
        idle_seconds = self._clock() - given_back_at
        # A clock set back makes the idle time unknown: check then too.
        if not suspect and 0 <= idle_seconds < self._check_idle_after_seconds:
            return True
        try:
            with candidate, candidate.cursor() as cursor:
                cursor.execute("SELECT 1")
        except _CONNECTION_ERRORS:
            return False
        return True

    def _give_back(self, borrowed: connection, failure: BaseException | None) -> None:
        healthy = (
            not isinstance(failure, _CONNECTION_ERRORS)
            and not borrowed.closed
            and borrowed.info.transaction_status == TRANSACTION_STATUS_IDLE
        )
        with self._lock:
            if healthy and not self._closed:
                self._idle.append((borrowed, self._clock(), self._breakages))
                return
            if not healthy and (borrowed.closed or isinstance(failure, _CONNECTION_ERRORS)):
                self._breakages += 1
        _close_quietly(borrowed)


def _lost_connection(error: BaseException) -> bool:
    # A deadlock or serialization failure is the transaction's own: the adapters that can
    # meet one say what it means (WriteConflictError), and the connection stays usable.
    return isinstance(error, _CONNECTION_ERRORS) and not isinstance(
        error, psycopg2.errors.TransactionRollbackError
    )


def _close_quietly(unwanted: connection) -> None:
    # Closing only frees our end; a connection already broken has nothing left to free.
    with contextlib.suppress(*_CONNECTION_ERRORS):
        unwanted.close()


def connect_pool(database_url: str, max_connections: int = 4) -> ConnectionPool:
    """A pool over the database a URL names; connections open on demand."""
    return ConnectionPool(url_connector(database_url), max_connections)
