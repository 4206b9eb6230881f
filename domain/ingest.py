"""The ingest workflow's steps: plan the batches, fetch them, remember what was fetched."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.names import LogEvent
from domain.models import ArtistRequest, IngestPlan, IngestSummary
from domain.ports import ArtistRepository, ArtistTombstones, GenreStore, RawLake, SpotifyCatalog

logger = logging.getLogger(__name__)

SPOTIFY_BATCH_LIMIT = 50
# When Spotify defers IDs without saying for how long.
DEFAULT_RETRY_AFTER_SECONDS = 60


def plan_from_requests(requests: Sequence[ArtistRequest]) -> IngestPlan:
    """A plan for queued requests, stamped with the newest request's time."""
    if not requests:
        raise ValueError("an ingest needs at least one artist request")
    as_of = max(request.requested_at for request in requests)
    return plan(as_of, (request.artist_id for request in requests))


def plan(as_of: datetime, artist_ids: Iterable[str]) -> IngestPlan:
    unique = tuple(dict.fromkeys(artist_ids))
    batches = tuple(
        unique[start : start + SPOTIFY_BATCH_LIMIT]
        for start in range(0, len(unique), SPOTIFY_BATCH_LIMIT)
    )
    return IngestPlan(as_of=as_of, artist_ids=unique, batches=batches)


@dataclass(frozen=True)
class IngestPorts:
    spotify: SpotifyCatalog
    lake: RawLake
    genres: GenreStore
    repository: ArtistRepository
    tombstones: ArtistTombstones
    clock: Callable[[], datetime]


def fetch_artists(artist_ids: Sequence[str], as_of: datetime, ports: IngestPorts) -> IngestSummary:
    """Fetch one batch into every store. The lake and DynamoDB are written before
    PostgreSQL, so a crash in between is repaired by running the batch again. What Spotify
    made us wait for is handed back with the time to try again, never slept on.

    An artist Spotify does not have is not an outage: it gets a tombstone, which the daily
    refresh skips, and is counted in the log; an artist found again loses its tombstone.
    """
    outcome = ports.spotify.fetch_artists(artist_ids)
    for item in outcome.fetched:
        ports.lake.put_raw(item, as_of.date())
        ports.genres.put_genres(item.artist.id, item.artist.genres)
    ports.lake.put_tables(outcome.fetched, as_of.date())
    ports.repository.save_fetched(outcome.fetched, as_of)
    ingested = tuple(item.artist.id for item in outcome.fetched)
    ports.tombstones.lift(ingested, as_of)
    if outcome.not_found:
        # Counted once per artist: a replay, or another request for an artist already known
        # to be gone, is no news.
        known_gone = ports.tombstones.tombstoned(outcome.not_found)
        newly_gone = [i for i in outcome.not_found if i not in known_gone]
        ports.tombstones.bury(outcome.not_found, as_of)
        if newly_gone:
            logger.warning(
                "Spotify does not have %d artists; tombstoned",
                len(newly_gone),
                extra={
                    LogEvent.FIELD: LogEvent.ARTISTS_NOT_FOUND,
                    # How many artists the line stands for, which a metric filter adds up.
                    LogEvent.ARTIST_COUNT: len(newly_gone),
                    "artist_ids": newly_gone,
                },
            )
    retry_at = None
    if outcome.deferred:
        wait = outcome.retry_after_seconds or DEFAULT_RETRY_AFTER_SECONDS
        retry_at = ports.clock() + timedelta(seconds=wait)
    return IngestSummary(
        ingested=ingested,
        not_found=outcome.not_found,
        deferred=outcome.deferred,
        retry_at=retry_at,
    )
