"""The artist repository on PostgreSQL with pgvector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extras import execute_values

from adapters.postgres.pool import ConnectionPool
from domain.models import Artist, FetchedArtist, Track
from domain.names import normalize_name
from domain.songs import normalize_title

ALIAS_SOURCES = frozenset({"spotify-search", "catalog", "user"})

# Genres come back in the order they were stored, so an Artist reads the same every time.
_ARTIST_COLUMNS = """
    a.id, a.name, a.popularity, a.followers, a.image_url, a.spotify_url,
    ARRAY(SELECT g.genre FROM artist_genres g WHERE g.artist_id = a.id ORDER BY g.position)
"""

_AUDIO_FEATURE_COLUMNS = (
    "track_id",
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
    "time_signature",
)


class PostgresArtistRepository:
    """domain.ports.ArtistRepository over a psycopg2 connection pool.

    Safe to share between threads: each call borrows one connection for one transaction
    and returns it, committed or rolled back, even when the call fails. Calls beyond the
    pool's size wait for a connection instead of failing.
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def find_by_alias(self, normalized_name: str) -> Artist | None:
        """The artist known by this key, by name or alias; the most popular when several are."""
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"""
                SELECT {_ARTIST_COLUMNS}
                FROM artists a
                WHERE a.normalized_name = %(key)s
                   OR a.id IN (SELECT artist_id FROM artist_aliases WHERE alias = %(key)s)
                ORDER BY a.popularity DESC NULLS LAST, a.id
                LIMIT 1
                """,  # noqa: S608  # only a constant column list is interpolated
                {"key": normalized_name},
            )
            row = cursor.fetchone()
        return None if row is None else _artist_from_row(row)

    def add_alias(self, normalized_name: str, artist_id: str, source: str) -> None:
        """Remember another key for a stored artist; adding a known alias changes nothing.

        The artist must already be stored: the database refuses an alias of an unknown
        artist with psycopg2.errors.ForeignKeyViolation.
        """
        if source not in ALIAS_SOURCES:
            raise ValueError(f"alias source must be one of {sorted(ALIAS_SOURCES)}: {source!r}")
        with self._pool.transaction() as cursor:
            cursor.execute(
                "INSERT INTO artist_aliases (alias, artist_id, source) VALUES (%s, %s, %s)"
                " ON CONFLICT (alias, artist_id) DO NOTHING",
                (normalized_name, artist_id, source),
            )

    def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        """The stored artists among artist_ids, in the order asked, each once."""
        if not artist_ids:
            return []
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"""
                SELECT {_ARTIST_COLUMNS}
                FROM unnest(%s::text[]) WITH ORDINALITY AS asked (id, position)
                JOIN artists a ON a.id = asked.id
                ORDER BY asked.position
                """,  # noqa: S608  # only a constant column list is interpolated
                (list(dict.fromkeys(artist_ids)),),
            )
            rows = cursor.fetchall()
        return [_artist_from_row(row) for row in rows]

    def save_fetched(self, fetched: Sequence[FetchedArtist], fetched_at: datetime) -> None:
        """Store one ingestion's artists with their genres, top tracks, the artists credited
        on those tracks and their audio features, in the same few statements however many
        artists there are.

        An artist already stored from a later fetch keeps what it has, together with its
        genres and tracks, so replaying an old ingestion never rolls data back. Saving the
        same input twice leaves the same rows.
        """
        if fetched_at.utcoffset() is None:
            raise ValueError("fetched_at must carry a time zone")
        # An artist given twice is saved as given last, as if each had been saved in turn.
        by_id = {item.artist.id: item for item in fetched}
        if not by_id:
            return
        # Writing in ID order makes concurrent saves of overlapping batches lock rows in the
        # same order, so they wait for each other instead of deadlocking.
        in_id_order = [by_id[artist_id] for artist_id in sorted(by_id)]
        with self._pool.transaction() as cursor:
            written_ids = _upsert_artists(cursor, in_id_order, fetched_at)
            written = [item for item in in_id_order if item.artist.id in written_ids]
            if not written:
                return
            _replace_genres(cursor, written)
            stored_tracks = _replace_top_tracks(cursor, written)
            _replace_credits(cursor, stored_tracks)
            _upsert_audio_features(cursor, written)

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]:
        """The artist's neighbours in the serving generation, closest first. One statement
        reads which generation serves and its list, so a switch is seen whole or not at all."""
        if limit <= 0:
            return []
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"""
                SELECT {_ARTIST_COLUMNS}
                FROM artist_similarity s
                JOIN artists a ON a.id = s.similar_id
                WHERE s.generation = (
                    SELECT generation FROM similarity_generations WHERE state = 'serving'
                )
                  AND s.artist_id = %s
                ORDER BY s.rank
                LIMIT %s
                """,  # noqa: S608  # only a constant column list is interpolated
                (artist_id, limit),
            )
            rows = cursor.fetchall()
        return [_artist_from_row(row) for row in rows]


def _artist_from_row(row: tuple[Any, ...]) -> Artist:
    artist_id, name, popularity, followers, image_url, spotify_url, genres = row
    return Artist(
        id=artist_id,
        name=name,
        genres=tuple(genres),
        popularity=popularity,
        followers=followers,
        image_url=image_url,
        spotify_url=spotify_url,
    )


