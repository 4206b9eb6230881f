"""Genre-based similarity: which artists sound alike when all we trust are genre tags.

An artist's genres become weighted features: a whole tag ("k-pop girl group") counts fully
and each of its words ("k-pop", "girl", "group") counts half, so artists that share no exact
tag but share a broad word are still related. Similarity is the cosine of those features.

The store ranks candidates with pgvector over a fixed-size hashed copy of the features
(cheap and indexable, but hash collisions add a little noise); the final ranking re-scores
those candidates exactly, so a collision can never make strangers look alike.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence

from domain.models import Artist, Neighbour

VECTOR_DIMENSIONS = 1024
NEIGHBOURS_KEPT = 10
# Exact re-scoring looks this far down the hashed ranking for the true top ten.
CANDIDATES_RESCORED = 50
_TAG_WEIGHT = 1.0
_WORD_WEIGHT = 0.5


def genre_features(genres: Iterable[str]) -> dict[str, float]:
    """The artist's features with unit length; empty when it has no genres."""
    features: dict[str, float] = {}
    for genre in {g.strip().casefold() for g in genres if g.strip()}:
        features[f"tag:{genre}"] = _TAG_WEIGHT
        for word in genre.split():
            features[f"word:{word}"] = _WORD_WEIGHT
    norm = math.sqrt(sum(weight * weight for weight in features.values()))
    return {feature: weight / norm for feature, weight in features.items()}


def genre_similarity(left: Iterable[str], right: Iterable[str]) -> float:
    """Exact cosine similarity of two artists' genres, from 0 (nothing shared) to 1."""
    mine, theirs = genre_features(left), genre_features(right)
    return sum(weight * theirs.get(feature, 0.0) for feature, weight in mine.items())


def genre_vector(genres: Iterable[str]) -> list[float] | None:
    """The hashed, fixed-size copy of the features the store indexes; None without genres."""
    features = genre_features(genres)
    if not features:
        return None
    vector = [0.0] * VECTOR_DIMENSIONS
    for feature, weight in features.items():
        # A stable hash (not Python's salted hash()) so vectors match across processes.
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "big") % VECTOR_DIMENSIONS
        vector[bucket] += weight if digest[4] & 1 else -weight
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector]


def cosine(left: Sequence[float], right: Sequence[float]) -> float:
    return sum(a * b for a, b in zip(left, right, strict=True))


def rescore(artist: Artist, candidates: Sequence[Artist]) -> list[tuple[str, float]]:
    """Candidates scored exactly, best first; ties go to the more popular, then by ID."""
    scored = [
        (other, genre_similarity(artist.genres, other.genres))
        for other in candidates
        if other.id != artist.id
    ]
    scored.sort(key=lambda pair: (-pair[1], -(pair[0].popularity or 0), pair[0].id))
    return [(other.id, score) for other, score in scored]


def rank_neighbours(artist_id: str, candidates: Sequence[tuple[str, float]]) -> list[Neighbour]:
    """The top NEIGHBOURS_KEPT of candidates ordered best first."""
    kept = [(other, score) for other, score in candidates if other != artist_id and score > 0]
    return [
        Neighbour(artist_id=artist_id, similar_id=other, rank=rank, score=round(score, 6))
        for rank, (other, score) in enumerate(kept[:NEIGHBOURS_KEPT], start=1)
    ]


def affected_artists(
    new_neighbours: Mapping[str, Sequence[Neighbour]],
    floors: Mapping[str, tuple[int, float]],
) -> set[str]:
    """Existing artists whose own top list a newly ingested artist may now enter.

    Similarity is symmetric: if new artist N lists M with score s, N belongs in M's list
    when M keeps fewer than NEIGHBOURS_KEPT or s beats M's weakest neighbour.
    """
    affected: set[str] = set()
    for neighbours in new_neighbours.values():
        for neighbour in neighbours:
            other = neighbour.similar_id
            if other in new_neighbours:
                continue
            kept, weakest = floors.get(other, (0, 0.0))
            if kept < NEIGHBOURS_KEPT or neighbour.score > weakest:
                affected.add(other)
    return affected
