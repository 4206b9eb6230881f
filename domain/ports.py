"""What the domain needs from the outside world. Adapters implement these; the domain
never learns which cloud, database or HTTP client stands behind them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from domain.models import Artist, FetchedArtist, Neighbour, Reply, Waiter


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


class SpotifyCatalog(Protocol):
    def search_artist(self, query: str) -> Artist | None:
        """Spotify's best match for a typed name, or None."""
        ...

    def fetch_artists(self, artist_ids: Sequence[str]) -> tuple[list[FetchedArtist], list[str]]:
        """(what was fetched, the IDs Spotify does not know)."""
        ...


class RawLake(Protocol):
    def put_raw(self, fetched: FetchedArtist, day: date) -> str:
        """Store Spotify's answers under one deterministic key per artist and day."""
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


class Messenger(Protocol):
    def send(self, user_id: str, reply: Reply) -> None: ...
