"""PostgresTrackCatalog on a real PostgreSQL: songs by title, top tracks, and the migration
that gave stored tracks their title key."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime

import psycopg2
import pytest

from adapters.postgres.migrator import apply_migrations
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.tracks import PostgresTrackCatalog
from contracts.database import shipped_migrations
from domain.models import Artist, FetchedArtist, Track
from domain.songs import normalize_title
from local.catalog import Catalog

FETCHED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TITLE_MIGRATION = "0003_track_titles"


def an_artist(artist_id: str, popularity: int | None = 50) -> Artist:
    return Artist(
        id=artist_id,
        name=artist_id.title(),
        popularity=popularity,
        spotify_url=f"https://open.spotify.com/artist/{artist_id}",
    )


def a_track(track_id: str, artist_id: str, name: str, popularity: int | None = 60) -> Track:
    return Track(
        id=track_id,
        artist_id=artist_id,
        name=name,
        popularity=popularity,
        spotify_url=f"https://open.spotify.com/track/{track_id}",
    )


def save(repository: PostgresArtistRepository, artist: Artist, tracks: Sequence[Track]) -> None:
    repository.save_fetched([FetchedArtist(artist=artist, top_tracks=tuple(tracks))], FETCHED_AT)


def numbered_tracks(artist_id: str, count: int) -> list[Track]:
    return [a_track(f"{artist_id}-{n}", artist_id, f"Song {n}") for n in range(1, count + 1)]


# Finding a song by title


def test_a_song_is_found_by_its_title_without_spotifys_version_notes(
    artist_repository: PostgresArtistRepository, track_catalog: PostgresTrackCatalog
) -> None:
    # Given
    california_love = a_track("cali", "2pac", "California Love - Original Version", 75)
    save(artist_repository, an_artist("2pac"), [california_love])

    # When
    found = track_catalog.find_track(normalize_title("california love"))

    # Then
    assert found == california_love


def test_of_songs_sharing_a_title_the_most_popular_then_the_better_known_artist_wins(
    artist_repository: PostgresArtistRepository, track_catalog: PostgresTrackCatalog
) -> None:
    # Given three recordings of "Hallelujah", two of them equally popular
    save(artist_repository, an_artist("cohen", 70), [a_track("h1", "cohen", "Hallelujah", 60)])
    save(
        artist_repository,
        an_artist("buckley", 80),
        [a_track("h2", "buckley", "Hallelujah - Remastered", 60)],
    )
    save(artist_repository, an_artist("cover", 10), [a_track("h3", "cover", "Hallelujah", None)])

    # When
    found = track_catalog.find_track("hallelujah")

    # Then
    assert found is not None
    assert found.id == "h2"


@pytest.mark.parametrize("key", ["nothing like it", "", "x'; DROP TABLE tracks; --"])
def test_an_unknown_or_empty_title_finds_nothing(
    artist_repository: PostgresArtistRepository, track_catalog: PostgresTrackCatalog, key: str
) -> None:
    # Given
    save(artist_repository, an_artist("2pac"), [a_track("cali", "2pac", "California Love")])

    # When
    found = track_catalog.find_track(key)

    # Then nothing is found, and a hostile title is only ever a value
    assert found is None
    assert track_catalog.find_track("california love") is not None


def test_a_renamed_track_is_found_by_its_new_title_only(
    artist_repository: PostgresArtistRepository, track_catalog: PostgresTrackCatalog
) -> None:
    # Given a track stored, then stored again under a new name
    save(artist_repository, an_artist("2pac"), [a_track("cali", "2pac", "Califonia Love")])
    save(artist_repository, an_artist("2pac"), [a_track("cali", "2pac", "California Love")])

    # When
    old = track_catalog.find_track("califonia love")
    new = track_catalog.find_track("california love")

    # Then
    assert old is None
    assert new is not None
    assert new.name == "California Love"


# Top tracks


def test_top_tracks_come_in_spotifys_order_up_to_the_limit_for_each_artist_asked(
    artist_repository: PostgresArtistRepository, track_catalog: PostgresTrackCatalog
) -> None:
    # Given one artist with five tracks and one with two
    save(artist_repository, an_artist("many"), numbered_tracks("many", 5))
    save(artist_repository, an_artist("few"), numbered_tracks("few", 2))

    # When
    found = track_catalog.top_tracks(["few", "many", "unknown", "few"], per_artist=3)

    # Then each asked artist appears once, in the order asked
    assert list(found) == ["few", "many", "unknown"]
    assert [t.name for t in found["few"]] == ["Song 1", "Song 2"]
    assert [t.name for t in found["many"]] == ["Song 1", "Song 2", "Song 3"]
    assert found["unknown"] == []
    assert all(t.artist_id == "many" for t in found["many"])


@pytest.mark.parametrize(("artist_ids", "per_artist"), [([], 3), (["many"], 0)])
def test_no_artists_or_no_room_give_no_tracks(
    artist_repository: PostgresArtistRepository,
    track_catalog: PostgresTrackCatalog,
    artist_ids: list[str],
    per_artist: int,
) -> None:
    # Given
    save(artist_repository, an_artist("many"), numbered_tracks("many", 5))

    # When
    found = track_catalog.top_tracks(artist_ids, per_artist)

    # Then
    assert all(tracks == [] for tracks in found.values())
    assert list(found) == artist_ids


# The migration that added title keys


def test_the_migration_gives_tracks_stored_before_it_the_key_python_gives(
    empty_database_url: str, spotify_catalog: Catalog
) -> None:
    # Given a database one migration short, holding every catalog track and a few titles
    # with accents, full-width letters, kana and notes
    titles = [
        track.name for tracks in spotify_catalog.tracks_by_artist.values() for track in tracks
    ]
    titles += [
        "Beyoncé – Halo (Live)",
        "Straße",
        "ポケモン が",
        "Ｆｕｌｌ　Ｗｉｄｔｈ",
        "봄날 (Spring Day) - Remix",
        "Café del Mar - 2004 Mix",
        "Mötley Crüe - Kickstart (Remastered 2011)",
        "Song [feat. Someone]",
        "(Live)",
    ]
    before = [m for m in shipped_migrations() if m.version < TITLE_MIGRATION]
    with closing(psycopg2.connect(empty_database_url)) as connection:
        apply_migrations(connection, before)
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO artists (id, name, normalized_name, spotify_url, fetched_at)"
                " VALUES ('a', 'A', 'a', 'https://open.spotify.com/artist/a', now())"
            )
            cursor.executemany(
                "INSERT INTO tracks (id, artist_id, name, spotify_url, rank)"
                " VALUES (%s, 'a', %s, 'https://open.spotify.com/track/t', %s)",
                [(f"t{n}", title, n) for n, title in enumerate(titles, start=1)],
            )

        # When
        applied = apply_migrations(connection)

        # Then
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT name, normalized_title FROM tracks")
            keys = dict(cursor.fetchall())
            cursor.execute(
                "SELECT is_nullable FROM information_schema.columns"
                " WHERE table_name = 'tracks' AND column_name = 'normalized_title'"
            )
            (nullable,) = cursor.fetchone()
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'tracks_normalized_title_idx'"
            )
            indexed = cursor.fetchone() is not None
    assert TITLE_MIGRATION in applied
    differing = {name: key for name, key in keys.items() if key != normalize_title(name)}
    assert differing == {}
    assert keys["California Love - Original Version"] == "california love"
    assert keys["Beyoncé – Halo (Live)"] == "beyonce halo"
    assert (nullable, indexed) == ("NO", True)
