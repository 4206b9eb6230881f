"""domain.ports.ArtistTombstones on PostgreSQL: the artist_tombstones table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.postgres.pool import ConnectionPool


class PostgresArtistTombstones:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def bury(self, artist_ids: Sequence[str], not_found_at: datetime) -> None:
        if not artist_ids:
            return
        with self._pool.transaction() as cursor:
            # Found wins a tie: a fetch as of the same time that found the artist stands.
            cursor.execute(
                """
                INSERT INTO artist_tombstones (artist_id, not_found_at)
                SELECT buried.id, %(not_found_at)s
                FROM unnest(%(artist_ids)s::text[]) AS buried (id)
                WHERE NOT EXISTS (
                    SELECT 1 FROM artists a
                    WHERE a.id = buried.id AND a.fetched_at >= %(not_found_at)s
                )
                ORDER BY buried.id
                ON CONFLICT (artist_id) DO UPDATE
                SET not_found_at = GREATEST(artist_tombstones.not_found_at, EXCLUDED.not_found_at)
                """,
                {"artist_ids": sorted(set(artist_ids)), "not_found_at": not_found_at},
            )

    def lift(self, artist_ids: Sequence[str], found_at: datetime) -> None:
        if not artist_ids:
            return
        with self._pool.transaction() as cursor:
            cursor.execute(
                "DELETE FROM artist_tombstones WHERE artist_id = ANY(%s) AND not_found_at <= %s",
                (list(artist_ids), found_at),
            )

    def tombstoned(self, artist_ids: Sequence[str]) -> set[str]:
        if not artist_ids:
            return set()
        with self._pool.transaction() as cursor:
            cursor.execute(
                "SELECT artist_id FROM artist_tombstones WHERE artist_id = ANY(%s)",
                (list(artist_ids),),
            )
            return {row[0] for row in cursor.fetchall()}
