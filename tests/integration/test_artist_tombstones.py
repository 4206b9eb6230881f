"""Tombstones on PostgreSQL: artists Spotify does not have are left out of the daily refresh
until a fetch finds them again, and replays in any order converge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.postgres.known_artists import PostgresKnownArtists
from adapters.postgres.pool import ConnectionPool
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.tombstones import PostgresArtistTombstones
from domain.models import Artist, FetchedArtist

MONDAY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


def _stored(repository: PostgresArtistRepository, fetched_at: datetime, *artist_ids: str) -> None:
    repository.save_fetched(
        [
            FetchedArtist(
                artist=Artist(id=i, name=i.title(), spotify_url=f"https://open.spotify.com/{i}")
            )
            for i in artist_ids
        ],
        fetched_at,
    )


def _tombstoned(pool: ConnectionPool) -> dict[str, datetime]:
    with pool.transaction() as cursor:
        cursor.execute("SELECT artist_id, not_found_at FROM artist_tombstones")
        return dict(cursor.fetchall())


@pytest.fixture
def tombstones(postgres_pool: ConnectionPool) -> PostgresArtistTombstones:
    return PostgresArtistTombstones(postgres_pool)


def test_the_refresh_leaves_out_tombstoned_artists(
    postgres_pool: ConnectionPool,
    artist_repository: PostgresArtistRepository,
    tombstones: PostgresArtistTombstones,
) -> None:
    # Given three stored artists, one of which Spotify no longer has
    _stored(artist_repository, MONDAY, "alpha", "beta", "gamma")
    tombstones.bury(["beta"], TUESDAY)

    # When the artists to refresh are listed
    known = PostgresKnownArtists(postgres_pool)

    # Then the tombstoned one is left out, though it is still stored
    assert known.refreshable_artist_ids() == ["alpha", "gamma"]
    assert known.known_artist_ids() == ["alpha", "beta", "gamma"]
    assert _tombstoned(postgres_pool) == {"beta": TUESDAY}


def test_a_later_fetch_that_finds_the_artist_lifts_its_tombstone(
    postgres_pool: ConnectionPool, tombstones: PostgresArtistTombstones
) -> None:
    # Given an artist not found on Monday, and another not found on Tuesday
    tombstones.bury(["gone", "back"], MONDAY)
    tombstones.bury(["later"], TUESDAY)

    # When Monday's fetch and Tuesday's find them after all
    tombstones.lift(["back"], TUESDAY)
    tombstones.lift(["later"], MONDAY)

    # Then Tuesday's finding lifts Monday's tombstone; Monday's finding, replayed late, does
    # not lift Tuesday's
    assert _tombstoned(postgres_pool) == {"gone": MONDAY, "later": TUESDAY}


def test_burying_again_keeps_the_latest_time_and_spares_what_a_later_fetch_found(
    postgres_pool: ConnectionPool,
    artist_repository: PostgresArtistRepository,
    tombstones: PostgresArtistTombstones,
) -> None:
    # Given an artist tombstoned on Tuesday, and one Tuesday's fetch stored
    tombstones.bury(["gone"], TUESDAY)
    _stored(artist_repository, TUESDAY, "found")

    # When Monday's fetch, which did not find either, is replayed, twice
    for _ in range(2):
        tombstones.bury(["gone", "found", "gone"], MONDAY)

    # Then the tombstone keeps Tuesday, and the artist found on Tuesday gets none
    assert _tombstoned(postgres_pool) == {"gone": TUESDAY}


def test_tombstoned_answers_which_of_the_artists_asked_have_a_tombstone(
    tombstones: PostgresArtistTombstones,
) -> None:
    # Given two tombstoned artists
    tombstones.bury(["gone", "also-gone"], MONDAY)

    # When asked about one of them, an artist without a tombstone, and nothing
    # Then only the tombstoned one asked about is named
    assert tombstones.tombstoned(["gone", "never-buried"]) == {"gone"}
    assert tombstones.tombstoned([]) == set()
