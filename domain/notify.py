"""Push the answer to everyone who asked about an artist the bot had to look up."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from contracts.names import LogEvent
from domain import replies
from domain.conversation import RecommendationPorts, send_recommendation, send_songs
from domain.errors import (
    MessengerDeliveryError,
    MessengerUnavailableError,
    RecipientUnreachableError,
)
from domain.models import Artist, Reply, Waiter
from domain.names import normalize_name
from domain.ports import (
    ArtistRepository,
    ArtistTombstones,
    ConversationMemory,
    Measurements,
    Messenger,
    SpotifyCatalog,
    TrackCatalog,
    WaiterStore,
)

logger = logging.getLogger(__name__)

# Messenger lets a page message a user freely only within 24 hours of the user's message.
MESSAGING_WINDOW = timedelta(hours=24)
# The waits between attempts at one send while the Send API fails for now: a throttled or
# briefly failing API usually answers again within seconds.
SEND_RETRY_DELAYS_SECONDS: Final = (0.5, 1.0, 2.0, 4.0)
# All the waiting one run may do, well inside NotifyWaiters' 60 s timeout: once it is spent,
# every other send is tried once, so a Send API that stays down never holds up the rest.
RETRY_BUDGET_SECONDS: Final = 20.0
# The field of a line about one waiter that names the Messenger message they asked in: the same
# field the functions' logs follow a message by (handlers/observability.py).
MESSAGE_ID_FIELD: Final = "message_id"
GiveUpReason = Literal["artist_gone", "recipient_unreachable", "window_closed"]


@dataclass(frozen=True)
class NotifyPorts:
    repository: ArtistRepository
    tracks: TrackCatalog
    waiters: WaiterStore
    # Sends as messages the page starts (UPDATE), not as replies.
    messenger: Messenger
    tombstones: ArtistTombstones
    # Whether songs can be offered: they come from top tracks, which Spotify may refuse.
    spotify: SpotifyCatalog
    sleep: Callable[[float], None]
    # Where a pushed answer is remembered, for "more like that" to follow.
    memory: ConversationMemory
    measurements: Measurements


def notify_waiters(artist_ids: Sequence[str], now: datetime, ports: NotifyPorts) -> int:
    """Answer each waiting user once, then forget them. Returns how many were answered.

    A waiter is forgotten only once answered, or given up on for a reason that is logged:
    Spotify no longer has the artist (they are told so), the user cannot be messaged any
    more, or their 24-hour window has closed. The waiters of an artist that is neither stored
    nor tombstoned (its fetch failed) wait for the next attempt while their window is open.
    A send that keeps failing
    leaves its waiter for the next attempt too, and fails the run once everyone else is
    answered. A replay finds no answered waiter left and sends nothing twice.
    """
    known = {artist.id: artist for artist in ports.repository.get_artists(artist_ids)}
    gone = ports.tombstones.tombstoned([i for i in artist_ids if i not in known])
    patient = PatientMessenger(ports.messenger, ports.sleep)
    answering = RecommendationPorts(
        ports.repository, ports.tracks, patient, ports.memory, answered_at=now
    )
    answered = 0
    undelivered: list[MessengerDeliveryError] = []
    for artist_id in dict.fromkeys(artist_ids):
        fetched = artist_id in known or artist_id in gone
        if not fetched:
            logger.info("Artist %s was not fetched; its waiters wait for a retry", artist_id)
        for waiter in still_waiting_for(artist_id, now, ports.waiters):
            if not fetched:
                continue
            try:
                _answer(waiter, known.get(artist_id), answering, ports.spotify)
            except RecipientUnreachableError:
                give_up(waiter, "recipient_unreachable", ports.waiters)
                continue
            except MessengerDeliveryError as error:
                undelivered.append(error)
                continue
            if artist_id in gone:
                give_up(waiter, "artist_gone", ports.waiters)
            else:
                ports.waiters.remove(waiter)
            logger.info(
                "Answered a user waiting for %s",
                artist_id,
                extra={MESSAGE_ID_FIELD: waiter.message_id, "artist_id": artist_id},
            )
            ports.measurements.answer_pushed(now - waiter.requested_at)
            answered += 1
    if undelivered:
        raise _still_waiting(undelivered)
    return answered


def still_waiting_for(key: str, now: datetime, waiters: WaiterStore) -> list[Waiter]:
    """The waiters under `key` the page may still message; those whose 24-hour window closed
    are given up on (`window_closed`) on the way."""
    waiting: list[Waiter] = []
    for waiter in waiters.waiting_for(key):
        if now - waiter.requested_at > MESSAGING_WINDOW:
            give_up(waiter, "window_closed", waiters)
        else:
            waiting.append(waiter)
    return waiting


def give_up_stale_waiters(now: datetime, waiters: WaiterStore) -> int:
    """Give up, counted, on every user whose 24-hour window closed while they waited for an
    answer no run brought: their artist's batch failed and was not redriven in time, or its
    execution failed before it answered. Messenger lets nothing be sent to them any more, and
    without this their wait would end unseen, when the table's TTL deletes them."""
    stale = waiters.asked_before(now - MESSAGING_WINDOW)
    for waiter in stale:
        give_up(waiter, "window_closed", waiters)
    return len(stale)


