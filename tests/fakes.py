"""In-memory implementations of the domain's ports, for tests that need no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import MessengerDeliveryError, SpotifyRefusedError
from domain.models import (
    Artist,
    AudioFeatures,
    FetchedArtist,
    FetchOutcome,
    IncomingEvent,
    LastAnswer,
    LookupRequest,
    NameCandidate,
    Neighbour,
    Reply,
    Track,
    Waiter,
)
from domain.names import normalize_name
from domain.readiness import TargetHealth
from domain.songs import normalize_title


def artist(artist_id: str, name: str, *genres: str, popularity: int = 50) -> Artist:
    return Artist(
        id=artist_id,
        name=name,
        genres=genres,
        popularity=popularity,
        spotify_url=f"https://open.spotify.com/artist/{artist_id}",
        image_url=f"https://i.scdn.co/image/{artist_id}",
    )


@dataclass
class InMemoryArtists:
    artists: dict[str, Artist] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    neighbours: dict[str, list[Neighbour]] = field(default_factory=dict)
    fetched_at: dict[str, datetime] = field(default_factory=dict)

    def find_by_alias(self, normalized_name: str) -> Artist | None:
        matches = [a for a in self.artists.values() if normalize_name(a.name) == normalized_name]
        if normalized_name in self.aliases:
            matches.append(self.artists[self.aliases[normalized_name]])
        return max(matches, key=lambda a: a.popularity or 0, default=None)

    def add_alias(self, normalized_name: str, artist_id: str, source: str) -> None:
        self.aliases[normalized_name] = artist_id

    def candidates(self, key: str, limit: int) -> list[NameCandidate]:
        """Every stored name: resolution scores them all, which a small world can afford."""
        return self._names()

    def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
        return [candidate for candidate in self._names() if candidate.key in keys]

    def _names(self) -> list[NameCandidate]:
        names = [(normalize_name(a.name), a) for a in self.artists.values()]
        names += [(alias, self.artists[i]) for alias, i in self.aliases.items()]
        return [
            NameCandidate(key=k, artist_id=a.id, artist_name=a.name, popularity=a.popularity)
            for k, a in names
        ]

    def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        return [self.artists[i] for i in artist_ids if i in self.artists]

    def save_fetched(self, fetched: Sequence[FetchedArtist], fetched_at: datetime) -> None:
        for item in fetched:
            if self.fetched_at.get(item.artist.id, fetched_at) <= fetched_at:
                self.artists[item.artist.id] = item.artist
                self.fetched_at[item.artist.id] = fetched_at

    def replace_neighbours(self, artist_id: str, neighbours: Sequence[Neighbour]) -> None:
        self.neighbours[artist_id] = list(neighbours)

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]:
        ranked = sorted(self.neighbours.get(artist_id, []), key=lambda n: n.rank)
        return [self.artists[n.similar_id] for n in ranked[:limit]]


@dataclass
class InMemoryTracks:
    tracks: list[Track] = field(default_factory=list)

    def find_track(self, normalized_title: str) -> Track | None:
        return next((t for t in self.tracks if normalize_title(t.name) == normalized_title), None)

    def top_tracks(self, artist_ids: Sequence[str], per_artist: int) -> dict[str, list[Track]]:
        return {i: [t for t in self.tracks if t.artist_id == i][:per_artist] for i in artist_ids}


@dataclass
class FakeSpotify:
    catalog: dict[str, Artist] = field(default_factory=dict)
    other_names: dict[str, str] = field(default_factory=dict)
    tracks: list[Track] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    top_tracks_readable: bool = True
    # What every search raises while Spotify refuses the app (None: searches answer).
    search_refusal: SpotifyRefusedError | None = None

    def search_track(self, query: str) -> Track | None:
        self._search(query)
        wanted = normalize_title(query)
        return next((t for t in self.tracks if normalize_title(t.name) == wanted), None)

    def search_artist(self, query: str) -> Artist | None:
        self._search(query)
        wanted = normalize_name(query)
        if wanted in self.other_names:
            return self.catalog[self.other_names[wanted]]
        return next((a for a in self.catalog.values() if normalize_name(a.name) == wanted), None)

    def _search(self, query: str) -> None:
        self.searches.append(query)
        if self.search_refusal is not None:
            raise self.search_refusal

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        return FetchOutcome(
            fetched=tuple(
                FetchedArtist(artist=self.catalog[i]) for i in artist_ids if i in self.catalog
            ),
            not_found=tuple(i for i in artist_ids if i not in self.catalog),
        )

    def can_read_top_tracks(self, artist_id: str) -> bool:
        return self.top_tracks_readable


@dataclass
class RecordingLake:
    keys: list[str] = field(default_factory=list)

    def put_raw(self, fetched: FetchedArtist, day: date) -> str:
        key = f"dt={day.isoformat()}/{fetched.artist.id}.json"
        self.keys.append(key)
        return key

    def put_tables(self, fetched: Sequence[FetchedArtist], day: date) -> list[str]:
        if not fetched:
            return []
        ids = ",".join(sorted(item.artist.id for item in fetched))
        key = f"dt={day.isoformat()}/batch-{ids}"
        self.keys.append(key)
        return [key]


@dataclass
class InMemoryGenres:
    genres: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def put_genres(self, artist_id: str, genres: Sequence[str]) -> None:
        self.genres[artist_id] = tuple(genres)


@dataclass
class InMemoryTombstones:
    """Each tombstoned artist with the time it was last found missing as of."""

    buried: dict[str, datetime] = field(default_factory=dict)

    def bury(self, artist_ids: Sequence[str], not_found_at: datetime) -> None:
        for artist_id in artist_ids:
            self.buried[artist_id] = max(self.buried.get(artist_id, not_found_at), not_found_at)

    def lift(self, artist_ids: Sequence[str], found_at: datetime) -> None:
        for artist_id in artist_ids:
            if self.buried.get(artist_id, found_at) <= found_at:
                self.buried.pop(artist_id, None)

    def tombstoned(self, artist_ids: Sequence[str]) -> set[str]:
        return set(artist_ids) & self.buried.keys()


@dataclass
class InMemoryWaiters:
    waiters: dict[tuple[str, str], Waiter] = field(default_factory=dict)

    def add(self, waiter: Waiter) -> None:
        self.waiters[(waiter.artist_id, waiter.user_id)] = waiter

    def waiting_for(self, artist_id: str) -> list[Waiter]:
        return [w for (a, _), w in self.waiters.items() if a == artist_id]

    def asked_before(self, moment: datetime) -> list[Waiter]:
        return [w for w in self.waiters.values() if w.requested_at < moment]

    def remove(self, waiter: Waiter) -> None:
        self.waiters.pop((waiter.artist_id, waiter.user_id), None)


@dataclass
class InMemoryProcessed:
    seen: set[str] = field(default_factory=set)

    def first_delivery(self, message_id: str) -> bool:
        if message_id in self.seen:
            return False
        self.seen.add(message_id)
        return True

    def forget(self, message_id: str) -> None:
        self.seen.discard(message_id)


@dataclass
class InMemoryConversationMemory:
    last: dict[str, LastAnswer] = field(default_factory=dict)

    def recall(self, user_id: str) -> LastAnswer | None:
        return self.last.get(user_id)

    def remember(self, user_id: str, answer: LastAnswer) -> None:
        self.last[user_id] = answer


@dataclass
class RecordingQueue:
    enqueued: list[tuple[str, datetime]] = field(default_factory=list)
    lookups: list[tuple[LookupRequest, int]] = field(default_factory=list)
    # The Messenger message each of `enqueued` was asked in.
    enqueued_message_ids: list[str | None] = field(default_factory=list)

    def enqueue(
        self, artist_id: str, requested_at: datetime, message_id: str | None = None
    ) -> None:
        self.enqueued.append((artist_id, requested_at))
        self.enqueued_message_ids.append(message_id)

    def enqueue_lookup(self, lookup: LookupRequest, delay_seconds: int = 0) -> None:
        self.lookups.append((lookup, delay_seconds))


@dataclass
class RecordingMessenger:
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    typing: list[str] = field(default_factory=list)

    def send(self, user_id: str, reply: Reply) -> None:
        self.sent.append((user_id, reply))

    def show_typing(self, user_id: str) -> None:
        self.typing.append(user_id)


@dataclass
class FailingMessenger(RecordingMessenger):
    """Records what it sends, except that a send (or typing indicator) to a user in `down`
    raises their error, and a send to a user in `failing_next` raises the next of their
    errors, once."""

    down: dict[str, MessengerDeliveryError] = field(default_factory=dict)
    failing_next: dict[str, list[MessengerDeliveryError]] = field(default_factory=dict)

    def send(self, user_id: str, reply: Reply) -> None:
        if user_id in self.down:
            raise self.down[user_id]
        if self.failing_next.get(user_id):
            raise self.failing_next[user_id].pop(0)
        super().send(user_id, reply)

    def show_typing(self, user_id: str) -> None:
        if user_id in self.down:
            raise self.down[user_id]
        super().show_typing(user_id)


@dataclass
class RecordingInbox:
    handed_off: list[IncomingEvent] = field(default_factory=list)

    def hand_off(self, events: Sequence[IncomingEvent]) -> None:
        self.handed_off.extend(events)


def track(
    track_id: str, artist_id: str, name: str | None = None, popularity: int | None = 50
) -> Track:
    return Track(
        id=track_id,
        artist_id=artist_id,
        name=name or f"Song {track_id}",
        popularity=popularity,
        spotify_url=f"https://open.spotify.com/track/{track_id}",
    )


def audio_features(track_id: str, **changes: float) -> AudioFeatures:
    """Plausible features of a pop song; name the ones a test is about."""
    values: dict[str, float] = {
        "danceability": 0.7,
        "energy": 0.6,
        "key": 5,
        "loudness": -6.5,
        "mode": 1,
        "speechiness": 0.1,
        "acousticness": 0.1,
        "instrumentalness": 0.0,
        "liveness": 0.2,
        "valence": 0.4,
        "tempo": 96.0,
        "duration_ms": 215_000,
        "time_signature": 4,
    }
    return AudioFeatures.model_validate({"track_id": track_id, **values, **changes})


@dataclass
class InMemorySnapshots:
    """domain.ports.SnapshotStore in a dict; `fail_reads_after` makes the store fail once
    that many snapshots have been read, as a shard that crashes would."""

    arrays: dict[int, dict[str, Any]] = field(default_factory=dict)
    reads: int = 0
    fail_reads_after: int | None = None

    def put_snapshot(self, generation: int, arrays: Mapping[str, Any]) -> None:
        self.arrays[generation] = dict(arrays)

    def get_snapshot(self, generation: int) -> dict[str, Any]:
        if self.fail_reads_after is not None and self.reads >= self.fail_reads_after:
            raise OSError("the snapshot could not be read")
        self.reads += 1
        return dict(self.arrays[generation])

    def delete_snapshot(self, generation: int) -> None:
        self.arrays.pop(generation, None)


class ScriptedProxyTargets:
    """domain.readiness.ProxyTargets reporting each given list in turn, then the last one
    forever."""

    def __init__(self, proxy_name: str, *looks: Sequence[TargetHealth]) -> None:
        self._proxy_name = proxy_name
        self._looks = list(looks)
        self.seen = 0

    @property
    def proxy_name(self) -> str:
        return self._proxy_name

    def health(self) -> Sequence[TargetHealth]:
        self.seen += 1
        return self._looks[min(self.seen, len(self._looks)) - 1]


class SteppedClock:
    """Seconds that pass only when slept: a wait of minutes takes no time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class RecordingMeasurements:
    """domain.ports.Measurements that keeps what it was told."""

    answers_sent: int = 0
    sends_failed: int = 0
    misses_queued: int = 0
    waits_answered: list[timedelta] = field(default_factory=list)
    spotify_calls: int = 0
    spotify_rate_limits: int = 0

    def answer_sent(self) -> None:
        self.answers_sent += 1

    def send_failed(self) -> None:
        self.sends_failed += 1

    def miss_queued(self) -> None:
        self.misses_queued += 1

    def answer_pushed(self, waited: timedelta) -> None:
        self.waits_answered.append(waited)

    def spotify_called(self) -> None:
        self.spotify_calls += 1

    def spotify_rate_limited(self) -> None:
        self.spotify_rate_limits += 1
