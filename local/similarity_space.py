"""What a picture of the similarity space shows, read from the store of a running stack:
every artist with its embedding in the serving generation, and one artist's neighbourhood
from the serving generation's lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from adapters.postgres.pool import ConnectionPool
from domain.neighbour_search import Float32s
from domain.similarity import EMBEDDING_DIMENSIONS

_SERVING = "(SELECT generation FROM similarity_generations WHERE state = 'serving')"

_ARTISTS = """
    SELECT a.id, a.name, coalesce(a.popularity, 0), coalesce(a.followers, 0),
           coalesce((SELECT array_agg(g.genre ORDER BY g.position)
                     FROM artist_genres g WHERE g.artist_id = a.id), '{}')
    FROM artists a
    WHERE a.id = ANY(%(ids)s)
    ORDER BY a.id
"""

_EMBEDDINGS = f"""
    SELECT c.artist_id, c.embedding::real[]
    FROM artist_cells c JOIN artists a ON a.id = c.artist_id
    WHERE c.generation = {_SERVING}
    ORDER BY c.artist_id
"""  # noqa: S608  # only a constant subquery is interpolated

_LISTS = f"""
    SELECT s.artist_id, s.similar_id, s.score
    FROM artist_similarity s JOIN artists a ON a.id = s.similar_id
    WHERE s.generation = {_SERVING} AND s.artist_id = ANY(%(ids)s) AND s.rank <= %(limit)s
    ORDER BY s.artist_id, s.rank
"""  # noqa: S608  # only a constant subquery is interpolated


@dataclass(frozen=True)
class MapArtist:
    artist_id: str
    name: str
    genres: tuple[str, ...]
    popularity: int
    followers: int


@dataclass(frozen=True)
class SimilarityEdge:
    """`similar_id` is on `artist_id`'s list with this score (cosine similarity)."""

    artist_id: str
    similar_id: str
    score: float


@dataclass(frozen=True)
class SimilaritySpace:
    """Artists and their embeddings, row i of `vectors` being artist i's."""

    artists: tuple[MapArtist, ...]
    vectors: Float32s


@dataclass(frozen=True)
class Neighbourhood:
    """An artist, its neighbours, and (when asked for) theirs, with every list entry read."""

    centre: MapArtist
    artists: tuple[MapArtist, ...]
    edges: tuple[SimilarityEdge, ...]


class PostgresSimilaritySpace:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def space(self) -> SimilaritySpace:
        """Every stored artist placed in the serving generation."""
        with self._pool.transaction() as cursor:
            cursor.execute(_EMBEDDINGS)
            embeddings = cursor.fetchall()
            placed = [artist_id for artist_id, _ in embeddings]
            artists = {artist.artist_id: artist for artist in _artists(cursor, placed)}
        vectors = np.array([vector for _, vector in embeddings], dtype=np.float32)
        return SimilaritySpace(
            tuple(artists[a] for a in placed),
            vectors.reshape(len(embeddings), EMBEDDING_DIMENSIONS),
        )

    def neighbourhood(self, artist_id: str, neighbours: int, second_ring: int) -> Neighbourhood:
        """The artist's first `neighbours` list entries and, when `second_ring` is above
        zero, that many of each neighbour's."""
        with self._pool.transaction() as cursor:
            edges = _lists(cursor, [artist_id], neighbours)
            if second_ring:
                edges += _lists(cursor, [edge.similar_id for edge in edges], second_ring)
            shown = {artist_id} | {edge.similar_id for edge in edges}
            artists = {artist.artist_id: artist for artist in _artists(cursor, sorted(shown))}
        return Neighbourhood(artists[artist_id], tuple(artists.values()), tuple(edges))


def _artists(cursor: Any, artist_ids: Sequence[str]) -> list[MapArtist]:
    cursor.execute(_ARTISTS, {"ids": list(artist_ids)})
    return [
        MapArtist(artist_id, name, tuple(genres), popularity, followers)
        for artist_id, name, popularity, followers, genres in cursor.fetchall()
    ]


def _lists(cursor: Any, artist_ids: Sequence[str], limit: int) -> list[SimilarityEdge]:
    cursor.execute(_LISTS, {"ids": list(artist_ids), "limit": limit})
    return [
        SimilarityEdge(artist_id, similar_id, float(score))
        for artist_id, similar_id, score in cursor.fetchall()
    ]
