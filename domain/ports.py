"""What the domain needs from the outside world. Adapters implement these; the domain
never learns which cloud, database or HTTP client stands behind them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from domain.models import (
    Artist,
    FetchedArtist,
    FetchOutcome,
    IncomingEvent,
    NameCandidate,
    Neighbour,
    Reply,
    Track,
    Waiter,
)


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

    def save_vectors(self, vectors: Mapping[str, Sequence[float]]) -> None: ...

    def nearest(self, artist_id: str, limit: int) -> list[tuple[str, float]]:
        """The closest other artists by vector, best first, as (artist_id, score)."""
        ...

    def neighbour_floors(self, artist_ids: Sequence[str]) -> dict[str, tuple[int, float]]:
        """For each artist that has neighbours: how many it keeps and the lowest score."""
        ...

    def replace_neighbours(self, artist_id: str, neighbours: Sequence[Neighbour]) -> None: ...

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]: ...


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

    def remove(self, waiter: Waiter) -> None: ...


class ProcessedMessages(Protocol):
    def first_delivery(self, message_id: str) -> bool:
        """True the first time a Messenger message ID is seen, False on redelivery."""
        ...


class WorkQueue(Protocol):
    def enqueue(self, artist_id: str, requested_at: datetime) -> None: ...


class Inbox(Protocol):
    """Where the webhook leaves events to be answered once Messenger has its 200."""

    def hand_off(self, events: Sequence[IncomingEvent]) -> None: ...


class Messenger(Protocol):
    def send(self, user_id: str, reply: Reply) -> None: ...

    def show_typing(self, user_id: str) -> None:
        """The typing indicator, until the next message or 20 seconds pass."""
        ...


class KnownArtists(Protocol):
    def known_artist_ids(self) -> list[str]:
        """The Spotify ID of every stored artist, sorted."""
        ...


class ManifestStore(Protocol):
    def put_manifest(self, key: str, batches: Sequence[Sequence[str]]) -> None:
        """Store the batches as one JSON array of arrays of IDs under key."""
        ...