def _answer(
    waiter: Waiter, artist: Artist | None, ports: RecommendationPorts, spotify: SpotifyCatalog
) -> None:
    language = waiter.language
    if artist is None:
        ports.messenger.send(
            waiter.user_id, replies.text("no_longer_found", language, name=waiter.query)
        )
        return
    songs_readable = spotify.can_read_top_tracks(artist.id)
    if waiter.wants == "songs":
        if songs_readable:
            send_songs(waiter.user_id, artist, waiter.query, language, ports)
        else:
            ports.messenger.send(waiter.user_id, replies.text("songs_unavailable", language))
        return
    # What the user typed ("에스파") now leads straight to the artist for everyone.
    ports.repository.add_alias(normalize_name(waiter.query), artist.id, "spotify-search")
    send_recommendation(
        waiter.user_id, artist, language, ports, announce_found=True, songs_offered=songs_readable
    )


def give_up(waiter: Waiter, reason: GiveUpReason, waiters: WaiterStore) -> None:
    # The user's ID stays out of the log: the artist and the reason are what an operator needs.
    logger.warning(
        "Gave up on a user waiting for %s: %s",
        waiter.artist_id,
        reason,
        extra={
            LogEvent.FIELD: LogEvent.WAITER_GIVEN_UP,
            "reason": reason,
            "artist_id": waiter.artist_id,
            MESSAGE_ID_FIELD: waiter.message_id,
        },
    )
    waiters.remove(waiter)


def _still_waiting(undelivered: Sequence[MessengerDeliveryError]) -> MessengerDeliveryError:
    """The run's failure: of a kind the workflow retries when the Send API only failed for
    now, of the refusal's own kind otherwise."""
    summary = (
        f"{len(undelivered)} waiting users kept for another attempt; the first send failed "
        f"with: {undelivered[0]}"
    )
    if all(isinstance(error, MessengerUnavailableError) for error in undelivered):
        return MessengerUnavailableError(summary)
    return MessengerDeliveryError(summary)


@dataclass
class PatientMessenger:
    """Sends again, after a wait, what the Send API failed for now, while the run's waiting
    budget lasts; each send is retried on its own, so no message of an answer goes twice."""

    messenger: Messenger
    sleep: Callable[[float], None]
    budget_seconds: float = field(default=RETRY_BUDGET_SECONDS)

    def send(self, user_id: str, reply: Reply) -> None:
        for delay in SEND_RETRY_DELAYS_SECONDS:
            try:
                self.messenger.send(user_id, reply)
                return
            except MessengerUnavailableError:
                if delay > self.budget_seconds:
                    raise
            self.budget_seconds -= delay
            self.sleep(delay)
        self.messenger.send(user_id, reply)

    def show_typing(self, user_id: str) -> None:
        # Only a courtesy while the answer is worked out: a failed one must not cost the answer.
        try:
            self.messenger.show_typing(user_id)
        except MessengerDeliveryError as error:
            logger.info("Typing indicator not shown: %s", error)
