"""What the bot does with what a person sends: answer from what it knows, ask back when
unsure, or go and find out and come back on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import replies
from domain.errors import SpotifyRateLimitedError, SpotifyRefusedError
from domain.models import (
    Artist,
    IncomingAttachment,
    IncomingEvent,
    IncomingPostback,
    IncomingText,
    Language,
    LastAnswer,
    LookupRequest,
    Track,
    Waiter,
    Wants,
)
from domain.names import normalize_name
from domain.pages import PAGE_SIZE, similar_page
from domain.payloads import LookUp, parse_payload
from domain.ports import (
    ArtistRepository,
    ConversationMemory,
    Measurements,
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
from domain.understanding import (
    ArtistsLike,
    FollowUp,
    SmallTalk,
    SongsLike,
    resolve_request,
    understand,
)

TRACKS_PER_ARTIST = 3
# How long "more like that" follows the last answer: a day, as long as Messenger lets the bot
# reply at all; a "more" after that starts a new conversation.
CONTEXT_KEPT = timedelta(hours=24)
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
    memory: ConversationMemory
    measurements: Measurements


def converse(event: IncomingEvent, now: datetime, ports: ConversationPorts) -> None:
    """Answer one event; a redelivered event gets no second answer.

    An answer that fails is forgotten before the error goes on, so the retry that follows
    answers instead of taking the event for a redelivery and leaving the user unanswered.
    """
    if not ports.processed.first_delivery(event.message_id):
        return
    # A clock ahead of this one must not stretch the 24-hour window the waiter is kept for.
    asked_at = min(event.sent_at, now) if event.sent_at is not None else now
    conversation = _Conversation(event.user_id, event.message_id, asked_at, ports)
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
    message_id: str
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
        match request:
            case SongsLike(title=title):
                self.songs_like_title(title, language)
            case FollowUp():
                self.follow_up(request, language)
            case ArtistsLike():
                self.artists_like(request, language)

    def on_postback(self, payload: str) -> None:
        command = parse_payload(payload)
        if isinstance(command, LookUp):
            self.ports.messenger.show_typing(self.user_id)
            self.artists_like(ArtistsLike((command.name,), command.name), command.language)
            return
        known = self.ports.repository.get_artists([command.artist_id]) if command else []
        if command is None or not known:
            self.reply_text("type_a_name", command.language if command else "en")
            return
        self.ports.messenger.show_typing(self.user_id)
        wants: Wants = "songs" if command.action == "SONGS" else "artists"
        self.show(known[0], wants, command.page, command.language)

    def follow_up(self, request: FollowUp, language: Language) -> None:
        """More of the last answer, or its artist's songs or artists instead; with nothing
        remembered from the last day, the name the message may hold, or a hint."""
        last = self.ports.memory.recall(self.user_id)
        if last is not None and self.asked_at - last.answered_at <= CONTEXT_KEPT:
            known = self.ports.repository.get_artists([last.artist_id])
            if known:
                wants = request.wants or last.wants
                page = last.page + 1 if wants == last.wants else 1
                self.show(known[0], wants, page, language)
                return
        if request.named is not None:
            self.artists_like(request.named, language)
        else:
            self.reply_text("nothing_before", language)

    def show(self, artist: Artist, wants: Wants, page: int, language: Language) -> None:
        """Page `page` of artists like artist, or of songs from them."""
        if wants == "songs":
            self.send_songs(artist, artist.name, language, page)
        else:
            self.send_recommendation(artist, language, page)

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
        if not (request.searchable or resolution.shipped):
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

    def send_recommendation(self, artist: Artist, language: Language, page: int = 1) -> None:
        send_recommendation(
            self.user_id,
            artist,
            language,
            self._answering,
            songs_offered=self.ports.spotify.can_read_top_tracks(artist.id),
            page=page,
        )

    def send_songs(self, artist: Artist, title: str, language: Language, page: int = 1) -> None:
        # Songs are the top tracks of similar artists: without top tracks there are none to
        # find, and the user hears why rather than that nothing is similar.
        if not self.ports.spotify.can_read_top_tracks(artist.id):
            self.reply_text("songs_unavailable", language)
            return
        send_songs(self.user_id, artist, title, language, self._answering, page=page)

    @property
    def _answering(self) -> RecommendationPorts:
        return RecommendationPorts(
            self.ports.repository,
            self.ports.tracks,
            self.ports.messenger,
            self.ports.memory,
            self.asked_at,
        )

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
        self.ports.queue.enqueue(artist_id, self.asked_at, self.message_id)
        self.ports.measurements.miss_queued()

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
        lookup = LookupRequest(
            query=search_as, wants=wants, requested_at=self.asked_at, message_id=self.message_id
        )
        self._add_waiter(lookup.waiter_key, query, wants, language)
        self.ports.queue.enqueue_lookup(lookup, deferral_seconds(refusal))
        self.ports.measurements.miss_queued()

    def _add_waiter(self, key: str, query: str, wants: Wants, language: Language) -> None:
        self.ports.waiters.add(
            Waiter(
                artist_id=key,
                user_id=self.user_id,
                query=query,
                requested_at=self.asked_at,
                wants=wants,
                language=language,
                message_id=self.message_id,
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
    page: int = 1,
) -> None:
    """The artist's card and its most similar artists; when none are known (nothing about
    how the artist sounds has reached the bot yet), a sentence says so instead of leaving
    the user with a lone card. announce_found opens with "Found …!" for a pushed answer;
    songs_offered is whether the answer offers songs like the artist (see
    SpotifyCatalog.can_read_top_tracks). Page 2 and on are the further artists like it, or a
    sentence that there are none."""
    similar = similar_page(artist.id, page, ports.repository)
    more_offered = len(similar) == PAGE_SIZE
    if page > 1 and not similar:
        ports.messenger.send(user_id, replies.text("no_more", language, name=artist.name))
        return
    ports.remember(user_id, artist, "artists", page)
    if page > 1:
        ports.messenger.send(user_id, replies.text("more_artists", language, name=artist.name))
        ports.messenger.send(
            user_id,
            replies.more_artists(
                artist,
                similar,
                page,
                language,
                songs_offered=songs_offered,
                more_offered=more_offered,
            ),
        )
        return
    if announce_found:
        opening = "found" if similar else "found_alone"
        ports.messenger.send(user_id, replies.text(opening, language, name=artist.name))
    ports.messenger.send(
        user_id,
        replies.recommendation(
            artist, similar, language, songs_offered=songs_offered, more_offered=more_offered
        ),
    )
    if not similar and not announce_found:
        ports.messenger.send(user_id, replies.text("no_similar_yet", language, name=artist.name))


def send_songs(
    user_id: str,
    artist: Artist,
    title: str,
    language: Language,
    ports: RecommendationPorts,
    *,
    page: int = 1,
) -> None:
    """The top tracks of the artists on page `page` of those like artist."""
    similar = similar_page(artist.id, page, ports.repository)
    tracks = ports.tracks.top_tracks([a.id for a in similar], TRACKS_PER_ARTIST)
    cards = song_cards(tracks, similar, artist, language)
    if not cards.cards:
        ending = "no_similar_yet" if page == 1 else "no_more"
        ports.messenger.send(user_id, replies.text(ending, language, name=artist.name))
        return
    ports.remember(user_id, artist, "songs", page)
    intro = (
        replies.text("songs_found", language, title=title, name=artist.name)
        if page == 1
        else replies.text("more_songs", language, name=artist.name)
    )
    follow_ups = replies.song_follow_ups(
        artist, page, language, more_offered=len(similar) == PAGE_SIZE
    )
    ports.messenger.send(user_id, intro)
    ports.messenger.send(user_id, cards.model_copy(update={"quick_replies": follow_ups}))


@dataclass(frozen=True)
class RecommendationPorts:
    """What answering needs, for the steps that answer without a conversation; answered_at
    is the moment an answer is remembered as given, which follow-ups are counted from."""

    repository: ArtistRepository
    tracks: TrackCatalog
    messenger: Messenger
    memory: ConversationMemory
    answered_at: datetime

    def remember(self, user_id: str, artist: Artist, wants: Wants, page: int) -> None:
        """Remembered before it is sent: an answer whose sending fails is sent again by the
        retry, and a "more" must follow the answer the user is about to see."""
        self.memory.remember(
            user_id,
            LastAnswer(artist_id=artist.id, wants=wants, page=page, answered_at=self.answered_at),
        )
