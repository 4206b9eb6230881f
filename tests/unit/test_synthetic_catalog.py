"""The synthetic catalog: the same artists on every run, streamed one at a time, shaped like
the shipped catalog's so that similarity benchmarks measure something realistic."""

from __future__ import annotations

import csv
import re
from collections import Counter
from itertools import combinations
from statistics import mean, median

import pytest

from domain.models import FetchedArtist
from local.catalog import default_catalog_dir
from local.synthetic_catalog import (
    SyntheticCatalogSpec,
    genre_vocabulary,
    synthetic_artist,
    synthetic_artist_id,
    synthetic_artists,
)

SPEC = SyntheticCatalogSpec(artists=5_000)
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")


@pytest.fixture(scope="module")
def vocabulary() -> tuple[str, ...]:
    return genre_vocabulary()


@pytest.fixture(scope="module")
def catalog(vocabulary: tuple[str, ...]) -> tuple[FetchedArtist, ...]:
    return tuple(synthetic_artists(SPEC, vocabulary))


def by_id(catalog: tuple[FetchedArtist, ...]) -> dict[str, FetchedArtist]:
    return {fetched.artist.id: fetched for fetched in catalog}


def collaborators(fetched: FetchedArtist) -> list[str]:
    return [track.credits[1] for track in fetched.top_tracks if len(track.credits) == 2]


