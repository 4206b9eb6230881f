"""The artist repository on PostgreSQL with pgvector."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from psycopg2.extras import execute_values

from adapters.postgres.pool import ConnectionPool
from domain.models import Artist, AudioFeatures, FetchedArtist, Neighbour, Track
from domain.names import normalize_name
from domain.similarity import VECTOR_DIMENSIONS
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
        """Store one ingestion's artists with their genres, top tracks and audio features.

        An artist already stored from a later fetch keeps what it has, together with its
        genres and tracks, so replaying an old ingestion never rolls data back. Saving the
        same input twice leaves the same rows.
        """
        if fetched_at.utcoffset() is None:
            raise ValueError("fetched_at must carry a time zone")
        # Writing in ID order makes concurrent saves of overlapping batches lock rows in the
        # same order, so they wait for each other instead of deadlocking.
        in_id_order = sorted(fetched, key=lambda item: item.artist.id)
        with self._pool.transaction() as cursor:
            for item in in_id_order:
                if _upsert_artist(cursor, item.artist, fetched_at):
                    _replace_genres(cursor, item.artist)
                    _replace_top_tracks(cursor, item.artist.id, item.top_tracks)
                    _upsert_audio_features(cursor, item.top_tracks, item.audio_features)

    def save_vectors(self, vectors: Mapping[str, Sequence[float]]) -> None:
        """Store each artist's embedding, replacing the one it had; an unchanged embedding
        keeps its updated_at, so a replay leaves the row as it was."""
        rows = []
        for artist_id in sorted(vectors):
            embedding = vectors[artist_id]
            if len(embedding) != VECTOR_DIMENSIONS:
                raise ValueError(
                    f"the vector of {artist_id} has {len(embedding)} dimensions,"
                    f" not {VECTOR_DIMENSIONS}"
                )
            rows.append((artist_id, _vector_literal(embedding)))
        if not rows:
            return
        with self._pool.transaction() as cursor:
            execute_values(
                cursor,
                "INSERT INTO artist_vectors (artist_id, embedding) VALUES %s"
                " ON CONFLICT (artist_id) DO UPDATE"
                " SET embedding = excluded.embedding, updated_at = now()"
                " WHERE artist_vectors.embedding IS DISTINCT FROM excluded.embedding",
                rows,
                template="(%s, %s::vector)",
            )

    def nearest(self, artist_id: str, limit: int) -> list[tuple[str, float]]:
        """Up to limit other artists closest in direction to this one's vector, best first.

        Score is cosine similarity (1 - cosine distance); only positive scores count. Equal
        scores go to the more popular artist, then the lower ID. An artist without a vector
        has no neighbours.
        """
        if limit <= 0:
            return []
        with self._pool.transaction() as cursor:
            cursor.execute(
                """
                SELECT candidate.artist_id, 1 - candidate.distance AS score
                FROM (
                    SELECT other.artist_id, other.embedding <=> target.embedding AS distance
                    FROM artist_vectors target
                    JOIN artist_vectors other ON other.artist_id <> target.artist_id
                    WHERE target.artist_id = %(artist_id)s
                ) AS candidate
                JOIN artists a ON a.id = candidate.artist_id
                -- score > 0, written so that it also drops a zero vector: its distance is
                -- NaN, which PostgreSQL ranks above every number (1 - NaN > 0 holds).
                WHERE candidate.distance < 1
                ORDER BY candidate.distance, a.popularity DESC NULLS LAST, candidate.artist_id
                LIMIT %(limit)s
                """,
                {"artist_id": artist_id, "limit": limit},
            )
            rows = cursor.fetchall()
        return [(similar_id, float(score)) for similar_id, score in rows]

    def neighbour_floors(self, artist_ids: Sequence[str]) -> dict[str, tuple[int, float]]:
        """For each of artist_ids that has neighbours: how many, and the lowest score."""
        if not artist_ids:
            return {}
        with self._pool.transaction() as cursor:
            cursor.execute(
                "SELECT artist_id, count(*), min(score) FROM artist_similarity"
                " WHERE artist_id = ANY(%s) GROUP BY artist_id",
                (list(artist_ids),),
            )
            rows = cursor.fetchall()
        return {artist_id: (int(count), float(floor)) for artist_id, count, floor in rows}

    def replace_neighbours(self, artist_id: str, neighbours: Sequence[Neighbour]) -> None:
        """Make neighbours the artist's whole similar-artists list, in one transaction."""
        strays = [n for n in neighbours if n.artist_id != artist_id]
        if strays:
            raise ValueError(f"neighbours of {strays[0].artist_id} given for {artist_id}")
        with self._pool.transaction() as cursor:
            cursor.execute("DELETE FROM artist_similarity WHERE artist_id = %s", (artist_id,))
            if neighbours:
                execute_values(
                    cursor,
                    "INSERT INTO artist_similarity (artist_id, similar_id, rank, score) VALUES %s",
                    [(n.artist_id, n.similar_id, n.rank, n.score) for n in neighbours],
                )

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]:
        """The artist's stored neighbours, closest first."""
        if limit <= 0:
            return []
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"""
                SELECT {_ARTIST_COLUMNS}
                FROM artist_similarity s
                JOIN artists a ON a.id = s.similar_id
                WHERE s.artist_id = %s
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


def _upsert_artist(cursor: Any, artist: Artist, fetched_at: datetime) -> bool:
    """Write the artist unless a later fetch is stored; True when the row was written."""
    cursor.execute(
        """
        INSERT INTO artists
            (id, name, normalized_name, popularity, followers, image_url, spotify_url, fetched_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
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
        (
            artist.id,
            artist.name,
            normalize_name(artist.name),
            artist.popularity,
            artist.followers,
            artist.image_url,
            artist.spotify_url,
            fetched_at,
        ),
    )
    return cursor.fetchone() is not None


