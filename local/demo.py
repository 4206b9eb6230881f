"""`make demo`: the whole loop on one machine, as a scripted conversation."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.chat import ChatClient, render
from local.stack import LocalStack, start_local_stack

# Unknown to the bot when the demo starts, so asking for it is a miss.
HELD_BACK = ("Drake",)


class DemoFailedError(RuntimeError):
    """The bot did not answer as the scenario expects."""


def run_demo(out: Callable[[str], None] = print) -> None:
    with tempfile.TemporaryDirectory(prefix="sixpotify-demo-") as state_dir:
        started = time.monotonic()
        with start_local_stack(Path(state_dir)) as stack:
            out(f"· local stack up in {time.monotonic() - started:.1f} s")
            seeded = stack.seed(held_back_names=HELD_BACK)
            out(f"· {seeded} catalog artists ingested through the pipeline; Drake held back\n")
            _converse(stack, out)


def _converse(stack: LocalStack, out: Callable[[str], None]) -> None:
    user = stack.messenger_user("2400000000000001")
    # A miss: the bot says it is looking, then pushes the answer on its own.
    _first_card_is(_exchange(user, "Drake", out, replies=3), "Drake")
    # A hit, answered within the request.
    _first_card_is(_exchange(user, "drake", out, replies=1), "Drake")
    # A name typed differently from Spotify's spelling.
    _first_card_is(_exchange(user, "motley crue", out, replies=1), "Mötley Crüe")


def _exchange(
    user: ChatClient, text: str, out: Callable[[str], None], replies: int
) -> list[dict[str, Any]]:
    out(f"you: {text}")
    asked = datetime.now(UTC)
    response = user.say(text)
    if response.status_code != 200:
        raise DemoFailedError(f"the webhook answered {response.status_code}: {response.text}")
    sent = user.replies(at_least=replies, timeout_seconds=60)
    for message in sent:
        delay = (datetime.fromisoformat(message["received_at"]) - asked).total_seconds()
        out(f"[+{delay:4.1f} s] {render(message['body'])}")
    out("")
    if len(sent) < replies:
        raise DemoFailedError(f"expected {replies} replies to {text!r}, got {len(sent)}")
    return [message["body"] for message in sent]


def _first_card_is(replies: list[dict[str, Any]], name: str) -> None:
    attachment = replies[-1].get("message", {}).get("attachment")
    if attachment is None:
        raise DemoFailedError(f"expected a carousel for {name}, got {replies[-1]}")
    elements = attachment["payload"]["elements"]
    if elements[0]["title"] != name:
        raise DemoFailedError(f"expected {name}'s card first, got {elements[0]['title']}")
    if len(elements) < 2:
        raise DemoFailedError(f"expected similar artists after {name}, got none")
