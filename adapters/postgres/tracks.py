"""Stored tracks on PostgreSQL: songs by title, and the top tracks of artists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.postgres.pool import ConnectionPool
from domain.models import Track

_TRACK_COLUMNS = "t.id, t.artist_id, t.name, t.popularity, t.spotify_url"


class PostgresTrackCatalog:
    """domain.ports.TrackCatalog over a psycopg2 connection pool; safe to share between
    threads, each call borrowing one connection for one transaction."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def find_track(self, normalized_title: str) -> Track | None:
        """The stored track with this normalize_title key: the most popular one when
        several share it (covers, other versions), then the one by the more popular artist."""
        if not normalized_title:
            return None
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"""
                SELECT {_TRACK_COLUMNS}
                FROM tracks t
                JOIN artists a ON a.id = t.artist_id
                WHERE t.normalized_title = %s
                ORDER BY t.popularity DESC NULLS LAST, a.popularity DESC NULLS LAST, t.id
                LIMIT 1
                """,  # noqa: S608  # only a constant column list is interpolated
                (normalized_title,),
            )
            row = cursor.fetchone()
        return None if row is None else _track_from_row(row)

    def top_tracks(self, artist_ids: Sequence[str], per_artist: int) -> dict[str, list[Track]]:
        """Every asked artist (once, in the order asked) with up to per_artist of its
        stored top tracks in Spotify's order; an artist without stored tracks has none."""
        asked = list(dict.fromkeys(artist_ids))
        found: dict[str, list[Track]] = {artist_id: [] for artist_id in asked}
        if not asked or per_artist <= 0:
            return found
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"""
                SELECT {_TRACK_COLUMNS}
                FROM unnest(%s::text[]) AS asked (id)
                CROSS JOIN LATERAL (
                    SELECT * FROM tracks
                    WHERE tracks.artist_id = asked.id
                    ORDER BY tracks.rank
                    LIMIT %s
                ) AS t
                ORDER BY t.artist_id, t.rank
                """,  # noqa: S608  # only a constant column list is interpolated
                (asked, per_artist),
            )
            rows = cursor.fetchall()
        for row in rows:
            track = _track_from_row(row)
            found[track.artist_id].append(track)
        return found


def _track_from_row(row: tuple[Any, ...]) -> Track:
    track_id, artist_id, name, popularity, spotify_url = row
    return Track(
        id=track_id,
        artist_id=artist_id,
        name=name,
        popularity=popularity,
        spotify_url=spotify_url,
    )
