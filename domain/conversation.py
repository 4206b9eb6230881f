"""What the bot does with a text a person sends: answer from what it knows, or go and find out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import replies
from domain.models import IncomingText, Waiter
from domain.names import normalize_name
from domain.ports import (
    ArtistRepository,
    Messenger,
    ProcessedMessages,
    SpotifyCatalog,
    WaiterStore,
    WorkQueue,
)

SIMILAR_SHOWN = replies.CAROUSEL_LIMIT - 1


@dataclass(frozen=True)
class ConversationPorts:
    repository: ArtistRepository
    spotify: SpotifyCatalog
    waiters: WaiterStore
    queue: WorkQueue
    messenger: Messenger
    processed: ProcessedMessages


def answer_text(message: IncomingText, now: datetime, ports: ConversationPorts) -> None:
    """Reply to one text; a redelivered message gets no second reply."""
    if not ports.processed.first_delivery(message.message_id):
        return
    query = " ".join(message.text.split())
    key = normalize_name(query)
    if not key:
        ports.messenger.send(message.user_id, replies.type_a_name())
        return

    known = ports.repository.find_by_alias(key)
    if known is not None:
        similar = ports.repository.similar_artists(known.id, SIMILAR_SHOWN)
        ports.messenger.send(message.user_id, replies.recommendation(known, similar))
        return

    found = ports.spotify.search_artist(query)
    if found is None:
        ports.messenger.send(message.user_id, replies.not_found(query))
        return

    already_known = ports.repository.get_artists([found.id])
    if already_known:
        # Typed differently from any name we had (another script, a nickname): remember
        # it so the next person who types it costs no Spotify call.
        ports.repository.add_alias(key, found.id, "spotify-search")
        similar = ports.repository.similar_artists(found.id, SIMILAR_SHOWN)
        ports.messenger.send(message.user_id, replies.recommendation(already_known[0], similar))
        return

    ports.waiters.add(
        Waiter(artist_id=found.id, user_id=message.user_id, query=query, requested_at=now)
    )
    ports.queue.enqueue(found.id, now)
    ports.messenger.send(message.user_id, replies.looking_up(found.name))
