"""Spotify's limits as the stand-in enforces them, and the adapter healing from each, through
spotipy over loopback: Development Mode's search limit, the rolling 30-second window, an
exhausted quota, endpoints closed and reopened, a lapsed Premium subscription."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import spotipy

from adapters.spotify import REPROBE_AFTER, SpotifyEndpoint, SpotipyCatalog, make_spotify_client
from domain import payloads, replies
from domain.conversation import ConversationPorts, converse
from domain.errors import (
    SpotifyPremiumLapsedError,
    SpotifyQuotaExceededError,
    SpotifyRateLimitedError,
    SpotifyUnavailableError,
)
from domain.ingest import IngestPorts, fetch_artists
from domain.models import CarouselReply, IncomingPostback, IncomingText, Neighbour
from local.catalog import Catalog
from local.spotify_server import AccessMode, Endpoint, Fault, SpotifyServer
from tests.fakes import (
    InMemoryArtists,
    InMemoryConversationMemory,
    InMemoryGenres,
    InMemoryProcessed,
    InMemoryTombstones,
    InMemoryTracks,
    InMemoryWaiters,
    RecordingLake,
    RecordingMeasurements,
    RecordingMessenger,
    RecordingQueue,
    artist,
)
from tests.fixtures.spotify import SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET, client_of

DRAKE_ID = "3TVXtAsR1Inumwj472S9r4"
TWO_PAC_ID = "1ZwdS5xdxEREPySFridCfh"
FIFTY_CENT_ID = "3q7HBObVc0L8jNeTe5Gofh"
TWO_HOURS = 7200
STARTED_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class SharedTime:
    """One made-up time for the stand-in (monotonic seconds) and the adapter (UTC), which
    passes only when a test says so."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return STARTED_AT + timedelta(seconds=self.seconds)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@pytest.fixture
def shared_time() -> SharedTime:
    return SharedTime()


@pytest.fixture
def server(spotify_catalog: Catalog, shared_time: SharedTime) -> Iterator[SpotifyServer]:
    """A stand-in of its own whose window and quota follow `shared_time`."""
    with SpotifyServer(
        spotify_catalog,
        SPOTIFY_TEST_CLIENT_ID,
        SPOTIFY_TEST_CLIENT_SECRET,
        clock=shared_time.monotonic,
    ) as stand_in:
        yield stand_in


@pytest.fixture
def client(server: SpotifyServer) -> spotipy.Spotify:
    return client_of(server)


@pytest.fixture
def adapter(client: spotipy.Spotify, shared_time: SharedTime) -> SpotipyCatalog:
    return SpotipyCatalog(client, sleep=lambda _: None, jitter=lambda: 0.0, clock=shared_time.now)


@pytest.fixture
def auth(server: SpotifyServer) -> dict[str, str]:
    answer = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        auth=(SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET.get_secret_value()),
        timeout=5,
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def get(server: SpotifyServer, path: str, auth: dict[str, str], **params: Any) -> requests.Response:
    return requests.get(f"{server.api_url}{path}", params=params, headers=auth, timeout=5)


# Development Mode's search limit


