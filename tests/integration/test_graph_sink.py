"""The Graph sink accepts what the Send API accepts and refuses, as Graph does, what it refuses."""

from __future__ import annotations

import multiprocessing
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.graph_sink import GraphSink
from tests.fixtures.graph import PAGE_ACCESS_TOKEN, PAGE_ID
from tests.fixtures.sockets import accepted_connections

USER_ID = "2718281828"


def _send(
    sink: GraphSink, body: Any, token: str | None = PAGE_ACCESS_TOKEN, node: str = "me"
) -> requests.Response:
    params = {} if token is None else {"access_token": token}
    return requests.post(f"{sink.api_url}/{node}/messages", params=params, json=body, timeout=5)


def _text(text: str = "Found aespa!", **overrides: Any) -> dict[str, Any]:
    return {
        "recipient": {"id": USER_ID},
        "messaging_type": "RESPONSE",
        "message": {"text": text},
        **overrides,
    }


def _button(title: str = "Open in Spotify") -> dict[str, Any]:
    return {"type": "web_url", "url": "https://open.spotify.com/artist/x", "title": title}


def _element(**overrides: Any) -> dict[str, Any]:
    return {"title": "aespa", "subtitle": "k-pop", "buttons": [_button()], **overrides}


def _carousel(elements: list[Any]) -> dict[str, Any]:
    return {
        "recipient": {"id": USER_ID},
        "messaging_type": "RESPONSE",
        "message": {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "generic", "elements": elements},
            }
        },
    }


def _quick_replies(replies: list[Any]) -> dict[str, Any]:
    body = _text("Pick one:")
    body["message"]["quick_replies"] = replies
    return body


def _quick_reply(title: str = "aespa") -> dict[str, Any]:
    return {"content_type": "text", "title": title, "payload": "ARTIST:aespa"}


def test_a_text_send_is_accepted_and_recorded_with_its_body(clean_graph_sink: GraphSink) -> None:
    # Given
    body = _text("에스파를 찾았어요!")

    # When
    response = _send(clean_graph_sink, body)

    # Then
    assert response.status_code == 200
    answer = response.json()
    assert answer["recipient_id"] == USER_ID
    assert answer["message_id"].startswith("m_")
    [entry] = clean_graph_sink.sent()
    assert entry["body"] == body
    assert entry["message_id"] == answer["message_id"]
    assert entry["received_at"].endswith("+00:00")


def test_sends_to_the_page_id_path_are_accepted_like_sends_to_me(
    clean_graph_sink: GraphSink,
) -> None:
    # When
    response = _send(clean_graph_sink, _text(), node=PAGE_ID)

    # Then
    assert response.status_code == 200
    assert len(clean_graph_sink.sent()) == 1


def test_a_sender_action_is_accepted_without_a_message_id(clean_graph_sink: GraphSink) -> None:
    # Given
    body = {"recipient": {"id": USER_ID}, "sender_action": "typing_on"}

    # When
    response = _send(clean_graph_sink, body)

    # Then
    assert response.status_code == 200
    assert response.json() == {"recipient_id": USER_ID}
    assert [entry["message_id"] for entry in clean_graph_sink.sent()] == [None]


def test_payloads_at_every_limit_are_accepted(clean_graph_sink: GraphSink) -> None:
    # Given
    longest_element = _element(
        title="t" * 80,
        subtitle="s" * 80,
        buttons=[
            _button("b" * 20),
            {"type": "postback", "title": "More", "payload": "p" * 1000},
            _button(),
        ],
    )
    bodies = [
        _text("x" * 2000),
        _carousel([longest_element] * 10),
        _quick_replies([_quick_reply("q" * 20)] * 13),
    ]

    # When
    statuses = [_send(clean_graph_sink, body).status_code for body in bodies]

    # Then
    assert statuses == [200, 200, 200]
    assert [entry["body"] for entry in clean_graph_sink.sent()] == bodies


def test_the_sent_url_lists_accepted_sends_oldest_first(clean_graph_sink: GraphSink) -> None:
    # Given
    _send(clean_graph_sink, _text("first"))
    _send(clean_graph_sink, _text(""))
    _send(clean_graph_sink, _text("second"))

    # When
    listed = requests.get(clean_graph_sink.sent_url, timeout=5).json()

    # Then
    assert [entry["body"]["message"]["text"] for entry in listed] == ["first", "second"]
    assert listed == clean_graph_sink.sent()


def test_clear_forgets_every_send(clean_graph_sink: GraphSink) -> None:
    # Given
    _send(clean_graph_sink, _text())

    # When
    clean_graph_sink.clear()

    # Then
    assert clean_graph_sink.sent() == []
    assert requests.get(clean_graph_sink.sent_url, timeout=5).json() == []


