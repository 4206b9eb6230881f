"""A stand-in for Messenger's Send API that records every message the bot sends.

It refuses, with the Graph API's own error body, what the real Send API refuses, so that a
payload the bot gets wrong fails on one machine as it would in production. Of the templates and
buttons it checks those the bot can send: generic and button templates, web_url and postback
buttons, text and contact quick replies.

It holds the page to Messenger's 24-hour window: told when each user last wrote (`user_wrote`,
POST /users/wrote, or a pipe from another process: `hear_writers_from`), it refuses a
RESPONSE or UPDATE send, or a sender action, to a user who last wrote longer ago, as Graph
does (code 10, subcode 2018278); a MESSAGE_TAG send with a valid tag may go outside the
window. A user it was never told about counts as having just
written, so a test may address the Send API without a conversation first.

Failures the real Send API has can be injected, from a test or over HTTP: every send to a
recipient fails (`fail_recipient`, POST /faults/recipients), the next sends fail
(`fail_next`, POST /faults/next), or every send is slow (`slow_down`, POST /faults/delay);
`clear` (POST /faults/clear for the faults alone) forgets them. SEND_FAILURES names them.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from adapters.messenger import GRAPH_API_VERSION
from local.background_server import BackgroundHttpServer

_log = logging.getLogger(__name__)
# How often who wrote is read off a pipe between window checks, in batches: the pipe holds a
# thousand writers, a tenth of a second a few dozen.
_WRITERS_HEARD_EVERY_SECONDS = 0.1

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

_OUTSIDE_WINDOW = 10
_OUTSIDE_WINDOW_SUBCODE = 2018278
# Messenger lets a page message a user only within 24 hours of the user's last message.
MESSAGING_WINDOW: Final = timedelta(hours=24)

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


@dataclass(frozen=True)
class SendFailure:
    """A refusal the Send API answers a send with, as Graph words it."""

    code: int
    message: str
    subcode: int | None = None
    status: HTTPStatus = HTTPStatus.BAD_REQUEST

    def error(self) -> _GraphError:
        return _GraphError(self.message, self.code, self.subcode, self.status)


# The Send API's refusals a test or `sixpotify local up` can inject, by name.
SEND_FAILURES: Final[Mapping[str, SendFailure]] = {
    # The recipient can never be messaged again.
    "blocked": SendFailure(551, "This person isn't available right now.", 1545041),
    "outside_window": SendFailure(
        _OUTSIDE_WINDOW,
        "(#10) This message is sent outside of allowed window.",
        _OUTSIDE_WINDOW_SUBCODE,
    ),
    "cannot_message": SendFailure(
        _OUTSIDE_WINDOW, "(#10) This person cannot receive messages from this page.", 1893063
    ),
    "no_user": SendFailure(_INVALID_PARAMETER, "(#100) No matching user found", 2018001),
    "no_permission": SendFailure(
        200, "(#200) This app does not have permission to message this person."
    ),
    # Failures for now: the same send may go through later.
    "rate_limited": SendFailure(4, "(#4) Application request limit reached"),
    "page_rate_limited": SendFailure(613, "(#613) Calls to this api have exceeded the rate limit."),
    "temporary": SendFailure(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        status=HTTPStatus.INTERNAL_SERVER_ERROR,
    ),
    "send_failure": SendFailure(1200, "Temporary send message failure. Please try again later."),
    "unavailable": SendFailure(
        1, "An unknown error occurred", status=HTTPStatus.SERVICE_UNAVAILABLE
    ),
}


class GraphSink(BackgroundHttpServer):
    """Messenger's Send API on 127.0.0.1: validates each send and keeps the accepted ones."""

    _description = "the Graph sink"
    _thread_name = "graph-sink"

    def __init__(self, page_access_token: str, page_id: str) -> None:
        super().__init__()
        self._page_access_token = page_access_token
        self._page_id = page_id
        # Each accepted send as GET /sent lists it, encoded once when recorded: a client
        # polling a long list would otherwise have it copied and encoded whole each time,
        # holding the lock every send waits for.
        self._sent: list[bytes] = []
        self._last_wrote: dict[str, datetime] = {}
        self._failing_recipients: dict[str, SendFailure] = {}
        self._failing_next: list[SendFailure] = []
        self._delay_seconds = 0.0
        self._lock = threading.Lock()
        self._writers: Connection | None = None
        self._writers_lock = threading.Lock()

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
            sent = list(self._sent)
        return [json.loads(entry) for entry in sent]

    def clear(self) -> None:
        """Forget the sends, who wrote when, and every injected fault."""
        with self._lock:
            self._sent.clear()
            self._last_wrote.clear()
        self.clear_faults()

    def user_wrote(self, user_id: str, at: datetime | None = None) -> None:
        """The user sent the page a message at `at` (now by default): their window opens."""
        with self._lock:
            self._last_wrote[user_id] = at or datetime.now(UTC)

    def hear_writers_from(self, writers: Connection) -> None:
        """Who wrote, as (user ID, Unix time) pairs another process sends on `writers`: heard
        before each window check, so that no answer overtakes the message it answers, and
        between checks by a thread of its own, so that the sender never finds the pipe full."""
        self._writers = writers
        threading.Thread(
            target=self._keep_hearing_writers, name="graph-sink-writers", daemon=True
        ).start()

    def _keep_hearing_writers(self) -> None:
        while self._hear_writers(wait=True):
            time.sleep(_WRITERS_HEARD_EVERY_SECONDS)

    def _hear_writers(self, *, wait: bool = False) -> bool:
        """Hear what was sent on the pipe, once something was if `wait`; False once its
        sender is gone, after hearing everything it sent."""
        writers = self._writers
        if writers is None:
            return False
        try:
            if wait:
                writers.poll(None)
            with self._writers_lock:
                while writers.poll(0):
                    user_id, at = writers.recv()
                    self.user_wrote(user_id, datetime.fromtimestamp(at, UTC))
        except (EOFError, OSError):
            self._writers = None
            return False
        return True

    def fail_recipient(self, user_id: str, failure: str) -> None:
        """Every send to user_id fails with SEND_FAILURES[failure] until the faults are cleared."""
        with self._lock:
            self._failing_recipients[user_id] = SEND_FAILURES[failure]

    def fail_next(self, count: int, failure: str) -> None:
        """The next `count` sends, to anyone, fail with SEND_FAILURES[failure]."""
        with self._lock:
            self._failing_next.extend([SEND_FAILURES[failure]] * count)

    def slow_down(self, seconds: float) -> None:
        """Every send takes `seconds` longer to be answered."""
        with self._lock:
            self._delay_seconds = seconds

    def clear_faults(self) -> None:
        with self._lock:
            self._failing_recipients.clear()
            self._failing_next.clear()
            self._delay_seconds = 0.0

    def _answer_get(self, target: str) -> tuple[HTTPStatus, Any]:
        if urlsplit(target).path.rstrip("/") == "/sent":
            with self._lock:
                listed = list(self._sent)
            return HTTPStatus.OK, _Encoded(b"[" + b",".join(listed) + b"]")
        return _unknown_path(target)

    def _answer_post(self, target: str, raw_body: bytes) -> tuple[HTTPStatus, Any]:
        url = urlsplit(target)
        control = _CONTROLS.get(url.path.rstrip("/"))
        if control is not None:
            return self._control(control, raw_body)
        match = _MESSAGES_PATH.match(url.path)
        if match is None:
            return _unknown_path(target)
        try:
            self._check_access_token(url.query)
            self._check_node(match["node"])
            body = _json_object(raw_body)
            _check_send(body)
            self._check_window(body)
            self._check_faults(str(body["recipient"]["id"]))
        except _GraphError as rejection:
            return rejection.status, rejection.body()
        return HTTPStatus.OK, self._record(body)

    def _control(self, control: str, raw_body: bytes) -> tuple[HTTPStatus, Any]:
        """The test-only endpoints, answered with {"ok": true} or a 400 saying what is wrong."""
        try:
            fields = json.loads(raw_body or b"{}")
            if control == "wrote":
                written = fields.get("timestamp")
                at = None if written is None else datetime.fromtimestamp(written / 1000, UTC)
                self.user_wrote(str(fields["user_id"]), at)
            elif control == "recipients":
                self.fail_recipient(str(fields["recipient_id"]), str(fields["failure"]))
            elif control == "next":
                self.fail_next(int(fields["count"]), str(fields["failure"]))
            elif control == "delay":
                self.slow_down(float(fields["seconds"]))
            else:
                self.clear_faults()
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return HTTPStatus.BAD_REQUEST, {"error": f"{type(error).__name__}: {error}"}
        return HTTPStatus.OK, {"ok": True}

    def _check_window(self, body: dict[str, Any]) -> None:
        if body.get("messaging_type") == "MESSAGE_TAG":
            return
        self._hear_writers()
        with self._lock:
            wrote_at = self._last_wrote.get(str(body["recipient"]["id"]))
        if wrote_at is not None and datetime.now(UTC) - wrote_at > MESSAGING_WINDOW:
            raise SEND_FAILURES["outside_window"].error()

    def _check_faults(self, recipient_id: str) -> None:
        with self._lock:
            delay = self._delay_seconds
            failure = self._failing_recipients.get(recipient_id)
            if failure is None and self._failing_next:
                failure = self._failing_next.pop(0)
        if delay:
            time.sleep(delay)
        if failure is not None:
            raise failure.error()

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
        encoded = json.dumps(entry, ensure_ascii=False).encode()
        with self._lock:
            self._sent.append(encoded)
        if message_id is None:
            return {"recipient_id": recipient_id}
        return {"recipient_id": recipient_id, "message_id": message_id}


@dataclass(frozen=True)
class _Encoded:
    """An answer's JSON body, encoded already."""

    body: bytes


# Each test-only POST path, by the control it stands for.
_WROTE_PATH: Final = "/users/wrote"
_CONTROLS: Final = {
    _WROTE_PATH: "wrote",
    "/faults/recipients": "recipients",
    "/faults/next": "next",
    "/faults/delay": "delay",
    "/faults/clear": "clear",
}


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
    # The headers and the body leave in two writes: with Nagle's algorithm the body waits
    # for the client's delayed ACK of the headers, some 40 ms a send on Linux loopback.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._reply(*self.server.sink._answer_get(self.path))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._reply(*self.server.sink._answer_post(self.path, self.rfile.read(length)))

    def _reply(self, status: HTTPStatus, body: Any) -> None:
        encoded = (
            body.body
            if isinstance(body, _Encoded)
            else json.dumps(body, ensure_ascii=False).encode()
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        # The query string carries the page access token: it never reaches a log.
        _log.debug("%s %s", self.address_string(), _QUERY_STRING.sub("?[redacted]", format % args))
