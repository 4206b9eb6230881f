from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from domain.conversation import ConversationPorts, answer_text
from domain.models import CarouselReply, IncomingText, Reply, TextReply
from tests.fakes import (
    FakeSpotify,
    InMemoryArtists,
    InMemoryProcessed,
    InMemoryWaiters,
    RecordingMessenger,
    RecordingQueue,
    artist,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DRAKE = artist("3TVXtAsR1Inumwj472S9r4", "Drake", "hip hop", "rap")
FUTURE = artist("1RyvyyTE3xzB2ZywiAwp0i", "Future", "hip hop", "trap")
AESPA = artist("6YVMFz59CuY7ngCxTxjpxE", "aespa", "k-pop")


@dataclass
class World:
    repository: InMemoryArtists = field(
        default_factory=lambda: InMemoryArtists(artists={FUTURE.id: FUTURE, AESPA.id: AESPA})
    )
    spotify: FakeSpotify = field(
        default_factory=lambda: FakeSpotify(
            catalog={a.id: a for a in (DRAKE, FUTURE, AESPA)}, other_names={"에스파": AESPA.id}
        )
    )
    waiters: InMemoryWaiters = field(default_factory=InMemoryWaiters)
    queue: RecordingQueue = field(default_factory=RecordingQueue)
    messenger: RecordingMessenger = field(default_factory=RecordingMessenger)
    processed: InMemoryProcessed = field(default_factory=InMemoryProcessed)

    def receive(self, body: str, user_id: str = "user-1", mid: str | None = None) -> None:
        message = IncomingText(
            user_id=user_id, message_id=mid or f"m_{len(self.processed.seen)}", text=body
        )
        answer_text(
            message,
            NOW,
            ConversationPorts(
                self.repository,
                self.spotify,
                self.waiters,
                self.queue,
                self.messenger,
                self.processed,
            ),
        )

    def replies(self) -> list[Reply]:
        return [reply for _, reply in self.messenger.sent]


@pytest.fixture
def world() -> World:
    return World()


def test_a_known_artist_is_answered_with_a_carousel_and_no_spotify_call(world: World) -> None:
    # Given Future is known / When a user types "FUTURE"
    world.receive("FUTURE")
    # Then the bot replies with Future's card, without asking Spotify
    [reply] = world.replies()
    assert isinstance(reply, CarouselReply)
    assert reply.cards[0].title == "Future"
    assert world.spotify.searches == []


def test_an_unknown_artist_is_queued_and_the_user_waits_for_it(world: World) -> None:
    # Given Drake is not known yet / When a user types "drake"
    world.receive("drake")
    # Then Drake's ID is queued, the user is waiting, and told so
    assert world.queue.enqueued == [(DRAKE.id, NOW)]
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert (waiter.user_id, waiter.query) == ("user-1", "drake")
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "Drake" in reply.text
    assert "message you" in reply.text


def test_another_name_for_a_known_artist_is_learned_from_spotify_once(world: World) -> None:
    # Given aespa is known but nobody typed "에스파" before
    # When two users type it
    world.receive("에스파", user_id="user-1")
    world.receive("에스파", user_id="user-2")
    # Then both get aespa's carousel; Spotify was asked once, nothing was queued
    assert [r.cards[0].title for r in world.replies() if isinstance(r, CarouselReply)] == [
        "aespa",
        "aespa",
    ]
    assert world.spotify.searches == ["에스파"]
    assert world.queue.enqueued == []


def test_a_name_nobody_knows_gets_a_helpful_answer(world: World) -> None:
    # When a user types a name Spotify does not know
    world.receive("Zzyzx Quartet")
    # Then the bot says so, and nothing is queued
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "couldn't find" in reply.text
    assert "Zzyzx Quartet" in reply.text
    assert world.queue.enqueued == []


def test_a_redelivered_message_gets_no_second_reply(world: World) -> None:
    # Given a message was answered / When Messenger delivers it again
    world.receive("Future", mid="m_same")
    world.receive("Future", mid="m_same")
    # Then there was one reply
    assert len(world.replies()) == 1


def test_an_empty_or_punctuation_only_text_gets_a_hint(world: World) -> None:
    # When a user sends only punctuation
    world.receive("  ?! ")
    # Then the bot asks for an artist's name
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "name of an artist" in reply.text
