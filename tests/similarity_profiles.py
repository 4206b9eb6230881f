"""Similarity profiles of a synthetic catalog, and the exact lists a slow, obvious search
gives them: the reference every faster search is checked against."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from statistics import fmean

from domain.models import FetchedArtist, SimilarityProfile
from domain.similarity import (
    AUDIO_FEATURE_NAMES,
    profile_features,
    ranking_key,
    similarity,
)
from local.synthetic_catalog import SyntheticCatalogSpec, genre_vocabulary, synthetic_artists


def synthetic_fetched(count: int, seed: int = 7) -> list[FetchedArtist]:
    spec = SyntheticCatalogSpec(artists=count, seed=seed)
    return list(synthetic_artists(spec, genre_vocabulary()))


def profiles_of(fetched: Sequence[FetchedArtist]) -> list[SimilarityProfile]:
    """What the store would tell of these artists: genres, mean sound, and everyone credited
    with them on any stored track, whichever artist's top track it is."""
    stored = {item.artist.id for item in fetched}
    partners: dict[str, set[str]] = {artist_id: set() for artist_id in stored}
    for item in fetched:
        for track in item.top_tracks:
            for one, other in combinations(track.credits, 2):
                partners.setdefault(one, set()).add(other)
                partners.setdefault(other, set()).add(one)
    profiles = []
    for item in fetched:
        features = item.audio_features
        audio = (
            tuple(fmean(getattr(f, name) for f in features) for name in AUDIO_FEATURE_NAMES)
            if features
            else None
        )
        profiles.append(
            SimilarityProfile(
                artist_id=item.artist.id,
                popularity=item.artist.popularity,
                genres=item.artist.genres,
                audio=audio,
                co_credited=tuple(sorted(partners[item.artist.id] - {item.artist.id})),
            )
        )
    return profiles


def brute_force_scores(profiles: Sequence[SimilarityProfile]) -> dict[str, list[tuple[str, float]]]:
    """Every artist's positive scores with every other, best first by the ranking rule."""
    features = {p.artist_id: profile_features(p) for p in profiles}
    popularity = {p.artist_id: p.popularity for p in profiles}
    scored: dict[str, list[tuple[str, float]]] = {}
    for me, mine in features.items():
        if not mine:
            continue
        others = [
            (other, score)
            for other, theirs in features.items()
            if other != me and (score := similarity(mine, theirs)) > 0
        ]
        others.sort(key=lambda pair: ranking_key(pair[1], popularity[pair[0]], pair[0]))
        scored[me] = others
    return scored
