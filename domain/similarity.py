"""What makes two artists similar, as numbers.

An artist becomes a set of weighted features drawn from three signals, each scaled to unit
length and then blended by a fixed weight:

- genres (weight GENRE_WEIGHT): a whole tag ("k-pop girl group") counts fully and each of
  its words ("k-pop", "girl", "group") counts half, so artists that share no exact tag but
  share a broad word are still related;
- sound (AUDIO_WEIGHT): the mean audio features of the artist's top tracks, centred on
  typical values so that "louder than most" and "quieter than most" point apart;
- collaborations (CREDIT_WEIGHT): the artist and everyone credited with them on the same
  tracks, so two artists who record together, or with the same people, are related.

Similarity is the cosine of the blended features: exact, and the reference every faster
method is scored against. Any one signal is enough for an artist to have neighbours; an
artist with none has no features and no neighbours.

For search, the features are also folded into a short dense embedding: the sound signal
keeps its own dimensions and everything else is hashed, with a sign, into the rest. The
embedding only chooses candidates; final scores always come from the exact features.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Final

from domain.models import SimilarityProfile

NEIGHBOURS_KEPT: Final = 10
GENRE_WEIGHT: Final = 1.0
AUDIO_WEIGHT: Final = 0.15
CREDIT_WEIGHT: Final = 0.2
EMBEDDING_DIMENSIONS: Final = 256
# Scores are kept to this many decimals, so that every path ranks ties the same way.
SCORE_DECIMALS: Final = 6
# Artists per shard of a rebuild: a shard's search fits well inside a Lambda's time and memory
# at any catalog size (docs/similarity.md has the arithmetic). Kept apart from domain/rebuild.py,
# which loads NumPy, because every function's event models read it.
SHARD_SIZE: Final = 25_000

_TAG_WEIGHT = 1.0
_WORD_WEIGHT = 0.5

# The audio features that describe a sound, each with the value it is centred on and the
# spread it is divided by: roughly the median and spread of popular music, so that each
# dimension counts about as much as the others.
AUDIO_SCALES: Final[Mapping[str, tuple[float, float]]] = {
    "danceability": (0.58, 0.16),
    "energy": (0.62, 0.2),
    "speechiness": (0.08, 0.1),
    "acousticness": (0.25, 0.3),
    "instrumentalness": (0.05, 0.25),
    "valence": (0.5, 0.24),
    "tempo": (120.0, 28.0),
}
AUDIO_FEATURE_NAMES: Final = tuple(AUDIO_SCALES)
# The sound's dimensions are the last ones of the embedding; hashed features use the rest.
_HASHED_DIMENSIONS = EMBEDDING_DIMENSIONS - len(AUDIO_FEATURE_NAMES)


def genre_features(genres: Iterable[str]) -> dict[str, float]:
    """The genre signal with unit length; empty when there are no genres."""
    features: dict[str, float] = {}
    for genre in {g.strip().casefold() for g in genres if g.strip()}:
        features[f"tag:{genre}"] = _TAG_WEIGHT
        for word in genre.split():
            features[f"word:{word}"] = _WORD_WEIGHT
    return _unit(features)


def audio_features(means: Sequence[float] | None) -> dict[str, float]:
    """The sound signal with unit length, from the mean of AUDIO_FEATURE_NAMES; empty when
    unknown or exactly typical."""
    if means is None:
        return {}
    if len(means) != len(AUDIO_FEATURE_NAMES):
        raise ValueError(f"expected {len(AUDIO_FEATURE_NAMES)} audio features, got {len(means)}")
    centred = {
        f"audio:{name}": (value - AUDIO_SCALES[name][0]) / AUDIO_SCALES[name][1]
        for name, value in zip(AUDIO_FEATURE_NAMES, means, strict=True)
    }
    return _unit(centred)


def credit_features(artist_id: str, co_credited: Iterable[str]) -> dict[str, float]:
    """The collaboration signal: the artist and everyone credited with them, each counting
    the same; empty for an artist who has recorded with no one."""
    others = {other for other in co_credited if other != artist_id}
    if not others:
        return {}
    return _unit({f"with:{member}": 1.0 for member in (artist_id, *others)})


def profile_features(profile: SimilarityProfile) -> dict[str, float]:
    """Every signal the profile has, blended by weight, with unit length overall."""
    blended: dict[str, float] = {}
    for weight, signal in (
        (GENRE_WEIGHT, genre_features(profile.genres)),
        (AUDIO_WEIGHT, audio_features(profile.audio)),
        (CREDIT_WEIGHT, credit_features(profile.artist_id, profile.co_credited)),
    ):
        scale = math.sqrt(weight)
        blended.update({feature: value * scale for feature, value in signal.items()})
    return _unit(blended)


def similarity(left: Mapping[str, float], right: Mapping[str, float]) -> float:
    """Exact cosine of two artists' features (both unit length), rounded to SCORE_DECIMALS."""
    if len(right) < len(left):
        left, right = right, left
    return round(sum(weight * right.get(feature, 0.0) for feature, weight in left.items()), 6)


def genre_similarity(left: Iterable[str], right: Iterable[str]) -> float:
    """Exact cosine of two artists' genres alone, from 0 (nothing shared) to 1."""
    return similarity(genre_features(left), genre_features(right))


@lru_cache(maxsize=1 << 18)
def feature_slot(feature: str) -> tuple[int, float]:
    """Where a feature lands in the embedding, and with which sign.

    A stable hash (not Python's salted hash()) so that every process, and every shard of a
    rebuild, folds the same feature into the same place.
    """
    if feature.startswith("audio:"):
        return _HASHED_DIMENSIONS + AUDIO_FEATURE_NAMES.index(feature[6:]), 1.0
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "big") % _HASHED_DIMENSIONS, 1.0 if digest[4] & 1 else -1.0


def embedding(features: Mapping[str, float]) -> list[float] | None:
    """The features folded into EMBEDDING_DIMENSIONS with unit length; None without any."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for feature, weight in features.items():
        slot, sign = feature_slot(feature)
        vector[slot] += sign * weight
    norm = math.sqrt(sum(value * value for value in vector))
    if norm == 0:
        return None
    return [value / norm for value in vector]


def ranking_key(score: float, popularity: int | None, artist_id: str) -> tuple[float, int, str]:
    """The order of a similar-artists list: best score first, then the more popular artist,
    then the lower ID, so that equal scores always rank the same way."""
    return (-score, -(popularity if popularity is not None else -1), artist_id)


def _unit(features: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in features.values()))
    if norm == 0:
        return {}
    return {feature: value / norm for feature, value in features.items()}
