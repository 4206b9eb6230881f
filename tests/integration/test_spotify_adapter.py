"""SpotipyCatalog through spotipy against the Spotify stand-in: answers, batching, errors."""

from __future__ import annotations

import base64
import logging
import math
import socket
from collections.abc import Sequence
from typing import Any

import pytest
import spotipy
from pydantic import SecretStr

from adapters.spotify import SpotipyCatalog, make_spotify_client
from domain.errors import SpotifyRateLimitedError, SpotifyUnavailableError
from local.catalog import Catalog
from local.spotify_server import AccessMode, Endpoint, Fault, SpotifyServer
from tests.fixtures.spotify import SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET

DRAKE_ID = "3TVXtAsR1Inumwj472S9r4"
TWO_PAC_ID = "1ZwdS5xdxEREPySFridCfh"
UNKNOWN_ID = "0000000000000000000000"


@pytest.fixture
def catalog(spotify_client: spotipy.Spotify) -> SpotipyCatalog:
    return SpotipyCatalog(spotify_client)


def snapshot_artist_ids(spotify_catalog: Catalog, count: int) -> list[str]:
    return [artist.id for artist in spotify_catalog.artists.values() if not artist.generated][
        :count
    ]


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
    fetched, not_found = list(outcome.fetched), list(outcome.not_found)

    # Then
    assert [one.artist.id for one in fetched] == ids
    assert not_found == []
    assert clean_spotify_server.calls == {
        Endpoint.TOKEN: 1,
        Endpoint.ARTISTS: 2,
        Endpoint.TOP_TRACKS: 60,
        Endpoint.AUDIO_FEATURES: math.ceil(track_count / 100),
    }
    assert sum(len(one.top_tracks) for one in fetched) == track_count
    assert all(len(one.audio_features) == len(one.top_tracks) for one in fetched)


def test_a_fetched_artist_keeps_spotifys_answers_verbatim(
    catalog: SpotipyCatalog, spotify_catalog: Catalog
) -> None:
    # When
    (two_pac,) = catalog.fetch_artists([TWO_PAC_ID]).fetched

    # Then
    assert two_pac.artist.name == "2Pac"
    assert len(two_pac.top_tracks) == 10
    assert {track.artist_id for track in two_pac.top_tracks} == {TWO_PAC_ID}
    assert "California Love - Original Version" in [track.name for track in two_pac.top_tracks]
    assert [f.track_id for f in two_pac.audio_features] == [t.id for t in two_pac.top_tracks]
    expected = spotify_catalog.audio_features(two_pac.top_tracks[0].id)
    assert expected is not None
    assert two_pac.audio_features[0].danceability == expected.danceability
    assert two_pac.raw["artist"]["id"] == TWO_PAC_ID
    assert len(two_pac.raw["top_tracks"]["tracks"]) == 10
    assert [one["id"] for one in two_pac.raw["audio_features"]] == [
        track.id for track in two_pac.top_tracks
    ]


def test_unknown_and_malformed_ids_are_not_found(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    outcome = catalog.fetch_artists([UNKNOWN_ID, DRAKE_ID, "not-a-spotify-id"])
    fetched, not_found = list(outcome.fetched), list(outcome.not_found)

    # Then
    assert [one.artist.id for one in fetched] == [DRAKE_ID]
    assert not_found == [UNKNOWN_ID, "not-a-spotify-id"]
    assert clean_spotify_server.calls[Endpoint.ARTISTS] == 1
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 1


def test_only_malformed_ids_need_no_call(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    outcome = catalog.fetch_artists(["bad id"])
    fetched, not_found = list(outcome.fetched), list(outcome.not_found)

    # Then
    assert fetched == []
    assert not_found == ["bad id"]
    assert clean_spotify_server.calls == {}


def test_repeated_ids_are_fetched_once(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # When
    fetched = list(catalog.fetch_artists([DRAKE_ID, DRAKE_ID]).fetched)

    # Then
    assert len(fetched) == 1
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 1


@pytest.mark.parametrize("status", [403, 404])
def test_closed_audio_features_leave_artists_without_features(
    catalog: SpotipyCatalog,
    clean_spotify_server: SpotifyServer,
    spotify_catalog: Catalog,
    status: int,
) -> None:
    # Given enough tracks for several audio-features batches, and an app refused them
    ids = snapshot_artist_ids(spotify_catalog, 30)
    clean_spotify_server.inject_fault(Endpoint.AUDIO_FEATURES, Fault(status=status), times=5)

    # When
    outcome = catalog.fetch_artists(ids)
    fetched, not_found = list(outcome.fetched), list(outcome.not_found)

    # Then
    assert len(fetched) == 30
    assert not_found == []
    assert all(one.top_tracks and not one.audio_features for one in fetched)
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURES] == 1


# Failures


def test_429_becomes_rate_limited_with_retry_after(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.ARTISTS, Fault(status=429, retry_after_seconds=7200))

    # When
    with pytest.raises(SpotifyRateLimitedError) as raised:
        catalog.fetch_artists([DRAKE_ID])

    # Then
    assert raised.value.retry_after_seconds == 7200
    assert clean_spotify_server.calls[Endpoint.ARTISTS] == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_become_unavailable(
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


def test_a_429_on_top_tracks_stops_the_fetch(
    catalog: SpotipyCatalog, clean_spotify_server: SpotifyServer
) -> None:
    # Given
    clean_spotify_server.inject_fault(
        Endpoint.TOP_TRACKS, Fault(status=429, retry_after_seconds=30)
    )

    # When / Then
    with pytest.raises(SpotifyRateLimitedError):
        catalog.fetch_artists([DRAKE_ID, TWO_PAC_ID])
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURES] == 0


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
