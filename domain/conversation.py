"""What the bot does with what a person sends: answer from what it knows, ask back when
unsure, or go and find out and come back on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import replies
from domain.errors import SpotifyRateLimitedError, SpotifyRefusedError
from domain.models import (
    Artist,
    IncomingAttachment,
    IncomingEvent,
    IncomingPostback,
    IncomingText,
    Language,
    LookupRequest,
    Track,
    Waiter,
    Wants,
)
from domain.names import normalize_name
from domain.payloads import parse_payload
from domain.ports import (
    ArtistRepository,
    Messenger,
    NameIndex,
    ProcessedMessages,
    SpotifyCatalog,
    TrackCatalog,
    WaiterStore,
    WorkQueue,
)
from domain.resolution import Ambiguous, Found, resolve
from domain.songs import normalize_title, song_cards, song_title
from domain.understanding import ArtistsLike, SmallTalk, SongsLike, resolve_request, understand

SIMILAR_SHOWN = replies.CAROUSEL_LIMIT - 1
TRACKS_PER_ARTIST = 3
# Matching needs no more than a long artist name; the rest of a pasted essay is ignored.
QUERY_LIMIT = 200
# The longest a queued message can be held back (SQS's limit): a search Spotify refuses for
# longer is tried again every 15 minutes.
MAX_QUEUE_DELAY_SECONDS = 900
# When Spotify fails without saying how long to wait.
REFUSED_SEARCH_DELAY_SECONDS = 60


def deferral_seconds(refusal: SpotifyRefusedError) -> int:
    """How long a search Spotify refused waits in the queue before it is tried again."""
    if isinstance(refusal, SpotifyRateLimitedError):
        return min(max(refusal.retry_after_seconds, 1), MAX_QUEUE_DELAY_SECONDS)
    return REFUSED_SEARCH_DELAY_SECONDS


@dataclass(frozen=True)
class ConversationPorts:
    repository: ArtistRepository
    names: NameIndex
    tracks: TrackCatalog
    spotify: SpotifyCatalog
    waiters: WaiterStore
    queue: WorkQueue
    messenger: Messenger
    processed: ProcessedMessages


def converse(event: IncomingEvent, now: datetime, ports: ConversationPorts) -> None:
    """Answer one event; a redelivered event gets no second answer.

    An answer that fails is forgotten before the error goes on, so the retry that follows
    answers instead of taking the event for a redelivery and leaving the user unanswered.
    """
    if not ports.processed.first_delivery(event.message_id):
        return
    # A clock ahead of this one must not stretch the 24-hour window the waiter is kept for.
    asked_at = min(event.sent_at, now) if event.sent_at is not None else now
    conversation = _Conversation(event.user_id, asked_at, ports)
    try:
        match event:
            case IncomingText(text=text):
                conversation.on_text(text)
            case IncomingPostback(payload=payload):
                conversation.on_postback(payload)
            case IncomingAttachment():
                conversation.reply_text("type_a_name", "en")
    except Exception:
        ports.processed.forget(event.message_id)
        raise


@dataclass(frozen=True)
class _Conversation:
    user_id: str
    asked_at: datetime
    ports: ConversationPorts

    def on_text(self, text: str) -> None:
        query = replies.clip(" ".join(text.split()), QUERY_LIMIT)
        language = replies.language_of(query)
        if not normalize_name(query):
            self.reply_text("type_a_name", language)
            return
        request = understand(query)
        if isinstance(request, SmallTalk):
            self.reply_text(request.kind, language)
            return
        self.ports.messenger.show_typing(self.user_id)
        if isinstance(request, SongsLike):
            self.songs_like_title(request.title, language)
        else:
            self.artists_like(request, language)

    def on_postback(self, payload: str) -> None:
        command = parse_payload(payload)
        known = self.ports.repository.get_artists([command.artist_id]) if command else []
        if command is None or not known:
            self.reply_text("type_a_name", command.language if command else "en")
            return
        self.ports.messenger.show_typing(self.user_id)
        if command.action == "SONGS":
            self.send_songs(known[0], known[0].name, command.language)
        else:
            self.send_recommendation(known[0], command.language)

    def artists_like(self, request: ArtistsLike, language: Language) -> None:
        resolution = resolve_request(request, self.ports.names)
        if isinstance(resolution, Found):
            self.send_recommendation(self._artist(resolution.artist_id), language)
            return
        if isinstance(resolution, Ambiguous):
            self.ports.messenger.send(
                self.user_id, replies.did_you_mean(resolution.options, language)
            )
            return
        if request.or_song:
            self.songs_like_title(request.names[0], language)
            return
        if not request.searchable:
            self.reply_text("no_artist_named", language)
            return
        # What the person called the artist, not the sentence around it.
        query = request.names[0]
        try:
            found = self.ports.spotify.search_artist(resolution.search_as)
        except SpotifyRefusedError as refusal:
            self._look_up_later(resolution.search_as, query, "artists", language, refusal)
            self.reply_text("spotify_busy", language, name=query)
            return
        if found is None:
            self.reply_text("not_found", language, query=query)
        elif self._learn_name(query, found):
            self.send_recommendation(found, language)
        else:
            self._wait_for(found.id, query, "artists", language)
            self.reply_text("looking_up", language, name=found.name)

    def songs_like_title(self, title: str, language: Language) -> None:
        track = self.ports.tracks.find_track(normalize_title(title))
        if track is None:
            try:
                track = self.ports.spotify.search_track(title)
            except SpotifyRefusedError as refusal:
                self._look_up_later(title, title, "songs", language, refusal)
                self.reply_text("spotify_busy_songs", language, title=title)
                return
        if track is None:
            # "songs like Drake": no song has that title, but an artist has that name.
            resolution = resolve(title, self.ports.names)
            if isinstance(resolution, Found):
                artist = self._artist(resolution.artist_id)
                self.send_songs(artist, artist.name, language)
            else:
                self.reply_text("song_not_found", language, query=title)
            return
        self._songs_like_track(track, language)

    def _songs_like_track(self, track: Track, language: Language) -> None:
        known = self.ports.repository.get_artists([track.artist_id])
        if known:
            self.send_songs(known[0], song_title(track.name) or track.name, language)
            return
        if not self.ports.spotify.can_read_top_tracks(track.artist_id):
            # Looking the artist up could not bring songs; waiting for it would be in vain.
            self.reply_text("songs_unavailable", language)
            return
        self._wait_for(track.artist_id, track.name, "songs", language)
        self.reply_text("looking_up_songs", language, title=track.name)

    def send_recommendation(self, artist: Artist, language: Language) -> None:
        send_recommendation(
            self.user_id,
            artist,
            language,
            self._answering,
            songs_offered=self.ports.spotify.can_read_top_tracks(artist.id),
        )

    def send_songs(self, artist: Artist, title: str, language: Language) -> None:
        # Songs are the top tracks of similar artists: without top tracks there are none to
        # find, and the user hears why rather than that nothing is similar.
        if not self.ports.spotify.can_read_top_tracks(artist.id):
            self.reply_text("songs_unavailable", language)
            return
        send_songs(self.user_id, artist, title, language, self._answering)

    @property
    def _answering(self) -> RecommendationPorts:
        return RecommendationPorts(self.ports.repository, self.ports.tracks, self.ports.messenger)

    def reply_text(self, key: str, language: Language, **values: str) -> None:
        self.ports.messenger.send(self.user_id, replies.text(key, language, **values))

    def _artist(self, artist_id: str) -> Artist:
        return self.ports.repository.get_artists([artist_id])[0]

    def _learn_name(self, query: str, found: Artist) -> bool:
        """Remember what the user typed for an artist Spotify found that the bot already
        knows ("에스파" for aespa), so the next person's query costs no Spotify call."""
        if not self.ports.repository.get_artists([found.id]):
            return False
        self.ports.repository.add_alias(normalize_name(query), found.id, "spotify-search")
        return True

    def _wait_for(self, artist_id: str, query: str, wants: Wants, language: Language) -> None:
        self._add_waiter(artist_id, query, wants, language)
        self.ports.queue.enqueue(artist_id, self.asked_at)

    def _look_up_later(
        self,
        search_as: str,
        query: str,
        wants: Wants,
        language: Language,
        refusal: SpotifyRefusedError,
    ) -> None:
        """Wait for a search Spotify refused: the ingest workflow searches again once the
        queue gives the lookup back, and answers the user itself (domain/lookups.py)."""
        lookup = LookupRequest(query=search_as, wants=wants, requested_at=self.asked_at)
        self._add_waiter(lookup.waiter_key, query, wants, language)
        self.ports.queue.enqueue_lookup(lookup, deferral_seconds(refusal))

    def _add_waiter(self, key: str, query: str, wants: Wants, language: Language) -> None:
        self.ports.waiters.add(
            Waiter(
                artist_id=key,
                user_id=self.user_id,
                query=query,
                requested_at=self.asked_at,
                wants=wants,
                language=language,
            )
        )


