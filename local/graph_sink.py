"""A stand-in for Messenger's Send API that records every message the bot sends.

It refuses, with the Graph API's own error body, what the real Send API refuses, so that a
payload the bot gets wrong fails on one machine as it would in production. Of the templates and
buttons it checks those the bot can send: generic and button templates, web_url and postback
buttons, text and contact quick replies.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import secrets
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapters.messenger import GRAPH_API_VERSION
from local.background_server import BackgroundHttpServer

_log = logging.getLogger(__name__)


_TEXT_LIMIT = 2000
_ELEMENTS_LIMIT = 10
_ELEMENT_TITLE_LIMIT = 80
_ELEMENT_SUBTITLE_LIMIT = 80
_BUTTONS_LIMIT = 3
_BUTTON_TITLE_LIMIT = 20
_BUTTON_TEMPLATE_TEXT_LIMIT = 640
_PAYLOAD_LIMIT = 1000
_QUICK_REPLIES_LIMIT = 13
_QUICK_REPLY_TITLE_LIMIT = 20

_MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
_MESSAGE_TAGS = (
    "ACCOUNT_UPDATE",
    "CONFIRMED_EVENT_UPDATE",
    "CUSTOMER_FEEDBACK",
    "HUMAN_AGENT",
    "POST_PURCHASE_UPDATE",
)
_SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
_MEDIA_TYPES = ("image", "audio", "video", "file")
_QUICK_REPLY_TYPES = ("text", "user_phone_number", "user_email")

# Graph API error codes the Send API answers with.
_INVALID_PARAMETER = 100
_TOO_MANY_ELEMENTS = 105
_INVALID_TOKEN = 190
_UNKNOWN_PATH = 2500
_UNSUPPORTED_POST_SUBCODE = 33

_MESSAGES_PATH = re.compile(r"^/v\d+\.\d+/(?P<node>[^/]+)/messages/?$")
_QUERY_STRING = re.compile(r"\?[^\s'\"]*")


class _GraphError(Exception):
    """A request the Send API would refuse, as Graph words the refusal."""

    def __init__(
        self,
        message: str,
        code: int = _INVALID_PARAMETER,
        subcode: int | None = None,
        status: HTTPStatus = HTTPStatus.BAD_REQUEST,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.status = status

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = secrets.token_urlsafe(12)
        return {"error": error}


class GraphSink(BackgroundHttpServer):
    """Messenger's Send API on 127.0.0.1: validates each send and keeps the accepted ones."""

    _description = "the Graph sink"
    _thread_name = "graph-sink"

    def __init__(self, page_access_token: str, page_id: str) -> None:
        super().__init__()
        self._page_access_token = page_access_token
        self._page_id = page_id
        self._sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _SinkServer(address, self)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/{GRAPH_API_VERSION}"

    @property
    def sent_url(self) -> str:
        return f"{self.base_url}/sent"

    def sent(self) -> list[dict[str, Any]]:
        """Every accepted send, oldest first: {"received_at", "message_id", "body"}, where
        message_id is None for sender actions and body is the request body as received."""
        with self._lock:
            return copy.deepcopy(self._sent)

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def _answer_get(self, target: str) -> tuple[HTTPStatus, Any]:
        if urlsplit(target).path.rstrip("/") == "/sent":
            return HTTPStatus.OK, self.sent()
        return _unknown_path(target)

    def _answer_post(self, target: str, raw_body: bytes) -> tuple[HTTPStatus, Any]:
        url = urlsplit(target)
        match = _MESSAGES_PATH.match(url.path)
        if match is None:
            return _unknown_path(target)
        try:
            self._check_access_token(url.query)
            self._check_node(match["node"])
            body = _json_object(raw_body)
            _check_send(body)
        except _GraphError as rejection:
            return rejection.status, rejection.body()
        return HTTPStatus.OK, self._record(body)

    def _check_node(self, node: str) -> None:
        if node not in ("me", self._page_id):
            raise _GraphError(
                f"(#100) Unsupported post request. Object with ID '{node}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation",
                subcode=_UNSUPPORTED_POST_SUBCODE,
            )

    def _check_access_token(self, query: str) -> None:
        tokens = parse_qs(query).get("access_token")
        if not tokens:
            raise _GraphError(
                "An access token is required to request this resource.",
                code=_INVALID_TOKEN,
                status=HTTPStatus.UNAUTHORIZED,
            )
        if not secrets.compare_digest(tokens[-1].encode(), self._page_access_token.encode()):
            raise _GraphError(
                "Invalid OAuth access token - Cannot parse access token",
                code=_INVALID_TOKEN,
                status=HTTPStatus.UNAUTHORIZED,
            )

    def _record(self, body: dict[str, Any]) -> dict[str, Any]:
        recipient_id = str(body["recipient"]["id"])
        message_id = f"m_{secrets.token_urlsafe(32)}" if "message" in body else None
        entry = {
            "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "message_id": message_id,
            "body": body,
        }
        with self._lock:
            self._sent.append(entry)
        if message_id is None:
            return {"recipient_id": recipient_id}
        return {"recipient_id": recipient_id, "message_id": message_id}


