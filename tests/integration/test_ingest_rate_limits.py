"""Spotify's 429: the workflow waits until Retry-After has passed and fetches the deferred IDs
again, in a Wait state, so no Lambda ever sleeps and nothing is lost or fetched twice."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from local.spotify_server import Endpoint, Fault, SpotifyServer
from local.stack import LocalStack
from tests.stack_probes import similarity_lists, start_requested_ingest, table_rows

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"
EMINEM = "7dGJo4pcD2V6oG8kP0tJRR"


def _history(stack: LocalStack, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = stack.aws.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return events


def _entered(events: list[dict[str, Any]], state: str) -> list[dict[str, Any]]:
    """The input of each time the execution entered the state."""
    return [
        json.loads(event["stateEnteredEventDetails"]["input"])
        for event in events
        if event.get("stateEnteredEventDetails", {}).get("name") == state
    ]


def test_a_rate_limited_batch_is_fetched_again_after_retry_after(
    clean_stack: LocalStack, stack_spotify: SpotifyServer
) -> None:
    # Given Spotify answers the next batch request with 429 and Retry-After: 2
    stack_spotify.inject_fault(Endpoint.ARTISTS, Fault(status=429, retry_after_seconds=2))
    started = time.monotonic()

    # When three artists are ingested
    execution_arn = start_requested_ingest(clean_stack, "rate-limited", [DRAKE, FIFTY_CENT, EMINEM])
    output = clean_stack.wait_for_execution(execution_arn, 60)

    # Then the execution waited for the deferred IDs and fetched them once each
    assert time.monotonic() - started >= 1
    [batch] = output["fetched"]
    assert sorted(batch["ingested"]) == sorted([DRAKE, FIFTY_CENT, EMINEM])
    assert batch["deferred"] == []
    assert stack_spotify.calls[Endpoint.TOP_TRACKS] == 3
    assert [row[0] for row in table_rows(clean_stack, "artists")] == sorted(
        [DRAKE, FIFTY_CENT, EMINEM]
    )
    # And it did so through the Wait state, with the deferred IDs as the next attempt's work
    events = _history(clean_stack, execution_arn)
    [waited] = _entered(events, "WaitForRateLimit")
    assert sorted(waited["summary"]["deferred"]) == sorted([DRAKE, FIFTY_CENT, EMINEM])
    assert [sorted(attempt["artist_ids"]) for attempt in _entered(events, "FetchBatch")] == [
        sorted([DRAKE, FIFTY_CENT, EMINEM])
    ] * 2
    # And similar artists were computed for what was ingested
    assert set(similarity_lists(clean_stack)) == {
        DRAKE,
        FIFTY_CENT,
        EMINEM,
    }


def test_a_two_hour_retry_after_becomes_a_two_hour_wait_not_a_sleeping_lambda(
    clean_stack: LocalStack, stack_spotify: SpotifyServer
) -> None:
    # Given Spotify asks to come back in two hours
    stack_spotify.inject_fault(Endpoint.ARTISTS, Fault(status=429, retry_after_seconds=7200))
    asked_at = datetime.now(UTC)

    # When an ingest starts
    execution_arn = start_requested_ingest(clean_stack, "two-hour-wait", [DRAKE])
    client = clean_stack.aws.client("stepfunctions")
    deadline = time.monotonic() + 20
    while not (waits := _entered(_history(clean_stack, execution_arn), "WaitForRateLimit")):
        assert time.monotonic() < deadline, "the execution never reached the Wait state"
        time.sleep(0.2)

    # Then the execution is waiting until two hours from now, with the fetch already returned
    [waited] = waits
    retry_at = datetime.strptime(waited["summary"]["retry_at"], "%Y-%m-%dT%H:%M:%S%z")
    assert asked_at + timedelta(seconds=7200) <= retry_at
    assert retry_at <= datetime.now(UTC) + timedelta(seconds=7201)
    assert waited["summary"]["deferred"] == [DRAKE]
    assert client.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"
    assert table_rows(clean_stack, "artists") == []

    # When an operator stops it
    client.stop_execution(executionArn=execution_arn)

    # Then it ends, and nothing was fetched meanwhile
    deadline = time.monotonic() + 10
    while client.describe_execution(executionArn=execution_arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the stopped execution kept running"
        time.sleep(0.1)
    assert stack_spotify.calls[Endpoint.TOP_TRACKS] == 0
