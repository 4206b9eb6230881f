"""PostgreSQL for one machine: an embedded server unless DATABASE_URL names another one.

The embedded server is PostgreSQL 16 with pgvector from the ``pgserver`` wheel. It listens
on a unix socket only (no TCP port), trusts local connections, and keeps its data under the
directory it is given, so stopping and starting again finds the same data. Processes that
open the same data directory share one server; it stops when the last of them lets go.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

with warnings.catch_warnings():
    # pgserver asks platformdirs for a runtime directory at import; without a desktop
    # session it warns that XDG_RUNTIME_DIR is unset, which is expected on servers and CI.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    from pgserver.postgres_server import get_server


class EmbeddedPostgres:
    """An embedded PostgreSQL server, started on construction, with its data in data_dir.

    Use it as a context manager, or call stop() when done.
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(data_dir, cleanup_mode="stop")

    @property
    def url(self) -> str:
        """A postgresql:// URL to the server's default database, over its unix socket.

        It has the form ``postgresql://postgres:@/postgres?host=<socket directory>``, which
        libpq, and so psycopg2, accepts as it is.
        """
        return self._server.get_uri()

    def stop(self) -> None:
        """Let go of the server; it stops unless another process still uses it. Idempotent."""
        self._server.cleanup()

    def __enter__(self) -> EmbeddedPostgres:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def database_url_from_environment_or_embedded(
    data_dir: Path, environment: Mapping[str, str] | None = None
) -> Iterator[str]:
    """The database URL the local stack and the tests use, for as long as the block runs.

    When the environment (``os.environ`` unless given) sets ``DATABASE_URL``, that URL is
    used as it is and nothing is started: this is how to run against a PostgreSQL of your
    own, which must have the ``vector`` extension available. Otherwise an embedded server
    is started with its data in ``data_dir`` and stopped when the block ends; the data
    stays for next time.
    """
    configured = (os.environ if environment is None else environment).get("DATABASE_URL")
    if configured:
        yield configured
        return
    with EmbeddedPostgres(data_dir) as server:
        yield server.url


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A database with a random name on the server, for tests and benchmarks that must never
    touch anyone's data; dropped when the block ends."""
    name = f"sixpotify_scratch_{secrets.token_hex(6)}"
    _run_outside_transaction(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server_url, name)
    finally:
        # FORCE ends connections a failed test may have left open.
        _run_outside_transaction(
            server_url, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
        )


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _run_outside_transaction(url: str, statement: sql.Composable) -> None:
    with closing(psycopg2.connect(url)) as connection:
        # CREATE and DROP DATABASE refuse to run inside a transaction block.
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