def test_concurrent_sends_are_all_recorded(clean_graph_sink: GraphSink) -> None:
    # Given
    texts = [f"message {number}" for number in range(40)]

    # When
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda text: _send(clean_graph_sink, _text(text)), texts))

    # Then
    assert {response.status_code for response in responses} == {200}
    sent = clean_graph_sink.sent()
    assert sorted(entry["body"]["message"]["text"] for entry in sent) == sorted(texts)
    assert len({entry["message_id"] for entry in sent}) == len(texts)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        pytest.param("not-the-page-token", "Invalid OAuth access token", id="wrong token"),
        pytest.param(None, "access token is required", id="missing token"),
    ],
)
def test_a_bad_access_token_is_refused_as_oauth_error_190(
    clean_graph_sink: GraphSink, token: str | None, message: str
) -> None:
    # When
    response = _send(clean_graph_sink, _text(), token=token)

    # Then
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 190
    assert error["type"] == "OAuthException"
    assert message in error["message"]
    assert error["fbtrace_id"]
    assert clean_graph_sink.sent() == []


def test_another_pages_messages_edge_is_refused(clean_graph_sink: GraphSink) -> None:
    # When
    response = _send(clean_graph_sink, _text(), node="999999999")

    # Then
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert clean_graph_sink.sent() == []


def test_an_unknown_path_is_refused(clean_graph_sink: GraphSink) -> None:
    # When
    response = requests.post(
        f"{clean_graph_sink.api_url}/me/feed",
        params={"access_token": PAGE_ACCESS_TOKEN},
        json=_text(),
        timeout=5,
    )

    # Then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2500


INVALID_SENDS = [
    pytest.param(
        {"messaging_type": "RESPONSE", "message": {"text": "hi"}},
        100,
        "recipient is required",
        id="missing recipient",
    ),
    pytest.param(_text(recipient={}), 100, "recipient[id]", id="recipient without id"),
    pytest.param(_text(recipient={"id": ""}), 100, "recipient[id]", id="empty recipient id"),
    pytest.param(
        {"recipient": {"id": USER_ID}, "messaging_type": "RESPONSE"},
        100,
        "either message or state",
        id="neither message nor sender_action",
    ),
    pytest.param(
        _text(sender_action="typing_on"), 100, "both message and sender_action", id="both"
    ),
    pytest.param(
        {"recipient": {"id": USER_ID}, "sender_action": "typing"},
        100,
        "sender_action must be one of",
        id="unknown sender_action",
    ),
    pytest.param(
        _text(message={"text": "hi", "attachment": {"type": "image", "payload": {"url": "u"}}}),
        100,
        "Only one of message[text] or message[attachment]",
        id="text and attachment",
    ),
    pytest.param(_text(message={}), 100, "Message cannot be empty", id="no text nor attachment"),
    pytest.param(_text(""), 100, "Message cannot be empty", id="empty text"),
    pytest.param(_text("x" * 2001), 100, "message[text] must be less than", id="text too long"),
    pytest.param(
        _text(messaging_type="REPLY"), 100, "messaging_type must be one of", id="bad type"
    ),
    pytest.param(
        {"recipient": {"id": USER_ID}, "message": {"text": "hi"}},
        100,
        "messaging_type is required",
        id="missing messaging_type",
    ),
    pytest.param(
        _text(messaging_type="MESSAGE_TAG"), 100, "needs a tag", id="message tag without tag"
    ),
    pytest.param(
        _carousel([_element()] * 11), 105, "[elements] has too many elements", id="11 elements"
    ),
    pytest.param(_carousel([]), 100, "[elements] must be a non-empty array", id="no elements"),
    pytest.param(
        _carousel([{"subtitle": "k-pop", "buttons": [_button()]}]),
        100,
        "[elements][0][title] must be non-empty",
        id="element without title",
    ),
    pytest.param(
        _carousel([_element(title="t" * 81)]),
        100,
        "[elements][0][title] must be less than or equal to 80",
        id="element title too long",
    ),
    pytest.param(
        _carousel([_element(subtitle="s" * 81)]),
        100,
        "[elements][0][subtitle] must be less than or equal to 80",
        id="subtitle too long",
    ),
    pytest.param(
        _carousel([{"title": "aespa"}]),
        100,
        "at least one property in addition to title",
        id="element with a title only",
    ),
    pytest.param(
        _carousel([_element(buttons=[_button()] * 4)]),
        105,
        "[buttons] has too many elements",
        id="4 buttons",
    ),
    pytest.param(
        _carousel([_element(buttons=[_button("b" * 21)])]),
        100,
        "[buttons][0][title] must be less than or equal to 20",
        id="button title too long",
    ),
    pytest.param(
        _carousel([_element(buttons=[{"type": "web_url", "title": "Open"}])]),
        100,
        "[buttons][0][url] is required",
        id="web_url button without url",
    ),
    pytest.param(
        _carousel([_element(buttons=[{"type": "postback", "title": "More"}])]),
        100,
        "[buttons][0][payload] is required",
        id="postback button without payload",
    ),
    pytest.param(
        _carousel(
            [_element(buttons=[{"type": "postback", "title": "More", "payload": "p" * 1001}])]
        ),
        100,
        "[buttons][0][payload] must be less than or equal to 1000",
        id="postback payload too long",
    ),
    pytest.param(
        _quick_replies([_quick_reply()] * 14),
        105,
        "quick_replies] has too many elements",
        id="14 quick replies",
    ),
    pytest.param(
        _quick_replies([_quick_reply("q" * 21)]),
        100,
        "[quick_replies][0][title] must be less than or equal to 20",
        id="quick reply title too long",
    ),
    pytest.param(
        _text(
            message={"attachment": {"type": "template", "payload": {"template_type": "receipt"}}}
        ),
        100,
        "only generic and button templates",
        id="unchecked template type",
    ),
]


