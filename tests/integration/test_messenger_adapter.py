"""The Messenger adapter delivers through a Send API and keeps the page token to itself."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Iterator

import pytest
import requests
from pydantic import SecretStr

from adapters.messenger import GRAPH_API_VERSION, GraphDeliveryError, GraphMessenger
from domain.errors import (
    MessengerDeliveryError,
    MessengerUnavailableError,
    RecipientUnreachableError,
)
from domain.models import Button, Card, CarouselReply, TextReply
from local.gateway import LocalGateway
from local.graph_sink import GraphSink
from tests.fakes import RecordingMeasurements
from tests.fixtures.graph import PAGE_ACCESS_TOKEN

USER_ID = "2718281828"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


def _everything_said_about(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + repr(error.args)


def _aespa_card(image_url: str | None) -> Card:
    return Card(
        title="aespa",
        subtitle="k-pop, k-pop girl group",
        image_url=image_url,
        buttons=(
            Button(
                kind="web_url", title="Open in Spotify", url="https://open.spotify.com/artist/x"
            ),
        ),
    )


def test_a_text_reply_is_delivered(
    graph_messenger: GraphMessenger, clean_graph_sink: GraphSink
) -> None:
    # When
    graph_messenger.send(USER_ID, TextReply(text="에스파를 찾고 있어요"))

    # Then
    [entry] = clean_graph_sink.sent()
    assert entry["body"] == {
        "recipient": {"id": USER_ID},
        "messaging_type": "RESPONSE",
        "message": {"text": "에스파를 찾고 있어요"},
    }


def test_a_carousel_is_delivered_as_a_generic_template(
    graph_messenger: GraphMessenger, clean_graph_sink: GraphSink
) -> None:
    # Given
    carousel = CarouselReply(
        cards=(_aespa_card("https://i.scdn.co/image/aespa.jpg"), _aespa_card(None))
    )

    # When
    graph_messenger.send(USER_ID, carousel)

    # Then
    [entry] = clean_graph_sink.sent()
    payload = entry["body"]["message"]["attachment"]["payload"]
    assert payload["template_type"] == "generic"
    assert [element.get("image_url") for element in payload["elements"]] == [
        "https://i.scdn.co/image/aespa.jpg",
        None,
    ]
    assert "image_url" not in payload["elements"][1]


def test_typing_is_shown_with_a_sender_action(
    graph_messenger: GraphMessenger, clean_graph_sink: GraphSink
) -> None:
    # When
    graph_messenger.show_typing(USER_ID)

    # Then
    assert [entry["body"] for entry in clean_graph_sink.sent()] == [
        {"recipient": {"id": USER_ID}, "sender_action": "typing_on"}
    ]


def test_a_refused_message_raises_with_graphs_message_and_code(
    graph_messenger: GraphMessenger, clean_graph_sink: GraphSink
) -> None:
    # When
    with pytest.raises(MessengerDeliveryError) as raised:
        graph_messenger.send(USER_ID, TextReply(text="x" * 2001))

    # Then
    error = raised.value
    assert isinstance(error, GraphDeliveryError)
    assert (error.http_status, error.code) == (400, 100)
    assert "must be less than or equal to 2000" in str(error)
    assert error.fbtrace_id
    assert PAGE_ACCESS_TOKEN not in _everything_said_about(error)
    assert clean_graph_sink.sent() == []


def test_a_button_without_its_url_is_refused_by_the_send_api(
    graph_messenger: GraphMessenger,
) -> None:
    # Given
    card = Card(
        title="aespa",
        subtitle="k-pop",
        image_url=None,
        buttons=(Button(kind="web_url", title="Open in Spotify"),),
    )

    # When
    with pytest.raises(MessengerDeliveryError, match=r"\[url\] is required"):
        graph_messenger.send(USER_ID, CarouselReply(cards=(card,)))


def test_each_message_taken_or_refused_is_measured(
    session: requests.Session, clean_graph_sink: GraphSink
) -> None:
    # Given a measured messenger with the page's token, and one with a wrong token
    measurements = RecordingMeasurements()
    taken = GraphMessenger(
        session, clean_graph_sink.api_url, SecretStr(PAGE_ACCESS_TOKEN), measurements=measurements
    )
    refused = GraphMessenger(
        session, clean_graph_sink.api_url, SecretStr("wrong-token"), measurements=measurements
    )

    # When each sends an answer
    taken.send(USER_ID, TextReply(text="hello"))
    with pytest.raises(GraphDeliveryError):
        refused.send(USER_ID, TextReply(text="hello"))

    # Then one answer is counted sent, and one send failed
    assert (measurements.answers_sent, measurements.sends_failed) == (1, 1)


def test_a_wrong_token_is_refused_without_showing_either_token(
    session: requests.Session, clean_graph_sink: GraphSink
) -> None:
    # Given
    wrong_token = "expired-page-token-41d2"
    messenger = GraphMessenger(session, clean_graph_sink.api_url, SecretStr(wrong_token))

    # When
    with pytest.raises(GraphDeliveryError) as raised:
        messenger.send(USER_ID, TextReply(text="hello"))

    # Then
    error = raised.value
    assert (error.http_status, error.code) == (401, 190)
    said = _everything_said_about(error)
    assert wrong_token not in said
    assert PAGE_ACCESS_TOKEN not in said


def test_an_unreachable_send_api_raises_without_the_token(session: requests.Session) -> None:
    # Given
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    messenger = GraphMessenger(
        session, f"http://127.0.0.1:{closed_port}/{GRAPH_API_VERSION}", SecretStr(PAGE_ACCESS_TOKEN)
    )

    # When
    with pytest.raises(MessengerDeliveryError, match="unreachable") as raised:
        messenger.send(USER_ID, TextReply(text="hello"))

    # Then
    assert PAGE_ACCESS_TOKEN not in _everything_said_about(raised.value)


def test_an_answer_without_a_graph_error_body_still_raises(session: requests.Session) -> None:
    # Given
    def unavailable(event: object, context: object) -> dict[str, object]:
        return {"statusCode": 503, "body": "upstream unavailable"}

    with LocalGateway({f"POST /{GRAPH_API_VERSION}/me/messages": unavailable}) as gateway:
        messenger = GraphMessenger(
            session, f"{gateway.url}/{GRAPH_API_VERSION}", SecretStr(PAGE_ACCESS_TOKEN)
        )

        # When
        with pytest.raises(GraphDeliveryError) as raised:
            messenger.send(USER_ID, TextReply(text="hello"))

    # Then
    assert raised.value.http_status == 503
    assert raised.value.code is None
    assert isinstance(raised.value, MessengerUnavailableError)


def test_the_token_never_reaches_a_log_line(
    graph_messenger: GraphMessenger, caplog: pytest.LogCaptureFixture
) -> None:
    # Given
    caplog.set_level(logging.DEBUG)

    # When
    graph_messenger.send(USER_ID, TextReply(text="hello"))
    with pytest.raises(MessengerDeliveryError):
        graph_messenger.send(USER_ID, TextReply(text=""))

    # Then
    assert "access_token=[redacted]" in caplog.text
    assert PAGE_ACCESS_TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        ("blocked", RecipientUnreachableError),
        ("outside_window", RecipientUnreachableError),
        ("cannot_message", RecipientUnreachableError),
        ("no_user", RecipientUnreachableError),
        ("no_permission", RecipientUnreachableError),
        ("rate_limited", MessengerUnavailableError),
        ("page_rate_limited", MessengerUnavailableError),
        ("temporary", MessengerUnavailableError),
        ("send_failure", MessengerUnavailableError),
        ("unavailable", MessengerUnavailableError),
    ],
)
def test_send_api_refusals_are_classified_as_permanent_or_for_now(
    graph_messenger: GraphMessenger,
    clean_graph_sink: GraphSink,
    failure: str,
    kind: type[MessengerDeliveryError],
) -> None:
    # Given every send to the user fails as `failure`
    clean_graph_sink.fail_recipient(USER_ID, failure)

    # When the page messages them / Then the error says whether trying again can help
    with pytest.raises(kind) as raised:
        graph_messenger.send(USER_ID, TextReply(text="hello"))
    assert isinstance(raised.value, GraphDeliveryError)
    other = (
        RecipientUnreachableError
        if kind is MessengerUnavailableError
        else MessengerUnavailableError
    )
    assert not isinstance(raised.value, other)


def test_a_refused_payload_is_neither_permanent_for_the_user_nor_temporary(
    graph_messenger: GraphMessenger,
) -> None:
    # When the Send API refuses the request itself (an empty text)
    with pytest.raises(GraphDeliveryError) as raised:
        graph_messenger.send(USER_ID, TextReply(text=""))

    # Then it is neither kind that the notifier would give up on or retry
    assert not isinstance(raised.value, RecipientUnreachableError | MessengerUnavailableError)


def test_an_unreachable_send_api_is_a_failure_for_now(session: requests.Session) -> None:
    # Given a Send API address nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    messenger = GraphMessenger(
        session, f"http://127.0.0.1:{closed_port}/{GRAPH_API_VERSION}", SecretStr(PAGE_ACCESS_TOKEN)
    )

    # When / Then
    with pytest.raises(MessengerUnavailableError, match="unreachable"):
        messenger.send(USER_ID, TextReply(text="hello"))


def test_a_messenger_for_messages_the_page_starts_sends_updates(
    session: requests.Session, clean_graph_sink: GraphSink
) -> None:
    # Given a messenger for the messages the bot starts
    messenger = GraphMessenger(
        session, clean_graph_sink.api_url, SecretStr(PAGE_ACCESS_TOKEN), messaging_type="UPDATE"
    )

    # When it sends
    messenger.send(USER_ID, TextReply(text="Found aespa!"))

    # Then the Send API is told it is an update, not a response
    [entry] = clean_graph_sink.sent()
    assert entry["body"]["messaging_type"] == "UPDATE"


def test_the_environment_is_read_when_the_messenger_is_built_not_on_each_send(
    session: requests.Session, clean_graph_sink: GraphSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a messenger built while the environment names no proxy
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    messenger = GraphMessenger(session, clean_graph_sink.api_url, SecretStr(PAGE_ACCESS_TOKEN))
    # When a proxy nobody listens on is named afterwards
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port}")
    messenger.send(USER_ID, TextReply(text="hello"))
    # Then the send still goes straight to the Send API
    assert [entry["body"]["message"] for entry in clean_graph_sink.sent()] == [{"text": "hello"}]
