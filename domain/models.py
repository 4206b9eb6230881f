"""The nouns of Sixpotify: what the bot knows about artists and what it says to people."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Artist(_Frozen):
    """An artist as the bot shows it. Popularity and followers are absent for apps
    in Spotify's Development Mode."""

    id: str
    name: str
    genres: tuple[str, ...] = ()
    popularity: int | None = None
    followers: int | None = None
    image_url: str | None = None
    spotify_url: str


class Track(_Frozen):
    """One of an artist's top tracks. credits lists every artist Spotify credits on the
    track, in Spotify's order (artist_id among them): who records together is a signal of
    similarity when genres are missing."""

    id: str
    artist_id: str
    name: str
    popularity: int | None = None
    spotify_url: str
    credits: tuple[str, ...] = ()


class AudioFeatures(_Frozen):
    track_id: str
    danceability: float
    energy: float
    key: int
    loudness: float
    mode: int
    speechiness: float
    acousticness: float
    instrumentalness: float
    liveness: float
    valence: float
    tempo: float
    duration_ms: int
    time_signature: int


class FetchedArtist(_Frozen):
    """Everything one ingestion learned about an artist, with Spotify's answers kept
    verbatim for the raw lake."""

    artist: Artist
    top_tracks: tuple[Track, ...] = ()
    audio_features: tuple[AudioFeatures, ...] = ()
    raw: Mapping[str, Any] = Field(default_factory=dict)


class Neighbour(_Frozen):
    """One row of an artist's similar-artists list: rank 1 is the closest."""

    artist_id: str
    similar_id: str
    rank: int
    score: float


class SimilarityProfile(_Frozen):
    """What similarity is computed from: the artist's genres, the mean audio features of its
    top tracks (in domain.similarity.AUDIO_FEATURE_NAMES order, None when unknown), and the
    other artists credited with it on the same tracks."""

    artist_id: str
    popularity: int | None = None
    genres: tuple[str, ...] = ()
    audio: tuple[float, ...] | None = None
    co_credited: tuple[str, ...] = ()


class ScoredArtist(_Frozen):
    """An artist on someone's similar-artists list, with what ranks it there."""

    artist_id: str
    score: float
    popularity: int | None = None


class SimilarityGeneration(_Frozen):
    """One generation of similar-artist lists: what a rebuild wrote, and when."""

    generation: int
    state: Literal["building", "serving", "retired", "failed"]
    started_at: datetime
    snapshot_at: datetime | None = None
    finished_at: datetime | None = None
    artist_count: int | None = None
    shard_count: int | None = None
    shards_done: int = 0
    failure: str | None = None


class NameCandidate(_Frozen):
    """A name the bot knows (an artist's own, an alias, a shipped name) that may be what
    someone typed. artist_id is empty for a shipped name whose artist is not stored yet."""

    key: str
    artist_id: str
    artist_name: str
    popularity: int | None = None


Language = Literal["en", "ko"]
Wants = Literal["artists", "songs"]


class Waiter(_Frozen):
    """A Messenger user who asked about an artist the bot did not know yet: for similar
    artists, or for songs like theirs. artist_id is the artist's Spotify ID, or a lookup's
    waiter_key while Spotify has not said who the user meant."""

    artist_id: str
    user_id: str
    query: str
    requested_at: datetime
    wants: Wants = "artists"
    language: Language = "en"
    # The Messenger message that asked, which the logs follow until the answer is pushed.
    message_id: str | None = None


class LastAnswer(_Frozen):
    """What the bot last showed a user, which "more like that" and "songs instead" follow:
    the artist it was about, artists or songs, and how many pages of them (1: the first
    answer; each "more" shows the next)."""

    artist_id: str
    wants: Wants
    page: int = Field(default=1, ge=1)
    answered_at: datetime


class _Incoming(_Frozen):
    user_id: str
    message_id: str
    # When the user sent it, as Messenger stamps it; Messenger's 24-hour window for messages
    # the page starts runs from then, however late the answer is worked out.
    sent_at: datetime | None = None


class IncomingText(_Incoming):
    """A text a Messenger user sent to the page."""

    kind: Literal["text"] = "text"
    text: str


class IncomingPostback(_Incoming):
    """A tap on a button or a quick reply: the payload the bot attached to it."""

    kind: Literal["postback"] = "postback"
    payload: str


class IncomingAttachment(_Incoming):
    """A sticker, image, audio or anything else that is not text."""

    kind: Literal["attachment"] = "attachment"


IncomingEvent = Annotated[
    IncomingText | IncomingPostback | IncomingAttachment, Field(discriminator="kind")
]


class Button(_Frozen):
    kind: Literal["web_url", "postback"]
    title: str
    url: str | None = None
    payload: str | None = None


class Card(_Frozen):
    title: str
    subtitle: str
    image_url: str | None
    buttons: tuple[Button, ...]


class QuickReply(_Frozen):
    """A button under a message that sends `payload` back when tapped."""

    title: str
    payload: str


class TextReply(_Frozen):
    text: str
    quick_replies: tuple[QuickReply, ...] = ()


class CarouselReply(_Frozen):
    cards: tuple[Card, ...]
    quick_replies: tuple[QuickReply, ...] = ()


Reply = TextReply | CarouselReply


class FetchOutcome(_Frozen):
    """What Spotify gave for a batch. `deferred` IDs were not fetched because Spotify asked
    to wait `retry_after_seconds` (a 429): they are to be fetched later, the rest is done."""

    fetched: tuple[FetchedArtist, ...]
    not_found: tuple[str, ...] = ()
    deferred: tuple[str, ...] = ()
    retry_after_seconds: int | None = None


class IngestSummary(_Frozen):
    """What one FetchArtists batch did. not_found IDs are tombstoned and never retried;
    deferred IDs are to be fetched again from retry_at on."""

    ingested: tuple[str, ...]
    not_found: tuple[str, ...]
    deferred: tuple[str, ...] = ()
    retry_at: datetime | None = None


class ArtistRequest(_Frozen):
    """One queued artist ID: the body of an artist-requests message."""

    artist_id: str
    requested_at: datetime
    # The Messenger message of the user who asked first, which the ingest workflow logs.
    message_id: str | None = None


class LookupRequest(_Frozen):
    """A name or song title Spotify refused to search for while a user waited: the body of
    an artist-requests message, searched again by the ingest workflow until Spotify answers.
    Its users wait under waiter_key until the search finds whom they meant."""

    query: str
    wants: Wants
    requested_at: datetime
    # The Messenger message of the user who asked first, which the ingest workflow logs.
    message_id: str | None = None

    @property
    def waiter_key(self) -> str:
        # Never a Spotify ID (22 base-62 characters), so it shares the waiters' table safely;
        # one key for every spelling that differs only in case and spacing.
        return f"lookup:{self.wants}:{' '.join(self.query.casefold().split())}"


QueuedRequest = ArtistRequest | LookupRequest
# Reads the body of an artist-requests message as whichever of the two it is.
QUEUED_REQUEST: TypeAdapter[QueuedRequest] = TypeAdapter(QueuedRequest)


class IngestPlan(_Frozen):
    """The ingest workflow's work list: every ID once, in batches Spotify accepts in one call.

    as_of comes from the requests themselves, so replaying the same input stamps the same
    fetched_at and writes the same lake keys.
    """

    as_of: datetime
    artist_ids: tuple[str, ...]
    batches: tuple[tuple[str, ...], ...]
