"""What the Messenger adapter puts on the wire, built without a network."""

from __future__ import annotations

from adapters.messenger import button_payload, reply_payload, typing_on_payload
from domain.models import Button, Card, CarouselReply, TextReply

SPOTIFY_BUTTON = Button(
    kind="web_url",
    title="Open in Spotify",
    url="https://open.spotify.com/artist/6YVMFz59CuY7ngCxTxjpxE",
)


def test_a_text_reply_is_a_response_with_text() -> None:
    # Given
    reply = TextReply(text="Found 에스파! Here are artists like them:")

    # When
    payload = reply_payload("2718281828", reply)

    # Then
    assert payload == {
        "recipient": {"id": "2718281828"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Found 에스파! Here are artists like them:"},
    }


def test_a_carousel_is_a_generic_template_with_one_element_per_card() -> None:
    # Given
    reply = CarouselReply(
        cards=(
            Card(
                title="aespa",
                subtitle="k-pop, k-pop girl group",
                image_url="https://i.scdn.co/image/aespa.jpg",
                buttons=(SPOTIFY_BUTTON,),
            ),
            Card(
                title="SHINee",
                subtitle="k-pop, k-pop boy group",
                image_url="https://i.scdn.co/image/shinee.jpg",
                buttons=(
                    Button(kind="postback", title="More like this", payload="SIMILAR:shinee"),
                ),
            ),
        )
    )

    # When
    payload = reply_payload("2718281828", reply)

    # Then
    assert payload == {
        "recipient": {"id": "2718281828"},
        "messaging_type": "RESPONSE",
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "generic",
                    "elements": [
                        {
                            "title": "aespa",
                            "subtitle": "k-pop, k-pop girl group",
                            "image_url": "https://i.scdn.co/image/aespa.jpg",
                            "buttons": [
                                {
                                    "type": "web_url",
                                    "url": "https://open.spotify.com/artist/6YVMFz59CuY7ngCxTxjpxE",
                                    "title": "Open in Spotify",
                                }
                            ],
                        },
                        {
                            "title": "SHINee",
                            "subtitle": "k-pop, k-pop boy group",
                            "image_url": "https://i.scdn.co/image/shinee.jpg",
                            "buttons": [
                                {
                                    "type": "postback",
                                    "title": "More like this",
                                    "payload": "SIMILAR:shinee",
                                }
                            ],
                        },
                    ],
                },
            }
        },
    }


def test_a_card_without_an_image_has_no_image_url() -> None:
    # Given
    card = Card(title="New artist", subtitle="No genres on Spotify yet", image_url=None, buttons=())

    # When
    payload = reply_payload("2718281828", CarouselReply(cards=(card,)))

    # Then
    element = payload["message"]["attachment"]["payload"]["elements"][0]
    assert element == {"title": "New artist", "subtitle": "No genres on Spotify yet"}


def test_a_button_missing_its_target_is_sent_as_is_for_the_send_api_to_judge() -> None:
    # Given
    button = Button(kind="web_url", title="Open in Spotify")

    # When
    payload = button_payload(button)

    # Then
    assert payload == {"type": "web_url", "title": "Open in Spotify"}


def test_typing_is_a_sender_action_without_a_message() -> None:
    # When
    payload = typing_on_payload("2718281828")

    # Then
    assert payload == {"recipient": {"id": "2718281828"}, "sender_action": "typing_on"}
