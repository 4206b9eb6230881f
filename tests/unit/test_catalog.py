"""The local catalog: Spotify-like artist search, local IDs, generated tracks and features."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from statistics import mean

import pytest

from local.catalog import (
    CATALOG_DIR_VARIABLE,
    Catalog,
    CatalogArtist,
    CatalogError,
    default_catalog_dir,
    load_catalog,
)

DRAKE_ID = "3TVXtAsR1Inumwj472S9r4"
TWO_PAC_ID = "1ZwdS5xdxEREPySFridCfh"
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")


def names(artists: tuple[CatalogArtist, ...]) -> list[str]:
    return [artist.name for artist in artists]


def test_exact_name_comes_first(spotify_catalog: Catalog) -> None:
    # When
    page = spotify_catalog.search("Drake")

    # Then
    assert page.items[0].id == DRAKE_ID
    assert "Nick Drake" in names(page.items[1:])


def test_exact_name_beats_a_more_popular_prefix_match(spotify_catalog: Catalog) -> None:
    # Given Dean Martin is more popular than DEAN
    dean_martin = spotify_catalog.search("Dean Martin").items[0]
    dean = spotify_catalog.search("DEAN").items[0]
    assert dean_martin.popularity > dean.popularity

    # When
    page = spotify_catalog.search("dean")

    # Then
    assert names(page.items[:2]) == ["DEAN", "Dean Martin"]


def test_prefix_matches_rank_by_popularity_before_word_matches(spotify_catalog: Catalog) -> None:
    # When
    page = spotify_catalog.search("red")

    # Then Otis Redding only contains the word, so he follows every name starting with it
    found = names(page.items)
    assert set(found[:3]) == {"Red Hot Chili Peppers", "Redman", "Red Velvet"}
    assert found.index("Otis Redding") == 3
    popularity = [artist.popularity for artist in page.items[:3]]
    assert popularity == sorted(popularity, reverse=True)


@pytest.mark.parametrize("typed", ["Björk", "BJORK", "bjork", " björk  "])
def test_search_ignores_case_accents_and_spacing(spotify_catalog: Catalog, typed: str) -> None:
    # When
    page = spotify_catalog.search(typed)

    # Then
    assert names(page.items[:1]) == ["Björk"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("에스파", "aespa"),
        ("스키즈", "Stray Kids"),
        ("방탄소년단", "BTS"),
        ("black pink", "BLACKPINK"),
        ("SNSD", "Girls' Generation"),
    ],
)
def test_search_matches_aliases_and_spacing_variants(
    spotify_catalog: Catalog, typed: str, expected: str
) -> None:
    # When
    page = spotify_catalog.search(typed)

    # Then
    assert names(page.items[:1]) == [expected]


@pytest.mark.parametrize("typed", ["Nonexistent Band Xyzzy", "", "   "])
def test_unknown_or_blank_names_find_nothing(spotify_catalog: Catalog, typed: str) -> None:
    # When
    page = spotify_catalog.search(typed)

    # Then
    assert page.items == ()
    assert page.total == 0


def test_search_pages_through_one_ranking(spotify_catalog: Catalog) -> None:
    # Given
    everything = spotify_catalog.search("a", limit=50)

    # When
    first = spotify_catalog.search("a", limit=5, offset=0)
    second = spotify_catalog.search("a", limit=5, offset=5)

    # Then
    assert first.total == second.total == everything.total > 10
    assert first.items + second.items == everything.items[:10]


def test_korean_artists_get_spotify_shaped_local_ids(spotify_catalog: Catalog) -> None:
    # When
    aespa = spotify_catalog.search("aespa").items[0]

    # Then
    assert SPOTIFY_ID.fullmatch(aespa.id)
    assert aespa.generated
    assert aespa.aliases == ("에스파",)
    assert aespa.genres == ("k-pop", "k-pop girl group")
    assert 0 <= aespa.popularity <= 100
    assert aespa.followers > 0
    assert aespa.spotify_url.endswith(aespa.id)


def test_generated_data_is_identical_on_every_load(
    spotify_catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a second copy of the catalog, which is loaded afresh rather than from the cache
    copy = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), copy)
    monkeypatch.setenv(CATALOG_DIR_VARIABLE, str(copy))

    # When
    reloaded = load_catalog()

    # Then
    assert reloaded is not spotify_catalog
    assert reloaded.artists == spotify_catalog.artists
    assert reloaded.tracks_by_artist == spotify_catalog.tracks_by_artist
    assert reloaded.features_by_track == spotify_catalog.features_by_track
    assert _collaborations(spotify_catalog)
    assert _collaborations(reloaded) == _collaborations(spotify_catalog)


def test_a_missing_directory_names_the_variable_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setenv(CATALOG_DIR_VARIABLE, str(tmp_path / "nowhere"))

    # When / Then
    with pytest.raises(CatalogError, match=CATALOG_DIR_VARIABLE):
        load_catalog()


def test_snapshot_tracks_are_deduplicated_and_not_marked_generated(
    spotify_catalog: Catalog,
) -> None:
    # When
    tracks = spotify_catalog.top_tracks(TWO_PAC_ID)

    # Then
    assert len(tracks) == 10
    assert len({track.id for track in tracks}) == 10
    assert "California Love - Original Version" in [track.name for track in tracks]
    assert not any(track.generated for track in tracks)
    features = [spotify_catalog.audio_features(track.id) for track in tracks]
    assert all(one is not None and not one.generated for one in features)


def test_every_artist_has_top_tracks_with_audio_features(spotify_catalog: Catalog) -> None:
    # When
    track_lists = {
        artist_id: spotify_catalog.top_tracks(artist_id) for artist_id in spotify_catalog.artists
    }

    # Then
    assert len(spotify_catalog.artists) == 491 + 49
    for artist_id, tracks in track_lists.items():
        assert 5 <= len(tracks) <= 10, artist_id
        assert all(track.artist_id == artist_id for track in tracks)
        assert all(spotify_catalog.audio_features(track.id) is not None for track in tracks)
    generated = [track for tracks in track_lists.values() for track in tracks if track.generated]
    assert len(generated) > 3000
    assert all(SPOTIFY_ID.fullmatch(track.id) for track in generated)


def _generated_feature_mean(catalog: Catalog, genre: str, excluded: str, field: str) -> float:
    values = [
        getattr(features, field)
        for artist in catalog.artists.values()
        if any(genre in tag for tag in artist.genres)
        and not any(excluded in tag for tag in artist.genres)
        for track in catalog.top_tracks(artist.id)
        if (features := catalog.audio_features(track.id)) is not None and features.generated
    ]
    assert len(values) > 20
    return float(mean(values))


def test_generated_features_follow_the_genres(spotify_catalog: Catalog) -> None:
    # When
    rap_speech = _generated_feature_mean(spotify_catalog, "hip hop", "metal", "speechiness")
    metal_speech = _generated_feature_mean(spotify_catalog, "metal", "hip hop", "speechiness")
    metal_energy = _generated_feature_mean(spotify_catalog, "metal", "folk", "energy")
    folk_energy = _generated_feature_mean(spotify_catalog, "folk", "metal", "energy")
    folk_acoustic = _generated_feature_mean(spotify_catalog, "folk", "metal", "acousticness")
    metal_acoustic = _generated_feature_mean(spotify_catalog, "metal", "folk", "acousticness")

    # Then
    assert rap_speech > 0.15 > metal_speech
    assert metal_energy > 0.8 > folk_energy
    assert folk_acoustic > 3 * metal_acoustic


def _collaborations(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    return {
        track.id: track.featured_artist_ids
        for tracks in catalog.tracks_by_artist.values()
        for track in tracks
        if track.featured_artist_ids
    }


def test_some_generated_tracks_credit_another_artist_who_shares_a_genre(
    spotify_catalog: Catalog,
) -> None:
    # When
    tracks = [track for tracks in spotify_catalog.tracks_by_artist.values() for track in tracks]

    # Then about 15% of generated tracks are collaborations, and no snapshot track is
    generated = [track for track in tracks if track.generated]
    collaborations = [track for track in generated if track.featured_artist_ids]
    assert 0.10 < len(collaborations) / len(generated) < 0.20
    assert not any(track.featured_artist_ids for track in tracks if not track.generated)
    for track in collaborations:
        (featured_id,) = track.featured_artist_ids
        owner, featured = (
            spotify_catalog.artists[track.artist_id],
            spotify_catalog.artist(featured_id),
        )
        assert featured is not None, track.id
        assert featured.id != owner.id
        assert set(featured.genres) & set(owner.genres), track.id
