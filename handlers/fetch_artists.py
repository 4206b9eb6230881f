"""Ingest step 2 (one Map item): fetch a batch from Spotify into the lake and the stores.

Called again for the IDs a rate limit deferred, after the workflow waited until retry_at;
what each attempt did adds up, so the batch's output tells the whole story."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from domain.errors import SpotifyRateLimitedError
from domain.ingest import fetch_artists
from domain.models import IngestSummary
from handlers.composition import dependencies
from handlers.events import FetchArtistsInput, FetchArtistsOutput

# When Spotify defers IDs without saying for how long.
DEFAULT_RETRY_DELAY: Final = timedelta(seconds=60)


def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = FetchArtistsInput.model_validate(event)
    ports = dependencies().ingest()
    try:
        attempt = fetch_artists(request.artist_ids, request.as_of, ports)
    except SpotifyRateLimitedError as limited:
        # Nothing is written before Spotify answers: the whole attempt waits and runs again.
        attempt = IngestSummary(
            ingested=(),
            not_found=(),
            deferred=tuple(request.artist_ids),
            retry_at=ports.clock() + timedelta(seconds=limited.retry_after_seconds),
        )
    retry_at = None
    if attempt.deferred:
        retry_at = wait_timestamp(attempt.retry_at or ports.clock() + DEFAULT_RETRY_DELAY)
    return FetchArtistsOutput(
        ingested=[*request.ingested, *attempt.ingested],
        not_found=[*request.not_found, *attempt.not_found],
        deferred=list(attempt.deferred),
        retry_at=retry_at,
    ).model_dump(mode="json")


def wait_timestamp(moment: datetime) -> str:
    """The moment in UTC as Step Functions' Wait state reads it, rounded up to the second
    so the wait never ends before Spotify's Retry-After does."""
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
