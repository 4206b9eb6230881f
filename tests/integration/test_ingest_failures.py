"""Spotify failing: 5xx and timeouts, Spotify's or the fetch function's own, are retried
with jittered backoff; a batch that still fails goes to the dead-letter queue with the reason,
while the rest of the execution carries on. An ID Spotify does not have is no failure: it is
tombstoned, and whoever waits for it is told."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from contracts.names import Handler
from domain.errors import SpotifyUnavailableError
from domain.models import Artist, FetchOutcome, Track, Waiter
from domain.ports import SpotifyCatalog
from handlers import composition, fetch_artists
from local import lambda_dispatch
from local.aws import LOCAL_STAGE, local_functions
from local.lambda_dispatch import LocalFunction
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

    def can_read_top_tracks(self, artist_id: str) -> bool:
        return self.real.can_read_top_tracks(artist_id)


@dataclass
class HangingOnce:
    """The stack's Spotify adapter, except that the first batch hangs for `hang_seconds`, as a
    stuck connection would, and then fails without having written anything."""

    real: SpotifyCatalog
    hang_seconds: float
    attempts: list[tuple[str, ...]] = field(default_factory=list)

    def search_artist(self, query: str) -> Artist | None:
        return self.real.search_artist(query)

    def search_track(self, query: str) -> Track | None:
        return self.real.search_track(query)

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        self.attempts.append(tuple(artist_ids))
        if len(self.attempts) == 1:
            time.sleep(self.hang_seconds)
            raise SpotifyUnavailableError("the connection hung")
        return self.real.fetch_artists(artist_ids)

    def can_read_top_tracks(self, artist_id: str) -> bool:
        return self.real.can_read_top_tracks(artist_id)


# Short enough to keep the test quick, long enough for a fetch from the local stand-ins.
SHORT_FETCH_TIMEOUT_SECONDS = 1.0


@pytest.fixture
def fetch_times_out_quickly(clean_stack: LocalStack) -> Iterator[float]:
    """FetchArtists with a one-second timeout for the test, and its own afterwards."""
    lambda_dispatch.register(
        {
            LOCAL_STAGE.function(Handler.FETCH_ARTISTS): LocalFunction(
                fetch_artists.handle, SHORT_FETCH_TIMEOUT_SECONDS
            )
        }
    )
    yield SHORT_FETCH_TIMEOUT_SECONDS
    lambda_dispatch.register(local_functions({Handler.FETCH_ARTISTS: fetch_artists.handle}))


def _task_errors(stack: LocalStack, execution_arn: str) -> list[str]:
    """The error of every failed task of the execution, in order."""
    events = stack.aws.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]


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


def test_a_fetch_that_outlives_its_timeout_is_retried_and_the_batch_lands(
    clean_stack: LocalStack, fetch_times_out_quickly: float
) -> None:
    # Given the fetch function's timeout, and a first fetch that hangs past it
    hanging = HangingOnce(composition.dependencies().spotify, fetch_times_out_quickly + 1)

    # When Drake is ingested
    with handlers_using(composition.Adapters(spotify=hanging)):
        execution_arn = start_requested_ingest(clean_stack, "fetch-timed-out", [DRAKE])
        clean_stack.wait_for_execution(execution_arn, 90)

    # Then Lambda stopped the first fetch with Sandbox.Timedout, the workflow fetched the batch
    # again, Drake landed, and nothing went to the dead-letter queue
    assert _task_errors(clean_stack, execution_arn) == ["Sandbox.Timedout"]
    assert hanging.attempts == [(DRAKE,), (DRAKE,)]
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
    with handlers_using(composition.Adapters(spotify=down)):
        output = _ingest(clean_stack, "lasting-outage", [*others, EMINEM])

    # Then Eminem's batch was tried four times (once, then three retries)
    assert down.failed_attempts == [(EMINEM,)] * 4
    # And Eminem is in the DLQ with the error and its cause, ready to be requested again
    [letter] = stack_operations(clean_stack).dead_letters()
    assert (letter.subject, letter.error) == (EMINEM, "SpotifyUnavailableError")
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


def test_ids_spotify_does_not_have_are_tombstoned_not_dead_lettered_and_waiters_answered(
    clean_stack: LocalStack, stack_spotify: SpotifyServer
) -> None:
    # Given a user waiting for an ID Spotify does not have
    user_id = "2400000000000888"
    composition.dependencies().waiters.add(
        Waiter(artist_id=UNKNOWN, user_id=user_id, query="xyzzy", requested_at=datetime.now(UTC))
    )

    # When Drake and that ID are ingested
    output = _ingest(clean_stack, "poison-id", [DRAKE, UNKNOWN])

    # Then the unknown ID is tombstoned as of the request after a single request, and the
    # dead-letter queue, which means an outage, stays empty
    assert [(i, at.isoformat()) for i, at in table_rows(clean_stack, "artist_tombstones")] == [
        (UNKNOWN, REQUESTED_AT)
    ]
    assert stack_spotify.calls[Endpoint.ARTISTS] == 1
    assert stack_operations(clean_stack).dead_letters() == []
    # And Drake landed as usual, and the batch reports the unknown ID
    assert [row[0] for row in table_rows(clean_stack, "artists")] == [DRAKE]
    fetched = output["fetched"]
    assert isinstance(fetched, list)
    assert [(b["ingested"], b["not_found"]) for b in fetched] == [([DRAKE], [UNKNOWN])]
    # And the waiting user was told Spotify has nothing on it, and waits no more
    sent = [s["body"] for s in clean_stack.graph.sent() if "message" in s["body"]]
    assert [(b["recipient"]["id"], b["message"].get("text")) for b in sent] == [
        (user_id, "Sorry, Spotify has no details for xyzzy right now.")
    ]
    assert composition.dependencies().waiters.waiting_for(UNKNOWN) == []
