"""domain.ports.KnownArtists on PostgreSQL: the IDs of the stored artists."""

from __future__ import annotations

from adapters.postgres.pool import ConnectionPool


class PostgresKnownArtists:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def known_artist_ids(self) -> list[str]:
        """Every stored artist's ID, sorted."""
        with self._pool.transaction() as cursor:
            cursor.execute("SELECT id FROM artists ORDER BY id")
            return [artist_id for (artist_id,) in cursor.fetchall()]

    def refreshable_artist_ids(self) -> list[str]:
        with self._pool.transaction() as cursor:
            cursor.execute(
                """
                SELECT a.id FROM artists a
                WHERE NOT EXISTS (SELECT 1 FROM artist_tombstones t WHERE t.artist_id = a.id)
                ORDER BY a.id
                """
            )
            return [artist_id for (artist_id,) in cursor.fetchall()]
