"""How a process opens a PostgreSQL connection: by URL, or through RDS Proxy with an IAM token.

A connector opens one new connection each time it is called; the pool (pool.py) calls it
whenever it needs another connection, so each connection gets credentials made for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import certifi
import psycopg2
from psycopg2.extensions import connection, parse_dsn

from contracts.database import (
    CONNECT_TIMEOUT_SECONDS,
    PROXY_WARM_UP_ATTEMPTS,
    PROXY_WARM_UP_WAIT_SECONDS,
)

Connector = Callable[[], connection]

# Long enough for a TLS handshake through RDS Proxy, short enough to fail well inside a
# Lambda's deadline when the database cannot be reached.


def url_connector(url: str, *, connect: Callable[..., connection] = psycopg2.connect) -> Connector:
    """Connections to the database a libpq URL or DSN names, as it names it.

    Unless it sets its own `connect_timeout`, a connection attempt gives up after
    CONNECT_TIMEOUT_SECONDS: libpq would otherwise wait on a server host that is gone for as
    long as the operating system retries, past a Lambda's deadline.
    """
    timeout = (
        {} if "connect_timeout" in parse_dsn(url) else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )

    def open_connection() -> connection:
        return connect(url, **timeout)

    return open_connection


def iam_token_connector(
    rds_client: Any,
    *,
    host: str,
    port: int,
    dbname: str,
    user: str,
    connect: Callable[..., connection] = psycopg2.connect,
) -> Connector:
    """Connections through RDS Proxy (or to RDS itself) that log in with an IAM auth token.

    `rds_client` is a boto3 RDS client; it signs each token locally with the process's
    credentials, no call made. A token is valid for 15 minutes and only for opening a
    connection, so each connection gets a fresh one. TLS is required and the server's
    certificate checked against certifi's roots, which hold the Amazon roots RDS Proxy's
    certificate chains to.
    """

    def open_connection() -> connection:
        token = rds_client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)
        return connect(
            host=host,
            port=port,
            dbname=dbname,
            user=user,
            password=token,
            sslmode="verify-full",
            sslrootcert=certifi.where(),
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )

    return open_connection


@dataclass(frozen=True)
class Patience:
    """How often, and how far apart, to try opening a first connection."""

    attempts: int
    wait_seconds: float


# The schema migrations connect once the new proxy's target is AVAILABLE (domain/readiness.py);
# its endpoint may still refuse the first tries for a moment (contracts/database.py).
PROXY_WARM_UP = Patience(attempts=PROXY_WARM_UP_ATTEMPTS, wait_seconds=PROXY_WARM_UP_WAIT_SECONDS)


def first_connection(
    connector: Connector, patience: Patience, *, sleep: Callable[[float], None] = time.sleep
) -> connection:
    """A connection from `connector`, trying again while the server cannot be reached."""
    for attempt in range(1, patience.attempts + 1):
        try:
            return connector()
        except psycopg2.OperationalError:
            if attempt == patience.attempts:
                raise
            sleep(patience.wait_seconds)
    raise ValueError("patience needs at least one attempt")
