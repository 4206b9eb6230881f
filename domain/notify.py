"""Push the answer to everyone who asked about an artist the bot had to look up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import replies
from domain.conversation import RecommendationPorts, send_recommendation, send_songs
from domain.models import Artist, Waiter
from domain.names import normalize_name
from domain.ports import ArtistRepository, Messenger, TrackCatalog, WaiterStore

# Messenger lets a page message a user freely only within 24 hours of the user's message.
MESSAGING_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class NotifyPorts:
    repository: ArtistRepository
    tracks: TrackCatalog
    waiters: WaiterStore
    messenger: Messenger


def notify_waiters(artist_ids: Sequence[str], now: datetime, ports: NotifyPorts) -> int:
    """Answer each waiting user once, then forget them. Returns how many were answered.

    A replay finds no waiters left and sends nothing twice.
    """
    known = {artist.id: artist for artist in ports.repository.get_artists(artist_ids)}
    answered = 0
    for artist_id in dict.fromkeys(artist_ids):
        for waiter in ports.waiters.waiting_for(artist_id):
            if now - waiter.requested_at <= MESSAGING_WINDOW:
                _answer(waiter, known.get(artist_id), ports)
                answered += 1
            ports.waiters.remove(waiter)
    return answered


def _answer(waiter: Waiter, artist: Artist | None, ports: NotifyPorts) -> None:
    language = waiter.language
    if artist is None:
        ports.messenger.send(
            waiter.user_id, replies.text("no_longer_found", language, name=waiter.query)
        )
        return
    answering = RecommendationPorts(ports.repository, ports.tracks, ports.messenger)
    if waiter.wants == "songs":
        send_songs(waiter.user_id, artist, waiter.query, language, answering)
        return
    # What the user typed ("에스파") now leads straight to the artist for everyone.
    ports.repository.add_alias(normalize_name(waiter.query), artist.id, "spotify-search")
    send_recommendation(waiter.user_id, artist, language, answering, announce_found=True)
