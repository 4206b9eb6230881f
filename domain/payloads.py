"""What the bot's buttons and quick replies send back when tapped.

A payload names an action, the language of the conversation, an artist and, past the first,
a page: "ARTIST:ko:<id>", "SONGS:en:<id>:3". Spotify IDs are base62, so the separator never
occurs inside one. The page rides in the payload so that a tap needs nothing remembered.
An artist the bot knows only by name is looked up by that name: "LOOKUP:en:<name>".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.models import Language

Action = Literal["ARTIST", "SONGS"]
_SEPARATOR = ":"
_LOOKUP = "LOOKUP"
# Far beyond what anyone pages through; a payload asking for more is not the bot's own.
MAX_PAGE = 100
# An artist's name, as the bot matches names (domain/conversation.py, QUERY_LIMIT).
MAX_NAME_CHARS = 200


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Action
    language: Language
    artist_id: str = Field(min_length=1)
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


class LookUp(BaseModel):
    """Look the artist up by name: one the bot knows only as a name it ships."""

    model_config = ConfigDict(frozen=True)

    language: Language
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)


def show_artist(artist_id: str, language: Language, page: int = 1) -> str:
    """Artists like this one: "More like this", "Did you mean …?", and "Show more" (page 2
    and on)."""
    return _payload("ARTIST", language, artist_id, page)


def songs_like(artist_id: str, language: Language, page: int = 1) -> str:
    return _payload("SONGS", language, artist_id, page)


def look_up(name: str, language: Language) -> str:
    return _SEPARATOR.join((_LOOKUP, language, name))


def _payload(action: Action, language: Language, artist_id: str, page: int) -> str:
    parts = [action, language, artist_id] + ([str(page)] if page > 1 else [])
    return _SEPARATOR.join(parts)


def parse_payload(payload: str) -> Command | LookUp | None:
    """The command a payload carries, or None for payloads the bot did not make."""
    if payload.startswith(_LOOKUP + _SEPARATOR):
        language, _, name = payload.removeprefix(_LOOKUP + _SEPARATOR).partition(_SEPARATOR)
        try:
            return LookUp.model_validate({"language": language, "name": name.strip()})
        except ValidationError:
            return None
    parts = payload.split(_SEPARATOR)
    if len(parts) not in (3, 4) or not all(part.isascii() for part in parts):
        return None
    fields = dict(zip(("action", "language", "artist_id", "page"), parts, strict=False))
    try:
        return Command.model_validate(fields, strict=False)
    except ValidationError:
        return None
