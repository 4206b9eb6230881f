"""domain.refresh.KnownArtists on PostgreSQL: the IDs of every stored artist."""

from __future__ import annotations

from adapters.postgres.pool import ConnectionPool


class PostgresKnownArtists:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def known_artist_ids(self) -> list[str]:
        with self._pool.transaction() as cursor:
            cursor.execute("SELECT id FROM artists ORDER BY id")
            return [artist_id for (artist_id,) in cursor.fetchall()]
