"""PostgreSQL: connections, schema migrations and the artist repository."""

from adapters.postgres.connect import Connector, iam_token_connector, url_connector
from adapters.postgres.migrator import apply_migrations
from adapters.postgres.pool import ConnectionPool, connect_pool
from adapters.postgres.repository import PostgresArtistRepository

__all__ = [
    "ConnectionPool",
    "Connector",
    "PostgresArtistRepository",
    "apply_migrations",
    "connect_pool",
    "iam_token_connector",
    "url_connector",
]
