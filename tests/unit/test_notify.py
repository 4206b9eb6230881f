from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.models import CarouselReply, Neighbour, TextReply, Waiter
from domain.notify import NotifyPorts, notify_waiters
from tests.fakes import (
    InMemoryArtists,
    InMemoryTracks,
    InMemoryWaiters,
    RecordingMessenger,
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
    messenger: RecordingMessenger

    def notify(self, artist_ids: list[str]) -> int:
        tracks = InMemoryTracks(tracks=[track("mask-off", FUTURE.id, "Mask Off")])
        ports = NotifyPorts(self.repository, tracks, self.waiters, self.messenger)
        return notify_waiters(artist_ids, NOW, ports)


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
    return World(repository, store, RecordingMessenger())


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


def test_waiters_past_messengers_24_hour_window_are_dropped_silently() -> None:
    # Given a user who asked 25 hours ago / When the answer is ready
    world = _world(_waiter("late", requested_at=NOW - timedelta(hours=25)))
    # Then nothing may be sent, and the waiter is forgotten
    assert world.notify([DRAKE.id]) == 0
    assert world.messenger.sent == []
    assert world.waiters.waiting_for(DRAKE.id) == []


def test_an_artist_spotify_could_not_give_is_reported_once() -> None:
    # Given a user waiting for an ID Spotify no longer has / When the ingest ends
    world = _world(_waiter("user", artist_id="deleted"))
    # Then the user hears so, once
    assert world.notify(["deleted"]) == 1
    [(_, reply)] = world.messenger.sent
    assert isinstance(reply, TextReply)
    assert "no details" in reply.text