def test_development_mode_refuses_a_search_limit_above_10(
    server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given an app under the 2026 Development Mode rules
    server.mode = AccessMode.DEVELOPMENT

    # When it searches for 11, 10 and the default number of results
    eleven = get(server, "search", auth, q="a", type="artist", limit=11)
    ten = get(server, "search", auth, q="a", type="artist", limit=10)
    default = get(server, "search", auth, q="a", type="artist")

    # Then 11 is refused with Spotify's error object, 10 answered, and the default is 5
    assert eleven.status_code == 400
    assert eleven.json() == {"error": {"status": 400, "message": "Invalid limit"}}
    assert ten.status_code == 200
    assert len(ten.json()["artists"]["items"]) == 10
    assert default.json()["artists"]["limit"] == 5


def test_extended_quota_still_searches_up_to_50(
    server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When an app with extended quota searches for 50 results
    answer = get(server, "search", auth, q="a", type="artist", limit=50)

    # Then
    assert answer.status_code == 200
    assert len(answer.json()["artists"]["items"]) == 50


def test_the_adapter_searches_within_development_modes_limit(
    adapter: SpotipyCatalog, server: SpotifyServer
) -> None:
    # Given an app under the 2026 Development Mode rules
    server.mode = AccessMode.DEVELOPMENT

    # When artists and songs are searched
    drake = adapter.search_artist("Drake")
    song = adapter.search_track("California Love")

    # Then both are found: no search asked for more than Development Mode allows
    assert drake is not None
    assert drake.id == DRAKE_ID
    assert song is not None
    assert song.artist_id == TWO_PAC_ID
    assert server.calls[Endpoint.SEARCH] == 2


# The rolling 30-second window


def test_the_call_past_the_rate_limit_waits_for_the_oldest_to_leave_the_window(
    server: SpotifyServer, auth: dict[str, str], shared_time: SharedTime
) -> None:
    # Given at most 3 calls in any 30 seconds, and calls at 0 s, 10 s and 20 s
    server.rate_limit = 3
    statuses = []
    for _ in range(3):
        statuses.append(get(server, f"artists/{DRAKE_ID}", auth).status_code)
        shared_time.advance(10)

    # When a fourth call comes at 25 s, and again at 30 s
    shared_time.advance(-5)
    refused = get(server, f"artists/{DRAKE_ID}", auth)
    shared_time.advance(5)
    admitted = get(server, f"artists/{DRAKE_ID}", auth)

    # Then the first three are answered, the fourth refused until the call at 0 s has left
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert refused.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
    assert admitted.status_code == 200


def test_a_full_window_rate_limits_searches_and_defers_fetches(
    adapter: SpotipyCatalog, server: SpotifyServer
) -> None:
    # Given a window that is full after one call
    server.rate_limit = 1
    adapter.search_artist("Drake")

    # When the adapter searches and fetches within the same 30 seconds
    with pytest.raises(SpotifyRateLimitedError) as limited:
        adapter.search_artist("ABBA")
    outcome = adapter.fetch_artists([DRAKE_ID, TWO_PAC_ID])

    # Then the search says how long to wait, and the fetch hands every ID back for as long
    assert limited.value.retry_after_seconds == 30
    assert not isinstance(limited.value, SpotifyQuotaExceededError)
    assert outcome.deferred == (DRAKE_ID, TWO_PAC_ID)
    assert outcome.retry_after_seconds == 30


# An exhausted quota


def test_an_exhausted_quota_is_429_with_its_reason_until_it_ends(
    server: SpotifyServer, auth: dict[str, str], shared_time: SharedTime
) -> None:
    # Given a quota exhausted for two hours
    server.exhaust_quota(TWO_HOURS)

    # When the app calls at once, an hour later, and two hours later
    first = get(server, f"artists/{DRAKE_ID}", auth)
    shared_time.advance(3600)
    later = get(server, "search", auth, q="drake", type="artist")
    shared_time.advance(3600)
    after = get(server, f"artists/{DRAKE_ID}", auth)

    # Then every endpoint refuses with reason QUOTA_EXCEEDED, counting down to the end
    assert first.status_code == 429
    assert first.json() == {
        "error": {"status": 429, "message": "API rate limit exceeded", "reason": "QUOTA_EXCEEDED"}
    }
    assert first.headers["Retry-After"] == str(TWO_HOURS)
    assert later.status_code == 429
    assert later.headers["Retry-After"] == "3600"
    assert after.status_code == 200


def test_an_exhausted_quota_opens_a_breaker_that_calls_nobody_until_retry_after(
    adapter: SpotipyCatalog, server: SpotifyServer, shared_time: SharedTime
) -> None:
    # Given a quota exhausted for two hours
    server.exhaust_quota(TWO_HOURS)

    # When the adapter searches, then searches again a minute later
    with pytest.raises(SpotifyQuotaExceededError) as first:
        adapter.search_artist("Drake")
    shared_time.advance(60)
    with pytest.raises(SpotifyQuotaExceededError) as second:
        adapter.search_artist("ABBA")

    # Then both say until when, and only the first reached Spotify
    opened_at = shared_time.now() - timedelta(seconds=60)
    assert first.value.retry_at == opened_at + timedelta(seconds=TWO_HOURS)
    assert second.value.retry_at == first.value.retry_at
    assert second.value.retry_after_seconds == TWO_HOURS - 60
    assert server.calls[Endpoint.SEARCH] == 1

    # When the two hours have passed
    shared_time.advance(TWO_HOURS - 60)
    drake = adapter.search_artist("Drake")

    # Then the breaker is closed and Spotify answers again
    assert drake is not None
    assert server.calls[Endpoint.SEARCH] == 2


def test_fetch_artists_defers_the_whole_batch_while_the_quota_breaker_is_open(
    adapter: SpotipyCatalog, server: SpotifyServer, shared_time: SharedTime
) -> None:
    # Given the adapter learnt the quota is exhausted for two hours
    server.exhaust_quota(TWO_HOURS)
    with pytest.raises(SpotifyQuotaExceededError) as exhausted:
        adapter.search_artist("Drake")
    server.reset_calls()
    ports = IngestPorts(
        spotify=adapter,
        lake=RecordingLake(),
        genres=InMemoryGenres(),
        repository=InMemoryArtists(),
        tombstones=InMemoryTombstones(),
        clock=shared_time.now,
    )

    # When FetchArtists runs a batch ten minutes later
    shared_time.advance(600)
    summary = fetch_artists([DRAKE_ID, TWO_PAC_ID, FIFTY_CENT_ID], shared_time.now(), ports)

    # Then the whole batch goes back to be fetched when the quota ends, without a call
    assert summary.ingested == ()
    assert summary.deferred == (DRAKE_ID, TWO_PAC_ID, FIFTY_CENT_ID)
    assert summary.retry_at == exhausted.value.retry_at
    assert server.calls == {}


# Closed endpoints reopen


def test_a_closed_top_tracks_endpoint_is_asked_again_after_the_reprobe_interval(
    adapter: SpotipyCatalog, server: SpotifyServer, shared_time: SharedTime
) -> None:
    # Given an adapter that learnt it may not read top tracks
    server.mode = AccessMode.DEVELOPMENT
    adapter.fetch_artists([DRAKE_ID])
    assert SpotifyEndpoint.TOP_TRACKS in adapter.closed_endpoints

    # When Spotify extends the app's access, and the adapter fetches at once and later
    server.mode = AccessMode.EXTENDED_QUOTA
    server.reset_calls()
    (soon,) = adapter.fetch_artists([TWO_PAC_ID]).fetched
    calls_soon = server.calls
    shared_time.advance(REPROBE_AFTER.total_seconds())
    (later,) = adapter.fetch_artists([FIFTY_CENT_ID]).fetched

    # Then top tracks stay unasked within the interval, and are read again after it
    assert not soon.top_tracks
    assert calls_soon[Endpoint.TOP_TRACKS] == 0
    assert later.top_tracks
    assert server.calls[Endpoint.TOP_TRACKS] == 1
    assert adapter.closed_endpoints == frozenset()


def test_whether_top_tracks_answer_is_asked_once_per_interval(
    adapter: SpotipyCatalog, server: SpotifyServer, shared_time: SharedTime
) -> None:
    # Given a Development Mode app whose adapter never asked for top tracks
    server.mode = AccessMode.DEVELOPMENT

    # When the conversation asks twice whether songs can be found, then after the interval
    # with the app's access extended
    first = adapter.can_read_top_tracks(DRAKE_ID)
    second = adapter.can_read_top_tracks(TWO_PAC_ID)
    calls_within = server.calls[Endpoint.TOP_TRACKS]
    server.mode = AccessMode.EXTENDED_QUOTA
    shared_time.advance(REPROBE_AFTER.total_seconds())
    after = adapter.can_read_top_tracks(DRAKE_ID)

    # Then top tracks were asked once per interval, and the answer followed Spotify's
    assert (first, second, after) == (False, False, True)
    assert calls_within == 1
    assert server.calls[Endpoint.TOP_TRACKS] == 2


def test_a_rate_limit_while_asking_about_top_tracks_proves_nothing(
    adapter: SpotipyCatalog, server: SpotifyServer
) -> None:
    # Given a full window
    server.rate_limit = 1
    adapter.search_artist("Drake")

    # When the conversation asks whether songs can be found, and again once there is room
    limited = adapter.can_read_top_tracks(DRAKE_ID)
    server.rate_limit = None
    answered = adapter.can_read_top_tracks(DRAKE_ID)

    # Then the first answer is no for now, and the second asks Spotify again
    assert (limited, answered) == (False, True)
    assert server.calls[Endpoint.TOP_TRACKS] == 2


def test_an_artist_gone_from_spotify_says_nothing_about_top_tracks(
    adapter: SpotipyCatalog, server: SpotifyServer
) -> None:
    # Given Spotify no longer has the artist the conversation asks about
    server.inject_fault(Endpoint.TOP_TRACKS, Fault(status=404))

    # When the conversation asks whether songs can be found, then for another artist
    gone = adapter.can_read_top_tracks(DRAKE_ID)
    present = adapter.can_read_top_tracks(TWO_PAC_ID)

    # Then the first answer is no for now, without closing top tracks for everyone
    assert (gone, present) == (False, True)
    assert adapter.closed_endpoints == frozenset()
    assert server.calls[Endpoint.TOP_TRACKS] == 2


# A lapsed Premium subscription


def test_a_lapsed_premium_subscription_refuses_every_endpoint(
    server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given the app owner's Premium subscription has lapsed
    server.premium_lapsed = True

    # When the app calls each kind of endpoint
    answers = [
        get(server, "search", auth, q="drake", type="artist"),
        get(server, f"artists/{DRAKE_ID}", auth),
        get(server, "artists", auth, ids=DRAKE_ID),
        get(server, f"artists/{DRAKE_ID}/top-tracks", auth, market="US"),
    ]

    # Then every one is a 403
    assert [answer.status_code for answer in answers] == [403] * 4
    assert all(answer.json()["error"]["status"] == 403 for answer in answers)


def test_a_lapsed_premium_subscription_is_told_apart_from_a_closed_endpoint(
    adapter: SpotipyCatalog, server: SpotifyServer
) -> None:
    # Given the app owner's Premium subscription has lapsed
    server.premium_lapsed = True

    # When the adapter searches and fetches
    with pytest.raises(SpotifyPremiumLapsedError) as searched:
        adapter.search_artist("Drake")
    with pytest.raises(SpotifyPremiumLapsedError) as fetched:
        adapter.fetch_artists([DRAKE_ID])

    # Then both say the whole app is refused, naming what was asked and never a credential
    assert str(searched.value).startswith("Spotify refused GET /search (HTTP 403)")
    assert str(fetched.value).startswith("Spotify refused GET /artists/{id} (HTTP 403)")
    secret = SPOTIFY_TEST_CLIENT_SECRET.get_secret_value()
    assert secret not in str(searched.value) + str(fetched.value)


# Slow answers and the control endpoint


def test_a_slowed_stand_in_makes_calls_time_out(server: SpotifyServer) -> None:
    # Given a stand-in slower than the client waits
    server.delay_seconds = 0.5
    impatient = SpotipyCatalog(
        make_spotify_client(
            server.api_url,
            server.token_url,
            SPOTIFY_TEST_CLIENT_ID,
            SPOTIFY_TEST_CLIENT_SECRET,
            timeout_seconds=0.2,
        ),
        sleep=lambda _: None,
    )

    # When the adapter searches
    started = time.monotonic()
    with pytest.raises(SpotifyUnavailableError) as slow:
        impatient.search_artist("Drake")

    # Then it gave up on the slow answer
    assert str(slow.value) == "Spotify did not answer GET /search (ReadTimeout)"
    assert time.monotonic() - started < 0.5


def test_conditions_are_changed_and_read_over_http(
    server: SpotifyServer, auth: dict[str, str]
) -> None:
    # When a developer lapses Premium, sets a rate limit and exhausts the quota over HTTP
    changed = requests.post(
        server.control_url,
        json={"premium_lapsed": True, "rate_limit": 5, "quota_exceeded_for_seconds": TWO_HOURS},
        timeout=5,
    )
    refused = get(server, f"artists/{DRAKE_ID}", auth)
    wrong = requests.post(server.control_url, json={"rate_limit": 0}, timeout=5)
    restored = requests.post(
        server.control_url,
        json={"premium_lapsed": False, "rate_limit": None, "quota_exceeded_for_seconds": 0},
        timeout=5,
    )
    answered = get(server, f"artists/{DRAKE_ID}", auth)

    # Then each change shows in what the stand-in reports and in how it answers
    assert changed.json() == {
        "mode": "extended-quota",
        "rate_limit": 5,
        "quota_exceeded_for_seconds": TWO_HOURS,
        "premium_lapsed": True,
        "delay_seconds": 0.0,
        "server_errors": None,
    }
    assert refused.status_code == 403
    assert wrong.status_code == 400
    assert restored.json()["rate_limit"] is None
    assert restored.json()["quota_exceeded_for_seconds"] == 0
    assert answered.status_code == 200


# The conversation offers songs only where top tracks can be read


@pytest.fixture
def conversation_ports(adapter: SpotipyCatalog) -> ConversationPorts:
    """Drake known, with 2Pac as similar, and the adapter in front of the stand-in."""
    drake, two_pac = artist(DRAKE_ID, "Drake", "rap"), artist(TWO_PAC_ID, "2Pac", "rap")
    repository = InMemoryArtists(
        artists={drake.id: drake, two_pac.id: two_pac},
        neighbours={
            drake.id: [Neighbour(artist_id=drake.id, similar_id=two_pac.id, rank=1, score=0.5)]
        },
    )
    return ConversationPorts(
        repository=repository,
        names=repository,
        tracks=InMemoryTracks(),
        spotify=adapter,
        waiters=InMemoryWaiters(),
        queue=RecordingQueue(),
        messenger=RecordingMessenger(),
        processed=InMemoryProcessed(),
        memory=InMemoryConversationMemory(),
        measurements=RecordingMeasurements(),
    )


def test_songs_are_not_offered_by_a_development_mode_app(
    conversation_ports: ConversationPorts, server: SpotifyServer
) -> None:
    # Given an app under the 2026 Development Mode rules
    server.mode = AccessMode.DEVELOPMENT
    messenger = conversation_ports.messenger
    assert isinstance(messenger, RecordingMessenger)

    # When a user asks for Drake, then taps an earlier "Songs like Drake"
    converse(
        IncomingText(user_id="u", message_id="m1", text="Drake"), STARTED_AT, conversation_ports
    )
    tapped = IncomingPostback(
        user_id="u", message_id="m2", payload=payloads.songs_like(DRAKE_ID, "en")
    )
    converse(tapped, STARTED_AT, conversation_ports)

    # Then the carousel offers only more like 2Pac, and the tap hears why no songs come
    carousel, sentence = (reply for _, reply in messenger.sent)
    assert isinstance(carousel, CarouselReply)
    assert [q.payload for q in carousel.quick_replies] == [payloads.show_artist(TWO_PAC_ID, "en")]
    assert sentence == replies.text("songs_unavailable", "en")
    assert server.calls[Endpoint.TOP_TRACKS] == 1


def test_songs_are_offered_where_top_tracks_can_be_read(
    conversation_ports: ConversationPorts, server: SpotifyServer
) -> None:
    # When a user of an app with extended quota asks for Drake
    converse(
        IncomingText(user_id="u", message_id="m1", text="Drake"), STARTED_AT, conversation_ports
    )

    # Then the carousel offers songs like Drake first
    messenger = conversation_ports.messenger
    assert isinstance(messenger, RecordingMessenger)
    [(_, carousel)] = messenger.sent
    assert isinstance(carousel, CarouselReply)
    assert carousel.quick_replies[0].payload == payloads.songs_like(DRAKE_ID, "en")
