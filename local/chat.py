"""Talking to a running local stack the way Messenger does: signed webhook events in,
Send API messages out (read back from the Graph sink)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    # Only named here: a chat client needs none of what reading local.json imports.
    from local.published import PublishedStack

_message_numbers = itertools.count(1)


@dataclass(frozen=True)
class ChatEndpoints:
    webhook_url: str
    graph_sent_url: str
    app_secret: str
    page_id: str

    @classmethod
    def published(cls, stack: PublishedStack) -> ChatEndpoints:
        """From what a running stack publishes in local.json."""
        return cls(stack.webhook_url, stack.graph_sent_url, stack.app_secret, stack.page_id)


def messenger_event(
    page_id: str, user_id: str, text: str, quick_reply_payload: str | None = None
) -> dict[str, Any]:
    """A webhook POST body carrying one message, as Messenger sends it; with a payload, the
    message is the tap of a quick reply titled `text`."""
    message: dict[str, Any] = {"mid": _message_id(user_id), "text": text}
    if quick_reply_payload is not None:
        message["quick_reply"] = {"payload": quick_reply_payload}
    return _webhook_body(page_id, user_id, {"message": message})


def postback_event(page_id: str, user_id: str, title: str, payload: str) -> dict[str, Any]:
    """A webhook POST body for the tap of a postback button."""
    postback = {"title": title, "payload": payload, "mid": _message_id(user_id)}
    return _webhook_body(page_id, user_id, {"postback": postback})


def _message_id(user_id: str) -> str:
    return f"m_{user_id}_{time.time_ns()}_{next(_message_numbers)}"


def _webhook_body(page_id: str, user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    messaging = {
        "sender": {"id": user_id},
        "recipient": {"id": page_id},
        "timestamp": now_ms,
        **event,
    }
    return {"object": "page", "entry": [{"id": page_id, "time": now_ms, "messaging": [messaging]}]}


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header Messenger sets on every POST."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class ChatClient:
    """One Messenger user talking to the page."""

    def __init__(self, endpoints: ChatEndpoints, user_id: str) -> None:
        self._endpoints = endpoints
        self.user_id = user_id
        self._session = requests.Session()
        self._seen = len(self.messages())

    def say(self, text: str) -> requests.Response:
        return self._post(messenger_event(self._endpoints.page_id, self.user_id, text))

    def tap_quick_reply(self, title: str, payload: str) -> requests.Response:
        return self._post(messenger_event(self._endpoints.page_id, self.user_id, title, payload))

    def tap_button(self, title: str, payload: str) -> requests.Response:
        return self._post(postback_event(self._endpoints.page_id, self.user_id, title, payload))

    def _post(self, event: dict[str, Any]) -> requests.Response:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        return self._session.post(
            self._endpoints.webhook_url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, self._endpoints.app_secret),
            },
            timeout=30,
        )

    def messages(self) -> list[dict[str, Any]]:
        """Everything the bot sent to this user, typing indicators included, oldest first."""
        response = self._session.get(self._endpoints.graph_sent_url, timeout=10)
        response.raise_for_status()
        return [
            sent
            for sent in response.json()
            if sent["body"].get("recipient", {}).get("id") == self.user_id
        ]

    def replies(self, at_least: int = 1, timeout_seconds: float = 30) -> list[dict[str, Any]]:
        """The messages (not typing indicators) sent to this user since the last call, as
        {"received_at", "body", ...}, once there are at_least of them or the time is up."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            new = self.messages()[self._seen :]
            answers = [sent for sent in new if "message" in sent["body"]]
            if len(answers) >= at_least or time.monotonic() >= deadline:
                self._seen += len(new)
                return answers
            time.sleep(0.05)


@dataclass
class Choices:
    """What the user can tap in the last message: quick replies and postback buttons."""

    quick_replies: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


def render(
    send: dict[str, Any], choices: Choices | None = None, cards_shown: int | None = None
) -> str:
    """A Send API request as a person would read it in a terminal. Tappable things get
    numbers (q1, b1, ...) and are collected in `choices`; a carousel shows its first
    cards_shown cards (all by default)."""
    if send.get("sender_action") == "typing_on":
        return "bot is typing…"
    choices = choices if choices is not None else Choices()
    message = send.get("message", {})
    lines: list[str] = []
    if "text" in message:
        lines.append(f"bot: {message['text']}")
    else:
        lines.append("bot: [carousel]")
        elements = message.get("attachment", {}).get("payload", {}).get("elements", [])
        for number, element in enumerate(elements[:cards_shown], start=1):
            lines.append(
                f"  {number:>2}. {element.get('title', '')} · {element.get('subtitle', '')}"
            )
            lines.append("      " + "   ".join(_buttons(element.get("buttons", []), choices)))
        if cards_shown is not None and len(elements) > cards_shown:
            lines.append(f"      … {len(elements) - cards_shown} more cards")
    quick = message.get("quick_replies", [])
    if quick:
        choices.quick_replies = [(q["title"], q["payload"]) for q in quick]
        lines.append(
            "  " + "   ".join(f"[q{i}] {q['title']}" for i, q in enumerate(quick, start=1))
        )
    return "\n".join(lines)


def _buttons(buttons: list[dict[str, Any]], choices: Choices) -> list[str]:
    shown = []
    for button in buttons:
        if button.get("type") == "postback":
            choices.buttons.append((button["title"], button["payload"]))
            shown.append(f"[b{len(choices.buttons)}] {button['title']}")
        else:
            shown.append(f"{button.get('title', '')}: {button.get('url', '')}")
    return shown


def chat_session(
    user: ChatClient, lines: Callable[[], str | None], out: Callable[[str], None]
) -> None:
    """Read lines until an empty one; a line `q2` or `b5` taps what the last answer
    numbered so, anything else is sent as text. Answers are printed as they arrive."""
    choices = Choices()
    while (line := lines()) is not None and (text := line.strip()):
        tapped = _tap(user, text, choices)
        if tapped is None:
            user.say(text)
        answers = user.replies(at_least=1, timeout_seconds=5)
        # A pushed answer comes a little later: give it a moment before the next prompt.
        answers += user.replies(at_least=1, timeout_seconds=0.5)
        choices = Choices()
        for answer in answers:
            out(render(answer["body"], choices))


def _tap(user: ChatClient, text: str, choices: Choices) -> requests.Response | None:
    kind, number = text[:1], text[1:]
    if kind not in ("q", "b") or not number.isdigit():
        return None
    options = choices.quick_replies if kind == "q" else choices.buttons
    if not 1 <= int(number) <= len(options):
        return None
    title, payload = options[int(number) - 1]
    if kind == "q":
        return user.tap_quick_reply(title, payload)
    return user.tap_button(title, payload)