def send_recommendation(
    user_id: str,
    artist: Artist,
    language: Language,
    ports: RecommendationPorts,
    *,
    announce_found: bool = False,
    songs_offered: bool,
) -> None:
    """The artist's card and its most similar artists; when none are known (nothing about
    how the artist sounds has reached the bot yet), a sentence says so instead of leaving
    the user with a lone card. announce_found opens with "Found …!" for a pushed answer;
    songs_offered is whether the answer offers songs like the artist (see
    SpotifyCatalog.can_read_top_tracks)."""
    similar = ports.repository.similar_artists(artist.id, SIMILAR_SHOWN)
    if announce_found:
        opening = "found" if similar else "found_alone"
        ports.messenger.send(user_id, replies.text(opening, language, name=artist.name))
    ports.messenger.send(
        user_id, replies.recommendation(artist, similar, language, songs_offered=songs_offered)
    )
    if not similar and not announce_found:
        ports.messenger.send(user_id, replies.text("no_similar_yet", language, name=artist.name))


def send_songs(
    user_id: str,
    artist: Artist,
    title: str,
    language: Language,
    ports: RecommendationPorts,
) -> None:
    similar = ports.repository.similar_artists(artist.id, SIMILAR_SHOWN)
    tracks = ports.tracks.top_tracks([a.id for a in similar], TRACKS_PER_ARTIST)
    cards = song_cards(tracks, similar, artist, language)
    if not cards.cards:
        ports.messenger.send(user_id, replies.text("no_similar_yet", language, name=artist.name))
        return
    intro = replies.text("songs_found", language, title=title, name=artist.name)
    ports.messenger.send(user_id, intro)
    ports.messenger.send(user_id, cards)


@dataclass(frozen=True)
class RecommendationPorts:
    """What answering needs, for the steps that answer without a conversation."""

    repository: ArtistRepository
    tracks: TrackCatalog
    messenger: Messenger
