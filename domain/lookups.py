"""Searches Spotify refused while a user waited, done again by the ingest workflow: whom the
user meant joins the batch to fetch, and their wait moves to that artist."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from domain import replies
from domain.conversation import deferral_seconds
from domain.errors import MessengerDeliveryError, RecipientUnreachableError, SpotifyRefusedError
from domain.models import ArtistRequest, LookupRequest, QueuedRequest, Waiter
from domain.notify import PatientMessenger, give_up, still_waiting_for
from domain.ports import Messenger, SpotifyCatalog, WaiterStore, WorkQueue

logger = logging.getLogger(__name__)

# How long a lookup waits before its not-found answer is sent again, when the Send API
# failed it for now.
UNDELIVERED_RETRY_SECONDS: Final = 60


@dataclass(frozen=True)
class LookupPorts:
    spotify: SpotifyCatalog
    waiters: WaiterStore
    queue: WorkQueue
    # Sends as messages the page starts (UPDATE): the user's own message was answered long ago.
    messenger: Messenger
    sleep: Callable[[float], None]


@dataclass(frozen=True)
class _Match:
    artist_id: str
    # What the waiter is answered about: for songs, the title as Spotify spells it.
    query: str | None = None


def resolve_lookups(
    requests: Sequence[QueuedRequest], now: datetime, ports: LookupPorts
) -> list[ArtistRequest]:
    """The artists to fetch: each queued artist as it is, and whom each lookup found.

    A lookup's waiters move to the artist found, and NotifyWaiters answers them once it is
    fetched; they are added there before they are removed here, so a crash in between leaves
    them waiting twice (answered once: NotifyWaiters removes what it answers), never lost.
    When Spotify has nothing by that name they are told so. A search Spotify refuses again
    goes back to the queue for as long as Spotify asks, while anyone waits for it.

    A lookup is searched even when nobody waits for it any more, so that a replay whose
    first run moved the waiters still fetches the artist they now wait for.
    """
    patient = PatientMessenger(ports.messenger, ports.sleep)
    to_fetch: list[ArtistRequest] = []
    for request in requests:
        if isinstance(request, ArtistRequest):
            to_fetch.append(request)
            continue
        match = _resolve(request, now, ports, patient)
        if match is not None:
            to_fetch.append(
                ArtistRequest(
                    artist_id=match,
                    requested_at=request.requested_at,
                    message_id=request.message_id,
                )
            )
    return to_fetch


def _resolve(
    lookup: LookupRequest, now: datetime, ports: LookupPorts, patient: PatientMessenger
) -> str | None:
    waiting = still_waiting_for(lookup.waiter_key, now, ports.waiters)
    try:
        match = _search(lookup, ports.spotify)
    except SpotifyRefusedError as refusal:
        if waiting:
            logger.info("Spotify refused a lookup again; queued for retry: %s", refusal)
            ports.queue.enqueue_lookup(lookup, deferral_seconds(refusal))
        else:
            logger.info("Spotify refused a lookup nobody waits for any more: %s", refusal)
        return None
    if match is None:
        _tell_not_found(lookup, waiting, ports, patient)
        return None
    for waiter in waiting:
        update = {"artist_id": match.artist_id}
        if match.query is not None:
            update["query"] = match.query
        ports.waiters.add(waiter.model_copy(update=update))
        ports.waiters.remove(waiter)
    return match.artist_id


def _search(lookup: LookupRequest, spotify: SpotifyCatalog) -> _Match | None:
    if lookup.wants == "artists":
        artist = spotify.search_artist(lookup.query)
        return None if artist is None else _Match(artist.id)
    track = spotify.search_track(lookup.query)
    if track is not None:
        return _Match(track.artist_id, track.name)
    # "songs like Drake": no song has that title, but an artist has that name.
    artist = spotify.search_artist(lookup.query)
    return None if artist is None else _Match(artist.id, artist.name)


def _tell_not_found(
    lookup: LookupRequest, waiting: Sequence[Waiter], ports: LookupPorts, patient: PatientMessenger
) -> None:
    key = "not_found" if lookup.wants == "artists" else "song_not_found"
    undelivered = False
    for waiter in waiting:
        try:
            patient.send(waiter.user_id, replies.text(key, waiter.language, query=waiter.query))
        except RecipientUnreachableError:
            give_up(waiter, "recipient_unreachable", ports.waiters)
            continue
        except MessengerDeliveryError as error:
            logger.warning("A not-found answer was not delivered; retried later: %s", error)
            undelivered = True
            continue
        ports.waiters.remove(waiter)
    if undelivered:
        # Only the waiters not yet told are left under the lookup's key.
        ports.queue.enqueue_lookup(lookup, UNDELIVERED_RETRY_SECONDS)
