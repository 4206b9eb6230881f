"""A name Spotify refuses to search while the user waits is looked up again by the ingest
workflow, and the user is answered once Spotify answers: never left in silence."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from moto.sqs.models import sqs_backends

from local.aws import ACCOUNT, REGION
from local.chat import ChatClient
from local.spotify_server import Endpoint, Fault, SpotifyServer
from local.stack import LocalStack
from tests.stack_probes import item_count, pipe_input

DRAKE = "3TVXtAsR1Inumwj472S9r4"
RAPPERS = ["1ZwdS5xdxEREPySFridCfh", "3q7HBObVc0L8jNeTe5Gofh", "7dGJo4pcD2V6oG8kP0tJRR"]
# A 429 whose wait the lookup sits out on the queue: short, so the test sees it come back.
BRIEF_RATE_LIMIT = Fault(status=429, retry_after_seconds=1)


@pytest.fixture
def refused_stack(clean_stack: LocalStack, stack_spotify: SpotifyServer) -> Iterator[LocalStack]:
    """The clean stack; afterwards its requests queue is emptied of delayed lookups too. No
    receive returns them before their delay ends and SQS allows one purge a minute, so they
    are dropped inside the in-process moto server, lest a later test's stack ingest them."""
    yield clean_stack
    queue_name = clean_stack.resources.requests_queue_url.rsplit("/", 1)[-1]
    sqs_backends[ACCOUNT][REGION].get_queue(queue_name)._messages.clear()


def _texts(replies: list[dict[str, object]]) -> list[str]:
    texts = []
    for reply in replies:
        body = reply["body"]
        assert isinstance(body, dict)
        texts.append(body["message"].get("text", "<carousel>"))
    return texts


def test_a_search_spotify_rate_limits_is_answered_once_spotify_lets_it_through(
    refused_stack: LocalStack, stack_spotify: SpotifyServer, messenger_user: ChatClient
) -> None:
    # Given the bot knows a few rappers, and Spotify rate-limits the next two searches
    refused_stack.ingest(RAPPERS, name="refused-lookup-known")
    stack_spotify.inject_fault(Endpoint.SEARCH, BRIEF_RATE_LIMIT, times=2)

    # When the user asks for Drake, whom the bot does not know
    assert messenger_user.say("Drake").status_code == 200

    # Then the user hears at once that Spotify is busy, and, once the lookup has come back
    # from the queue past the second refusal, Drake's card and the rappers, exactly once
    replies = messenger_user.replies(at_least=3, timeout_seconds=90)
    busy, found, carousel = _texts(replies)
    assert "Spotify isn't answering" in busy
    assert "Found Drake" in found
    assert carousel == "<carousel>"
    assert messenger_user.replies(at_least=1, timeout_seconds=3) == []
    # And nobody waits any more, under the lookup or the artist
    assert item_count(refused_stack, refused_stack.resources.waiters_table) == 0


def test_a_search_spotify_fails_waits_on_the_queue_and_its_replay_answers_once(
    refused_stack: LocalStack, stack_spotify: SpotifyServer, messenger_user: ChatClient
) -> None:
    # Given the bot knows a few rappers, and Spotify's search fails with a 503
    refused_stack.ingest(RAPPERS, name="unavailable-lookup-known")
    stack_spotify.inject_fault(Endpoint.SEARCH, Fault(status=503))

    # When the user asks for Drake
    assert messenger_user.say("Drake").status_code == 200

    # Then the user is told Spotify is busy, and waits under the lookup
    [busy] = _texts(messenger_user.replies(at_least=1))
    assert "Spotify isn't answering" in busy
    assert item_count(refused_stack, refused_stack.resources.waiters_table) == 1

    # When the queue gives the lookup back (as the pipe does once its delay ends), twice:
    # a replay of the same batch must not answer again
    lookup = {"query": "Drake", "wants": "artists", "requested_at": "2026-11-30T10:00:00Z"}
    stepfunctions = refused_stack.aws.client("stepfunctions")
    for attempt in ("first", "replay"):
        execution = stepfunctions.start_execution(
            stateMachineArn=refused_stack.resources.ingest_state_machine_arn,
            name=f"unavailable-lookup-{attempt}",
            input=pipe_input(refused_stack, [lookup]),
        )
        output = refused_stack.wait_for_execution(execution["executionArn"], 120)
        # Then each run fetched the artist the lookup found
        assert output["artist_ids"] == [DRAKE], json.dumps(output)[:300]

    # And the user got Drake's card once
    found, carousel = _texts(messenger_user.replies(at_least=2, timeout_seconds=30))
    assert "Found Drake" in found
    assert carousel == "<carousel>"
    assert messenger_user.replies(at_least=1, timeout_seconds=3) == []
    assert item_count(refused_stack, refused_stack.resources.waiters_table) == 0
