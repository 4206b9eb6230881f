"""PostgreSQL for one machine: an embedded server unless DATABASE_URL names another one.

The embedded server is PostgreSQL 16 with pgvector from the ``pgserver`` wheel. It listens
on a unix socket only (no TCP port), trusts local connections, and keeps its data under the
directory it is given, so stopping and starting again finds the same data. Processes that
open the same data directory share one server; it stops when the last of them lets go.

A supervised server is started again when its postmaster is gone (killed, crashed), on the
same data directory and socket, so the URL clients hold stays valid; PostgreSQL's crash
recovery replays its log on the way up.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psutil  # type: ignore[import-untyped]  # comes with pgserver, which runs on it
import psycopg2
from psycopg2 import sql

with warnings.catch_warnings():
    # pgserver asks platformdirs for a runtime directory at import; without a desktop
    # session it warns that XDG_RUNTIME_DIR is unset, which is expected on servers and CI.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    from pgserver.postgres_server import PostgresServer, get_server

_log = logging.getLogger(__name__)
POSTMASTER_PID = "postmaster.pid"


class EmbeddedPostgres:
    """An embedded PostgreSQL server, started on construction, with its data in data_dir.

    Use it as a context manager, or call stop() when done.
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(data_dir, cleanup_mode="stop")
        self._supervision_ends = threading.Event()
        self._supervisor: threading.Thread | None = None

    def running(self) -> bool:
        """Whether the postmaster named in the data directory is alive."""
        pid = self._postmaster_pid()
        if pid is None:
            return False
        try:
            # A killed postmaster stays a zombie until its parent (init) reaps it.
            return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
        except psutil.NoSuchProcess:
            return False

    def restart(self) -> bool:
        """Start the server again on the same data directory and socket if it is not running.

        True once it runs. False while it cannot start yet: the dead postmaster not reaped
        (PostgreSQL itself would refuse to start over its lock file), or its children still
        holding the shared memory (pg_ctl refuses); a later call tries again.
        """
        # pgserver's lock (it has no public restart): another process sharing this data
        # directory may be restarting it.
        with PostgresServer._lock:
            if self.running():
                return True
            pid = self._postmaster_pid()
            if pid is not None and psutil.pid_exists(pid):
                return False
            try:
                self._server.ensure_postgres_running()
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                return False
        return True

    def supervise(self, every_seconds: float) -> None:
        """Check every `every_seconds` that the server runs, and restart it when it does not,
        until stop()."""
        if self._supervisor is not None:
            return
        self._supervisor = threading.Thread(
            target=self._watch, args=(every_seconds,), name="postgres-supervisor", daemon=True
        )
        self._supervisor.start()

    def _watch(self, every_seconds: float) -> None:
        down_since: float | None = None
        while not self._supervision_ends.wait(every_seconds):
            if down_since is None:
                if self.running():
                    continue
                down_since = time.monotonic()
                _log.warning(
                    "embedded PostgreSQL in %s stopped; restarting it", self._server.pgdata
                )
            try:
                restarted = self.restart()
            except Exception:  # the supervision goes on, and the next check tries again
                _log.exception("embedded PostgreSQL could not be restarted yet")
                continue
            if restarted:
                _log.warning(
                    "embedded PostgreSQL running again after %.1f s, at the same address",
                    time.monotonic() - down_since,
                )
                down_since = None

    def _postmaster_pid(self) -> int | None:
        """The process ID on the first line of the data directory's postmaster.pid."""
        pid_file = Path(self._server.pgdata) / POSTMASTER_PID
        try:
            first_line = pid_file.read_text(encoding="utf-8").split("\n", 1)[0]
        except FileNotFoundError:
            return None
        return int(first_line) if first_line.strip().isdigit() else None

    @property
    def url(self) -> str:
        """A postgresql:// URL to the server's default database, over its unix socket.

        It has the form ``postgresql://postgres:@/postgres?host=<socket directory>``, which
        libpq, and so psycopg2, accepts as it is.
        """
        return self._server.get_uri()

    def stop(self) -> None:
        """Let go of the server; it stops unless another process still uses it. Idempotent."""
        # First the supervision, which would otherwise start the server again.
        self._supervision_ends.set()
        if self._supervisor is not None:
            self._supervisor.join()
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
    data_dir: Path,
    environment: Mapping[str, str] | None = None,
    *,
    supervise_every_seconds: float | None = None,
) -> Iterator[str]:
    """The database URL the local stack and the tests use, for as long as the block runs.

    When the environment (``os.environ`` unless given) sets ``DATABASE_URL``, that URL is
    used as it is and nothing is started: this is how to run against a PostgreSQL of your
    own, which must have the ``vector`` extension available. Otherwise an embedded server
    is started with its data in ``data_dir`` and stopped when the block ends; the data
    stays for next time. With `supervise_every_seconds`, the embedded server is checked
    that often and restarted when it stopped.
    """
    configured = (os.environ if environment is None else environment).get("DATABASE_URL")
    if configured:
        yield configured
        return
    with EmbeddedPostgres(data_dir) as server:
        if supervise_every_seconds is not None:
            server.supervise(supervise_every_seconds)
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
