"""What the bot's buttons and quick replies send back when tapped.

A payload names an action, the language of the conversation, and an artist:
"ARTIST:ko:<id>". Spotify IDs are base62, so the separator never occurs inside one.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from domain.models import Language

Action = Literal["ARTIST", "SONGS"]
_SEPARATOR = ":"


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Action
    language: Language
    artist_id: str


def show_artist(artist_id: str, language: Language) -> str:
    """The artist's card and similar artists: "More like this", "Did you mean …?"."""
    return _SEPARATOR.join(("ARTIST", language, artist_id))


def songs_like(artist_id: str, language: Language) -> str:
    return _SEPARATOR.join(("SONGS", language, artist_id))


def parse_payload(payload: str) -> Command | None:
    """The command a payload carries, or None for payloads the bot did not make."""
    parts = payload.split(_SEPARATOR)
    if len(parts) != 3:
        return None
    action, language, artist_id = parts
    if action not in get_args(Action) or language not in get_args(Language) or not artist_id:
        return None
    return Command(action=action, language=language, artist_id=artist_id)  # type: ignore[arg-type]
