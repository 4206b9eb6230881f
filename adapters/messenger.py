"""Messenger's Send API behind the domain's Messenger port.

The page access token travels in the query string, as the Send API documents it, so no URL
this adapter requests ever reaches an exception or a log line.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, Final, Literal

import requests
from pydantic import SecretStr

from adapters.emf_metrics import UNMEASURED
from domain.errors import (
    MessengerDeliveryError,
    MessengerUnavailableError,
    RecipientUnreachableError,
)
from domain.models import Button, Card, CarouselReply, Reply, TextReply
from domain.ports import Measurements

# The Graph API version every send goes to (docs/deploy.md, "Graph API version"): v26.0 was
# released on 2026-07-29; v21.0, used before, ends on 2027-01-21. One constant for the
# functions' default endpoint and the local Send API stand-in alike.
GRAPH_API_VERSION: Final = "v26.0"
GRAPH_API_URL: Final = f"https://graph.facebook.com/{GRAPH_API_VERSION}"

_TOKEN_IN_URL = re.compile(r"(access_token=)[^&\s'\"]+")
# urllib3 logs every request's URL, query string included, at DEBUG level.
_URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")

# RESPONSE answers a message the user just sent; UPDATE is a message the page starts, such as
# an answer pushed once an unknown artist has been fetched. Both only within 24 hours of the
# user's last message.
MessagingType = Literal["RESPONSE", "UPDATE"]

# Send API refusals that name the recipient, not the request or the moment: sending to that
# user again cannot succeed. (code, subcode); a subcode of None stands for any.
_RECIPIENT_UNREACHABLE: Final = frozenset(
    {
        (551, None),  # the user is not available: blocked the page or turned messages off
        (10, 2018278),  # outside the 24-hour messaging window
        (10, 1893063),  # the user cannot be messaged by this page
        (100, 2018001),  # no matching user: the ID is gone or belongs to another page
        (200, None),  # the page lacks the permission to message this user
    }
)
# Graph's codes for "not now": throttled (4, 613), a temporary failure (2, 1200).
_TRY_AGAIN_CODES: Final = frozenset({2, 4, 613, 1200})


class GraphDeliveryError(MessengerDeliveryError):
    """The Send API's refusal, with the fields Graph gives for it."""

    def __init__(
        self,
        http_status: int,
        graph_message: str,
        code: int | None = None,
        error_subcode: int | None = None,
        fbtrace_id: str | None = None,
    ) -> None:
        codes = "" if code is None else f", code {code}"
        codes += "" if error_subcode is None else f"/{error_subcode}"
        trace = "" if fbtrace_id is None else f" (fbtrace_id {fbtrace_id})"
        super().__init__(f"Send API refused (HTTP {http_status}{codes}): {graph_message}{trace}")
        self.http_status = http_status
        self.graph_message = graph_message
        self.code = code
        self.error_subcode = error_subcode
        self.fbtrace_id = fbtrace_id


class GraphRecipientUnreachableError(GraphDeliveryError, RecipientUnreachableError):
    """A refusal that names the recipient: they cannot be messaged any more."""


class GraphUnavailableError(GraphDeliveryError, MessengerUnavailableError):
    """A refusal for now: throttling, a temporary failure or a 5xx."""