def _insert_all(
    cursor: Any, statement: str, rows: Sequence[tuple[Any, ...]], *, fetch: bool = False
) -> Any:
    """execute_values in one statement: its default pages of 100 rows would make the number
    of statements grow with the batch."""
    return execute_values(cursor, statement, rows, page_size=len(rows), fetch=fetch)


def _upsert_artists(cursor: Any, items: Sequence[FetchedArtist], fetched_at: datetime) -> set[str]:
    """Write the artists unless a later fetch is stored; the IDs of the rows written."""
    written = _insert_all(
        cursor,
        """
        INSERT INTO artists
            (id, name, normalized_name, popularity, followers, image_url, spotify_url, fetched_at)
        VALUES %s
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name,
            normalized_name = excluded.normalized_name,
            popularity = excluded.popularity,
            followers = excluded.followers,
            image_url = excluded.image_url,
            spotify_url = excluded.spotify_url,
            fetched_at = excluded.fetched_at
        WHERE artists.fetched_at <= excluded.fetched_at
        RETURNING id
        """,
        [
            (
                item.artist.id,
                item.artist.name,
                normalize_name(item.artist.name),
                item.artist.popularity,
                item.artist.followers,
                item.artist.image_url,
                item.artist.spotify_url,
                fetched_at,
            )
            for item in items
        ],
        fetch=True,
    )
    return {artist_id for (artist_id,) in written}


def _replace_genres(cursor: Any, written: Sequence[FetchedArtist]) -> None:
    cursor.execute(
        "DELETE FROM artist_genres WHERE artist_id = ANY(%s::text[])",
        ([item.artist.id for item in written],),
    )
    rows = [
        (item.artist.id, genre, position)
        for item in written
        for position, genre in enumerate(dict.fromkeys(item.artist.genres), start=1)
    ]
    if rows:
        _insert_all(
            cursor, "INSERT INTO artist_genres (artist_id, genre, position) VALUES %s", rows
        )


@dataclass(frozen=True)
class _StoredTrack:
    track: Track
    artist_id: str
    rank: int


def _replace_top_tracks(cursor: Any, written: Sequence[FetchedArtist]) -> list[_StoredTrack]:
    """Make each written artist's top tracks its only tracks; the tracks stored, in ID order."""
    cursor.execute(
        "DELETE FROM tracks WHERE artist_id = ANY(%s::text[])",
        ([item.artist.id for item in written],),
    )
    # A track shared by two artists (a collaboration) is stored once, under the artist
    # written last; one statement cannot write the same row twice.
    placed: dict[str, _StoredTrack] = {}
    for item in written:
        first_of_each: dict[str, Track] = {}
        for track in item.top_tracks:
            first_of_each.setdefault(track.id, track)
        for rank, track in enumerate(first_of_each.values(), start=1):
            placed[track.id] = _StoredTrack(track, item.artist.id, rank)
    # Tracks too are written in ID order, for the same reason as artists.
    stored = [placed[track_id] for track_id in sorted(placed)]
    if stored:
        _insert_all(
            cursor,
            """
            INSERT INTO tracks
                (id, artist_id, name, normalized_title, popularity, spotify_url, rank)
            VALUES %s
            ON CONFLICT (id) DO UPDATE SET
                artist_id = excluded.artist_id,
                name = excluded.name,
                normalized_title = excluded.normalized_title,
                popularity = excluded.popularity,
                spotify_url = excluded.spotify_url,
                rank = excluded.rank
            """,
            [
                (
                    one.track.id,
                    one.artist_id,
                    one.track.name,
                    normalize_title(one.track.name),
                    one.track.popularity,
                    one.track.spotify_url,
                    one.rank,
                )
                for one in stored
            ],
        )
    return stored


def _replace_credits(cursor: Any, stored: Sequence[_StoredTrack]) -> None:
    if not stored:
        return
    # Deleting the artists' old tracks took their credits along; a track taken over from
    # an artist outside the batch still has the credits it was stored with.
    cursor.execute(
        "DELETE FROM track_credits WHERE track_id = ANY(%s::text[])",
        ([one.track.id for one in stored],),
    )
    rows = [
        (one.track.id, position, artist_id)
        for one in stored
        for position, artist_id in enumerate(one.track.credits, start=1)
    ]
    if rows:
        _insert_all(
            cursor, "INSERT INTO track_credits (track_id, position, artist_id) VALUES %s", rows
        )


def _upsert_audio_features(cursor: Any, written: Sequence[FetchedArtist]) -> None:
    rows: dict[str, tuple[Any, ...]] = {}
    for item in written:
        # Features of a track that is not among the stored top tracks have no row to belong
        # to; of a shared track, those of the artist written last win, as its track does.
        own_tracks = {track.id for track in item.top_tracks}
        for feature in item.audio_features:
            if feature.track_id in own_tracks:
                rows[feature.track_id] = tuple(
                    getattr(feature, column) for column in _AUDIO_FEATURE_COLUMNS
                )
    if not rows:
        return
    updates = ", ".join(f"{column} = excluded.{column}" for column in _AUDIO_FEATURE_COLUMNS[1:])
    _insert_all(
        cursor,
        f"INSERT INTO audio_features ({', '.join(_AUDIO_FEATURE_COLUMNS)}) VALUES %s"  # noqa: S608  # constant column names only
        f" ON CONFLICT (track_id) DO UPDATE SET {updates}",
        [rows[track_id] for track_id in sorted(rows)],
    )