def shipped_relations() -> set[frozenset[str]]:
    """Pairs of genres that some shipped artist carries together."""
    pairs: set[frozenset[str]] = set()
    for name in ("artist_genres.tsv", "kpop_artists.tsv"):
        with (default_catalog_dir() / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                tags = [tag.strip() for tag in (row["genres"] or "").split(";") if tag.strip()]
                pairs.update(frozenset(pair) for pair in combinations(tags, 2))
    return pairs


def words(genre: str) -> set[str]:
    return set(genre.replace("-", " ").split())


def test_the_vocabulary_holds_every_shipped_genre_once_in_order(
    vocabulary: tuple[str, ...],
) -> None:
    # Then both genre files contribute, each tag once, sorted
    assert vocabulary == tuple(sorted(set(vocabulary)))
    assert "classic rock" in vocabulary
    assert "k-pop girl group" in vocabulary


def test_the_same_spec_gives_equal_artists(vocabulary: tuple[str, ...]) -> None:
    # Given a spec
    spec = SyntheticCatalogSpec(artists=300, seed=11)

    # When the catalog is generated twice
    first, second = (
        list(synthetic_artists(spec, vocabulary)),
        list(synthetic_artists(spec, vocabulary)),
    )

    # Then every artist is equal, tracks and features included
    assert len(first) == 300
    assert first == second


def test_another_seed_gives_other_artists(
    vocabulary: tuple[str, ...], catalog: tuple[FetchedArtist, ...]
) -> None:
    # When the same number of artists is made from another seed
    reseeded = list(synthetic_artists(SyntheticCatalogSpec(artists=200, seed=8), vocabulary))

    # Then IDs differ everywhere and names nearly everywhere
    seven, eight = catalog[:200], reseeded
    assert not {a.artist.id for a in seven} & {a.artist.id for a in eight}
    assert sum(a.artist.name != b.artist.name for a, b in zip(seven, eight, strict=True)) > 180


def test_artist_ids_are_stable_spotify_shaped_and_distinct(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # Then the ID of an index never changes across releases
    assert synthetic_artist_id(0, 7) == "gWeywUEqh3AsXJzcUbDTyK"
    assert synthetic_artist_id(0, 8) != synthetic_artist_id(0, 7)
    # And artist i carries the ID of i, shaped like Spotify's, with a matching URL
    for index, fetched in enumerate(catalog):
        artist = fetched.artist
        assert artist.id == synthetic_artist_id(index, SPEC.seed)
        assert SPOTIFY_ID.fullmatch(artist.id)
        assert artist.spotify_url == f"https://open.spotify.com/artist/{artist.id}"
    assert len(by_id(catalog)) == SPEC.artists


def test_one_artist_alone_equals_the_same_artist_of_a_full_run(
    vocabulary: tuple[str, ...], catalog: tuple[FetchedArtist, ...]
) -> None:
    # When artist 1,000 is made on its own
    alone = synthetic_artist(SPEC, vocabulary, 1_000)

    # Then it is the artist 1,000 the full stream made
    assert alone == catalog[1_000]


def test_an_artist_keeps_its_own_data_whatever_the_catalog_size(
    vocabulary: tuple[str, ...], catalog: tuple[FetchedArtist, ...]
) -> None:
    # When artist 1,000 is made in a catalog of 1,500 instead of 5,000
    smaller = synthetic_artist(SyntheticCatalogSpec(artists=1_500), vocabulary, 1_000)

    # Then only whom its tracks credit may change
    full = catalog[1_000]
    assert smaller.artist == full.artist
    assert smaller.audio_features == full.audio_features
    assert [t.id for t in smaller.top_tracks] == [t.id for t in full.top_tracks]
    assert [len(t.credits) for t in smaller.top_tracks] == [len(t.credits) for t in full.top_tracks]


def test_shares_without_genres_and_with_audio_follow_the_spec(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # When the shares are counted
    without_genres = sum(not fetched.artist.genres for fetched in catalog) / len(catalog)
    with_audio = sum(bool(fetched.audio_features) for fetched in catalog) / len(catalog)

    # Then they are the spec's, within sampling noise
    assert abs(without_genres - SPEC.without_genres) < 0.02
    assert abs(with_audio - SPEC.with_audio) < 0.03


def test_genre_popularity_is_zipf_like(
    vocabulary: tuple[str, ...], catalog: tuple[FetchedArtist, ...]
) -> None:
    # When artists per genre are counted over the whole vocabulary
    per_genre = Counter(genre for fetched in catalog for genre in fetched.artist.genres)
    counts = sorted((per_genre[genre] for genre in vocabulary), reverse=True)

    # Then the head dwarfs the middle, and a long tail is still there
    assert counts[0] >= 20 * max(1.0, median(counts))
    assert sum(count > 0 for count in counts) >= 0.9 * len(vocabulary)


def test_genres_come_from_the_vocabulary_one_to_six_without_repeats(
    vocabulary: tuple[str, ...], catalog: tuple[FetchedArtist, ...]
) -> None:
    # Then every artist with genres has one to six distinct ones, all known
    known = set(vocabulary)
    tagged = [fetched.artist.genres for fetched in catalog if fetched.artist.genres]
    for genres in tagged:
        assert 1 <= len(genres) <= 6
        assert len(set(genres)) == len(genres)
        assert set(genres) <= known
    # And artists carry several genres, not just one
    assert mean(len(genres) for genres in tagged) > 2


def test_secondary_genres_are_mostly_related_to_the_primary(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # Given the genre pairs the shipped catalog has together
    together = shipped_relations()

    # When each secondary genre is compared with the artist's primary (its first)
    related: list[bool] = []
    for fetched in catalog:
        primary, *others = fetched.artist.genres or ("",)
        related.extend(
            bool(words(primary) & words(other)) or frozenset((primary, other)) in together
            for other in others
        )

    # Then nearly all share a word with it or sit beside it in the shipped catalog
    assert len(related) > 5_000
    assert sum(related) / len(related) > 0.85


def test_credits_name_the_owner_first_then_another_artist_of_the_catalog(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # Given every artist of the catalog
    known = by_id(catalog)

    # Then each track credits its owner first, and at most one other known artist
    tracks = [track for fetched in catalog for track in fetched.top_tracks]
    for fetched in catalog:
        for track in fetched.top_tracks:
            assert track.artist_id == fetched.artist.id
            assert track.credits[0] == fetched.artist.id
            assert len(track.credits) in (1, 2)
            for other in track.credits[1:]:
                assert other in known
                assert other != fetched.artist.id
    # And collaborations come at the spec's rate
    shared = sum(len(track.credits) == 2 for track in tracks) / len(tracks)
    assert abs(shared - SPEC.collaboration_rate) < 0.02


def test_collaborators_mostly_share_the_primary_genre(catalog: tuple[FetchedArtist, ...]) -> None:
    # Given collaborations where both artists have genres
    known = by_id(catalog)
    pairs = [
        (fetched.artist.genres[0], known[other].artist.genres[0])
        for fetched in catalog
        if fetched.artist.genres
        for other in collaborators(fetched)
        if known[other].artist.genres
    ]

    # Then most pairs share the primary genre, where random pairs would in about 1 in 25
    assert len(pairs) > 1_000
    assert sum(mine == theirs for mine, theirs in pairs) / len(pairs) > 0.4


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_tiny_catalog_credits_only_its_own_artists(
    vocabulary: tuple[str, ...], size: int
) -> None:
    # Given a catalog where every track wants a collaborator
    spec = SyntheticCatalogSpec(artists=size, collaboration_rate=1.0)

    # When it is generated
    artists = list(synthetic_artists(spec, vocabulary))

    # Then every credit is one of its artists, and nobody collaborates with themself
    ids = {fetched.artist.id for fetched in artists}
    for fetched in artists:
        for track in fetched.top_tracks:
            assert len(set(track.credits)) == len(track.credits)
            assert set(track.credits) <= ids
            assert len(track.credits) == min(2, size)


def test_audio_features_are_within_spotify_ranges_for_every_top_track(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # Given the artists with audio features
    with_audio = [fetched for fetched in catalog if fetched.audio_features]
    assert with_audio

    # Then each of their top tracks has features, every value in Spotify's range
    for fetched in with_audio:
        assert [f.track_id for f in fetched.audio_features] == [t.id for t in fetched.top_tracks]
        for features in fetched.audio_features:
            for share in (
                features.danceability,
                features.energy,
                features.speechiness,
                features.acousticness,
                features.instrumentalness,
                features.liveness,
                features.valence,
            ):
                assert 0.0 <= share <= 1.0
            assert -60.0 <= features.loudness <= 0.0
            assert 50.0 <= features.tempo <= 220.0
            assert 0 <= features.key <= 11
            assert features.mode in (0, 1)
            assert 3 <= features.time_signature <= 5
            assert features.duration_ms > 0


def test_audio_features_follow_the_genre(catalog: tuple[FetchedArtist, ...]) -> None:
    # When hard rock artists are compared with singer-songwriters
    def energy(primary: str) -> float:
        return mean(
            features.energy
            for fetched in catalog
            if fetched.artist.genres[:1] == (primary,)
            for features in fetched.audio_features
        )

    # Then the rock is louder in energy, by far
    assert energy("hard rock") > energy("singer-songwriter") + 0.2


def test_about_half_of_the_artists_without_genres_keep_another_signal(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # Given the artists without genres
    untagged = [fetched for fetched in catalog if not fetched.artist.genres]

    # When they are split by whether anything else could place them
    signalled = [f for f in untagged if f.audio_features or collaborators(f)]
    silent = [f for f in untagged if not (f.audio_features or collaborators(f))]

    # Then about half have audio features or a collaboration, the rest nothing at all
    assert abs(len(signalled) / len(untagged) - 0.5) < 0.08
    assert all(not fetched.top_tracks for fetched in silent)


def test_top_tracks_are_up_to_ten_ordered_by_popularity_with_stable_ids(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # Then each artist has at most ten top tracks, most popular first, none more popular
    # than the artist, each with its own Spotify-shaped ID
    track_ids = []
    for fetched in catalog:
        tracks = fetched.top_tracks
        assert len(tracks) <= 10
        popularity = [track.popularity or 0 for track in tracks]
        assert popularity == sorted(popularity, reverse=True)
        assert all(p <= (fetched.artist.popularity or 0) for p in popularity)
        for track in tracks:
            assert SPOTIFY_ID.fullmatch(track.id)
            assert track.spotify_url == f"https://open.spotify.com/track/{track.id}"
            track_ids.append(track.id)
    assert len(set(track_ids)) == len(track_ids)
    assert Counter(len(fetched.top_tracks) for fetched in catalog)[10] > 0


def test_popularity_is_skewed_low_and_followers_rise_with_it(
    catalog: tuple[FetchedArtist, ...],
) -> None:
    # When artists are ranked by popularity
    ranked = sorted(catalog, key=lambda fetched: fetched.artist.popularity or 0)
    popularity = [fetched.artist.popularity or 0 for fetched in ranked]
    tenth = len(ranked) // 10

    def followers(group: list[FetchedArtist]) -> float:
        return mean(fetched.artist.followers or 0 for fetched in group)

    # Then most artists are little known, and the best known have far more followers
    assert popularity[0] >= 0
    assert popularity[-1] <= 100
    assert median(popularity) < 35
    assert popularity[-1] > 70
    assert followers(ranked[-tenth:]) > 100 * followers(ranked[:tenth])


def test_images_are_absent_or_https(catalog: tuple[FetchedArtist, ...]) -> None:
    # When images are looked at
    images = [fetched.artist.image_url for fetched in catalog]

    # Then some artists have none, and the others an https URL of their own
    present = [url for url in images if url is not None]
    assert len(present) < len(images)
    assert all(url.startswith("https://") for url in present)
    assert len(set(present)) == len(present)


def test_names_are_mostly_unique(catalog: tuple[FetchedArtist, ...]) -> None:
    # Then few names repeat, as on Spotify
    names = [fetched.artist.name for fetched in catalog]
    assert all(name.strip() == name and name for name in names)
    assert len(set(names)) > 0.9 * len(names)


@pytest.mark.parametrize(
    ("artists", "without_genres", "with_audio", "collaboration_rate"),
    [(-1, 0.12, 0.5, 0.1), (10, -0.1, 0.5, 0.1), (10, 0.12, 1.5, 0.1), (10, 0.12, 0.5, 2.0)],
)
def test_a_spec_refuses_impossible_values(
    artists: int, without_genres: float, with_audio: float, collaboration_rate: float
) -> None:
    # When a spec is made with a negative count or a share outside 0..1
    # Then it is refused
    with pytest.raises(ValueError, match=r"artists must be|is a share"):
        SyntheticCatalogSpec(
            artists=artists,
            without_genres=without_genres,
            with_audio=with_audio,
            collaboration_rate=collaboration_rate,
        )


def test_an_index_outside_the_catalog_is_refused(vocabulary: tuple[str, ...]) -> None:
    # When an artist past the end is asked for
    # Then it is refused rather than made up
    with pytest.raises(IndexError):
        synthetic_artist(SyntheticCatalogSpec(artists=10), vocabulary, 10)


def test_an_empty_vocabulary_is_refused() -> None:
    # When no genres are given
    # Then nothing is generated, as every artist needs a primary genre
    with pytest.raises(ValueError, match="vocabulary"):
        synthetic_artists(SyntheticCatalogSpec(artists=10), ())
