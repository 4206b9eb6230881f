"""SpotipyCatalog through spotipy against the Spotify stand-in: answers, batching, errors."""

from __future__ import annotations

import base64
import logging
import math
import socket
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
import spotipy
from pydantic import SecretStr

from adapters.spotify import (
    AUDIO_FEATURE_TRACKS_PER_ARTIST,
    DEFAULT_RETRY_AFTER_SECONDS,
    RETRY_BASE_DELAY_SECONDS,
    RETRY_SLEEP_BUDGET_SECONDS,
    SpotifyEndpoint,
    SpotipyCatalog,
    make_spotify_client,
)
from domain.errors import (
    SpotifyPremiumLapsedError,
    SpotifyRateLimitedError,
    SpotifyUnavailableError,
)
from domain.ingest import SPOTIFY_BATCH_LIMIT
from domain.models import FetchOutcome
from local.catalog import Catalog
from local.spotify_server import AccessMode, Endpoint, Fault, SpotifyServer
from tests.fakes import RecordingMeasurements
from tests.fixtures.spotify import SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET

DRAKE_ID = "3TVXtAsR1Inumwj472S9r4"
TWO_PAC_ID = "1ZwdS5xdxEREPySFridCfh"
UNKNOWN_ID = "0000000000000000000000"
# Half of the longest backoff: delays of 0.125 s, then 0.25 s.
HALF_JITTER = 0.5


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff the adapter asked for, recorded instead of slept."""
    return []


@pytest.fixture
def catalog(spotify_client: spotipy.Spotify, sleeps: list[float]) -> SpotipyCatalog:
    return SpotipyCatalog(spotify_client, sleep=sleeps.append, jitter=lambda: HALF_JITTER)


def snapshot_artist_ids(spotify_catalog: Catalog, count: int) -> list[str]:
    return [artist.id for artist in spotify_catalog.artists.values() if not artist.generated][
        :count
    ]


def fetched_ids(outcome: FetchOutcome) -> list[str]:
    return [one.artist.id for one in outcome.fetched]


def assert_each_asked_id_settled_once(outcome: FetchOutcome, asked: Iterable[str]) -> None:
    settled = [*fetched_ids(outcome), *outcome.not_found, *outcome.deferred]
    assert sorted(settled) == sorted(set(asked))


# Search


def test_search_finds_drake(catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer) -> None:
    # When
    drake = catalog.search_artist("Drake")

    # Then
    assert drake is not None
    assert drake.id == DRAKE_ID
    assert drake.name == "Drake"
    assert "hip hop" in drake.genres
    assert drake.popularity == 100
    assert drake.followers is not None
    assert drake.followers > 1_000_000
    assert drake.image_url is not None
    assert drake.image_url.startswith("https://i.scdn.co/")
    assert drake.spotify_url == f"https://open.spotify.com/artist/{DRAKE_ID}"
    assert clean_spotify_server.calls == {Endpoint.TOKEN: 1, Endpoint.SEARCH: 1}


def test_search_finds_aespa_by_its_hangul_name(catalog: SpotipyCatalog) -> None:
    # When
    aespa = catalog.search_artist("에스파")

    # Then
    assert aespa is not None
    assert aespa.name == "aespa"
    assert aespa.image_url is None


def test_search_prefers_the_exact_name_among_the_candidates(catalog: SpotipyCatalog) -> None:
    # When
    found = catalog.search_artist("nick drake")

    # Then
    assert found is not None
    assert found.name == "Nick Drake"


@pytest.mark.parametrize("typed", ["Nonexistent Band Xyzzy", "  "])
def test_search_for_an_unknown_or_blank_name_is_none(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, typed: str
) -> None:
    # When
    found = catalog.search_artist(typed)

    # Then
    assert found is None
    assert clean_spotify_server.calls[Endpoint.SEARCH] == (1 if typed.strip() else 0)


def test_the_token_is_reused_across_calls(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    for name in ("Drake", "ABBA", "aespa"):
        catalog.search_artist(name)

    # Then
    assert clean_spotify_server.calls == {Endpoint.TOKEN: 1, Endpoint.SEARCH: 3}


def test_a_rejected_token_is_renewed_once(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given a token the server has since forgotten
    catalog.search_artist("Drake")
    clean_spotify_server.revoke_tokens()

    # When
    found = catalog.search_artist("ABBA")

    # Then
    assert found is not None
    assert found.name == "ABBA"
    assert clean_spotify_server.calls == {Endpoint.TOKEN: 2, Endpoint.SEARCH: 3}


# Track search


class CannedSearchClient:
    """Answers every search with the same tracks, in the order given, as Spotify might."""

    def __init__(self, *items: dict[str, Any] | None) -> None:
        self.items = list(items)

    # The keyword names spotipy's search takes.
    def search(self, q: str, type: str, limit: int) -> dict[str, Any]:
        return {"tracks": {"items": self.items[:limit]}}


def a_track_item(name: str, track_id: str, artist_ids: Sequence[str | None]) -> dict[str, Any]:
    return {
        "id": track_id,
        "name": name,
        "popularity": 50,
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "artists": [{"id": artist_id, "name": f"Artist {artist_id}"} for artist_id in artist_ids],
    }


def test_track_search_finds_california_love_by_2pac(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    found = catalog.search_track("California Love")

    # Then
    assert found is not None
    assert found.name == "California Love - Original Version"
    assert found.artist_id == TWO_PAC_ID
    assert found.popularity == 75
    assert found.spotify_url == f"https://open.spotify.com/track/{found.id}"
    assert clean_spotify_server.calls == {Endpoint.TOKEN: 1, Endpoint.SEARCH: 1}


def test_track_search_takes_spotifys_first_answer_when_no_title_matches_exactly(
    catalog: SpotipyCatalog,
) -> None:
    # When
    found = catalog.search_track("california love 2pac")

    # Then
    assert found is not None
    assert found.name == "California Love - Original Version"


def test_track_search_prefers_an_exact_title_among_the_first_answers() -> None:
    # Given Spotify ranks a more popular near miss first
    client = CannedSearchClient(
        a_track_item("California Love Letter", "near-miss", ["someone"]),
        a_track_item("California Love - Original Version", "cali", ["2pac", "dre"]),
    )

    # When
    found = SpotipyCatalog(client).search_track("california love")

    # Then the exact title wins, credited to its first artist
    assert found is not None
    assert (found.id, found.artist_id) == ("cali", "2pac")


def test_track_search_skips_answers_without_an_id_or_an_artist() -> None:
    # Given local files and unavailable tracks among the answers
    client = CannedSearchClient(
        None,
        a_track_item("California Love", "", ["2pac"]),
        a_track_item("California Love", "orphan", [None]),
        a_track_item("California Love - Live", "live", [None, "2pac"]),
    )

    # When
    found = SpotipyCatalog(client).search_track("California Love")

    # Then
    assert found is not None
    assert (found.id, found.artist_id) == ("live", "2pac")


def test_a_searched_track_credits_each_artist_with_an_id_once_in_spotifys_order() -> None:
    # Given an answer listing a null artist, an artist without an ID and one artist twice
    item = a_track_item("California Love", "cali", ["2pac", "dre", "2pac"])
    item["artists"] = [None, {"name": "Local file"}, *item["artists"]]

    # When
    found = SpotipyCatalog(CannedSearchClient(item)).search_track("California Love")

    # Then
    assert found is not None
    assert found.artist_id == "2pac"
    assert found.credits == ("2pac", "dre")


@pytest.mark.parametrize("typed", ["Nonexistent Song Xyzzy", "  "])
def test_track_search_for_an_unknown_or_blank_title_is_none(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, typed: str
) -> None:
    # When
    found = catalog.search_track(typed)

    # Then
    assert found is None
    assert clean_spotify_server.calls[Endpoint.SEARCH] == (1 if typed.strip() else 0)


def test_track_search_in_development_mode_has_no_popularity(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.mode = AccessMode.DEVELOPMENT

    # When
    found = catalog.search_track("California Love")

    # Then
    assert found is not None
    assert found.artist_id == TWO_PAC_ID
    assert found.popularity is None


def test_a_429_on_track_search_becomes_rate_limited_with_retry_after(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(status=429, retry_after_seconds=600))

    # When
    with pytest.raises(SpotifyRateLimitedError) as raised:
        catalog.search_track("California Love")

    # Then
    assert raised.value.retry_after_seconds == 600


def test_every_call_and_every_429_is_measured(
    spotify_client: spotipy.Spotify, clean_spotify_server: SpotifyServer
) -> None:
    # Given an adapter measured, and Spotify rate-limiting the second search
    measurements = RecordingMeasurements()
    measured = SpotipyCatalog(spotify_client, measurements=measurements)
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(status=429, retry_after_seconds=5))

    # When it searches twice
    with pytest.raises(SpotifyRateLimitedError):
        measured.search_track("California Love")
    measured.search_track("California Love")

    # Then both calls are counted, and the one 429
    assert measurements.spotify_calls == clean_spotify_server.calls[Endpoint.SEARCH] == 2
    assert measurements.spotify_rate_limits == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_track_search_become_unavailable(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, status: int
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(status=status))

    # When
    with pytest.raises(SpotifyUnavailableError) as raised:
        catalog.search_track("California Love")

    # Then
    assert str(status) in str(raised.value)
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 1


# Fetching


def test_fetching_60_artists_batches_artists_and_audio_features(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, spotify_catalog: Catalog
) -> None:
    # Given
    ids = snapshot_artist_ids(spotify_catalog, 60)
    track_count = sum(len(spotify_catalog.top_tracks(artist_id)) for artist_id in ids)

    # When
    outcome = catalog.fetch_artists(ids)

    # Then every top track is kept, and audio features come for each artist's first tracks
    assert fetched_ids(outcome) == ids
    assert (outcome.not_found, outcome.deferred, outcome.retry_after_seconds) == ((), (), None)
    assert clean_spotify_server.calls == {
        Endpoint.TOKEN: 1,
        Endpoint.ARTISTS: 2,
        Endpoint.TOP_TRACKS: 60,
        Endpoint.AUDIO_FEATURES: math.ceil(60 * AUDIO_FEATURE_TRACKS_PER_ARTIST / 100),
    }
    assert sum(len(one.top_tracks) for one in outcome.fetched) == track_count
    assert all(
        [f.track_id for f in one.audio_features]
        == [t.id for t in one.top_tracks[:AUDIO_FEATURE_TRACKS_PER_ARTIST]]
        for one in outcome.fetched
    )


def test_a_fetched_artist_keeps_spotifys_answers_verbatim(
    catalog: SpotipyCatalog, spotify_catalog: Catalog
) -> None:
    # When
    (two_pac,) = catalog.fetch_artists([TWO_PAC_ID]).fetched

    # Then
    assert two_pac.artist.name == "2Pac"
    assert two_pac.artist.popularity is not None
    assert len(two_pac.top_tracks) == 10
    assert {track.artist_id for track in two_pac.top_tracks} == {TWO_PAC_ID}
    assert "California Love - Original Version" in [track.name for track in two_pac.top_tracks]
    first_tracks = [t.id for t in two_pac.top_tracks[:AUDIO_FEATURE_TRACKS_PER_ARTIST]]
    assert [f.track_id for f in two_pac.audio_features] == first_tracks
    expected = spotify_catalog.audio_features(two_pac.top_tracks[0].id)
    assert expected is not None
    assert two_pac.audio_features[0].danceability == expected.danceability
    assert two_pac.raw["artist"]["id"] == TWO_PAC_ID
    assert len(two_pac.raw["top_tracks"]["tracks"]) == 10
    assert [one["id"] for one in two_pac.raw["audio_features"]] == first_tracks


def test_fetched_top_tracks_credit_every_artist_spotify_lists(
    catalog: SpotipyCatalog, spotify_catalog: Catalog
) -> None:
    # Given an artist whose top tracks hold a collaboration
    collaboration = next(
        track
        for tracks in spotify_catalog.tracks_by_artist.values()
        for track in tracks
        if track.featured_artist_ids
    )
    owner_id = collaboration.artist_id

    # When
    (fetched,) = catalog.fetch_artists([owner_id]).fetched

    # Then the collaboration credits both artists, owner first, and the other tracks the owner
    credits = {track.id: track.credits for track in fetched.top_tracks}
    assert credits[collaboration.id] == (owner_id, *collaboration.featured_artist_ids)
    assert {track.id: track.artist_id for track in fetched.top_tracks}[collaboration.id] == owner_id
    assert all(
        credits[track.id] == (owner_id,)
        for track in spotify_catalog.top_tracks(owner_id)
        if not track.featured_artist_ids
    )


def test_snapshot_top_tracks_credit_their_one_artist(catalog: SpotipyCatalog) -> None:
    # When
    (two_pac,) = catalog.fetch_artists([TWO_PAC_ID]).fetched

    # Then
    assert {track.credits for track in two_pac.top_tracks} == {(TWO_PAC_ID,)}


@pytest.mark.parametrize("batch_size", [SPOTIFY_BATCH_LIMIT, 500])
def test_ingesting_500_artists_costs_at_most_1_05_calls_each(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    spotify_catalog: Catalog,
    batch_size: int,
) -> None:
    # Given 500 artists, fetched in the workflow's batches or all at once
    ids = list(spotify_catalog.artists)[:500]

    # When
    fetched = [
        artist_id
        for start in range(0, len(ids), batch_size)
        for artist_id in fetched_ids(catalog.fetch_artists(ids[start : start + batch_size]))
    ]

    # Then every artist is in, with one token for them all
    assert fetched == ids
    calls = clean_spotify_server.calls
    assert calls[Endpoint.TOKEN] == 1
    assert calls[Endpoint.TOP_TRACKS] == 500
    assert sum(calls.values()) / len(ids) <= 1.05


def test_unknown_and_malformed_ids_are_not_found(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    outcome = catalog.fetch_artists([UNKNOWN_ID, DRAKE_ID, "not-a-spotify-id"])

    # Then
    assert fetched_ids(outcome) == [DRAKE_ID]
    assert outcome.not_found == (UNKNOWN_ID, "not-a-spotify-id")
    assert outcome.deferred == ()
    assert clean_spotify_server.calls[Endpoint.ARTISTS] == 1
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 1


def test_only_malformed_ids_need_no_call(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    outcome = catalog.fetch_artists(["bad id"])

    # Then
    assert outcome.fetched == ()
    assert outcome.not_found == ("bad id",)
    assert clean_spotify_server.calls == {}


def test_repeated_ids_are_fetched_once(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    fetched = list(catalog.fetch_artists([DRAKE_ID, DRAKE_ID]).fetched)

    # Then
    assert len(fetched) == 1
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 1


# What the app may call


def test_development_mode_ingests_genres_by_single_lookups_and_asks_closed_endpoints_once(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, spotify_catalog: Catalog
) -> None:
    # Given an app under the 2026 Development Mode rules
    clean_spotify_server.mode = AccessMode.DEVELOPMENT
    first_ids = [*snapshot_artist_ids(spotify_catalog, 20), UNKNOWN_ID]
    second_ids = snapshot_artist_ids(spotify_catalog, 40)[20:]

    # When two batches are fetched
    first = catalog.fetch_artists(first_ids)
    second = catalog.fetch_artists(second_ids)

    # Then every artist is in through single lookups, with genres but no tracks or counts
    assert fetched_ids(first) == first_ids[:20]
    assert first.not_found == (UNKNOWN_ID,)
    assert fetched_ids(second) == second_ids
    assert (first.deferred, second.deferred) == ((), ())
    artists = [one.artist for one in (*first.fetched, *second.fetched)]
    assert [artist.genres for artist in artists] == [
        spotify_catalog.artists[artist.id].genres for artist in artists
    ]
    assert any(artist.genres for artist in artists)
    assert all(artist.popularity is None and artist.followers is None for artist in artists)
    assert all(not one.top_tracks and not one.audio_features for one in first.fetched)
    assert first.fetched[0].raw["top_tracks"] is None
    # And the closed endpoints were tried once, in the first batch only
    assert clean_spotify_server.calls == {
        Endpoint.TOKEN: 1,
        Endpoint.ARTISTS: 1,
        Endpoint.TOP_TRACKS: 1,
        Endpoint.ARTIST: 41,
    }
    assert catalog.closed_endpoints == {SpotifyEndpoint.ARTISTS, SpotifyEndpoint.TOP_TRACKS}


def test_a_new_adapter_asks_again_what_an_earlier_one_was_refused(
    spotify_client: spotipy.Spotify, clean_spotify_server: SpotifyServer
) -> None:
    # Given an adapter that learnt it may not call batch artists or top tracks
    clean_spotify_server.mode = AccessMode.DEVELOPMENT
    SpotipyCatalog(spotify_client).fetch_artists([DRAKE_ID])
    clean_spotify_server.mode = AccessMode.EXTENDED_QUOTA
    clean_spotify_server.reset_calls()

    # When the next cold start fetches with the app's access extended
    (drake,) = SpotipyCatalog(spotify_client).fetch_artists([DRAKE_ID]).fetched

    # Then it uses the batch and top tracks again
    assert drake.top_tracks
    assert drake.artist.popularity is not None
    assert clean_spotify_server.calls[Endpoint.ARTISTS] == 1
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 1


def test_an_app_refused_audio_features_still_gets_artists_and_top_tracks(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, spotify_catalog: Catalog
) -> None:
    # Given an app created after 2024-11-27, and enough tracks for several feature batches
    clean_spotify_server.mode = AccessMode.NEW_APP_2024
    ids = snapshot_artist_ids(spotify_catalog, 120)

    # When two batches are fetched
    outcomes = [catalog.fetch_artists(ids[:60]), catalog.fetch_artists(ids[60:])]

    # Then every artist is in with its top tracks and popularity, without features
    fetched = [one for outcome in outcomes for one in outcome.fetched]
    assert [one.artist.id for one in fetched] == ids
    assert all(one.top_tracks and not one.audio_features for one in fetched)
    assert all(one.artist.popularity is not None for one in fetched)
    # And audio features were asked once only
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURES] == 1
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 120
    assert catalog.closed_endpoints == {SpotifyEndpoint.AUDIO_FEATURES}


@pytest.mark.parametrize("status", [403, 404])
def test_a_refusal_of_audio_features_is_remembered(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    spotify_catalog: Catalog,
    status: int,
) -> None:
    # Given Spotify refuses audio features once
    clean_spotify_server.inject_fault(Endpoint.AUDIO_FEATURES, Fault(status=status))
    ids = snapshot_artist_ids(spotify_catalog, 30)

    # When a batch is fetched, then another that Spotify would now answer in full
    first = catalog.fetch_artists(ids)
    second = catalog.fetch_artists([TWO_PAC_ID])

    # Then neither has features, and audio features were not asked again
    assert len(first.fetched) == 30
    assert all(one.top_tracks and not one.audio_features for one in first.fetched)
    (two_pac,) = second.fetched
    assert two_pac.top_tracks
    assert not two_pac.audio_features
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURES] == 1


def test_a_refused_single_lookup_refuses_the_whole_app(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given an app without batch artists, then refused single artists as well
    clean_spotify_server.mode = AccessMode.DEVELOPMENT
    clean_spotify_server.inject_fault(Endpoint.ARTIST, Fault(status=403))

    # When
    with pytest.raises(SpotifyPremiumLapsedError) as raised:
        catalog.fetch_artists([DRAKE_ID])

    # Then
    assert str(raised.value) == (
        "Spotify refused GET /artists/{id} (HTTP 403): the whole app is refused, "
        "as when the owner's Premium lapses"
    )


# Rate limits: never sleep, hand the rest back


def test_a_429_among_audio_features_hands_back_the_unfinished_artists(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    spotify_catalog: Catalog,
    sleeps: list[float],
) -> None:
    # Given 150 artists, whose second batch of audio features is rate limited for two hours
    ids = snapshot_artist_ids(spotify_catalog, 150)
    clean_spotify_server.inject_fault(Endpoint.AUDIO_FEATURES, Fault())
    clean_spotify_server.inject_fault(
        Endpoint.AUDIO_FEATURES, Fault(status=429, retry_after_seconds=7200)
    )

    # When
    outcome = catalog.fetch_artists(ids)

    # Then the artists whose features came are fetched, the rest deferred, none lost
    assert fetched_ids(outcome) == ids[:50]
    assert outcome.deferred == tuple(ids[50:])
    assert outcome.not_found == ()
    assert outcome.retry_after_seconds == 7200
    assert all(
        len(one.audio_features) == AUDIO_FEATURE_TRACKS_PER_ARTIST for one in outcome.fetched
    )
    assert_each_asked_id_settled_once(outcome, ids)
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURES] == 2
    assert sleeps == []

    # When the deferred IDs are fetched later
    clean_spotify_server.reset_calls()
    later = catalog.fetch_artists(outcome.deferred)

    # Then they complete, and nothing fetched before is asked again
    assert fetched_ids(later) == ids[50:]
    assert (later.deferred, later.retry_after_seconds) == ((), None)
    assert clean_spotify_server.calls == {
        Endpoint.ARTISTS: 2,
        Endpoint.TOP_TRACKS: 100,
        Endpoint.AUDIO_FEATURES: 2,
    }


@pytest.mark.parametrize(
    ("limited", "not_found"),
    [
        # Before the artists answer, the unknown ID is not known to be unknown yet.
        (Endpoint.ARTISTS, ("not-a-spotify-id",)),
        (Endpoint.TOP_TRACKS, (UNKNOWN_ID, "not-a-spotify-id")),
        (Endpoint.AUDIO_FEATURES, (UNKNOWN_ID, "not-a-spotify-id")),
    ],
)
def test_a_429_stops_the_fetch_at_once_and_loses_nothing(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    limited: Endpoint,
    not_found: tuple[str, ...],
) -> None:
    # Given
    asked = [DRAKE_ID, UNKNOWN_ID, TWO_PAC_ID, "not-a-spotify-id"]
    clean_spotify_server.inject_fault(limited, Fault(status=429, retry_after_seconds=90))

    # When
    outcome = catalog.fetch_artists(asked)

    # Then
    assert outcome.fetched == ()
    assert outcome.not_found == not_found
    assert set(outcome.deferred) == set(asked) - set(not_found)
    assert outcome.retry_after_seconds == 90
    assert_each_asked_id_settled_once(outcome, asked)
    assert clean_spotify_server.calls[limited] == 1
    assert (
        sum(clean_spotify_server.calls.values())
        == 1
        + {
            Endpoint.ARTISTS: 1,
            Endpoint.TOP_TRACKS: 2,
            Endpoint.AUDIO_FEATURES: 4,
        }[limited]
    )


def test_a_429_without_retry_after_defers_for_the_default(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.TOP_TRACKS, Fault(status=429))

    # When
    outcome = catalog.fetch_artists([DRAKE_ID])

    # Then
    assert outcome.deferred == (DRAKE_ID,)
    assert outcome.retry_after_seconds == DEFAULT_RETRY_AFTER_SECONDS


def test_a_429_on_the_token_defers_the_whole_batch(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.TOKEN, Fault(status=429, retry_after_seconds=60))

    # When
    outcome = catalog.fetch_artists([DRAKE_ID, TWO_PAC_ID])

    # Then
    assert outcome.fetched == ()
    assert outcome.deferred == (DRAKE_ID, TWO_PAC_ID)
    assert outcome.retry_after_seconds == 60
    assert clean_spotify_server.calls == {Endpoint.TOKEN: 1}


def test_a_429_on_search_becomes_rate_limited_with_retry_after(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(status=429, retry_after_seconds=7200))

    # When
    with pytest.raises(SpotifyRateLimitedError) as raised:
        catalog.search_artist("Drake")

    # Then
    assert raised.value.retry_after_seconds == 7200
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 1


def test_every_429_is_logged_with_its_wait(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given Spotify rate-limits the audio features
    clean_spotify_server.inject_fault(
        Endpoint.AUDIO_FEATURES, Fault(status=429, retry_after_seconds=90)
    )
    # When a batch is fetched
    with caplog.at_level(logging.WARNING, logger="adapters.spotify"):
        catalog.fetch_artists([DRAKE_ID])
    # Then one warning carries the wait as a field of its own
    [record] = [r for r in caplog.records if hasattr(r, "retry_after_seconds")]
    assert record.levelno == logging.WARNING
    assert getattr(record, "retry_after_seconds", None) == 90


# Server errors and timeouts: a few quick retries, then unavailable


def test_a_burst_of_server_errors_shorter_than_the_retries_is_ridden_out(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, sleeps: list[float]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.ARTISTS, Fault(status=503), times=2)

    # When
    outcome = catalog.fetch_artists([DRAKE_ID])

    # Then
    assert fetched_ids(outcome) == [DRAKE_ID]
    assert clean_spotify_server.calls[Endpoint.ARTISTS] == 3
    assert sleeps == [0.125, 0.25]


@pytest.mark.parametrize(
    ("endpoint", "named"),
    [
        (Endpoint.ARTISTS, "GET /artists"),
        (Endpoint.TOP_TRACKS, "GET /artists/{id}/top-tracks"),
        (Endpoint.AUDIO_FEATURES, "GET /audio-features"),
    ],
)
def test_server_errors_past_the_retries_become_unavailable_naming_the_endpoint(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    sleeps: list[float],
    endpoint: Endpoint,
    named: str,
) -> None:
    # Given
    clean_spotify_server.inject_fault(endpoint, Fault(status=502), times=3)

    # When
    with pytest.raises(SpotifyUnavailableError) as raised:
        catalog.fetch_artists([DRAKE_ID])

    # Then
    assert str(raised.value) == f"Spotify failed {named} (HTTP 502) after 3 attempts"
    assert SPOTIFY_TEST_CLIENT_SECRET.get_secret_value() not in str(raised.value)
    assert clean_spotify_server.calls[endpoint] == 3
    assert sleeps == [0.125, 0.25]


def test_a_server_error_from_the_token_endpoint_is_retried(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, sleeps: list[float]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.TOKEN, Fault(status=500))

    # When
    outcome = catalog.fetch_artists([DRAKE_ID])

    # Then
    assert fetched_ids(outcome) == [DRAKE_ID]
    assert clean_spotify_server.calls[Endpoint.TOKEN] == 2
    assert sleeps == [0.125]


def test_the_backoff_of_one_fetch_stays_within_its_budget(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    spotify_catalog: Catalog,
    sleeps: list[float],
) -> None:
    # Given top tracks that fail every other call, each failure cured by one retry
    for _ in range(40):
        clean_spotify_server.inject_fault(Endpoint.TOP_TRACKS, Fault(status=500))
        clean_spotify_server.inject_fault(Endpoint.TOP_TRACKS, Fault())

    # When
    with pytest.raises(SpotifyUnavailableError, match=r"HTTP 500\)$"):
        catalog.fetch_artists(snapshot_artist_ids(spotify_catalog, 40))

    # Then the fetch gave up once its retries, each counted at its longest, spent the budget
    assert len(sleeps) == RETRY_SLEEP_BUDGET_SECONDS / RETRY_BASE_DELAY_SECONDS
    assert sum(sleeps) <= RETRY_SLEEP_BUDGET_SECONDS
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURES] == 0


@pytest.fixture
def impatient_catalog(clean_spotify_server: SpotifyServer, sleeps: list[float]) -> SpotipyCatalog:
    """An adapter whose client waits 0.2 s for an answer."""
    client = make_spotify_client(
        clean_spotify_server.api_url,
        clean_spotify_server.token_url,
        SPOTIFY_TEST_CLIENT_ID,
        SPOTIFY_TEST_CLIENT_SECRET,
        timeout_seconds=0.2,
    )
    return SpotipyCatalog(client, sleep=sleeps.append, jitter=lambda: HALF_JITTER)


def test_a_timeout_is_retried_like_a_server_error(
    impatient_catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, sleeps: list[float]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.TOP_TRACKS, Fault(delay_seconds=0.5))

    # When
    outcome = impatient_catalog.fetch_artists([DRAKE_ID])

    # Then
    assert fetched_ids(outcome) == [DRAKE_ID]
    assert outcome.fetched[0].top_tracks
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 2
    assert sleeps == [0.125]


def test_timeouts_past_the_retries_become_unavailable(
    impatient_catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, sleeps: list[float]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.ARTISTS, Fault(delay_seconds=0.5), times=3)

    # When
    with pytest.raises(SpotifyUnavailableError) as raised:
        impatient_catalog.fetch_artists([DRAKE_ID])

    # Then
    assert str(raised.value) == "Spotify did not answer GET /artists (ReadTimeout) after 3 attempts"
    assert clean_spotify_server.calls[Endpoint.ARTISTS] == 3
    assert sleeps == [0.125, 0.25]


# Searches answer a waiting person: one attempt only


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_search_become_unavailable_at_once(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer, status: int
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(status=status))

    # When
    with pytest.raises(SpotifyUnavailableError) as raised:
        catalog.search_artist("Drake")

    # Then
    assert str(status) in str(raised.value)
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 1


def test_a_slow_answer_becomes_unavailable(clean_spotify_server: SpotifyServer) -> None:
    # Given a client that waits less than the server takes
    impatient = SpotipyCatalog(
        make_spotify_client(
            clean_spotify_server.api_url,
            clean_spotify_server.token_url,
            SPOTIFY_TEST_CLIENT_ID,
            SPOTIFY_TEST_CLIENT_SECRET,
            timeout_seconds=0.2,
        )
    )
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(delay_seconds=0.6))

    # When / Then
    with pytest.raises(SpotifyUnavailableError, match="ReadTimeout"):
        impatient.search_artist("Drake")


def test_a_refused_connection_becomes_unavailable() -> None:
    # Given a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = SpotipyCatalog(
        make_spotify_client(
            f"http://127.0.0.1:{port}/v1/",
            f"http://127.0.0.1:{port}/api/token",
            SPOTIFY_TEST_CLIENT_ID,
            SPOTIFY_TEST_CLIENT_SECRET,
        )
    )

    # When / Then
    with pytest.raises(SpotifyUnavailableError, match="ConnectionError"):
        unreachable.search_artist("Drake")


def test_wrong_credentials_become_unavailable_without_the_secret(
    clean_spotify_server: SpotifyServer,
) -> None:
    # Given
    wrong_secret = "wrong-but-still-secret"
    misconfigured = SpotipyCatalog(
        make_spotify_client(
            clean_spotify_server.api_url,
            clean_spotify_server.token_url,
            SPOTIFY_TEST_CLIENT_ID,
            SecretStr(wrong_secret),
        )
    )

    # When
    with pytest.raises(SpotifyUnavailableError) as raised:
        misconfigured.search_artist("Drake")

    # Then
    assert "invalid_client" in str(raised.value)
    assert wrong_secret not in str(raised.value)
    assert clean_spotify_server.calls == {Endpoint.TOKEN: 1}


def test_spotipy_debug_logs_carry_no_credentials(
    spotify_client: spotipy.Spotify, caplog: pytest.LogCaptureFixture
) -> None:
    # Given
    caplog.set_level(logging.DEBUG, logger="spotipy")

    # When
    SpotipyCatalog(spotify_client).search_artist("Drake")

    # Then
    assert "Bearer <redacted>" in caplog.text
    assert "Basic <redacted>" in caplog.text
    token = spotify_client.auth_manager.get_access_token(as_dict=False)
    basic = base64.b64encode(
        f"{SPOTIFY_TEST_CLIENT_ID}:{SPOTIFY_TEST_CLIENT_SECRET.get_secret_value()}".encode()
    ).decode()
    assert token not in caplog.text
    assert basic not in caplog.text
