"""The database every layer shares: its schema, as the migrations in contracts/migrations
build it (applied by adapters/postgres/migrator.py, re-run by the stacks' custom resource when
they change), and how long reaching it through RDS Proxy may take, which the connection code
waits for and the stacks size the migration function's timeout by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Final

# A connection attempt gives up after this: libpq would otherwise wait on a host that is gone
# for as long as the operating system retries, past a Lambda's deadline.
CONNECT_TIMEOUT_SECONDS: Final = 5
# A new proxy's first connections fail for a minute or so while it warms up: six tries of up to
# CONNECT_TIMEOUT_SECONDS, ten seconds apart.
PROXY_WARM_UP_ATTEMPTS: Final = 6
PROXY_WARM_UP_WAIT_SECONDS: Final = 10
# A new proxy's target registers in a few minutes, rarely more; ten minutes leaves room and
# still ends within the migration function's fifteen (stacks/schema_migrations.py).
PROXY_TARGET_WAIT_SECONDS: Final = 600
PROXY_TARGET_POLL_SECONDS: Final = 15

_MIGRATION_FILE = re.compile(r"^(?P<version>\d{4}_[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str


def shipped_migrations() -> list[Migration]:
    """The migrations packaged with this code, oldest first."""
    directory = files("contracts").joinpath("migrations")
    migrations = []
    for entry in directory.iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match is not None:
            migrations.append(Migration(match["version"], entry.read_text(encoding="utf-8")))
    return sorted(migrations, key=lambda migration: migration.version)