class GraphMessenger:
    """Sends as `messaging_type`: RESPONSE for answers to what the user just wrote, UPDATE
    for the messages the bot starts."""

    def __init__(
        self,
        session: requests.Session,
        api_url: str,
        page_access_token: SecretStr,
        timeout_seconds: float = 5,
        messaging_type: MessagingType = "RESPONSE",
        *,
        measurements: Measurements = UNMEASURED,
    ) -> None:
        self._session = session
        self._measurements = measurements
        self._messaging_type = messaging_type
        self._messages_url = f"{api_url.rstrip('/')}/me/messages"
        self._page_access_token = page_access_token
        self._timeout_seconds = timeout_seconds
        # A function's environment stays as its cold start found it: the proxies and CA bundle
        # it names are read once here, not on every send (requests walks every variable).
        self._environment = session.merge_environment_settings(
            self._messages_url, {}, None, None, None
        )
        for name in _URL_LOGGERS:
            logging.getLogger(name).addFilter(_REDACT_ACCESS_TOKEN)

    def send(self, user_id: str, reply: Reply) -> None:
        try:
            self._post(reply_payload(user_id, reply, self._messaging_type))
        except MessengerDeliveryError:
            self._measurements.send_failed()
            raise
        self._measurements.answer_sent()

    def show_typing(self, user_id: str) -> None:
        self._post(typing_on_payload(user_id))

    def _post(self, payload: dict[str, Any]) -> None:
        request = requests.Request(
            "POST",
            self._messages_url,
            params={"access_token": self._page_access_token.get_secret_value()},
            json=payload,
        )
        try:
            response = self._session.send(
                self._session.prepare_request(request),
                timeout=self._timeout_seconds,
                **self._environment,
            )
        except requests.RequestException as error:
            # requests' own messages quote the URL, token included: none of it goes on.
            unreachable = f"Send API at {self._messages_url} unreachable: {type(error).__name__}"
            if isinstance(error, requests.ConnectionError | requests.Timeout):
                raise MessengerUnavailableError(unreachable) from None
            raise MessengerDeliveryError(unreachable) from None
        if not response.ok:
            raise _refusal(response)


def reply_payload(
    user_id: str, reply: Reply, messaging_type: MessagingType = "RESPONSE"
) -> dict[str, Any]:
    """The Send API body that sends reply to user_id."""
    return {
        "recipient": {"id": user_id},
        "messaging_type": messaging_type,
        "message": message_payload(reply),
    }


def typing_on_payload(user_id: str) -> dict[str, Any]:
    return {"recipient": {"id": user_id}, "sender_action": "typing_on"}


def message_payload(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = (
        {"text": reply.text}
        if isinstance(reply, TextReply)
        else {"attachment": {"type": "template", "payload": generic_template(reply)}}
    )
    if reply.quick_replies:
        message["quick_replies"] = [
            {"content_type": "text", "title": quick.title, "payload": quick.payload}
            for quick in reply.quick_replies
        ]
    return message


def generic_template(carousel: CarouselReply) -> dict[str, Any]:
    return {
        "template_type": "generic",
        "elements": [template_element(card) for card in carousel.cards],
    }


def template_element(card: Card) -> dict[str, Any]:
    element: dict[str, Any] = {"title": card.title, "subtitle": card.subtitle}
    if card.image_url is not None:
        element["image_url"] = card.image_url
    if card.buttons:
        element["buttons"] = [button_payload(button) for button in card.buttons]
    return element


def button_payload(button: Button) -> dict[str, Any]:
    """A missing url or payload stays missing: the Send API, not this function, judges it."""
    if button.kind == "web_url":
        fields = {"type": "web_url", "url": button.url, "title": button.title}
    else:
        fields = {"type": "postback", "title": button.title, "payload": button.payload}
    return {name: value for name, value in fields.items() if value is not None}


def _refusal(response: requests.Response) -> GraphDeliveryError:
    try:
        error = response.json()["error"]
        code = _optional_int(error.get("code"))
        subcode = _optional_int(error.get("error_subcode"))
        return _refusal_kind(response.status_code, code, subcode)(
            http_status=response.status_code,
            graph_message=str(error["message"]),
            code=code,
            error_subcode=subcode,
            fbtrace_id=error.get("fbtrace_id"),
        )
    except (ValueError, KeyError, TypeError):
        return _refusal_kind(response.status_code, None, None)(
            http_status=response.status_code,
            graph_message=f"answer without a Graph error body ({response.reason})",
        )


def _refusal_kind(
    http_status: int, code: int | None, subcode: int | None
) -> type[GraphDeliveryError]:
    if (code, None) in _RECIPIENT_UNREACHABLE or (code, subcode) in _RECIPIENT_UNREACHABLE:
        return GraphRecipientUnreachableError
    if code in _TRY_AGAIN_CODES or http_status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return GraphUnavailableError
    # Anything else is the request's fault (a payload or token the API refuses): no retry
    # and no other recipient would fare better.
    return GraphDeliveryError


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


class _RedactAccessToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


_REDACT_ACCESS_TOKEN = _RedactAccessToken()
