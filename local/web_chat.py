"""A Messenger conversation in the browser, against the local stack.

The page (local/web_chat_page/) talks to this server only; the server talks to the stack only
as Messenger does: each message or tap becomes a signed webhook delivery (`ChatClient`), and
what the bot sends comes back from what the Send API stand-in received for that user,
streamed to the page as server-sent events, pushed answers included.

GET /            the page (and its files: GET /chat.css, /chat.js)
POST /send       {"user_id", "kind": "text" | "quick_reply" | "postback", "text", "payload"}
GET /events      ?user_id=...: one event per send to that user, typing indicators included;
                 first a "ready" event, once the sends before it are counted out
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import requests

from local.background_server import BackgroundHttpServer
from local.chat import ChatClient, ChatEndpoints

_log = logging.getLogger(__name__)
_PAGE_FILES: Final = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/chat.css": ("chat.css", "text/css; charset=utf-8"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8"),
}
# Messenger's page-scoped user IDs are decimal numbers.
_USER_ID = re.compile(r"[0-9]{1,20}")
_TEXT_LIMIT = 2000
_SEND_KINDS = ("text", "quick_reply", "postback")
# How often an open page's stream looks for new sends, and how often it says it is still
# there when there is nothing new (a dropped connection is noticed on the next write).
_POLL_SECONDS = 0.1
_KEEP_ALIVE_SECONDS = 15.0
# The browser's wait before reconnecting a dropped stream, in milliseconds.
_RETRY_MILLISECONDS = 1000


class WebChatServer(BackgroundHttpServer):
    """The web chat on 127.0.0.1; open `url` in a browser."""

    _description = "the web chat"
    _thread_name = "web-chat"

    def __init__(self, endpoints: ChatEndpoints) -> None:
        super().__init__()
        self.endpoints = endpoints
        self.stopping = threading.Event()

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        self.stopping.clear()
        return _ChatHttpServer(address, self)

    def stop(self) -> None:
        # Open event streams end first: shutting down waits for no request, but their
        # threads would otherwise keep polling a stack that is going away.
        self.stopping.set()
        super().stop()

    @property
    def url(self) -> str:
        return f"{self.base_url}/"

    def user(self, user_id: str) -> ChatClient:
        return ChatClient(self.endpoints, user_id)


class _ChatHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], chat: WebChatServer) -> None:
        super().__init__(address, _ChatRequestHandler)
        self.chat = chat


class _ChatRequestHandler(BaseHTTPRequestHandler):
    server: _ChatHttpServer

    def do_GET(self) -> None:  # the name http.server dispatches to
        url = urlsplit(self.path)
        if url.path == "/events":
            self._stream_events(parse_qs(url.query))
        elif url.path in _PAGE_FILES:
            name, content_type = _PAGE_FILES[url.path]
            page_file = resources.files("local").joinpath("web_chat_page", name)
            self._reply(HTTPStatus.OK, page_file.read_bytes(), content_type)
        else:
            self._reply_json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:  # the name http.server dispatches to
        if urlsplit(self.path).path != "/send":
            self._reply_json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            fields = json.loads(self.rfile.read(length) or b"{}")
            user_id, kind, text = fields["user_id"], fields["kind"], fields["text"]
            payload = fields.get("payload")
            _check_send(user_id, kind, text, payload)
        except (ValueError, KeyError, TypeError) as error:
            self._reply_json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return
        user = self.server.chat.user(user_id)
        try:
            if kind == "text":
                delivered = user.say(text)
            elif kind == "quick_reply":
                delivered = user.tap_quick_reply(text, payload)
            else:
                delivered = user.tap_button(text, payload)
        except requests.RequestException as error:
            _log.warning("web chat: the webhook could not be reached: %s", error)
            self._reply_json(HTTPStatus.BAD_GATEWAY, {"error": "the webhook could not be reached"})
            return
        self._reply_json(HTTPStatus.OK, {"webhook_status": delivered.status_code})

    def _stream_events(self, query: dict[str, list[str]]) -> None:
        user_id = (query.get("user_id") or [""])[0]
        if not _USER_ID.fullmatch(user_id):
            self._reply_json(HTTPStatus.BAD_REQUEST, {"error": "user_id must be digits"})
            return
        user = self.server.chat.user(user_id)
        # A reconnecting browser says which send it saw last; a new page starts from now.
        last_seen = self.headers.get("Last-Event-ID", "")
        sent = int(last_seen) + 1 if last_seen.isdigit() else len(user.messages())
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        stopping = self.server.chat.stopping
        try:
            self._write_event(f"retry: {_RETRY_MILLISECONDS}\nevent: ready\ndata: {{}}\n\n")
            quiet_since = time.monotonic()
            while not stopping.wait(_POLL_SECONDS):
                for send in user.messages()[sent:]:
                    data = json.dumps(send["body"], ensure_ascii=False)
                    self._write_event(f"id: {sent}\ndata: {data}\n\n")
                    sent += 1
                    quiet_since = time.monotonic()
                if time.monotonic() - quiet_since > _KEEP_ALIVE_SECONDS:
                    self._write_event(": still here\n\n")
                    quiet_since = time.monotonic()
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded
        except requests.RequestException as error:
            _log.warning("web chat: the Send API stand-in could not be read: %s", error)

    def _write_event(self, event: str) -> None:
        self.wfile.write(event.encode("utf-8"))
        self.wfile.flush()

    def _reply_json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        self._reply(status, json.dumps(body).encode("utf-8"), "application/json; charset=utf-8")

    def _reply(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # overridden signature
        _log.debug("web chat: " + format, *args)


def _check_send(user_id: Any, kind: Any, text: Any, payload: Any) -> None:
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        raise ValueError("user_id must be digits")
    if kind not in _SEND_KINDS:
        raise ValueError(f"kind must be one of {', '.join(_SEND_KINDS)}")
    if not isinstance(text, str) or not text.strip() or len(text) > _TEXT_LIMIT:
        raise ValueError(f"text must be 1 to {_TEXT_LIMIT} characters")
    if kind != "text" and (not isinstance(payload, str) or not payload):
        raise ValueError("a tap needs its payload")
