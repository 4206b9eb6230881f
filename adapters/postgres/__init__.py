"""PostgreSQL: schema migrations and the artist repository."""

from adapters.postgres.migrator import Migration, apply_migrations, shipped_migrations
from adapters.postgres.pool import connect_pool
from adapters.postgres.repository import PostgresArtistRepository

__all__ = [
    "Migration",
    "PostgresArtistRepository",
    "apply_migrations",
    "connect_pool",
    "shipped_migrations",
]
