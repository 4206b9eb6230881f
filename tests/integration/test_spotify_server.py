"""The Spotify stand-in over HTTP: Spotify's shapes, auth, errors, paging, limits and faults."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.catalog import Catalog, CatalogTrack
from local.spotify_server import AccessMode, Endpoint, Fault, SpotifyServer
from tests.fixtures.spotify import SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET

DRAKE_ID = "3TVXtAsR1Inumwj472S9r4"
TWO_PAC_ID = "1ZwdS5xdxEREPySFridCfh"
UNKNOWN_ID = "0000000000000000000000"
ARTIST_KEYS = {
    "external_urls",
    "followers",
    "genres",
    "href",
    "id",
    "images",
    "name",
    "popularity",
    "type",
    "uri",
}
TRACK_KEYS = {
    "album",
    "artists",
    "disc_number",
    "duration_ms",
    "explicit",
    "external_ids",
    "external_urls",
    "href",
    "id",
    "is_local",
    "is_playable",
    "name",
    "popularity",
    "preview_url",
    "track_number",
    "type",
    "uri",
}
FEATURE_KEYS = {
    "acousticness",
    "analysis_url",
    "danceability",
    "duration_ms",
    "energy",
    "id",
    "instrumentalness",
    "key",
    "liveness",
    "loudness",
    "mode",
    "speechiness",
    "tempo",
    "time_signature",
    "track_href",
    "type",
    "uri",
    "valence",
}
SECRET = SPOTIFY_TEST_CLIENT_SECRET.get_secret_value()


def request_token(server: SpotifyServer, **kwargs: Any) -> requests.Response:
    return requests.post(server.token_url, timeout=5, **kwargs)


@pytest.fixture
def auth(clean_spotify_server: SpotifyServer) -> dict[str, str]:
    answer = request_token(
        clean_spotify_server,
        data={"grant_type": "client_credentials"},
        auth=(SPOTIFY_TEST_CLIENT_ID, SECRET),
    )
    clean_spotify_server.reset_calls()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def get(
    server: SpotifyServer, path: str, headers: dict[str, str], **params: Any
) -> requests.Response:
    return requests.get(f"{server.api_url}{path}", params=params, headers=headers, timeout=5)


# Token


def test_client_credentials_in_basic_auth_get_a_bearer_token(
    clean_spotify_server: SpotifyServer,
) -> None:
    # When
    answer = request_token(
        clean_spotify_server,
        data={"grant_type": "client_credentials"},
        auth=(SPOTIFY_TEST_CLIENT_ID, SECRET),
    )

    # Then
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert clean_spotify_server.calls[Endpoint.TOKEN] == 1


def test_client_credentials_in_the_form_are_accepted(clean_spotify_server: SpotifyServer) -> None:
    # When
    answer = request_token(
        clean_spotify_server,
        data={
            "grant_type": "client_credentials",
            "client_id": SPOTIFY_TEST_CLIENT_ID,
            "client_secret": SECRET,
        },
    )

    # Then
    assert answer.status_code == 200
    assert answer.json()["access_token"]


@pytest.mark.parametrize(
    ("client_id", "client_secret"),
    [(SPOTIFY_TEST_CLIENT_ID, "wrong-secret"), ("someone-else", SECRET), ("", "")],
)
def test_wrong_credentials_are_an_invalid_client(
    clean_spotify_server: SpotifyServer, client_id: str, client_secret: str
) -> None:
    # When
    answer = request_token(
        clean_spotify_server,
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
    )

    # Then
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_client", "error_description": "Invalid client"}


def test_a_token_request_without_grant_type_is_refused(
    clean_spotify_server: SpotifyServer,
) -> None:
    # When
    answer = request_token(clean_spotify_server, auth=(SPOTIFY_TEST_CLIENT_ID, SECRET))

    # Then
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


# Bearer


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "No token provided"),
        ({"Authorization": "Bearer not-issued-here"}, "Invalid access token"),
    ],
)
def test_api_calls_need_a_token_issued_by_the_server(
    clean_spotify_server: SpotifyServer, headers: dict[str, str], message: str
) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{DRAKE_ID}", headers)

    # Then
    assert answer.status_code == 401
    assert answer.json() == {"error": {"status": 401, "message": message}}


def test_revoked_tokens_stop_working(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    assert get(clean_spotify_server, f"artists/{DRAKE_ID}", auth).status_code == 200

    # When
    clean_spotify_server.revoke_tokens()

    # Then
    assert get(clean_spotify_server, f"artists/{DRAKE_ID}", auth).status_code == 401


def test_tokens_expire_after_their_lifetime(spotify_catalog: Catalog) -> None:
    # Given a server whose tokens last no time at all
    with SpotifyServer(
        spotify_catalog, SPOTIFY_TEST_CLIENT_ID, SECRET, token_lifetime_seconds=0
    ) as server:
        token = request_token(
            server, data={"grant_type": "client_credentials"}, auth=(SPOTIFY_TEST_CLIENT_ID, SECRET)
        ).json()["access_token"]

        # When
        answer = get(server, f"artists/{DRAKE_ID}", {"Authorization": f"Bearer {token}"})

    # Then
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "The access token expired"


# Search


def test_search_answers_a_paging_object_of_artists(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, "search", auth, q="Drake", type="artist", limit=1)

    # Then
    assert answer.status_code == 200
    artists = answer.json()["artists"]
    assert set(artists) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert (artists["limit"], artists["offset"], artists["previous"]) == (1, 0, None)
    assert artists["total"] >= 2
    assert "offset=1" in artists["next"]
    drake = artists["items"][0]
    assert set(drake) == ARTIST_KEYS
    assert drake["id"] == DRAKE_ID
    assert drake["type"] == "artist"
    assert drake["uri"] == f"spotify:artist:{DRAKE_ID}"
    assert drake["external_urls"] == {"spotify": f"https://open.spotify.com/artist/{DRAKE_ID}"}
    assert drake["followers"]["total"] > 1_000_000
    assert "hip hop" in drake["genres"]
    assert drake["images"][0]["url"].startswith("https://i.scdn.co/image/")
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 1


def test_search_pages_with_limit_and_offset(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    whole = get(clean_spotify_server, "search", auth, q="a", type="artist", limit=10).json()

    # When
    second_page = get(
        clean_spotify_server, "search", auth, q="a", type="artist", limit=5, offset=5
    ).json()["artists"]

    # Then
    assert [item["id"] for item in second_page["items"]] == [
        item["id"] for item in whole["artists"]["items"][5:10]
    ]
    assert "offset=0" in second_page["previous"]
    assert "offset=10" in second_page["next"]


def test_search_limit_defaults_to_20(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    artists = get(clean_spotify_server, "search", auth, q="a", type="artist").json()["artists"]

    # Then
    assert artists["limit"] == 20
    assert len(artists["items"]) == 20


def test_search_for_an_unknown_name_is_empty(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, "search", auth, q="Nonexistent Xyzzy", type="artist")

    # Then
    assert answer.status_code == 200
    artists = answer.json()["artists"]
    assert (artists["items"], artists["total"], artists["next"]) == ([], 0, None)


def test_search_finds_korean_aliases(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    items = get(clean_spotify_server, "search", auth, q="에스파", type="artist").json()["artists"][
        "items"
    ]

    # Then
    assert items[0]["name"] == "aespa"
    assert items[0]["generated"] is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "artist"}, "No search query"),
        ({"q": "drake"}, "Missing parameter type"),
        ({"q": "drake", "type": "singer"}, "Bad search type field singer"),
        ({"q": "drake", "type": "artist", "limit": 0}, "Invalid limit"),
        ({"q": "drake", "type": "artist", "limit": 51}, "Invalid limit"),
        ({"q": "drake", "type": "artist", "limit": "many"}, "Invalid limit"),
        ({"q": "drake", "type": "artist", "offset": -1}, "Invalid offset"),
        ({"q": "drake", "type": "artist", "offset": 1001}, "Invalid offset"),
    ],
)
def test_bad_search_parameters_are_400(
    clean_spotify_server: SpotifyServer,
    auth: dict[str, str],
    params: dict[str, Any],
    message: str,
) -> None:
    # When
    answer = get(clean_spotify_server, "search", auth, **params)

    # Then
    assert answer.status_code == 400
    assert answer.json() == {"error": {"status": 400, "message": message}}


# Track search


def test_track_search_answers_a_paging_object_of_full_tracks(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, "search", auth, q="California Love", type="track")

    # Then
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"tracks"}
    tracks = body["tracks"]
    assert set(tracks) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert (tracks["limit"], tracks["offset"], tracks["total"]) == (20, 0, 1)
    assert "type=track" in tracks["href"]
    (california_love,) = tracks["items"]
    assert set(california_love) == TRACK_KEYS
    assert california_love["name"] == "California Love - Original Version"
    assert california_love["type"] == "track"
    assert [artist["id"] for artist in california_love["artists"]] == [TWO_PAC_ID]
    assert california_love["popularity"] == 75
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 1


@pytest.mark.parametrize(
    "typed",
    [
        "california love",
        "California Love - Original Version",
        "CALIFORNIA LOVE (feat. Roger Troutman)",
        "California Love 2Pac",
        "cali love",
    ],
)
def test_track_search_finds_a_song_however_its_title_is_typed(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], typed: str
) -> None:
    # When
    items = get(clean_spotify_server, "search", auth, q=typed, type="track").json()["tracks"][
        "items"
    ]

    # Then
    assert items[0]["name"] == "California Love - Original Version"


def test_track_search_ranks_titles_starting_with_the_query_before_other_word_matches(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    tracks = get(clean_spotify_server, "search", auth, q="velvet", type="track", limit=50).json()[
        "tracks"
    ]
    everything = get(
        clean_spotify_server,
        "search",
        auth,
        q="velvet",
        type="track",
        limit=50,
        offset=tracks["total"] - 10,
    ).json()["tracks"]

    # Then titles starting with the word come first, most popular first; tracks of Red
    # Velvet and The Velvet Underground, with the word only in the artist's name, come last
    first_page = tracks["items"]
    assert all(item["name"].startswith("Velvet") for item in first_page)
    popularity = [item["popularity"] for item in first_page]
    assert popularity == sorted(popularity, reverse=True)
    last_ten = everything["items"]
    assert len(last_ten) == 10
    assert not any(item["name"].startswith("Velvet") for item in last_ten)
    assert {item["artists"][0]["name"] for item in last_ten} == {
        "Red Velvet",
        "The Velvet Underground",
    }
    assert everything["next"] is None


def test_searching_artists_and_tracks_at_once_answers_both_as_alone(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    artists_alone = get(clean_spotify_server, "search", auth, q="Drake", type="artist").json()
    tracks_alone = get(clean_spotify_server, "search", auth, q="Drake", type="track").json()

    # When
    both = get(clean_spotify_server, "search", auth, q="Drake", type="artist,track").json()

    # Then
    assert set(both) == {"artists", "tracks"}
    assert both["artists"]["items"] == artists_alone["artists"]["items"]
    assert both["tracks"]["items"] == tracks_alone["tracks"]["items"]
    assert both["tracks"]["items"][0]["artists"][0]["id"] == DRAKE_ID
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 3


def test_track_search_for_an_unknown_title_is_empty(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    tracks = get(clean_spotify_server, "search", auth, q="Nonexistent Xyzzy", type="track").json()[
        "tracks"
    ]

    # Then
    assert (tracks["items"], tracks["total"], tracks["next"]) == ([], 0, None)


def test_development_mode_hides_the_popularity_of_searched_tracks(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    clean_spotify_server.mode = AccessMode.DEVELOPMENT

    # When
    answer = get(clean_spotify_server, "search", auth, q="California Love", type="track")

    # Then
    assert answer.status_code == 200
    assert set(answer.json()["tracks"]["items"][0]) == TRACK_KEYS - {"popularity"}


# Artists


def test_an_artist_by_id(clean_spotify_server: SpotifyServer, auth: dict[str, str]) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{DRAKE_ID}", auth)

    # Then
    assert answer.status_code == 200
    assert set(answer.json()) == ARTIST_KEYS
    assert answer.json()["name"] == "Drake"
    assert answer.json()["popularity"] == 100
    assert clean_spotify_server.calls[Endpoint.ARTIST] == 1


@pytest.mark.parametrize(
    ("artist_id", "status", "message"),
    [(UNKNOWN_ID, 404, "Resource not found"), ("not-an-id", 400, "invalid id")],
)
def test_unknown_and_malformed_artist_ids(
    clean_spotify_server: SpotifyServer,
    auth: dict[str, str],
    artist_id: str,
    status: int,
    message: str,
) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{artist_id}", auth)

    # Then
    assert answer.status_code == status
    assert answer.json() == {"error": {"status": status, "message": message}}


def test_several_artists_keep_the_order_asked_with_null_for_unknown_ids(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, "artists", auth, ids=f"{TWO_PAC_ID},{UNKNOWN_ID},{DRAKE_ID}")

    # Then
    assert answer.status_code == 200
    artists = answer.json()["artists"]
    assert [artist and artist["id"] for artist in artists] == [TWO_PAC_ID, None, DRAKE_ID]
    assert clean_spotify_server.calls == {Endpoint.ARTISTS: 1}


def test_at_most_50_artists_per_request(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], spotify_catalog: Catalog
) -> None:
    # Given
    ids = list(spotify_catalog.artists)[:51]

    # When
    too_many = get(clean_spotify_server, "artists", auth, ids=",".join(ids))
    fifty = get(clean_spotify_server, "artists", auth, ids=",".join(ids[:50]))

    # Then
    assert too_many.status_code == 400
    assert too_many.json()["error"]["message"] == "Too many ids requested"
    assert fifty.status_code == 200
    assert len(fifty.json()["artists"]) == 50


# Top tracks


def test_top_tracks_of_a_snapshot_artist(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{TWO_PAC_ID}/top-tracks", auth, market="US")

    # Then
    assert answer.status_code == 200
    tracks = answer.json()["tracks"]
    assert len(tracks) == 10
    first = tracks[0]
    assert set(first) == TRACK_KEYS
    assert first["type"] == "track"
    assert first["artists"][0]["id"] == TWO_PAC_ID
    assert first["album"]["type"] == "album"
    assert first["external_urls"]["spotify"] == f"https://open.spotify.com/track/{first['id']}"
    popularity = [track["popularity"] for track in tracks]
    assert popularity == sorted(popularity, reverse=True)
    assert clean_spotify_server.calls[Endpoint.TOP_TRACKS] == 1


def test_generated_top_tracks_say_so(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When spotipy's way of naming the market is used
    answer = get(clean_spotify_server, f"artists/{DRAKE_ID}/top-tracks", auth, country="US")

    # Then
    tracks = answer.json()["tracks"]
    assert 5 <= len(tracks) <= 10
    assert all(track["generated"] is True for track in tracks)
    assert set(tracks[0]) == TRACK_KEYS | {"generated"}


def test_top_tracks_refuse_a_bad_market(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{DRAKE_ID}/top-tracks", auth, market="usa")

    # Then
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Invalid market code"


def test_top_tracks_of_an_unknown_artist_are_404(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{UNKNOWN_ID}/top-tracks", auth, market="US")

    # Then
    assert answer.status_code == 404


def a_collaboration(catalog: Catalog) -> CatalogTrack:
    return next(
        track
        for tracks in catalog.tracks_by_artist.values()
        for track in tracks
        if track.featured_artist_ids
    )


def test_a_collaboration_credits_the_tracks_artist_then_the_featured_one(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], spotify_catalog: Catalog
) -> None:
    # Given
    collaboration = a_collaboration(spotify_catalog)
    owner_id = collaboration.artist_id
    (featured_id,) = collaboration.featured_artist_ids
    featured = spotify_catalog.artists[featured_id]

    # When
    answer = get(clean_spotify_server, f"artists/{owner_id}/top-tracks", auth, market="US")

    # Then the featured artist is a simplified artist object like the owner's, on the track only
    by_id = {track["id"]: track for track in answer.json()["tracks"]}
    owner, guest = by_id[collaboration.id]["artists"]
    assert owner["id"] == owner_id
    assert guest == {
        "external_urls": {"spotify": featured.spotify_url},
        "href": f"{clean_spotify_server.api_url}artists/{featured_id}",
        "id": featured_id,
        "name": featured.name,
        "type": "artist",
        "uri": f"spotify:artist:{featured_id}",
    }
    assert set(owner) == set(guest)
    assert [artist["id"] for artist in by_id[collaboration.id]["album"]["artists"]] == [owner_id]
    solo_ids = {
        track.id for track in spotify_catalog.top_tracks(owner_id) if not track.featured_artist_ids
    }
    assert all([a["id"] for a in by_id[one]["artists"]] == [owner_id] for one in solo_ids)


def test_the_featured_artist_of_a_collaboration_can_be_looked_up(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], spotify_catalog: Catalog
) -> None:
    # Given
    collaboration = a_collaboration(spotify_catalog)
    (featured_id,) = collaboration.featured_artist_ids

    # When
    answer = get(clean_spotify_server, f"artists/{featured_id}", auth)

    # Then
    assert answer.status_code == 200
    assert answer.json()["id"] == featured_id


# Audio features


def test_audio_features_in_a_batch_with_null_for_unknown_tracks(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], spotify_catalog: Catalog
) -> None:
    # Given one real and one generated track
    real = spotify_catalog.top_tracks(TWO_PAC_ID)[0].id
    generated = spotify_catalog.top_tracks(DRAKE_ID)[0].id

    # When
    answer = get(
        clean_spotify_server, "audio-features", auth, ids=f"{real},{UNKNOWN_ID},{generated}"
    )

    # Then
    assert answer.status_code == 200
    real_features, unknown, generated_features = answer.json()["audio_features"]
    assert unknown is None
    assert set(real_features) == FEATURE_KEYS
    assert real_features["id"] == real
    assert real_features["type"] == "audio_features"
    assert set(generated_features) == FEATURE_KEYS | {"generated"}
    assert generated_features["generated"] is True
    assert clean_spotify_server.calls == {Endpoint.AUDIO_FEATURES: 1}


def test_at_most_100_audio_features_per_request(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When
    answer = get(clean_spotify_server, "audio-features", auth, ids=",".join([UNKNOWN_ID] * 101))

    # Then
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Too many ids requested"


def test_audio_features_of_one_track(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], spotify_catalog: Catalog
) -> None:
    # Given
    track_id = spotify_catalog.top_tracks(TWO_PAC_ID)[0].id

    # When
    known = get(clean_spotify_server, f"audio-features/{track_id}", auth)
    unknown = get(clean_spotify_server, f"audio-features/{UNKNOWN_ID}", auth)

    # Then
    assert known.status_code == 200
    assert known.json()["id"] == track_id
    assert unknown.status_code == 404
    assert clean_spotify_server.calls[Endpoint.AUDIO_FEATURE] == 2


def test_unknown_routes_are_404(clean_spotify_server: SpotifyServer, auth: dict[str, str]) -> None:
    # When
    answer = get(clean_spotify_server, f"artists/{DRAKE_ID}/related-artists/extra", auth)

    # Then
    assert answer.status_code == 404
    assert answer.json()["error"]["status"] == 404


# Counting, faults and access modes


def test_calls_are_counted_per_endpoint_until_reset(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    get(clean_spotify_server, "search", auth, q="drake", type="artist")
    get(clean_spotify_server, "search", auth, q="abba", type="artist")
    get(clean_spotify_server, f"artists/{DRAKE_ID}", auth)
    assert clean_spotify_server.calls == {Endpoint.SEARCH: 2, Endpoint.ARTIST: 1}

    # When
    clean_spotify_server.reset_calls()

    # Then
    assert clean_spotify_server.calls == {}
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 0


def test_an_injected_429_carries_retry_after_then_service_resumes(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.SEARCH, Fault(status=429, retry_after_seconds=3600))

    # When
    limited = get(clean_spotify_server, "search", auth, q="drake", type="artist")
    after = get(clean_spotify_server, "search", auth, q="drake", type="artist")

    # Then
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3600"
    assert limited.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
    assert after.status_code == 200
    assert clean_spotify_server.calls[Endpoint.SEARCH] == 2


def test_injected_server_errors_repeat_as_many_times_as_asked(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.ARTIST, Fault(status=503), times=2)

    # When
    statuses = [get(clean_spotify_server, f"artists/{DRAKE_ID}", auth).status_code for _ in "abc"]

    # Then
    assert statuses == [503, 503, 200]


def test_injected_latency_delays_the_answer(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    clean_spotify_server.inject_fault(Endpoint.ARTIST, Fault(delay_seconds=0.3))

    # When
    started = time.monotonic()
    answer = get(clean_spotify_server, f"artists/{DRAKE_ID}", auth)
    elapsed = time.monotonic() - started

    # Then
    assert answer.status_code == 200
    assert elapsed >= 0.3


def test_development_mode_closes_batch_and_track_endpoints_and_hides_popularity(
    clean_spotify_server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given
    clean_spotify_server.mode = AccessMode.DEVELOPMENT

    # When
    batch = get(clean_spotify_server, "artists", auth, ids=DRAKE_ID)
    top_tracks = get(clean_spotify_server, f"artists/{DRAKE_ID}/top-tracks", auth, market="US")
    features = get(clean_spotify_server, "audio-features", auth, ids=UNKNOWN_ID)
    single = get(clean_spotify_server, f"artists/{DRAKE_ID}", auth)

    # Then
    assert [batch.status_code, top_tracks.status_code, features.status_code] == [403, 403, 403]
    assert single.status_code == 200
    assert set(single.json()) == ARTIST_KEYS - {"popularity", "followers"}


def test_an_app_created_after_2024_11_is_refused_audio_features_only(
    clean_spotify_server: SpotifyServer, auth: dict[str, str], spotify_catalog: Catalog
) -> None:
    # Given
    clean_spotify_server.mode = AccessMode.NEW_APP_2024
    track_id = spotify_catalog.top_tracks(TWO_PAC_ID)[0].id

    # When
    batch = get(clean_spotify_server, "audio-features", auth, ids=track_id)
    single = get(clean_spotify_server, f"audio-features/{track_id}", auth)
    artists = get(clean_spotify_server, "artists", auth, ids=DRAKE_ID)
    top_tracks = get(clean_spotify_server, f"artists/{DRAKE_ID}/top-tracks", auth, market="US")

    # Then
    assert [batch.status_code, single.status_code] == [403, 403]
    assert batch.json() == {"error": {"status": 403, "message": "Forbidden"}}
    assert [artists.status_code, top_tracks.status_code] == [200, 200]
    assert artists.json()["artists"][0]["popularity"] == 100
    assert "popularity" in top_tracks.json()["tracks"][0]


# Pictures, in place of Spotify's image CDN


def test_a_stand_in_serving_pictures_points_artist_images_at_pictures_it_draws(
    spotify_catalog: Catalog,
) -> None:
    # Given a stand-in that serves pictures, and a token
    with SpotifyServer(
        spotify_catalog, SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET, serves_pictures=True
    ) as server:
        token = request_token(
            server, data={"grant_type": "client_credentials"}, auth=(SPOTIFY_TEST_CLIENT_ID, SECRET)
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        # When Drake is fetched, and his image's URL is opened without a token
        drake = get(server, f"artists/{DRAKE_ID}", auth).json()
        [image] = drake["images"]
        picture = requests.get(image["url"], timeout=5)

        # Then the image is a picture of the stand-in's, with Drake's initial
        assert image["url"] == f"{server.base_url}/stand-in/pictures/{DRAKE_ID}.svg"
        assert picture.status_code == 200
        assert picture.headers["Content-Type"] == "image/svg+xml"
        assert ">D</text>" in picture.text
        # And the picture of an artist the catalog does not hold is not found
        missing = requests.get(f"{server.base_url}/stand-in/pictures/{UNKNOWN_ID}.svg", timeout=5)
        assert missing.status_code == 404
        # And an artist Spotify has no image of still has none
        aespa = next(a for a in spotify_catalog.artists.values() if a.name == "aespa")
        assert get(server, f"artists/{aespa.id}", auth).json()["images"] == []
        # And the catalog keeps Spotify's own URL
        assert str(spotify_catalog.artists[DRAKE_ID].image_url).startswith("https://i.scdn.co/")
