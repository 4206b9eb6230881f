"""The web chat's server over HTTP: what the page may send, and the stream of what the bot
sent, against the local stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.stack import LocalStack

USER_ID = "2400000000000089"


@pytest.mark.parametrize(
    "fields",
    [
        {"user_id": "not-digits", "kind": "text", "text": "Drake"},
        {"user_id": USER_ID, "kind": "delete", "text": "Drake"},
        {"user_id": USER_ID, "kind": "text", "text": "   "},
        {"user_id": USER_ID, "kind": "postback", "text": "More like this"},
        {"user_id": USER_ID, "kind": "text"},
    ],
)
def test_a_send_the_page_could_not_mean_is_refused(
    clean_stack: LocalStack, fields: dict[str, Any]
) -> None:
    # Given the stack's web chat
    # When the page posts a send with a field missing or wrong
    answer = requests.post(f"{clean_stack.endpoints.chat_url}send", json=fields, timeout=5)
    # Then it is refused, and nothing reaches the webhook
    assert answer.status_code == 400
    assert clean_stack.graph.sent() == []


def test_the_stream_carries_what_the_bot_sent_the_user_after_the_page_opened(
    clean_stack: LocalStack,
) -> None:
    # Given a page's stream for a user, open
    chat_url = clean_stack.endpoints.chat_url
    with requests.get(
        f"{chat_url}events", params={"user_id": USER_ID}, stream=True, timeout=10
    ) as stream:
        events = _events(stream)
        assert next(events)["event"] == "ready"

        # When the user sends a message through the web chat
        sent = requests.post(
            f"{chat_url}send",
            json={"user_id": USER_ID, "kind": "text", "text": "hello there"},
            timeout=10,
        )

        # Then the webhook took it, and the bot's answer comes on the stream, numbered
        assert sent.json() == {"webhook_status": 200}
        answer = next(event for event in events if "message" in json.loads(event["data"]))
        assert json.loads(answer["data"])["recipient"] == {"id": USER_ID}
        assert answer["id"].isdigit()


def test_a_stream_for_something_other_than_a_user_is_refused(clean_stack: LocalStack) -> None:
    # Given the stack's web chat
    # When a stream is asked for without a Messenger user ID
    answer = requests.get(f"{clean_stack.endpoints.chat_url}events?user_id=x", timeout=5)
    # Then it is refused
    assert answer.status_code == 400


def _events(stream: requests.Response) -> Iterator[dict[str, str]]:
    """Each server-sent event as its fields, comments left out."""
    event: dict[str, str] = {}
    # A byte at a time: a bigger read would wait for bytes an event stream sends only later.
    for line in stream.iter_lines(chunk_size=1, decode_unicode=True):
        if line:
            name, _, value = line.partition(": ")
            if name:
                event[name] = value
        elif event:
            yield event
            event = {}
