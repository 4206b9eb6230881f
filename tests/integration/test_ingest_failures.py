"""Spotify failing: 5xx and timeouts are retried with jittered backoff; a batch that still
fails, and every ID Spotify does not have, goes to the dead-letter queue with the reason,
while the rest of the execution carries on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.errors import SpotifyUnavailableError
from domain.models import Artist, FetchOutcome, Track
from domain.ports import SpotifyCatalog
from handlers import composition
from local.spotify_server import Endpoint, Fault, SpotifyServer
from local.stack import LocalStack
from tests.stack_probes import (
    REQUESTED_AT,
    similarity_lists,
    stack_operations,
    start_requested_ingest,
    table_rows,
)
from tests.swapped_adapters import handlers_using

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"
EMINEM = "7dGJo4pcD2V6oG8kP0tJRR"
UNKNOWN = "0000000000000000000000"


@dataclass
class SpotifyDownFor:
    """The stack's Spotify adapter, except that a batch holding one of `unavailable` fails
    the way a Spotify outage does."""

    real: SpotifyCatalog
    unavailable: frozenset[str]
    failed_attempts: list[tuple[str, ...]] = field(default_factory=list)

    def search_artist(self, query: str) -> Artist | None:
        return self.real.search_artist(query)

    def search_track(self, query: str) -> Track | None:
        return self.real.search_track(query)

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        if self.unavailable & set(artist_ids):
            self.failed_attempts.append(tuple(artist_ids))
            raise SpotifyUnavailableError("Spotify failed the artists request (HTTP 503)")
        return self.real.fetch_artists(artist_ids)


def _ingest(stack: LocalStack, name: str, artist_ids: Sequence[str]) -> dict[str, object]:
    output: dict[str, object] = stack.wait_for_execution(
        start_requested_ingest(stack, name, artist_ids), 90
    )
    return output


def test_a_brief_spotify_outage_is_retried_and_the_batch_lands(
    clean_stack: LocalStack, stack_spotify: SpotifyServer
) -> None:
    # Given Spotify fails the next two batch requests with a 500
    stack_spotify.inject_fault(Endpoint.ARTISTS, Fault(status=500), times=2)

    # When Drake is ingested
    _ingest(clean_stack, "brief-outage", [DRAKE])

    # Then the batch was asked for again until it landed, and nothing went to the DLQ
    assert stack_spotify.calls[Endpoint.ARTISTS] >= 3
    assert [row[0] for row in table_rows(clean_stack, "artists")] == [DRAKE]
    assert stack_operations(clean_stack).dead_letters() == []


def test_a_batch_spotify_keeps_failing_goes_to_the_dlq_and_the_rest_carries_on(
    clean_stack: LocalStack,
) -> None:
    # Given 50 catalog artists and Eminem, in two batches, and Spotify failing any batch
    # holding Eminem
    others = sorted(a for a in clean_stack.catalog.artists if a != EMINEM)[:50]
    down = SpotifyDownFor(composition.dependencies().spotify, frozenset({EMINEM}))

    # When they are ingested
    with handlers_using(spotify=down):
        output = _ingest(clean_stack, "lasting-outage", [*others, EMINEM])

    # Then Eminem's batch was tried four times (once, then three retries)
    assert down.failed_attempts == [(EMINEM,)] * 4
    # And Eminem is in the DLQ with the error and its cause, ready to be requested again
    [letter] = stack_operations(clean_stack).dead_letters()
    assert (letter.artist_id, letter.error) == (EMINEM, "SpotifyUnavailableError")
    assert "HTTP 503" in (letter.cause or "")
    assert letter.requested_at.isoformat() == REQUESTED_AT
    # And the other batch was ingested, its similar artists computed, its waiters notified
    stored = {row[0] for row in table_rows(clean_stack, "artists")}
    assert stored == set(others)
    assert set(similarity_lists(clean_stack)) <= stored
    assert output["similarity"] == {"rewritten": len(others)}
    assert output["notified"] == {"answered": 0}
    fetched = output["fetched"]
    assert isinstance(fetched, list)
    assert [batch["failed"] for batch in fetched] == [[], [EMINEM]]


def test_ids_spotify_does_not_have_go_to_the_dlq_once_and_are_not_retried(
    clean_stack: LocalStack, stack_spotify: SpotifyServer
) -> None:
    # When Drake and an ID Spotify does not know are ingested
    output = _ingest(clean_stack, "poison-id", [DRAKE, UNKNOWN])

    # Then the unknown ID is in the DLQ as not found, after a single request
    [letter] = stack_operations(clean_stack).dead_letters()
    assert (letter.artist_id, letter.error, letter.cause) == (
        UNKNOWN,
        "NotFound",
        "not found on Spotify",
    )
    assert stack_spotify.calls[Endpoint.ARTISTS] == 1
    # And Drake landed as usual
    assert [row[0] for row in table_rows(clean_stack, "artists")] == [DRAKE]
    fetched = output["fetched"]
    assert isinstance(fetched, list)
    assert [(b["ingested"], b["not_found"]) for b in fetched] == [([DRAKE], [UNKNOWN])]
