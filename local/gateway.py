"""API Gateway (HTTP API) on one machine.

Each request becomes the payload format 2.0 event AWS hands a Lambda function, and the
function's answer becomes the HTTP response AWS would send, so handlers run unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.background_server import BackgroundHttpServer
from local.lambda_context import LocalLambdaContext

_log = logging.getLogger(__name__)

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

ACCOUNT_ID = "123456789012"
DEFAULT_ROUTE = "$default"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_ROUTE_KEY = re.compile(rf"^(?:{'|'.join(_METHODS)}) /\S*$")
# With text/*, the only media types HTTP APIs hand a function as text; every other body,
# form-encoded ones and those without a Content-Type included, arrives base64-encoded.
_TEXT_MEDIA_TYPES = ("application/json", "application/xml", "application/javascript")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUERY_STRING = re.compile(r"\?[^\s'\"]*")
_NOT_FOUND = {"message": "Not Found"}
_INTERNAL_ERROR = {"message": "Internal Server Error"}


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    server_port: int


@dataclass(frozen=True)
class _Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Redelivery:
    """How a caller that wants a 200 delivers the same request again: after any other answer,
    or one slower than answer_within_seconds, up to `attempts` deliveries in all, waiting
    first_wait_seconds before the second and twice as long before each one after."""

    attempts: int
    first_wait_seconds: float
    answer_within_seconds: float

    def waits(self) -> list[float]:
        return [self.first_wait_seconds * 2**retry for retry in range(self.attempts - 1)]


# Meta waits 20 s for an answer and redelivers a failed delivery for hours; locally the
# waits shrink to milliseconds so that a test meets every redelivery a failure causes.
MESSENGER_REDELIVERY = Redelivery(attempts=3, first_wait_seconds=0.02, answer_within_seconds=20)


class _MalformedResultError(Exception):
    """A handler result API Gateway could not turn into an HTTP response."""


class LocalGateway(BackgroundHttpServer):
    """Routes "METHOD /path" (also "ANY /path" and "$default") to Lambda handlers."""

    _description = "the gateway"
    _thread_name = "local-gateway"

    def __init__(
        self,
        routes: Mapping[str, LambdaHandler],
        *,
        timeout_seconds: float = 30,
        redelivered: Mapping[str, Redelivery] | None = None,
    ) -> None:
        """redelivered names the routes whose caller delivers a request again, as Messenger
        does, after an answer other than 200 or a slow one; the caller sees the last answer."""
        super().__init__()
        malformed = [key for key in routes if key != DEFAULT_ROUTE and not _ROUTE_KEY.match(key)]
        if malformed:
            raise ValueError(f"route keys must read 'METHOD /path' or '$default': {malformed}")
        unrouted = [key for key in redelivered or {} if key not in routes]
        if unrouted:
            raise ValueError(f"redelivered routes must be routes: {unrouted}")
        self._routes = dict(routes)
        self._redelivered = dict(redelivered or {})
        self._timeout_seconds = timeout_seconds
        self._api_id = "".join(
            secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10)
        )

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _GatewayServer(address, self)

    @property
    def url(self) -> str:
        return self.base_url

    def _answer(self, request: _Request) -> _Response:
        path = urlsplit(request.target).path
        route_key = self._route_key(request.method, path)
        if route_key is None:
            return _json_response(HTTPStatus.NOT_FOUND, _NOT_FOUND, _request_id())
        redelivery = self._redelivered.get(route_key)
        if redelivery is None:
            return self._invoke(request, route_key)
        response, took_seconds = self._timed_invoke(request, route_key)
        for wait_seconds in redelivery.waits():
            if (
                response.status == HTTPStatus.OK
                and took_seconds <= redelivery.answer_within_seconds
            ):
                break
            _log.info(
                "route %s answered %d after %.1f s: delivering again",
                route_key,
                response.status,
                took_seconds,
            )
            time.sleep(wait_seconds)
            response, took_seconds = self._timed_invoke(request, route_key)
        return response

    def _timed_invoke(self, request: _Request, route_key: str) -> tuple[_Response, float]:
        started = time.monotonic()
        response = self._invoke(request, route_key)
        return response, time.monotonic() - started

    def _invoke(self, request: _Request, route_key: str) -> _Response:
        """One delivery: a new event (request ID, time, trace) as each HTTP request gets."""
        request_id = _request_id()
        handler = self._routes[route_key]
        event = self._event(request, route_key, request_id)
        context = LocalLambdaContext(
            function_name=getattr(handler, "__name__", "handler"),
            timeout_seconds=self._timeout_seconds,
        )
        try:
            return _http_response(handler(event, context), request_id)
        except _MalformedResultError as error:
            _log.error("route %s returned a malformed response: %s", route_key, error)
        except Exception:
            _log.exception("route %s raised", route_key)
        return _json_response(HTTPStatus.INTERNAL_SERVER_ERROR, _INTERNAL_ERROR, request_id)

    def _route_key(self, method: str, path: str) -> str | None:
        for key in (f"{method} {path}", f"ANY {path}", DEFAULT_ROUTE):
            if key in self._routes:
                return key
        return None

    def _event(self, request: _Request, route_key: str, request_id: str) -> dict[str, Any]:
        url = urlsplit(request.target)
        headers, cookies = _headers_and_cookies(request)
        now = datetime.now(UTC)
        domain_name = headers.get("host", f"127.0.0.1:{request.server_port}")
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": url.path,
            "rawQueryString": url.query,
        }
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        query = _query_parameters(url.query)
        if query:
            event["queryStringParameters"] = query
        event["requestContext"] = {
            "accountId": ACCOUNT_ID,
            "apiId": self._api_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "http": {
                "method": request.method,
                "path": url.path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": _clf_time(now),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if request.body:
            event["body"], event["isBase64Encoded"] = _event_body(
                request.body, headers.get("content-type")
            )
        else:
            event["isBase64Encoded"] = False
        return event


def _headers_and_cookies(request: _Request) -> tuple[dict[str, str], list[str]]:
    """Names lower-cased and repeats comma-joined; Cookie headers move to the cookie list;
    the x-forwarded-* and trace headers API Gateway adds."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        elif lowered in headers:
            headers[lowered] = f"{headers[lowered]},{value}"
        else:
            headers[lowered] = value
    forwarded_for = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip
    )
    headers["x-forwarded-port"] = str(request.server_port)
    headers["x-forwarded-proto"] = "http"
    headers["x-amzn-trace-id"] = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return headers, cookies


