"""What the domain needs from the outside world. Adapters implement these; the domain
never learns which cloud, database or HTTP client stands behind them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from domain.models import (
    Artist,
    FetchedArtist,
    FetchOutcome,
    IncomingEvent,
    LastAnswer,
    LookupRequest,
    NameCandidate,
    Neighbour,
    Reply,
    ScoredArtist,
    SimilarityGeneration,
    SimilarityProfile,
    Track,
    Waiter,
)

# Annotations only: every function loads the ports, and only the similarity functions carry
# NumPy.
if TYPE_CHECKING:
    from numpy.typing import NDArray

    from domain.neighbour_search import Float32s, Ints, SearchPlan


class ArtistRepository(Protocol):
    """The relational store the bot reads (PostgreSQL)."""

    def find_by_alias(self, normalized_name: str) -> Artist | None: ...

    def add_alias(self, normalized_name: str, artist_id: str, source: str) -> None: ...

    def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        """The known artists among artist_ids, in the order asked."""
        ...

    def save_fetched(self, fetched: Sequence[FetchedArtist], fetched_at: datetime) -> None:
        """Upsert artists, genres, tracks and audio features; an older fetch never
        overwrites a newer one."""
        ...

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]:
        """The artist's list in the serving generation, closest first."""
        ...


class ListsInWork(Protocol):
    """One generation's lists, held for writing: nothing else writes them until the work
    ends, and everything done in it is committed together or not at all."""

    @property
    def generation(self) -> int: ...

    @property
    def plan(self) -> SearchPlan:
        """How the generation's lists were searched, which updates must follow."""
        ...

    def centroids(self) -> Float32s:
        """The generation's cell centres, one row per cell."""
        ...

    def profiles(self, artist_ids: Sequence[str]) -> list[SimilarityProfile]:
        """What similarity knows of the stored artists among artist_ids, in ID order."""
        ...

    def save_vectors(self, vectors: Mapping[str, tuple[Sequence[float], int] | None]) -> None:
        """Each artist's embedding and cell in this generation; None forgets both."""
        ...

    def nearest(
        self, vector: Sequence[float], cells: Sequence[int], limit: int, excluding: Sequence[str]
    ) -> list[tuple[str, float]]:
        """Up to limit artists of the given cells whose embeddings are closest to vector,
        closest first, each with the cosine of the embeddings (an estimate of its score)."""
        ...

    def floors(self, artist_ids: Sequence[str]) -> dict[str, tuple[int, float]]:
        """For each of artist_ids with a list: how long it is and its weakest score."""
        ...

    def listing(self, artist_ids: Sequence[str]) -> list[str]:
        """The artists whose lists hold any of artist_ids, sorted."""
        ...

    def current_lists(self, artist_ids: Sequence[str]) -> dict[str, list[ScoredArtist]]:
        """The lists these artists have now, best first; an artist without one is absent."""
        ...

    def replace_lists(self, lists: Mapping[str, Sequence[Neighbour]]) -> None: ...

    def changed_since_snapshot(self) -> list[str]:
        """Artists whose embeddings ingestion changed after the generation's snapshot."""
        ...

    def serve(self) -> None:
        """Make this generation the one readers see, retiring the one they saw."""
        ...


class SimilarityStore(Protocol):
    """Similar-artist lists by generation, with what they are computed from (PostgreSQL)."""

    def updating(self, generation: int | None = None) -> AbstractContextManager[ListsInWork]:
        """Hold a generation's lists (the serving one by default) for writing; raises
        WriteConflictError when the database rolls the writing back for colliding with
        another transaction."""
        ...

    def begin_rebuild(self) -> tuple[int, list[SimilarityProfile]]:
        """A new generation, building, and a consistent snapshot of every stored artist's
        profile; the generation's snapshot time is when it was read."""
        ...

    def save_rebuild_plan(
        self,
        generation: int,
        *,
        plan: SearchPlan,
        shard_count: int,
        artist_ids: Sequence[str],
        vectors: Float32s,
        cells: Ints,
        centroids: Float32s,
    ) -> None:
        """The generation's plan and cell centres, and each artist's embedding (a row of
        vectors) and cell; embeddings that did not change are left as they are."""
        ...

    def write_shard(
        self, generation: int, shard: int, artist_ids: Sequence[str], lists: Sequence[Neighbour]
    ) -> None:
        """Make lists the whole lists of artist_ids in a building generation, and record the
        shard as done; writing the same shard again gives the same rows."""
        ...

    def abandon(self, generation: int, reason: str) -> None:
        """Mark a building generation failed and drop what it wrote."""
        ...

    def drop_unused(self) -> list[int]:
        """Drop the lists of generations that no longer serve; returns which."""
        ...

    def generation(self, generation: int) -> SimilarityGeneration | None: ...

    def generations(self, limit: int) -> list[SimilarityGeneration]:
        """The newest generations, newest first."""
        ...


class SnapshotStore(Protocol):
    """Where a rebuild leaves the catalog's features for its shards to read."""

    def put_snapshot(self, generation: int, arrays: Mapping[str, NDArray[Any]]) -> None: ...

    def get_snapshot(self, generation: int) -> dict[str, NDArray[Any]]: ...

    def delete_snapshot(self, generation: int) -> None: ...


class NameIndex(Protocol):
    """Every name the bot can recognise an artist by, searchable by similarity."""

    def candidates(self, key: str, limit: int) -> list[NameCandidate]:
        """Up to limit names that share the most character trigrams with the normalized
        key, exact matches included, in the order domain.names.rank_candidates defines.

        Names come from stored artists, their aliases, and the names shipped with the
        product; a shipped name whose artist is not stored yet has an empty artist_id and
        the name to search Spotify for as artist_name.
        """
        ...

    def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
        """The names whose normalized key is one of keys, as candidates() gives them, in
        one query: where else in a sentence an artist may be named."""
        ...