def _replace_genres(cursor: Any, artist: Artist) -> None:
    cursor.execute("DELETE FROM artist_genres WHERE artist_id = %s", (artist.id,))
    genres = list(dict.fromkeys(artist.genres))
    if genres:
        execute_values(
            cursor,
            "INSERT INTO artist_genres (artist_id, genre, position) VALUES %s",
            [(artist.id, genre, position) for position, genre in enumerate(genres, start=1)],
        )


def _replace_top_tracks(cursor: Any, artist_id: str, tracks: Iterable[Track]) -> None:
    cursor.execute("DELETE FROM tracks WHERE artist_id = %s", (artist_id,))
    first_of_each: dict[str, Track] = {}
    for track in tracks:
        first_of_each.setdefault(track.id, track)
    if not first_of_each:
        return
    # A track shared by two artists (a collaboration) is stored once, under the artist
    # whose top tracks were written last.
    execute_values(
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
                track.id,
                artist_id,
                track.name,
                normalize_title(track.name),
                track.popularity,
                track.spotify_url,
                rank,
            )
            for rank, track in enumerate(first_of_each.values(), start=1)
        ],
    )


def _upsert_audio_features(
    cursor: Any, tracks: Iterable[Track], features: Iterable[AudioFeatures]
) -> None:
    stored_tracks = {track.id for track in tracks}
    # Features of a track that is not among the stored top tracks have no row to belong to.
    rows = {
        feature.track_id: tuple(getattr(feature, column) for column in _AUDIO_FEATURE_COLUMNS)
        for feature in features
        if feature.track_id in stored_tracks
    }
    if not rows:
        return
    updates = ", ".join(f"{column} = excluded.{column}" for column in _AUDIO_FEATURE_COLUMNS[1:])
    execute_values(
        cursor,
        f"INSERT INTO audio_features ({', '.join(_AUDIO_FEATURE_COLUMNS)}) VALUES %s"  # noqa: S608  # constant column names only
        f" ON CONFLICT (track_id) DO UPDATE SET {updates}",
        list(rows.values()),
    )


def _vector_literal(embedding: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(value)) for value in embedding) + "]"
