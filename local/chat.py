"""Talking to a running local stack the way Messenger does: signed webhook events in,
Send API messages out (read back from the Graph sink)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

_message_numbers = itertools.count(1)


@dataclass(frozen=True)
class ChatEndpoints:
    webhook_url: str
    graph_sent_url: str
    app_secret: str
    page_id: str


def messenger_event(page_id: str, user_id: str, text: str) -> dict[str, Any]:
    """A webhook POST body carrying one text message, as Messenger sends it."""
    now_ms = int(time.time() * 1000)
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": now_ms,
                "messaging": [
                    {
                        "sender": {"id": user_id},
                        "recipient": {"id": page_id},
                        "timestamp": now_ms,
                        "message": {
                            "mid": f"m_{user_id}_{now_ms}_{next(_message_numbers)}",
                            "text": text,
                        },
                    }
                ],
            }
        ],
    }


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
        body = json.dumps(
            messenger_event(self._endpoints.page_id, self.user_id, text), ensure_ascii=False
        ).encode("utf-8")
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
        """Everything the bot sent to this user, oldest first."""
        response = self._session.get(self._endpoints.graph_sent_url, timeout=10)
        response.raise_for_status()
        return [
            sent
            for sent in response.json()
            if sent["body"].get("recipient", {}).get("id") == self.user_id
        ]

    def replies(self, at_least: int = 1, timeout_seconds: float = 30) -> list[dict[str, Any]]:
        """The sends to this user since the last call ({"received_at", "body", ...}),
        as soon as there are at_least of them, or whatever came before the timeout."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            new = self.messages()[self._seen :]
            if len(new) >= at_least or time.monotonic() >= deadline:
                self._seen += len(new)
                return new
            time.sleep(0.1)


def render(send: dict[str, Any]) -> str:
    """A Send API request as a person would read it in a terminal."""
    message = send.get("message", {})
    if "text" in message:
        return f"bot: {message['text']}"
    payload = message.get("attachment", {}).get("payload", {})
    lines = ["bot: [carousel]"]
    for number, element in enumerate(payload.get("elements", []), start=1):
        lines.append(f"  {number:>2}. {element.get('title', '')} · {element.get('subtitle', '')}")
        for button in element.get("buttons", []):
            target = button.get("url") or button.get("payload", "")
            lines.append(f"      ({button.get('title', '')}) {target}")
    return "\n".join(lines)