class TrackCatalog(Protocol):
    """Tracks the bot has stored (the top tracks of known artists)."""

    def find_track(self, normalized_title: str) -> Track | None:
        """A stored track whose normalized title matches, the most popular first."""
        ...

    def top_tracks(self, artist_ids: Sequence[str], per_artist: int) -> dict[str, list[Track]]:
        """Up to per_artist top tracks of each artist, best first."""
        ...


class SpotifyCatalog(Protocol):
    def search_artist(self, query: str) -> Artist | None:
        """Spotify's best match for a typed name, or None."""
        ...

    def search_track(self, query: str) -> Track | None:
        """Spotify's best match for a typed song title, or None; its artist_id is the
        track's first artist."""
        ...

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        """Everything Spotify gives for these IDs, without ever sleeping on a 429: what it
        could not fetch yet comes back as deferred."""
        ...

    def can_read_top_tracks(self, artist_id: str) -> bool:
        """Whether Spotify lets the app read top tracks now, which songs like an artist are
        drawn from; when that is not known yet, the artist's top tracks are asked to find out.
        """
        ...


class RawLake(Protocol):
    def put_raw(self, fetched: FetchedArtist, day: date) -> str:
        """Store Spotify's answers under one deterministic key per artist and day."""
        ...

    def put_tables(self, fetched: Sequence[FetchedArtist], day: date) -> list[str]:
        """Store the batch as Parquet tables (artists, top tracks, audio features) under
        keys that depend only on the day and the artists, so a replay overwrites them."""
        ...


class GenreStore(Protocol):
    def put_genres(self, artist_id: str, genres: Sequence[str]) -> None: ...


class WaiterStore(Protocol):
    def add(self, waiter: Waiter) -> None: ...

    def waiting_for(self, artist_id: str) -> list[Waiter]: ...

    def asked_before(self, moment: datetime) -> list[Waiter]:
        """Every waiter, whatever it waits for, whose question is older than moment."""
        ...

    def remove(self, waiter: Waiter) -> None: ...


class ConversationMemory(Protocol):
    """What each user was last answered with, kept outside the function's process so that
    "more like that" follows it on any instance, after any restart."""

    def recall(self, user_id: str) -> LastAnswer | None:
        """The user's last answer, if one is remembered (however old: the domain judges)."""
        ...

    def remember(self, user_id: str, answer: LastAnswer) -> None:
        """Make answer the user's last one, in place of any before."""
        ...


class ProcessedMessages(Protocol):
    def first_delivery(self, message_id: str) -> bool:
        """True the first time a Messenger message ID is seen, False on redelivery."""
        ...

    def forget(self, message_id: str) -> None:
        """Make the next delivery of this message ID a first one again."""
        ...


class WorkQueue(Protocol):
    def enqueue(
        self, artist_id: str, requested_at: datetime, message_id: str | None = None
    ) -> None: ...

    def enqueue_lookup(self, lookup: LookupRequest, delay_seconds: int = 0) -> None:
        """Queue a search Spotify refused, to be tried again after delay_seconds, which the
        queue allows up to 15 minutes."""
        ...


class Inbox(Protocol):
    """Where the webhook leaves events to be answered once Messenger has its 200."""

    def hand_off(self, events: Sequence[IncomingEvent]) -> None: ...


class Messenger(Protocol):
    def send(self, user_id: str, reply: Reply) -> None: ...

    def show_typing(self, user_id: str) -> None:
        """The typing indicator, until the next message or 20 seconds pass."""
        ...


class Measurements(Protocol):
    """What the operator's metrics count (adapters/emf_metrics.py)."""

    def answer_sent(self) -> None:
        """A message the Send API took: a reply, or an answer the bot pushed."""
        ...

    def send_failed(self) -> None:
        """A message the Send API did not take."""
        ...

    def miss_queued(self) -> None:
        """A user asked about an artist the bot had to look up, and waits for the answer."""
        ...

    def answer_pushed(self, waited: timedelta) -> None:
        """A waiting user was answered, `waited` after they asked."""
        ...

    def spotify_called(self) -> None: ...

    def spotify_rate_limited(self) -> None:
        """Spotify answered a call with 429."""
        ...


class KnownArtists(Protocol):
    def refreshable_artist_ids(self) -> list[str]:
        """The Spotify ID of every stored artist that has no tombstone, sorted."""
        ...

    def fetched_since(self, moment: datetime) -> int:
        """How many stored artists hold an answer Spotify gave at `moment` or later: how far
        an ingest or a refresh as of `moment` has come."""
        ...


class ArtistTombstones(Protocol):
    """The artists Spotify said it does not have, which the daily refresh leaves out."""

    def bury(self, artist_ids: Sequence[str], not_found_at: datetime) -> None:
        """Tombstone these artists as not found as of not_found_at, except those a fetch as
        of that time or later found; a tombstone already there keeps the later time."""
        ...

    def lift(self, artist_ids: Sequence[str], found_at: datetime) -> None:
        """Remove these artists' tombstones from fetches as of found_at or earlier: Spotify
        has them again."""
        ...

    def tombstoned(self, artist_ids: Sequence[str]) -> set[str]:
        """The artists among artist_ids that have a tombstone."""
        ...


class ManifestStore(Protocol):
    def put_manifest(self, key: str, batches: Sequence[Sequence[str]]) -> None:
        """Store the batches as one JSON array of arrays of IDs under key."""
        ...