@pytest.mark.parametrize(("body", "code", "message"), INVALID_SENDS)
def test_an_invalid_send_is_refused_with_a_graph_error(
    clean_graph_sink: GraphSink, body: dict[str, Any], code: int, message: str
) -> None:
    # When
    response = _send(clean_graph_sink, body)

    # Then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert error["type"] == "OAuthException"
    assert message in error["message"]
    assert error["fbtrace_id"]
    assert clean_graph_sink.sent() == []


def test_a_body_that_is_not_json_is_refused(clean_graph_sink: GraphSink) -> None:
    # When
    response = requests.post(
        f"{clean_graph_sink.api_url}/me/messages",
        params={"access_token": PAGE_ACCESS_TOKEN},
        data="recipient=1&message=hi",
        timeout=5,
    )

    # Then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100
    assert clean_graph_sink.sent() == []


def test_a_user_who_last_wrote_over_24_hours_ago_cannot_be_messaged(
    clean_graph_sink: GraphSink,
) -> None:
    # Given a user whose last message is 25 hours old
    clean_graph_sink.user_wrote(USER_ID, datetime.now(UTC) - timedelta(hours=25))

    # When the page replies, starts a message, or tags one
    reply = _send(clean_graph_sink, _text())
    update = _send(clean_graph_sink, _text(messaging_type="UPDATE"))
    tagged = _send(clean_graph_sink, _text(messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE"))

    # Then only the tagged message goes, as Graph refuses the rest outside the window
    for refused in (reply, update):
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert (error["code"], error["error_subcode"]) == (10, 2018278)
        assert set(error) == {"message", "type", "code", "error_subcode", "fbtrace_id"}
    assert tagged.status_code == 200
    assert [entry["body"]["messaging_type"] for entry in clean_graph_sink.sent()] == ["MESSAGE_TAG"]


def test_a_user_who_wrote_within_24_hours_can_be_sent_updates(
    clean_graph_sink: GraphSink,
) -> None:
    # Given a user whose last message is 23 hours old
    clean_graph_sink.user_wrote(USER_ID, datetime.now(UTC) - timedelta(hours=23))

    # When the page starts a message / Then it goes
    assert _send(clean_graph_sink, _text(messaging_type="UPDATE")).status_code == 200


def test_a_user_who_wrote_on_the_pipe_is_heard_before_the_answer_is_checked() -> None:
    # Given a sink hearing who wrote on a pipe, its reader woken by a first writer and
    # pausing, and a user whose last message is 25 hours old
    writers, sender = multiprocessing.Pipe(duplex=False)
    with GraphSink(page_access_token=PAGE_ACCESS_TOKEN, page_id=PAGE_ID) as sink:
        sink.hear_writers_from(writers)
        sender.send(("someone-else", time.time()))
        time.sleep(0.02)
        sink.user_wrote(USER_ID, datetime.now(UTC) - timedelta(hours=25))

        # When the user writes again and is answered at once
        sender.send((USER_ID, time.time()))
        answer = _send(sink, _text())

        # Then the answer goes: the window opened by the message it answers
        assert answer.status_code == 200

        # And when the writing process is gone, the sink answers on
        sender.close()
        assert _send(sink, _text()).status_code == 200


@pytest.mark.parametrize(
    ("failure", "status", "code", "subcode"),
    [
        ("blocked", 400, 551, 1545041),
        ("outside_window", 400, 10, 2018278),
        ("cannot_message", 400, 10, 1893063),
        ("no_user", 400, 100, 2018001),
        ("no_permission", 400, 200, None),
        ("rate_limited", 400, 4, None),
        ("page_rate_limited", 400, 613, None),
        ("temporary", 500, 2, None),
        ("send_failure", 400, 1200, None),
        ("unavailable", 503, 1, None),
    ],
)
def test_a_failing_recipient_is_refused_as_graph_refuses_and_others_are_not(
    clean_graph_sink: GraphSink, failure: str, status: int, code: int, subcode: int | None
) -> None:
    # Given every send to one user fails as `failure`
    clean_graph_sink.fail_recipient(USER_ID, failure)

    # When the page messages that user and another
    refused = _send(clean_graph_sink, _text())
    other = _send(clean_graph_sink, _text(recipient={"id": "31415926"}))

    # Then the first is refused with Graph's error, and only the other is delivered
    assert refused.status_code == status
    error = refused.json()["error"]
    assert (error["code"], error.get("error_subcode")) == (code, subcode)
    assert error["message"]
    assert error["fbtrace_id"]
    assert other.status_code == 200
    assert [entry["body"]["recipient"]["id"] for entry in clean_graph_sink.sent()] == ["31415926"]


def test_faults_injected_over_http_fail_the_next_sends_then_clear(
    clean_graph_sink: GraphSink,
) -> None:
    # Given the next two sends fail (code 2) and every send is slowed, set over HTTP
    control = clean_graph_sink.base_url
    requests.post(f"{control}/faults/next", json={"count": 2, "failure": "temporary"}, timeout=5)
    requests.post(f"{control}/faults/delay", json={"seconds": 0.2}, timeout=5)

    # When the page sends three messages
    started = time.monotonic()
    statuses = [_send(clean_graph_sink, _text()).status_code for _ in range(3)]
    elapsed = time.monotonic() - started

    # Then the burst failed the first two only, each send took the delay, and clearing the
    # faults over HTTP makes sends quick again
    assert statuses == [500, 500, 200]
    assert elapsed >= 0.6
    cleared = requests.post(f"{control}/faults/clear", timeout=5)
    assert cleared.json() == {"ok": True}
    started = time.monotonic()
    assert _send(clean_graph_sink, _text()).status_code == 200
    assert time.monotonic() - started < 0.2


def test_a_user_blocked_and_a_last_message_set_over_http_are_enforced(
    clean_graph_sink: GraphSink,
) -> None:
    # Given a blocked user and a user who last wrote 25 hours ago, set over HTTP
    control = clean_graph_sink.base_url
    late_ms = int((datetime.now(UTC) - timedelta(hours=25)).timestamp() * 1000)
    requests.post(
        f"{control}/faults/recipients",
        json={"recipient_id": USER_ID, "failure": "blocked"},
        timeout=5,
    )
    requests.post(
        f"{control}/users/wrote", json={"user_id": "31415926", "timestamp": late_ms}, timeout=5
    )

    # When the page messages both
    blocked = _send(clean_graph_sink, _text())
    late = _send(clean_graph_sink, _text(recipient={"id": "31415926"}))

    # Then each is refused with its own error
    assert blocked.json()["error"]["code"] == 551
    assert late.json()["error"]["error_subcode"] == 2018278


def test_an_unknown_failure_name_over_http_is_refused(clean_graph_sink: GraphSink) -> None:
    # When a fault with a failure the sink does not know is injected
    answer = requests.post(
        f"{clean_graph_sink.base_url}/faults/next",
        json={"count": 1, "failure": "bored"},
        timeout=5,
    )
    # Then it says so, and sends still go
    assert answer.status_code == 400
    assert "bored" in answer.json()["error"]
    assert _send(clean_graph_sink, _text()).status_code == 200


def test_the_sink_answers_without_waiting_for_the_clients_acks(
    clean_graph_sink: GraphSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the sink's accepted connections kept in sight
    server = clean_graph_sink._http_server
    assert server is not None
    accepted = accepted_connections(server, monkeypatch)
    # When a send is answered, the connection still open
    with requests.Session() as session:
        response = session.post(
            f"{clean_graph_sink.api_url}/me/messages",
            params={"access_token": PAGE_ACCESS_TOKEN},
            json=_text(),
            timeout=5,
        )
        assert response.ok
        # Then the answer's headers and body went out without Nagle's wait for an ACK
        [connection] = accepted
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
