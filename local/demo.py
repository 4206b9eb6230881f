"""`make demo`: the whole system on one machine, as a scripted conversation."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.chat import ChatClient, render
from local.stack import LocalStack, start_local_stack

# Unknown to the bot when the demo starts, so asking for them is a miss.
HELD_BACK = ("Drake", "aespa")

# Enough of each carousel to see the answer, short enough to read the conversation.
CARDS_SHOWN = 4

Out = Callable[[str], None]


class DemoFailedError(RuntimeError):
    """The bot did not answer as the scenario expects."""


def run_demo(out: Out = print) -> None:
    with tempfile.TemporaryDirectory(prefix="sixpotify-demo-") as state_dir:
        started = time.monotonic()
        with start_local_stack(Path(state_dir)) as stack:
            out(f"· local stack up in {time.monotonic() - started:.1f} s")
            seeded = stack.seed(held_back_names=HELD_BACK)
            out(
                f"· {seeded} catalog artists ingested through the pipeline; "
                f"{' and '.join(HELD_BACK)} held back\n"
            )
            _converse(stack, out)


def _converse(stack: LocalStack, out: Out) -> None:
    user = stack.messenger_user("2400000000000001")
    out("— an unknown artist: the bot looks it up and comes back on its own")
    _expect_carousel(_exchange(user, "Drake", out, replies=3), "Drake")
    out("— the same artist again, typed differently: now a hit")
    _expect_carousel(_exchange(user, "DRAKE", out, replies=1), "Drake")
    out("— a typo")
    _expect_carousel(_exchange(user, "Metalica", out, replies=1), "Metallica")
    out("— a name without its accents")
    _expect_carousel(_exchange(user, "motley crue", out, replies=1), "Mötley Crüe")
    out("— Hangul: answered in Korean, looked up under the artist's Spotify name")
    _expect_carousel(_exchange(user, "에스파", out, replies=3), "aespa")
    _expect_carousel(_exchange(user, "방탄소년단", out, replies=1), "BTS")
    out("— sentences, as people write them: the bot finds the artist inside")
    _expect_carousel(
        _exchange(user, "can you recommend bands like metallica?", out, replies=1), "Metallica"
    )
    _expect_carousel(_exchange(user, "아이유랑 비슷한 가수 추천해줘", out, replies=1), "IU")
    out("— a follow-up: more like the last answer, remembered outside the function")
    _expect_cards(_exchange(user, "more like that", out, replies=2)[-1])
    out("— an ambiguous name: the bot asks back, and the user taps an answer")
    [question] = _exchange(user, "williams", out, replies=1)
    options = question["message"].get("quick_replies", [])
    if len(options) < 2:
        raise DemoFailedError(f"expected a choice of artists, got {question}")
    _expect_carousel(_tap(user, options[0], out), options[0]["title"])
    out("— songs, not artists")
    songs = _exchange(user, "songs like California Love", out, replies=2)
    _expect_cards(songs[-1])


def _exchange(user: ChatClient, text: str, out: Out, replies: int) -> list[dict[str, Any]]:
    out(f"you: {text}")
    return _answers(user, out, replies, user.say(text).status_code)


def _tap(user: ChatClient, quick_reply: dict[str, str], out: Out) -> list[dict[str, Any]]:
    out(f"you: (taps “{quick_reply['title']}”)")
    response = user.tap_quick_reply(quick_reply["title"], quick_reply["payload"])
    return _answers(user, out, 1, response.status_code)


def _answers(user: ChatClient, out: Out, replies: int, status: int) -> list[dict[str, Any]]:
    asked = datetime.now(UTC)
    if status != 200:
        raise DemoFailedError(f"the webhook answered {status}")
    sent = user.replies(at_least=replies, timeout_seconds=60)
    for message in sent:
        delay = (datetime.fromisoformat(message["received_at"]) - asked).total_seconds()
        out(f"[+{max(delay, 0.0):4.1f} s] {render(message['body'], cards_shown=CARDS_SHOWN)}")
    out("")
    if len(sent) < replies:
        raise DemoFailedError(f"expected {replies} replies, got {len(sent)}")
    return [message["body"] for message in sent]


def _expect_cards(send: dict[str, Any]) -> list[dict[str, Any]]:
    attachment = send.get("message", {}).get("attachment")
    if attachment is None:
        raise DemoFailedError(f"expected a carousel, got {send}")
    elements: list[dict[str, Any]] = attachment["payload"]["elements"]
    if len(elements) < 2:
        raise DemoFailedError(f"expected several cards, got {elements}")
    return elements


def _expect_carousel(replies: list[dict[str, Any]], name: str) -> None:
    first = _expect_cards(replies[-1])[0]["title"]
    if first != name:
        raise DemoFailedError(f"expected {name}'s card first, got {first}")
