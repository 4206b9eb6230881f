"""One connection pool per process, shared by every PostgreSQL adapter."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg2.pool import ThreadedConnectionPool


class ConnectionPool:
    """psycopg2's thread-safe pool, with callers beyond its size waiting for a connection
    instead of failing, and each borrow being one transaction."""

    def __init__(self, pool: ThreadedConnectionPool) -> None:
        self._pool = pool
        self._connections_free = threading.BoundedSemaphore(pool.maxconn)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor in a transaction, committed when the block ends and rolled back if it
        raises; the connection goes back to the pool either way."""
        with self._connections_free:
            connection = self._pool.getconn()
            try:
                with connection, connection.cursor() as cursor:
                    yield cursor
            finally:
                self._pool.putconn(connection)

    def close(self) -> None:
        self._pool.closeall()


def connect_pool(database_url: str, max_connections: int = 4) -> ConnectionPool:
    """A pool for one process: opens one connection now, more on demand up to the maximum."""
    return ConnectionPool(ThreadedConnectionPool(1, max_connections, dsn=database_url))