def _query_parameters(raw_query: str) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def _event_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type.startswith("text/") or media_type in _TEXT_MEDIA_TYPES:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            # Bytes that are not UTF-8 would not survive as text: base64 keeps them exact.
            pass
    return base64.b64encode(body).decode("ascii"), True


def _http_response(result: Any, request_id: str) -> _Response:
    """Maps a handler's result the way API Gateway reads payload format 2.0 answers: a
    dict with statusCode is a response; anything else is a 200 JSON body."""
    if not isinstance(result, dict) or "statusCode" not in result:
        try:
            return _json_response(HTTPStatus.OK, result, request_id)
        except (TypeError, ValueError) as error:
            raise _MalformedResultError(f"not JSON-serializable: {error}") from None
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise _MalformedResultError(f"statusCode must be an HTTP status, not {status!r}")
    headers = _response_headers(result.get("headers") or {})
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(cookie, str) for cookie in cookies):
        raise _MalformedResultError("cookies must be a list of strings")
    headers.extend(("Set-Cookie", cookie) for cookie in cookies)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
    headers.append(("apigw-requestid", request_id))
    return _Response(status, headers, _response_body(result))


def _response_headers(headers: Any) -> list[tuple[str, str]]:
    if not isinstance(headers, dict):
        raise _MalformedResultError("headers must be an object")
    mapped = []
    for name, value in headers.items():
        if isinstance(value, dict | list) or value is None:
            raise _MalformedResultError(f"header {name!r} must be a string, number or boolean")
        mapped.append((str(name), value if isinstance(value, str) else json.dumps(value)))
    return mapped


def _response_body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise _MalformedResultError("body must be a string")
    if not result.get("isBase64Encoded"):
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise _MalformedResultError("body is not valid base64") from None


def _json_response(status: HTTPStatus, payload: Any, request_id: str) -> _Response:
    return _Response(
        status,
        [("Content-Type", "application/json"), ("apigw-requestid", request_id)],
        json.dumps(payload, ensure_ascii=False).encode("utf-8"),
    )


def _request_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(15)) + "="


def _clf_time(moment: datetime) -> str:
    # Built by hand because strftime's %b follows the process locale.
    return (
        f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} +0000"
    )


def _read_chunked(stream: BufferedIOBase) -> bytes:
    chunks = []
    while size := int(stream.readline().split(b";")[0].strip() or b"0", 16):
        chunks.append(stream.read(size))
        stream.readline()
    while stream.readline().strip():
        pass  # trailers carry nothing a Lambda event keeps
    return b"".join(chunks)


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    # Concurrent clients beyond the default backlog of 5 would wait a second for a SYN retry.
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], gateway: LocalGateway) -> None:
        super().__init__(address, _GatewayRequestHandler)
        self.gateway = gateway


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    server: _GatewayServer
    protocol_version = "HTTP/1.1"
    # The headers and the body leave in two writes: with Nagle's algorithm the body waits
    # for the client's delayed ACK of the headers, some 40 ms on Linux loopback.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def do_OPTIONS(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def _forward(self) -> None:
        request = _Request(
            method=self.command,
            target=self.path,
            protocol=self.request_version,
            headers=list(self.headers.items()),
            body=self._read_body(),
            source_ip=self.client_address[0],
            server_port=self.server.server_address[1],
        )
        response = self.server.gateway._answer(request)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_message(self, format: str, *args: Any) -> None:
        # Query strings carry secrets (the webhook's verify token): they never reach a log.
        _log.debug("%s %s", self.address_string(), _QUERY_STRING.sub("?[redacted]", format % args))
