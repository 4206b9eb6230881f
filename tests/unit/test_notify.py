from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from contracts.names import LogEvent
from domain import replies
from domain.errors import (
    MessengerDeliveryError,
    MessengerUnavailableError,
    RecipientUnreachableError,
)
from domain.models import CarouselReply, LastAnswer, Neighbour, TextReply, Waiter
from domain.notify import (
    RETRY_BUDGET_SECONDS,
    NotifyPorts,
    PatientMessenger,
    give_up_stale_waiters,
    notify_waiters,
)
from tests.fakes import (
    FailingMessenger,
    FakeSpotify,
    InMemoryArtists,
    InMemoryConversationMemory,
    InMemoryTombstones,
    InMemoryTracks,
    InMemoryWaiters,
    RecordingMeasurements,
    artist,
    track,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DRAKE = artist("drake", "Drake", "hip hop")
FUTURE = artist("future", "Future", "hip hop")


@dataclass
class World:
    repository: InMemoryArtists
    waiters: InMemoryWaiters
    messenger: FailingMessenger
    tombstones: InMemoryTombstones = field(default_factory=InMemoryTombstones)
    spotify: FakeSpotify = field(default_factory=FakeSpotify)
    slept: list[float] = field(default_factory=list)
    memory: InMemoryConversationMemory = field(default_factory=InMemoryConversationMemory)
    measurements: RecordingMeasurements = field(default_factory=RecordingMeasurements)

    def notify(self, artist_ids: list[str]) -> int:
        tracks = InMemoryTracks(tracks=[track("mask-off", FUTURE.id, "Mask Off")])
        ports = NotifyPorts(
            self.repository,
            tracks,
            self.waiters,
            self.messenger,
            self.tombstones,
            self.spotify,
            self.slept.append,
            self.memory,
            self.measurements,
        )
        return notify_waiters(artist_ids, NOW, ports)

    def recipients(self) -> list[str]:
        return list(dict.fromkeys(user for user, _ in self.messenger.sent))


def _world(*waiters: Waiter) -> World:
    store = InMemoryWaiters()
    for waiter in waiters:
        store.add(waiter)
    repository = InMemoryArtists(
        artists={DRAKE.id: DRAKE, FUTURE.id: FUTURE},
        neighbours={
            DRAKE.id: [Neighbour(artist_id=DRAKE.id, similar_id=FUTURE.id, rank=1, score=0.7)]
        },
    )
    return World(repository, store, FailingMessenger())


def _waiter(user: str, **changes: object) -> Waiter:
    fields: dict[str, object] = {
        "artist_id": DRAKE.id,
        "user_id": user,
        "query": "드레이크",
        "requested_at": NOW - timedelta(seconds=5),
    }
    return Waiter.model_validate(fields | changes)


def test_every_waiter_is_answered_once_in_their_language() -> None:
    # Given a Korean user waiting for artists and an English one waiting for songs
    world = _world(_waiter("ko-user", language="ko"), _waiter("en-user", wants="songs"))
    # When Drake has been ingested
    answered = world.notify([DRAKE.id])
    # Then both got their answer, and nobody waits any more
    assert answered == 2
    sent = world.messenger.sent
    korean = [reply for user, reply in sent if user == "ko-user"]
    assert isinstance(korean[0], TextReply)
    assert "찾았어요" in korean[0].text
    assert isinstance(korean[1], CarouselReply)
    assert [c.title for c in korean[1].cards] == ["Drake", "Future"]
    songs = [reply for user, reply in sent if user == "en-user"]
    assert isinstance(songs[-1], CarouselReply)
    assert [c.title for c in songs[-1].cards] == ["Mask Off"]
    assert world.waiters.waiting_for(DRAKE.id) == []


def test_each_pushed_answer_is_measured_from_when_its_user_asked() -> None:
    # Given users who asked 5 s and 90 s ago
    world = _world(_waiter("quick"), _waiter("slow", requested_at=NOW - timedelta(seconds=90)))
    # When Drake has been ingested
    world.notify([DRAKE.id])
    # Then each answer's wait is measured
    assert sorted(world.measurements.waits_answered) == [
        timedelta(seconds=5),
        timedelta(seconds=90),
    ]


def test_a_pushed_answer_is_remembered_for_more_like_that() -> None:
    # Given a user waiting for artists and one waiting for songs
    world = _world(_waiter("artists-user"), _waiter("songs-user", wants="songs"))
    # When Drake has been ingested and both are answered
    world.notify([DRAKE.id])
    # Then each answer is what a "more like that" from that user follows
    assert world.memory.last["artists-user"] == LastAnswer(
        artist_id=DRAKE.id, wants="artists", page=1, answered_at=NOW
    )
    assert world.memory.last["songs-user"].wants == "songs"


def test_what_the_waiter_typed_becomes_an_alias() -> None:
    # Given a user who typed Drake's name in Hangul / When Drake is answered
    world = _world(_waiter("ko-user", language="ko"))
    world.notify([DRAKE.id])
    # Then that spelling now finds Drake directly
    assert world.repository.find_by_alias("드레이크") == DRAKE


def test_a_replay_sends_nothing_twice() -> None:
    # Given the waiters were answered / When the same step runs again
    world = _world(_waiter("user"))
    world.notify([DRAKE.id])
    # Then nobody is answered again
    assert world.notify([DRAKE.id]) == 0
    assert len(world.messenger.sent) == 2


def _given_up(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [
        (record.__dict__["artist_id"], record.__dict__["reason"])
        for record in caplog.records
        if getattr(record, "event", None) == LogEvent.WAITER_GIVEN_UP
    ]


def test_waiters_past_messengers_24_hour_window_are_given_up_with_the_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a user who asked 25 hours ago / When the answer is ready
    world = _world(_waiter("late", requested_at=NOW - timedelta(hours=25)))
    assert world.notify([DRAKE.id]) == 0
    # Then nothing may be sent, the waiter is forgotten, and the log says why
    assert world.messenger.sent == []
    assert world.waiters.waiting_for(DRAKE.id) == []
    assert _given_up(caplog) == [(DRAKE.id, "window_closed")]


def test_a_tombstoned_artist_is_reported_once_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a user waiting for an ID Spotify no longer has, which the ingest tombstoned
    world = _world(_waiter("user", artist_id="deleted"))
    world.tombstones.bury(["deleted"], NOW)
    # When the ingest ends / Then the user hears so, once, and the give-up is counted
    assert world.notify(["deleted"]) == 1
    [(_, reply)] = world.messenger.sent
    assert isinstance(reply, TextReply)
    assert "no details" in reply.text
    assert world.waiters.waiting_for("deleted") == []
    assert _given_up(caplog) == [("deleted", "artist_gone")]


def test_the_waiters_of_an_artist_whose_fetch_failed_wait_for_the_next_attempt() -> None:
    # Given a user waiting for an artist neither stored nor tombstoned: its fetch failed
    world = _world(_waiter("user", artist_id="not-fetched-yet"))
    # When the ingest ends
    assert world.notify(["not-fetched-yet"]) == 0
    # Then nobody is told the artist is gone, and the user still waits
    assert world.messenger.sent == []
    assert [w.user_id for w in world.waiters.waiting_for("not-fetched-yet")] == ["user"]


def test_a_waiter_for_an_unfetched_artist_is_given_up_once_the_window_closes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a user who asked 25 hours ago about an artist whose fetch failed again
    world = _world(
        _waiter("late", artist_id="not-fetched-yet", requested_at=NOW - timedelta(hours=25))
    )
    # When the ingest ends / Then the user is given up on, unsent, with the reason
    assert world.notify(["not-fetched-yet"]) == 0
    assert world.messenger.sent == []
    assert world.waiters.waiting_for("not-fetched-yet") == []
    assert _given_up(caplog) == [("not-fetched-yet", "window_closed")]


def test_a_user_who_cannot_be_messaged_is_given_up_and_the_others_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given three waiters, the second of whom blocked the page
    world = _world(_waiter("first"), _waiter("blocked"), _waiter("third"))
    world.messenger.down["blocked"] = RecipientUnreachableError("blocked the page")
    # When Drake has been ingested
    answered = world.notify([DRAKE.id])
    # Then the other two were answered, nobody waits, and the give-up is counted
    assert answered == 2
    assert world.recipients() == ["first", "third"]
    assert world.waiters.waiting_for(DRAKE.id) == []
    assert _given_up(caplog) == [(DRAKE.id, "recipient_unreachable")]
    assert world.slept == []


def test_a_send_that_fails_for_now_is_sent_again_after_a_wait() -> None:
    # Given a Send API failing the first two sends to a user with a temporary error
    world = _world(_waiter("user"))
    world.messenger.failing_next["user"] = [
        MessengerUnavailableError("code 2"),
        MessengerUnavailableError("code 2"),
    ]
    # When Drake has been ingested
    answered = world.notify([DRAKE.id])
    # Then the user was answered once, each message once, after two growing waits
    assert answered == 1
    assert [type(reply) for _, reply in world.messenger.sent] == [TextReply, CarouselReply]
    assert len(world.slept) == 2
    assert world.slept[0] < world.slept[1]
    assert world.waiters.waiting_for(DRAKE.id) == []


def test_a_send_api_that_stays_down_keeps_the_waiters_and_fails_after_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given three waiters, and a Send API failing every send to the first two for now
    world = _world(_waiter("down-1"), _waiter("down-2"), _waiter("fine"))
    for user in ("down-1", "down-2"):
        world.messenger.down[user] = MessengerUnavailableError("HTTP 503")
    # When Drake has been ingested
    with pytest.raises(MessengerUnavailableError, match="2 waiting users kept"):
        world.notify([DRAKE.id])
    # Then the third user was answered anyway, the waits stayed within the budget, and the
    # two others still wait for the workflow's next attempt, given up on by nobody
    assert world.recipients() == ["fine"]
    assert sum(world.slept) <= RETRY_BUDGET_SECONDS
    assert {w.user_id for w in world.waiters.waiting_for(DRAKE.id)} == {"down-1", "down-2"}
    assert _given_up(caplog) == []


def test_a_refused_request_keeps_the_waiter_and_fails_without_a_retry() -> None:
    # Given a waiter whose answer the Send API refuses as a malformed request
    world = _world(_waiter("user"), _waiter("other"))
    world.messenger.down["user"] = MessengerDeliveryError("(#100) invalid parameter")
    # When Drake has been ingested / Then the run fails, but not as a temporary failure
    with pytest.raises(MessengerDeliveryError) as raised:
        world.notify([DRAKE.id])
    assert not isinstance(raised.value, MessengerUnavailableError)
    assert world.slept == []
    assert world.recipients() == ["other"]
    assert [w.user_id for w in world.waiters.waiting_for(DRAKE.id)] == ["user"]


def test_a_pushed_answer_offers_songs_only_where_top_tracks_can_be_read() -> None:
    # Given Spotify refuses top tracks, a user waiting for artists and one waiting for songs
    world = _world(_waiter("artists-user"), _waiter("songs-user", wants="songs"))
    world.spotify.top_tracks_readable = False
    # When Drake has been ingested
    answered = world.notify([DRAKE.id])
    # Then the artists' answer offers no songs, and the songs request hears why there are none
    assert answered == 2
    (carousel,) = [r for u, r in world.messenger.sent if isinstance(r, CarouselReply)]
    assert all("SONGS" not in quick.payload for quick in carousel.quick_replies)
    (songs_answer,) = [r for u, r in world.messenger.sent if u == "songs-user"]
    assert isinstance(songs_answer, TextReply)
    assert songs_answer.text == replies.text("songs_unavailable", "en").text


def test_waiters_whose_window_closed_unanswered_are_given_up_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a user who asked 25 hours ago for an artist no run fetched, one who asked 23
    # hours ago, and one waiting 30 hours for a lookup Spotify kept refusing
    world = _world(
        _waiter("stale", requested_at=NOW - timedelta(hours=25)),
        _waiter("fresh", requested_at=NOW - timedelta(hours=23)),
        _waiter("lookup", artist_id="lookup:artists:drake", requested_at=NOW - timedelta(hours=30)),
    )
    # When the daily sweep runs
    given_up = give_up_stale_waiters(NOW, world.waiters)
    # Then the two whose window closed are given up, counted, and sent nothing; the other waits
    assert given_up == 2
    assert [w.user_id for w in world.waiters.waiters.values()] == ["fresh"]
    assert sorted(_given_up(caplog)) == [
        (DRAKE.id, "window_closed"),
        ("lookup:artists:drake", "window_closed"),
    ]
    assert world.messenger.sent == []


def test_a_typing_indicator_the_send_api_refuses_costs_nothing() -> None:
    # Given a Send API that refuses everything to one user
    failing = FailingMessenger(down={"user": MessengerUnavailableError("HTTP 500")})
    patient = PatientMessenger(failing, lambda _: None)
    # When the typing indicator is shown / Then nothing is raised, and nothing was sent
    patient.show_typing("user")
    assert failing.sent == []
    assert failing.typing == []
