"""What the bot says: recommendation carousels and short texts, within Messenger's limits."""

from __future__ import annotations

from collections.abc import Sequence

from domain.models import Artist, Button, Card, CarouselReply, TextReply

CAROUSEL_LIMIT = 10
TITLE_LIMIT = 80
SUBTITLE_LIMIT = 80
_ELLIPSIS = "…"


def recommendation(artist: Artist, similar: Sequence[Artist]) -> CarouselReply:
    """The artist's own card first, then the most similar artists, best first."""
    cards = [artist_card(artist)] + [artist_card(other) for other in similar]
    return CarouselReply(cards=tuple(cards[:CAROUSEL_LIMIT]))


def artist_card(artist: Artist) -> Card:
    return Card(
        title=_clip(artist.name, TITLE_LIMIT),
        subtitle=_clip(", ".join(artist.genres) or "No genres on Spotify yet", SUBTITLE_LIMIT),
        image_url=artist.image_url,
        buttons=(Button(kind="web_url", title="Open in Spotify", url=artist.spotify_url),),
    )


def looking_up(artist_name: str) -> TextReply:
    return TextReply(
        text=(
            f"I don't know {artist_name} yet. I'm looking them up on Spotify and will "
            "message you with similar artists in a moment."
        )
    )


def not_found(query: str) -> TextReply:
    return TextReply(
        text=(
            f'I couldn\'t find an artist called "{_clip(query, 100)}" on Spotify. '
            "Check the spelling, or try another artist, like aespa or Drake."
        )
    )


def no_longer_found(artist_name: str) -> TextReply:
    return TextReply(text=f"Sorry, Spotify has no details for {artist_name} right now.")


def here_they_are(artist_name: str) -> TextReply:
    return TextReply(text=f"Found {artist_name}! Here are artists like them:")


def type_a_name() -> TextReply:
    return TextReply(text="Send me the name of an artist you like, and I'll find similar ones.")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
