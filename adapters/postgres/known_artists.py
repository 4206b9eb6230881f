"""domain.ports.KnownArtists on PostgreSQL: the IDs of the stored artists."""

from __future__ import annotations

from datetime import datetime

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

    def fetched_since(self, moment: datetime) -> int:
        """How many stored artists hold an answer Spotify gave at `moment` or later: how far
        an ingest or a refresh as of `moment` has come."""
        with self._pool.transaction() as cursor:
            cursor.execute("SELECT count(*) FROM artists WHERE fetched_at >= %s", (moment,))
            (count,) = cursor.fetchone()
            return int(count)