def _unknown_path(target: str) -> tuple[HTTPStatus, Any]:
    path = urlsplit(target).path
    rejection = _GraphError(f"Unknown path components: {path}", code=_UNKNOWN_PATH)
    return rejection.status, rejection.body()


def _json_object(raw_body: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw_body)
    except ValueError:
        raise _GraphError("(#100) The request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _GraphError("(#100) The request body must be a JSON object")
    return body


def _check_send(body: dict[str, Any]) -> None:
    _check_recipient(body.get("recipient"))
    has_message = "message" in body
    has_action = "sender_action" in body
    if has_message and has_action:
        raise _GraphError("(#100) Cannot send both message and sender_action at the same time")
    if not has_message and not has_action:
        raise _GraphError("(#100) Must send either message or state")
    if has_action:
        _check_sender_action(body["sender_action"])
        return
    _check_messaging_type(body)
    _check_message(body["message"])


def _check_recipient(recipient: Any) -> None:
    if recipient is None:
        raise _GraphError("(#100) The parameter recipient is required")
    if not isinstance(recipient, dict):
        raise _GraphError("(#100) param recipient must be an object")
    recipient_id = recipient.get("id")
    if isinstance(recipient_id, bool) or not isinstance(recipient_id, str | int):
        raise _GraphError("(#100) param recipient[id] is required")
    if not str(recipient_id).strip():
        raise _GraphError("(#100) param recipient[id] must be non-empty")


def _check_sender_action(action: Any) -> None:
    if action not in _SENDER_ACTIONS:
        raise _GraphError(f"(#100) param sender_action must be one of {_one_of(_SENDER_ACTIONS)}")


def _check_messaging_type(body: dict[str, Any]) -> None:
    messaging_type = body.get("messaging_type")
    if messaging_type is None:
        raise _GraphError("(#100) The parameter messaging_type is required")
    if messaging_type not in _MESSAGING_TYPES:
        raise _GraphError(f"(#100) param messaging_type must be one of {_one_of(_MESSAGING_TYPES)}")
    if messaging_type == "MESSAGE_TAG" and body.get("tag") not in _MESSAGE_TAGS:
        raise _GraphError(f"(#100) A MESSAGE_TAG send needs a tag, one of {_one_of(_MESSAGE_TAGS)}")


def _check_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise _GraphError("(#100) param message must be an object")
    has_text = "text" in message
    has_attachment = "attachment" in message
    if has_text and has_attachment:
        raise _GraphError("(#100) Only one of message[text] or message[attachment] may be set")
    if not has_text and not has_attachment:
        raise _GraphError("(#100) Message cannot be empty, must provide valid attachment or text")
    if has_text:
        _check_text(message["text"])
    else:
        _check_attachment(message["attachment"])
    if "quick_replies" in message:
        _check_quick_replies(message["quick_replies"])


def _check_text(text: Any) -> None:
    if not isinstance(text, str):
        raise _GraphError("(#100) param message[text] must be a UTF-8 encoded string")
    if not text.strip():
        raise _GraphError("(#100) Message cannot be empty, must provide valid attachment or text")
    _check_length("message[text]", text, _TEXT_LIMIT)


def _check_attachment(attachment: Any) -> None:
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise _GraphError("(#100) param message[attachment] needs a type and a payload object")
    kind = attachment.get("type")
    payload = attachment["payload"]
    if kind in _MEDIA_TYPES:
        if not payload.get("url") and not payload.get("attachment_id"):
            raise _GraphError(f"(#100) A {kind} attachment needs a payload url or attachment_id")
        return
    if kind != "template":
        raise _GraphError(
            f"(#100) param message[attachment][type] must be one of "
            f"{_one_of((*_MEDIA_TYPES, 'template'))}"
        )
    template_type = payload.get("template_type")
    if template_type == "generic":
        _check_generic_template(payload)
    elif template_type == "button":
        _check_button_template(payload)
    else:
        raise _GraphError(
            f"(#100) This stand-in checks only generic and button templates, not {template_type!r}"
        )


def _check_generic_template(payload: dict[str, Any]) -> None:
    elements = _check_list("message[attachment][payload][elements]", payload.get("elements"))
    _check_count("message[attachment][payload][elements]", elements, _ELEMENTS_LIMIT)
    for index, element in enumerate(elements):
        _check_element(f"message[attachment][payload][elements][{index}]", element)


def _check_element(name: str, element: Any) -> None:
    if not isinstance(element, dict):
        raise _GraphError(f"(#100) param {name} must be an object")
    title = element.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _GraphError(f"(#100) param {name}[title] must be non-empty")
    _check_length(f"{name}[title]", title, _ELEMENT_TITLE_LIMIT)
    if not any(key in element for key in ("subtitle", "image_url", "default_action", "buttons")):
        raise _GraphError(f"(#100) {name} must set at least one property in addition to title")
    if "subtitle" in element:
        _check_length(f"{name}[subtitle]", element["subtitle"], _ELEMENT_SUBTITLE_LIMIT)
    if "default_action" in element:
        _check_default_action(f"{name}[default_action]", element["default_action"])
    if "buttons" in element:
        _check_buttons(f"{name}[buttons]", element["buttons"])


def _check_default_action(name: str, action: Any) -> None:
    if not isinstance(action, dict) or action.get("type") != "web_url" or not action.get("url"):
        raise _GraphError(f"(#100) param {name} must be a web_url action with a url")
    if "title" in action:
        raise _GraphError(f"(#100) param {name} cannot have a title")


def _check_button_template(payload: dict[str, Any]) -> None:
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _GraphError("(#100) param message[attachment][payload][text] must be non-empty")
    _check_length("message[attachment][payload][text]", text, _BUTTON_TEMPLATE_TEXT_LIMIT)
    _check_buttons("message[attachment][payload][buttons]", payload.get("buttons"))


def _check_buttons(name: str, buttons: Any) -> None:
    checked = _check_list(name, buttons)
    _check_count(name, checked, _BUTTONS_LIMIT)
    for index, button in enumerate(checked):
        _check_button(f"{name}[{index}]", button)


def _check_button(name: str, button: Any) -> None:
    if not isinstance(button, dict):
        raise _GraphError(f"(#100) param {name} must be an object")
    kind = button.get("type")
    if kind not in ("web_url", "postback"):
        raise _GraphError(f"(#100) param {name}[type] must be one of {{web_url, postback}}")
    title = button.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _GraphError(f"(#100) param {name}[title] must be non-empty")
    _check_length(f"{name}[title]", title, _BUTTON_TITLE_LIMIT)
    if kind == "web_url" and not button.get("url"):
        raise _GraphError(f"(#100) param {name}[url] is required for a web_url button")
    if kind == "postback":
        payload = button.get("payload")
        if not isinstance(payload, str) or not payload:
            raise _GraphError(f"(#100) param {name}[payload] is required for a postback button")
        _check_length(f"{name}[payload]", payload, _PAYLOAD_LIMIT)


def _check_quick_replies(quick_replies: Any) -> None:
    checked = _check_list("message[quick_replies]", quick_replies)
    _check_count("message[quick_replies]", checked, _QUICK_REPLIES_LIMIT)
    for index, quick_reply in enumerate(checked):
        _check_quick_reply(f"message[quick_replies][{index}]", quick_reply)


def _check_quick_reply(name: str, quick_reply: Any) -> None:
    if not isinstance(quick_reply, dict):
        raise _GraphError(f"(#100) param {name} must be an object")
    content_type = quick_reply.get("content_type")
    if content_type not in _QUICK_REPLY_TYPES:
        raise _GraphError(
            f"(#100) param {name}[content_type] must be one of {_one_of(_QUICK_REPLY_TYPES)}"
        )
    if content_type != "text":
        return
    title = quick_reply.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _GraphError(f"(#100) param {name}[title] must be non-empty for a text quick reply")
    _check_length(f"{name}[title]", title, _QUICK_REPLY_TITLE_LIMIT)
    payload = quick_reply.get("payload")
    if not isinstance(payload, str | int) or isinstance(payload, bool) or not str(payload):
        raise _GraphError(f"(#100) param {name}[payload] is required for a text quick reply")
    _check_length(f"{name}[payload]", str(payload), _PAYLOAD_LIMIT)


def _one_of(values: tuple[str, ...]) -> str:
    return "{" + ", ".join(values) + "}"


def _check_list(name: str, value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _GraphError(f"(#100) param {name} must be a non-empty array")
    return value


def _check_count(name: str, items: list[Any], limit: int) -> None:
    if len(items) > limit:
        raise _GraphError(f"(#105) param {name} has too many elements", code=_TOO_MANY_ELEMENTS)


def _check_length(name: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        raise _GraphError(f"(#100) param {name} must be a string")
    if len(value) > limit:
        raise _GraphError(f"(#100) Length of param {name} must be less than or equal to {limit}")


class _SinkServer(ThreadingHTTPServer):
    daemon_threads = True
    # Concurrent clients beyond the default backlog of 5 would wait a second for a SYN retry.
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], sink: GraphSink) -> None:
        super().__init__(address, _SinkRequestHandler)
        self.sink = sink


class _SinkRequestHandler(BaseHTTPRequestHandler):
    server: _SinkServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._reply(*self.server.sink._answer_get(self.path))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._reply(*self.server.sink._answer_post(self.path, self.rfile.read(length)))

    def _reply(self, status: HTTPStatus, body: Any) -> None:
        encoded = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        # The query string carries the page access token: it never reaches a log.
        _log.debug("%s %s", self.address_string(), _QUERY_STRING.sub("?[redacted]", format % args))
