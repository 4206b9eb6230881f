from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from contracts.names import LogEvent
from domain import replies
from domain.errors import (
    MessengerUnavailableError,
    RecipientUnreachableError,
    SpotifyRateLimitedError,
    SpotifyRefusedError,
    SpotifyUnavailableError,
)
from domain.lookups import UNDELIVERED_RETRY_SECONDS, LookupPorts, resolve_lookups
from domain.models import ArtistRequest, LookupRequest, QueuedRequest, TextReply, Waiter, Wants
from tests.fakes import (
    FailingMessenger,
    FakeSpotify,
    InMemoryWaiters,
    RecordingQueue,
    artist,
    track,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DRAKE = artist("3TVXtAsR1Inumwj472S9r4", "Drake", "hip hop")
HOTLINE_BLING = track("0wwPcA6wtMf6HUMpIRdeP7", DRAKE.id, "Hotline Bling")
EARLIER = ArtistRequest(artist_id="1ZwdS5xdxEREPySFridCfh", requested_at=NOW)


def _lookup(query: str, wants: Wants = "artists") -> LookupRequest:
    return LookupRequest(query=query, wants=wants, requested_at=NOW - timedelta(minutes=5))


def _waiter(lookup: LookupRequest, user_id: str, asked: timedelta = timedelta(minutes=5)) -> Waiter:
    return Waiter(
        artist_id=lookup.waiter_key,
        user_id=user_id,
        query=lookup.query,
        requested_at=NOW - asked,
        wants=lookup.wants,
    )


@dataclass
class World:
    spotify: FakeSpotify = field(
        default_factory=lambda: FakeSpotify(catalog={DRAKE.id: DRAKE}, tracks=[HOTLINE_BLING])
    )
    waiters: InMemoryWaiters = field(default_factory=InMemoryWaiters)
    queue: RecordingQueue = field(default_factory=RecordingQueue)
    messenger: FailingMessenger = field(default_factory=FailingMessenger)
    slept: list[float] = field(default_factory=list)

    def resolve(self, *requests: QueuedRequest) -> list[ArtistRequest]:
        ports = LookupPorts(
            self.spotify, self.waiters, self.queue, self.messenger, self.slept.append
        )
        return resolve_lookups(requests, NOW, ports)

    def waiting(self) -> list[tuple[str, str, str]]:
        return sorted((w.artist_id, w.user_id, w.query) for w in self.waiters.waiters.values())


def test_a_lookup_spotify_answers_moves_its_waiters_to_the_artist_to_fetch() -> None:
    # Given two users wait for a lookup of "drake", behind an artist already queued
    world = World()
    lookup = _lookup("drake")
    world.waiters.add(_waiter(lookup, "user-1"))
    world.waiters.add(_waiter(lookup, "user-2"))
    # When the workflow resolves the batch
    to_fetch = world.resolve(EARLIER, lookup)
    # Then Drake joins the batch, as of the lookup's time, and both users wait for him
    assert to_fetch == [
        EARLIER,
        ArtistRequest(artist_id=DRAKE.id, requested_at=lookup.requested_at),
    ]
    assert world.waiting() == [(DRAKE.id, "user-1", "drake"), (DRAKE.id, "user-2", "drake")]
    assert world.messenger.sent == []


def test_a_song_lookup_waits_for_the_singer_under_the_title_spotify_gives() -> None:
    # Given a user waits for songs like "hotline bling"
    world = World()
    lookup = _lookup("hotline bling", "songs")
    world.waiters.add(_waiter(lookup, "user-1"))
    # When the workflow resolves it
    to_fetch = world.resolve(lookup)
    # Then Drake is fetched and the user waits for songs like "Hotline Bling"
    assert [request.artist_id for request in to_fetch] == [DRAKE.id]
    assert world.waiting() == [(DRAKE.id, "user-1", "Hotline Bling")]
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert waiter.wants == "songs"


def test_a_song_lookup_without_such_a_song_falls_back_to_an_artist_of_that_name() -> None:
    # Given a user waits for songs like "Drake", which no song is called
    world = World()
    lookup = _lookup("Drake", "songs")
    world.waiters.add(_waiter(lookup, "user-1"))
    # When the workflow resolves it / Then the user waits for songs like Drake's
    assert [request.artist_id for request in world.resolve(lookup)] == [DRAKE.id]
    assert world.waiting() == [(DRAKE.id, "user-1", "Drake")]


@pytest.mark.parametrize(("wants", "key"), [("artists", "not_found"), ("songs", "song_not_found")])
def test_a_lookup_spotify_has_nothing_for_is_answered_honestly(wants: Wants, key: str) -> None:
    # Given a user waits for a name Spotify has nothing for
    world = World()
    lookup = _lookup("Drakke Bling", wants)
    world.waiters.add(_waiter(lookup, "user-1"))
    # When the workflow resolves it
    to_fetch = world.resolve(lookup)
    # Then nothing is fetched, the user is told so, and waits no more
    assert to_fetch == []
    assert world.messenger.sent == [
        ("user-1", TextReply(text=replies.say(key, "en", query="Drakke Bling")))
    ]
    assert world.waiting() == []


@pytest.mark.parametrize(
    ("refusal", "delay"),
    [(SpotifyRateLimitedError(20), 20), (SpotifyUnavailableError("HTTP 502"), 60)],
)
def test_a_lookup_spotify_refuses_again_goes_back_to_the_queue(
    refusal: SpotifyRefusedError, delay: int
) -> None:
    # Given a user waits for a lookup, and Spotify still refuses to search
    world = World()
    world.spotify.search_refusal = refusal
    lookup = _lookup("drake")
    world.waiters.add(_waiter(lookup, "user-1"))
    # When the workflow resolves it
    to_fetch = world.resolve(EARLIER, lookup)
    # Then the rest of the batch goes on, the lookup is queued again and the user still waits
    assert to_fetch == [EARLIER]
    assert world.queue.lookups == [(lookup, delay)]
    assert world.waiting() == [(lookup.waiter_key, "user-1", "drake")]


def test_a_refused_lookup_nobody_waits_for_is_dropped() -> None:
    # Given nobody waits for a lookup any more, and Spotify refuses to search
    world = World()
    world.spotify.search_refusal = SpotifyRateLimitedError(20)
    # When the workflow resolves it / Then it is neither fetched nor queued again
    assert world.resolve(_lookup("drake")) == []
    assert world.queue.lookups == []


def test_a_replayed_lookup_whose_waiters_moved_still_fetches_their_artist() -> None:
    # Given a first run moved the lookup's waiter to Drake, then the execution failed later
    world = World()
    lookup = _lookup("drake")
    world.waiters.add(_waiter(lookup, "user-1"))
    world.resolve(lookup)
    # When the same batch is replayed / Then Drake is fetched again and the user still waits
    assert [request.artist_id for request in world.resolve(lookup)] == [DRAKE.id]
    assert world.waiting() == [(DRAKE.id, "user-1", "drake")]


def test_waiters_past_the_messaging_window_are_given_up_with_a_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given one user asked 25 hours ago and Spotify still refuses
    world = World()
    world.spotify.search_refusal = SpotifyRateLimitedError(900)
    lookup = _lookup("drake")
    world.waiters.add(_waiter(lookup, "user-1", asked=timedelta(hours=25)))
    # When the workflow resolves the lookup
    world.resolve(lookup)
    # Then the user is given up (the page may not message them), counted, and not retried
    assert world.waiting() == []
    assert world.queue.lookups == []
    [record] = [r for r in caplog.records if getattr(r, "event", None) == LogEvent.WAITER_GIVEN_UP]
    assert record.__dict__["reason"] == "window_closed"


def test_an_undelivered_not_found_answer_is_tried_again_for_that_user_only() -> None:
    # Given three users wait for a name Spotify does not have: one blocked the page, one's
    # sends fail for now, one can be told
    world = World()
    lookup = _lookup("Drakke")
    for user_id in ("blocked", "flaky", "reachable"):
        world.waiters.add(_waiter(lookup, user_id))
    world.messenger.down["blocked"] = RecipientUnreachableError("551")
    world.messenger.down["flaky"] = MessengerUnavailableError("HTTP 500")
    # When the workflow resolves the lookup
    world.resolve(lookup)
    # Then the reachable user is told, the blocked one given up, and the lookup queued again
    # for the flaky one alone
    assert [user for user, _ in world.messenger.sent] == ["reachable"]
    assert world.waiting() == [(lookup.waiter_key, "flaky", "Drakke")]
    assert world.queue.lookups == [(lookup, UNDELIVERED_RETRY_SECONDS)]


def test_a_lookup_key_is_the_same_for_spellings_that_differ_in_case_and_spacing() -> None:
    # Given two lookups typed differently / Then they share their waiters' key, not with songs
    assert _lookup("  Drake ").waiter_key == _lookup("drake").waiter_key
    assert _lookup("drake").waiter_key != _lookup("drake", "songs").waiter_key
