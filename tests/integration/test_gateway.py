"""The local gateway hands handlers the events API Gateway builds and answers as it answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.gateway import MESSENGER_REDELIVERY, LambdaHandler, LocalGateway, Redelivery
from tests.fixtures.sockets import accepted_connections

APP_SECRET = b"test-app-secret"


class RecordingHandler:
    """A Lambda handler that keeps what it was given and answers what it was told to."""

    def __init__(self, result: Any = None) -> None:
        self.result = {"statusCode": 200, "body": "ok"} if result is None else result
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.__name__ = "recording_handler"

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        return self.result

    @property
    def event(self) -> dict[str, Any]:
        [event] = self.events
        return event


def _failing_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("the webhook broke")


@pytest.fixture
def webhook() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def gateway(webhook: RecordingHandler) -> Iterator[LocalGateway]:
    routes: dict[str, LambdaHandler] = {
        "GET /webhook": webhook,
        "POST /webhook": webhook,
        "POST /broken": _failing_handler,
    }
    with LocalGateway(routes) as running:
        yield running


def _raw_request(
    gateway: LocalGateway, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> http.client.HTTPResponse:
    """http.client, because repeated headers need to reach the wire as sent."""
    address = urlsplit(gateway.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=5)
    connection.putrequest(method, target)
    for name, value in headers:
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _body_bytes(event: dict[str, Any]) -> bytes:
    if event["isBase64Encoded"]:
        return base64.b64decode(event["body"])
    return bytes(event["body"], "utf-8")


def test_a_signed_post_reaches_the_handler_with_its_bytes_intact(
    gateway: LocalGateway, webhook: RecordingHandler
) -> None:
    # Given
    raw = json.dumps(
        {"object": "page", "entry": [{"messaging": [{"message": {"text": "에스파"}}]}]},
        ensure_ascii=False,
    ).encode("utf-8")
    signature = "sha256=" + hmac.new(APP_SECRET, raw, hashlib.sha256).hexdigest()

    # When
    response = requests.post(
        f"{gateway.url}/webhook",
        data=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=5,
    )

    # Then
    assert response.status_code == 200
    event = webhook.event
    assert event["isBase64Encoded"] is False
    assert _body_bytes(event) == raw
    received = hmac.new(APP_SECRET, _body_bytes(event), hashlib.sha256).hexdigest()
    assert event["headers"]["x-hub-signature-256"] == f"sha256={received}"


def test_a_get_becomes_a_payload_format_2_event(
    gateway: LocalGateway, webhook: RecordingHandler
) -> None:
    # Given
    before_ms = int(time.time() * 1000)
    query = "hub.mode=subscribe&hub.verify_token=let-me-in&hub.challenge=1158201444"

    # When
    requests.get(
        f"{gateway.url}/webhook?{query}", headers={"User-Agent": "facebookplatform/1.0"}, timeout=5
    )

    # Then
    event = webhook.event
    host = urlsplit(gateway.url).netloc
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /webhook"
    assert event["rawPath"] == "/webhook"
    assert event["rawQueryString"] == query
    assert event["queryStringParameters"] == {
        "hub.mode": "subscribe",
        "hub.verify_token": "let-me-in",
        "hub.challenge": "1158201444",
    }
    assert event["isBase64Encoded"] is False
    for absent in ("body", "cookies", "pathParameters", "stageVariables"):
        assert absent not in event
    assert event["headers"]["host"] == host
    assert event["headers"]["user-agent"] == "facebookplatform/1.0"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    context = event["requestContext"]
    assert context["accountId"] == "123456789012"
    assert re.fullmatch(r"[a-z0-9]{10}", context["apiId"])
    assert context["domainName"] == host
    assert context["domainPrefix"] == host.split(".")[0]
    assert context["http"] == {
        "method": "GET",
        "path": "/webhook",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "facebookplatform/1.0",
    }
    assert re.fullmatch(r"[A-Za-z0-9]{15}=", context["requestId"])
    assert context["routeKey"] == "GET /webhook"
    assert context["stage"] == "$default"
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert before_ms <= context["timeEpoch"] <= int(time.time() * 1000)


def test_repeated_headers_and_parameters_are_comma_joined_and_cookies_listed(
    gateway: LocalGateway, webhook: RecordingHandler
) -> None:
    # Given
    headers = [
        ("Content-Type", "application/json"),
        ("X-Trace-Hop", "edge"),
        ("X-Trace-Hop", "proxy"),
        ("Cookie", "session=abc; theme=dark"),
    ]

    # When
    _raw_request(
        gateway, "POST", "/webhook?tag=a&tag=b&q=%EC%97%90%EC%8A%A4%ED%8C%8C", headers, b"{}"
    )

    # Then
    event = webhook.event
    assert event["headers"]["x-trace-hop"] == "edge,proxy"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "에스파"}
    assert event["rawQueryString"] == "tag=a&tag=b&q=%EC%97%90%EC%8A%A4%ED%8C%8C"


def test_a_request_without_a_query_has_no_query_parameters(
    gateway: LocalGateway, webhook: RecordingHandler
) -> None:
    # When
    requests.post(f"{gateway.url}/webhook", json={"object": "page"}, timeout=5)

    # Then
    assert webhook.event["rawQueryString"] == ""
    assert "queryStringParameters" not in webhook.event


@pytest.mark.parametrize(
    ("content_type", "base64_encoded"),
    [
        ("application/json", False),
        ("text/plain; charset=utf-8", False),
        ("application/xml", False),
        ("application/x-www-form-urlencoded", True),
        ("application/octet-stream", True),
        (None, True),
    ],
)
def test_only_textual_bodies_arrive_as_text(
    gateway: LocalGateway,
    webhook: RecordingHandler,
    content_type: str | None,
    base64_encoded: bool,
) -> None:
    # Given
    raw = "에스파=aespa&x=1".encode()
    headers = [] if content_type is None else [("Content-Type", content_type)]

    # When
    _raw_request(gateway, "POST", "/webhook", headers, raw)

    # Then
    assert webhook.event["isBase64Encoded"] is base64_encoded
    assert _body_bytes(webhook.event) == raw


def test_bytes_that_are_not_utf8_survive_under_a_textual_content_type(
    gateway: LocalGateway, webhook: RecordingHandler
) -> None:
    # Given
    raw = b"\xff\xfe not utf-8"

    # When
    _raw_request(gateway, "POST", "/webhook", [("Content-Type", "text/plain")], raw)

    # Then
    assert webhook.event["isBase64Encoded"] is True
    assert _body_bytes(webhook.event) == raw


def test_a_chunked_body_arrives_whole(gateway: LocalGateway, webhook: RecordingHandler) -> None:
    # Given
    chunks = [b'{"text": "', "에스파".encode(), b'"}']

    # When
    requests.post(
        f"{gateway.url}/webhook",
        data=iter(chunks),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )

    # Then
    assert _body_bytes(webhook.event) == b"".join(chunks)


def test_the_handler_gets_a_lambda_context(
    gateway: LocalGateway, webhook: RecordingHandler
) -> None:
    # When
    requests.get(f"{gateway.url}/webhook", timeout=5)

    # Then
    [context] = webhook.contexts
    assert uuid.UUID(context.aws_request_id)
    assert context.function_name == "recording_handler"
    assert 0 < context.get_remaining_time_in_millis() <= 30_000


def test_a_structured_result_becomes_the_http_response(webhook: RecordingHandler) -> None:
    # Given
    webhook.result = {
        "statusCode": 201,
        "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Retry": 3},
        "cookies": ["seen=1; Path=/", "theme=dark"],
        "body": "만들었어요",
    }

    # When
    with LocalGateway({"POST /webhook": webhook}) as gateway:
        response = _raw_request(gateway, "POST", "/webhook", [], b"")

    # Then
    assert response.status == 201
    assert response.getheader("Content-Type") == "text/plain; charset=utf-8"
    assert response.getheader("X-Retry") == "3"
    assert response.headers.get_all("Set-Cookie") == ["seen=1; Path=/", "theme=dark"]
    assert response.getheader("apigw-requestid")


def test_a_base64_result_is_decoded_to_bytes(webhook: RecordingHandler) -> None:
    # Given
    image = b"\x89PNG\r\n\x1a\n\x00\xff"
    webhook.result = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(image).decode(),
        "isBase64Encoded": True,
    }

    # When
    with LocalGateway({"GET /webhook": webhook}) as gateway:
        response = requests.get(f"{gateway.url}/webhook", timeout=5)

    # Then
    assert response.content == image


def test_a_result_without_status_code_is_200_json(webhook: RecordingHandler) -> None:
    # Given
    webhook.result = {"received": True, "artist": "에스파"}

    # When
    with LocalGateway({"GET /webhook": webhook}) as gateway:
        response = requests.get(f"{gateway.url}/webhook", timeout=5)

    # Then
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"received": True, "artist": "에스파"}


def test_a_status_code_without_content_type_is_plain_text(webhook: RecordingHandler) -> None:
    # Given
    webhook.result = {"statusCode": 200, "body": "1158201444"}

    # When
    with LocalGateway({"GET /webhook": webhook}) as gateway:
        response = requests.get(f"{gateway.url}/webhook", timeout=5)

    # Then
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "1158201444"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/elsewhere"), ("DELETE", "/webhook"), ("GET", "/webhook/")]
)
def test_an_unknown_route_is_404(
    gateway: LocalGateway, webhook: RecordingHandler, method: str, path: str
) -> None:
    # When
    response = requests.request(method, f"{gateway.url}{path}", timeout=5)

    # Then
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert webhook.events == []


def test_any_and_default_routes_catch_what_no_exact_route_does() -> None:
    # Given
    any_method = RecordingHandler()
    fallback = RecordingHandler()

    # When
    with LocalGateway({"ANY /webhook": any_method, "$default": fallback}) as gateway:
        requests.delete(f"{gateway.url}/webhook", timeout=5)
        requests.get(f"{gateway.url}/anything/else", timeout=5)

    # Then
    assert any_method.event["routeKey"] == "ANY /webhook"
    assert fallback.event["routeKey"] == "$default"
    assert fallback.event["rawPath"] == "/anything/else"


def test_a_handler_exception_is_a_500_and_is_logged(
    gateway: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    # When
    response = requests.post(f"{gateway.url}/broken", json={}, timeout=5)

    # Then
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    [record] = [record for record in caplog.records if record.exc_info]
    assert "POST /broken" in record.getMessage()
    assert "the webhook broke" in caplog.text


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200", "body": "ok"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True},
        {"statusCode": 200, "headers": {"X-Nested": {"a": 1}}},
    ],
)
def test_a_malformed_result_is_a_500(webhook: RecordingHandler, result: dict[str, Any]) -> None:
    # Given
    webhook.result = result

    # When
    with LocalGateway({"GET /webhook": webhook}) as gateway:
        response = requests.get(f"{gateway.url}/webhook", timeout=5)

    # Then
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_query_strings_never_reach_the_log(
    gateway: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    # Given
    caplog.set_level(logging.DEBUG, logger="local.gateway")

    # When
    requests.get(f"{gateway.url}/webhook?hub.verify_token=let-me-in", timeout=5)

    # Then
    assert "/webhook" in caplog.text
    assert "let-me-in" not in caplog.text


def test_a_route_key_without_method_and_path_is_refused() -> None:
    # When / Then
    with pytest.raises(ValueError, match="METHOD /path"):
        LocalGateway({"/webhook": RecordingHandler()})


class ScriptedHandler(RecordingHandler):
    """Answers each status of `statuses` in turn (the last one from then on), taking
    slow_seconds over the first answer."""

    def __init__(self, *statuses: int, slow_seconds: float = 0) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.slow_seconds = slow_seconds

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        if not self.events:
            time.sleep(self.slow_seconds)
        status = self.statuses[min(len(self.events), len(self.statuses) - 1)]
        super().__call__(event, context)
        return {"statusCode": status, "body": str(status)}


QUICK = Redelivery(attempts=3, first_wait_seconds=0.01, answer_within_seconds=1)


def _post_once(handler: ScriptedHandler, redelivery: Redelivery = QUICK) -> requests.Response:
    routes: dict[str, LambdaHandler] = {"POST /webhook": handler, "GET /webhook": handler}
    with LocalGateway(routes, redelivered={"POST /webhook": redelivery}) as running:
        return requests.post(f"{running.url}/webhook", data=b'{"object": "page"}', timeout=5)


def test_a_failed_delivery_is_delivered_again_until_it_is_answered_200() -> None:
    # Given a webhook that fails twice, then answers
    handler = ScriptedHandler(500, 403, 200)
    # When a request reaches it through a route Messenger redelivers on
    response = _post_once(handler)
    # Then it was delivered three times, the same bytes as new requests, and the caller
    # sees the answer that ended it
    assert response.status_code == 200
    assert len(handler.events) == 3
    assert {_body_bytes(event) for event in handler.events} == {b'{"object": "page"}'}
    assert len({event["requestContext"]["requestId"] for event in handler.events}) == 3


def test_redelivery_stops_after_the_last_attempt() -> None:
    # Given a webhook that always fails
    handler = ScriptedHandler(500)
    # When a request reaches it / Then it was delivered as often as allowed, and failed
    assert _post_once(handler).status_code == 500
    assert len(handler.events) == QUICK.attempts


def test_a_slow_answer_is_delivered_again_even_when_it_is_200() -> None:
    # Given a webhook whose first answer comes later than the caller waits
    handler = ScriptedHandler(200, slow_seconds=0.2)
    # When a request reaches it
    response = _post_once(
        handler, Redelivery(attempts=3, first_wait_seconds=0.01, answer_within_seconds=0.1)
    )
    # Then it was delivered once more, and the quick answer ended it
    assert response.status_code == 200
    assert len(handler.events) == 2


def test_a_quick_200_and_routes_not_redelivered_are_delivered_once() -> None:
    # Given a webhook answering 200 at once, and one failing on a route without redelivery
    answering, failing = ScriptedHandler(200), ScriptedHandler(500)
    routes: dict[str, LambdaHandler] = {"POST /webhook": answering, "GET /webhook": failing}
    with LocalGateway(routes, redelivered={"POST /webhook": QUICK}) as running:
        # When each is called
        posted = requests.post(f"{running.url}/webhook", data=b"{}", timeout=5)
        got = requests.get(f"{running.url}/webhook", timeout=5)
    # Then each was called once
    assert (posted.status_code, got.status_code) == (200, 500)
    assert (len(answering.events), len(failing.events)) == (1, 1)


def test_messenger_redelivery_waits_longer_each_time_and_for_meta_s_twenty_seconds() -> None:
    # Then the local stack's redelivery backs off and times answers out as Meta does
    assert MESSENGER_REDELIVERY.waits() == [0.02, 0.04]
    assert MESSENGER_REDELIVERY.answer_within_seconds == 20


def test_only_a_route_can_be_redelivered() -> None:
    # When / Then
    with pytest.raises(ValueError, match="redelivered routes"):
        LocalGateway({"GET /webhook": RecordingHandler()}, redelivered={"POST /webhook": QUICK})


def test_the_gateway_answers_without_waiting_for_the_clients_acks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a gateway whose accepted connections are kept in sight
    with LocalGateway(
        {"GET /ping": RecordingHandler({"statusCode": 200, "body": "pong"})}
    ) as gateway:
        server = gateway._http_server
        assert server is not None
        accepted = accepted_connections(server, monkeypatch)
        address = urlsplit(gateway.url)
        client = http.client.HTTPConnection(str(address.hostname), address.port, timeout=5)
        # When a client's request is answered, the connection still open
        client.request("GET", "/ping")
        assert client.getresponse().read() == b"pong"
        # Then the answer's headers and body went out without Nagle's wait for an ACK
        [connection] = accepted
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        client.close()
