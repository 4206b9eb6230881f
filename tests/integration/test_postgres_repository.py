from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2
import pytest
from psycopg2 import errors, sql

from adapters.postgres.connect import url_connector
from adapters.postgres.pool import ConnectionPool, connect_pool
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.similarity import PostgresSimilarityStore
from domain.models import Artist, AudioFeatures, FetchedArtist, Neighbour, Track
from tests.fakes import audio_features, track
from tests.fixtures.postgres import ARTIST_TABLES

FETCHED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CREDITS = "SELECT track_id, position, artist_id FROM track_credits ORDER BY track_id, position"


# Builders -------------------------------------------------------------------------------


def an_artist(
    artist_id: str,
    name: str | None = None,
    *,
    genres: Sequence[str] = ("k-pop",),
    popularity: int | None = 50,
    followers: int | None = 1000,
) -> Artist:
    return Artist(
        id=artist_id,
        name=name or artist_id.title(),
        genres=tuple(genres),
        popularity=popularity,
        followers=followers,
        image_url=f"https://i.scdn.co/image/{artist_id}",
        spotify_url=f"https://open.spotify.com/artist/{artist_id}",
    )


def fetched(
    artist: Artist, tracks: Sequence[Track] = (), features: Sequence[AudioFeatures] = ()
) -> FetchedArtist:
    return FetchedArtist(artist=artist, top_tracks=tuple(tracks), audio_features=tuple(features))


def credited(song: Track, *artist_ids: str) -> Track:
    return song.model_copy(update={"credits": artist_ids})


def fully_fetched(artist_id: str, name: str | None = None) -> FetchedArtist:
    """An artist with two genres and two top tracks, each with audio features; the second
    track credits a guest too."""
    artist = an_artist(artist_id, name, genres=("k-pop", "girl group"))
    tracks = [
        credited(track(f"{artist_id}-t1", artist_id), artist_id),
        credited(track(f"{artist_id}-t2", artist_id), artist_id, f"{artist_id}-guest"),
    ]
    return fetched(artist, tracks, [audio_features(song.id) for song in tracks])


def a_neighbour(artist_id: str, similar_id: str, rank: int, score: float) -> Neighbour:
    return Neighbour(artist_id=artist_id, similar_id=similar_id, rank=rank, score=score)


# Reading the database directly -----------------------------------------------------------


def table_rows(database_url: str) -> dict[str, list[str]]:
    """Every artist table's rows as PostgreSQL prints them, in a stable order."""
    with (
        closing(psycopg2.connect(database_url)) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        rows = {}
        for table in ARTIST_TABLES:
            cursor.execute(
                sql.SQL("SELECT t::text FROM {} AS t ORDER BY 1").format(sql.Identifier(table))
            )
            rows[table] = [row for (row,) in cursor.fetchall()]
        return rows


def query(
    database_url: str, statement: str, parameters: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    with (
        closing(psycopg2.connect(database_url)) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, parameters)
        return list(cursor.fetchall())


class StatementCountingPool(ConnectionPool):
    """A pool over a database URL that counts every statement its cursors send, each page
    of an execute_values included."""

    def __init__(self, database_url: str) -> None:
        super().__init__(url_connector(database_url))
        self.statements = 0

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with super().transaction() as cursor:
            yield _CountingCursor(cursor, self)


class _CountingCursor:
    def __init__(self, cursor: Any, pool: StatementCountingPool) -> None:
        self._cursor = cursor
        self._pool = pool

    def execute(self, *arguments: Any) -> Any:
        self._pool.statements += 1
        return self._cursor.execute(*arguments)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@pytest.fixture
def counting_pool(database_url: str) -> Iterator[StatementCountingPool]:
    pool = StatementCountingPool(database_url)
    yield pool
    pool.close()


# find_by_alias and add_alias ----------------------------------------------------------


def test_finds_an_artist_by_its_normalized_name_with_genres_in_stored_order(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    beyonce = an_artist("beyonce-id", "Beyoncé", genres=("pop", "r&b", "dance pop"))
    artist_repository.save_fetched([fetched(beyonce)], FETCHED_AT)

    # When
    found = artist_repository.find_by_alias("beyonce")

    # Then
    assert found == beyonce
    assert found is not None
    assert found.genres == ("pop", "r&b", "dance pop")


def test_finds_an_artist_by_a_hangul_alias(artist_repository: PostgresArtistRepository) -> None:
    # Given
    aespa = an_artist("aespa-id", "aespa")
    artist_repository.save_fetched([fetched(aespa)], FETCHED_AT)
    artist_repository.add_alias("에스파", "aespa-id", "spotify-search")

    # When
    found = artist_repository.find_by_alias("에스파")

    # Then
    assert found == aespa


def test_finds_an_artist_whose_name_is_hangul(artist_repository: PostgresArtistRepository) -> None:
    # Given
    iu = an_artist("iu-id", "아이유")
    artist_repository.save_fetched([fetched(iu)], FETCHED_AT)

    # When
    found = artist_repository.find_by_alias("아이유")

    # Then
    assert found == iu


def test_an_unknown_name_finds_nobody(artist_repository: PostgresArtistRepository) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("aespa-id", "aespa"))], FETCHED_AT)

    # When
    found = artist_repository.find_by_alias("에스파")

    # Then
    assert found is None


def test_a_name_shared_by_several_artists_finds_the_most_popular(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched(
        [
            fetched(an_artist("nell-a", "Nell", popularity=None)),
            fetched(an_artist("nell-b", "NELL", popularity=30)),
            fetched(an_artist("nell-c", "Other band", popularity=70)),
        ],
        FETCHED_AT,
    )
    artist_repository.add_alias("nell", "nell-c", "user")

    # When
    found = artist_repository.find_by_alias("nell")

    # Then
    assert found is not None
    assert found.id == "nell-c"


def test_among_equally_popular_or_unrated_artists_the_lowest_id_wins(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched(
        [
            fetched(an_artist("id-3", "Sunny", popularity=None)),
            fetched(an_artist("id-2", "Sunny", popularity=None)),
            fetched(an_artist("id-9", "Rain", popularity=40)),
            fetched(an_artist("id-4", "Rain", popularity=40)),
        ],
        FETCHED_AT,
    )

    # When
    unrated = artist_repository.find_by_alias("sunny")
    rated = artist_repository.find_by_alias("rain")

    # Then
    assert unrated is not None
    assert unrated.id == "id-2"
    assert rated is not None
    assert rated.id == "id-4"


def test_adding_a_known_alias_again_changes_nothing(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("aespa-id", "aespa"))], FETCHED_AT)
    artist_repository.add_alias("에스파", "aespa-id", "spotify-search")

    # When
    artist_repository.add_alias("에스파", "aespa-id", "user")

    # Then
    assert query(database_url, "SELECT alias, artist_id, source FROM artist_aliases") == [
        ("에스파", "aespa-id", "spotify-search")
    ]


def test_an_alias_source_outside_the_known_ones_is_refused(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("aespa-id", "aespa"))], FETCHED_AT)

    # When / Then
    with pytest.raises(ValueError, match="alias source"):
        artist_repository.add_alias("에스파", "aespa-id", "guess")


def test_an_alias_of_an_artist_not_stored_is_refused(
    artist_repository: PostgresArtistRepository,
) -> None:
    # When / Then
    with pytest.raises(errors.ForeignKeyViolation):
        artist_repository.add_alias("에스파", "not-stored", "user")


# get_artists ------------------------------------------------------------------------------


def test_get_artists_returns_the_known_ones_in_the_order_asked_each_once(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    first, second, third = an_artist("a1"), an_artist("a2", genres=()), an_artist("a3")
    artist_repository.save_fetched([fetched(first), fetched(second), fetched(third)], FETCHED_AT)

    # When
    artists = artist_repository.get_artists(["a3", "unknown", "a1", "a3", "a2"])

    # Then
    assert artists == [third, first, second]


def test_get_artists_of_nothing_is_nothing(artist_repository: PostgresArtistRepository) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("a1"))], FETCHED_AT)

    # When
    artists = artist_repository.get_artists([])

    # Then
    assert artists == []


# save_fetched ---------------------------------------------------------------------------


def test_saving_stores_the_artist_its_genres_ranked_top_tracks_and_their_features(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    artist = an_artist("beyonce-id", "Beyoncé", genres=("pop", "r&b"))
    tracks = [
        track("halo", "beyonce-id", popularity=60),
        track("formation", "beyonce-id", popularity=None),
    ]
    # Features of a track outside the top tracks have no row to belong to.
    features = [audio_features("halo", energy=0.9), audio_features("not-a-top-track")]

    # When
    artist_repository.save_fetched([fetched(artist, tracks, features)], FETCHED_AT)

    # Then
    assert query(
        database_url, "SELECT id, name, normalized_name, popularity, fetched_at FROM artists"
    ) == [("beyonce-id", "Beyoncé", "beyonce", 50, FETCHED_AT)]
    assert query(database_url, "SELECT genre, position FROM artist_genres ORDER BY position") == [
        ("pop", 1),
        ("r&b", 2),
    ]
    assert query(
        database_url, "SELECT id, artist_id, popularity, rank FROM tracks ORDER BY rank"
    ) == [("halo", "beyonce-id", 60, 1), ("formation", "beyonce-id", None, 2)]
    assert query(database_url, "SELECT track_id, energy FROM audio_features") == [("halo", 0.9)]


def test_saving_the_same_fetch_twice_leaves_identical_rows(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    batch = [fully_fetched("aespa-id", "aespa"), fully_fetched("shinee-id", "SHINee")]
    artist_repository.save_fetched(batch, FETCHED_AT)
    rows_after_first_save = table_rows(database_url)

    # When
    artist_repository.save_fetched(batch, FETCHED_AT)

    # Then
    assert rows_after_first_save["tracks"]
    assert table_rows(database_url) == rows_after_first_save


def test_an_older_fetch_never_overwrites_a_newer_one(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    newer = fully_fetched("aespa-id", "aespa")
    artist_repository.save_fetched([newer], FETCHED_AT)
    rows_after_newer = table_rows(database_url)
    older = fetched(
        an_artist("aespa-id", "aespa (old name)", genres=("dance pop",), popularity=20),
        [track("old-hit", "aespa-id")],
        [audio_features("old-hit")],
    )

    # When
    artist_repository.save_fetched([older], FETCHED_AT - timedelta(days=1))

    # Then
    assert table_rows(database_url) == rows_after_newer
    assert artist_repository.find_by_alias("aespa") == newer.artist


def test_a_newer_fetch_replaces_genres_tracks_and_features(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    artist_repository.save_fetched([fully_fetched("aespa-id", "aespa")], FETCHED_AT)
    renamed = an_artist("aespa-id", "æspa", genres=("k-pop",), popularity=90)
    newer = fetched(renamed, [track("dirty-work", "aespa-id")], [audio_features("dirty-work")])

    # When
    artist_repository.save_fetched([newer], FETCHED_AT + timedelta(hours=1))

    # Then
    assert artist_repository.get_artists(["aespa-id"]) == [renamed]
    assert query(database_url, "SELECT id, rank FROM tracks") == [("dirty-work", 1)]
    assert query(database_url, "SELECT track_id FROM audio_features") == [("dirty-work",)]
    assert query(database_url, "SELECT fetched_at FROM artists") == [
        (FETCHED_AT + timedelta(hours=1),)
    ]


def test_a_fetch_without_features_keeps_none_for_its_tracks(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    artist_repository.save_fetched([fully_fetched("aespa-id", "aespa")], FETCHED_AT)
    degraded = fetched(an_artist("aespa-id", "aespa"), [track("aespa-id-t1", "aespa-id")])

    # When
    artist_repository.save_fetched([degraded], FETCHED_AT + timedelta(days=1))

    # Then
    assert query(database_url, "SELECT id FROM tracks") == [("aespa-id-t1",)]
    assert query(database_url, "SELECT track_id FROM audio_features") == []


def test_a_track_in_two_artists_top_tracks_is_stored_once_under_the_last_written(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    collaboration = "collab-track"
    first = fetched(an_artist("artist-a"), [track(collaboration, "artist-a")])
    second = fetched(
        an_artist("artist-b"),
        [track("b-solo", "artist-b"), track(collaboration, "artist-b")],
        [audio_features(collaboration)],
    )

    # When
    artist_repository.save_fetched([second, first], FETCHED_AT)

    # Then
    assert query(database_url, "SELECT id, artist_id, rank FROM tracks ORDER BY id") == [
        ("b-solo", "artist-b", 1),
        (collaboration, "artist-b", 2),
    ]
    assert query(database_url, "SELECT track_id FROM audio_features") == [(collaboration,)]


def test_saving_stores_who_is_credited_on_each_track_in_spotifys_order(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given a duet with an artist who is not stored
    tracks = [
        credited(track("halo", "beyonce-id"), "beyonce-id"),
        credited(track("drunk-in-love", "beyonce-id"), "beyonce-id", "jay-z-id"),
    ]

    # When
    artist_repository.save_fetched([fetched(an_artist("beyonce-id"), tracks)], FETCHED_AT)

    # Then
    assert query(database_url, CREDITS) == [
        ("drunk-in-love", 1, "beyonce-id"),
        ("drunk-in-love", 2, "jay-z-id"),
        ("halo", 1, "beyonce-id"),
    ]


def test_a_newer_fetch_replaces_the_credits_of_its_tracks(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    first = [credited(track("duet", "a"), "a", "b", "c"), credited(track("solo", "a"), "a")]
    artist_repository.save_fetched([fetched(an_artist("a"), first)], FETCHED_AT)

    # When the duet now credits someone else, and the solo track is no longer a top track
    newer = [credited(track("duet", "a"), "a", "d")]
    artist_repository.save_fetched(
        [fetched(an_artist("a"), newer)], FETCHED_AT + timedelta(hours=1)
    )

    # Then
    assert query(database_url, CREDITS) == [("duet", 1, "a"), ("duet", 2, "d")]


def test_an_older_fetch_keeps_the_newer_credits(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    newer = [credited(track("duet", "a"), "a", "b")]
    artist_repository.save_fetched([fetched(an_artist("a"), newer)], FETCHED_AT)

    # When
    older = [credited(track("duet", "a"), "a", "c"), credited(track("old-hit", "a"), "a")]
    artist_repository.save_fetched([fetched(an_artist("a"), older)], FETCHED_AT - timedelta(days=1))

    # Then
    assert query(database_url, CREDITS) == [("duet", 1, "a"), ("duet", 2, "b")]


def test_a_track_taken_over_by_another_artist_gets_the_credits_of_that_fetch(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given a duet stored under the artist whose top tracks held it first
    first = [credited(track("duet", "a"), "a", "b")]
    artist_repository.save_fetched([fetched(an_artist("a"), first)], FETCHED_AT)

    # When the other artist's top tracks hold it later, crediting a third artist as well
    later = [credited(track("duet", "b"), "b", "a", "c")]
    artist_repository.save_fetched(
        [fetched(an_artist("b"), later)], FETCHED_AT + timedelta(hours=1)
    )

    # Then
    assert query(database_url, "SELECT id, artist_id FROM tracks") == [("duet", "b")]
    assert query(database_url, CREDITS) == [("duet", 1, "b"), ("duet", 2, "a"), ("duet", 3, "c")]


def test_2000_artists_are_saved_in_one_call_with_as_many_statements_as_one_artist(
    artist_repository: PostgresArtistRepository,
    counting_pool: StatementCountingPool,
    database_url: str,
) -> None:
    # Given one artist saved on its own, and 2,000 others
    repository = PostgresArtistRepository(counting_pool)
    repository.save_fetched([fully_fetched("alone")], FETCHED_AT)
    statements_for_one = counting_pool.statements
    batch = [fully_fetched(f"artist-{number:04d}") for number in range(2000)]

    # When
    repository.save_fetched(batch, FETCHED_AT)

    # Then the batch took as many statements as the one artist, and every artist has its
    # two genres, two tracks, three credits and two audio features
    assert counting_pool.statements - statements_for_one == statements_for_one
    assert query(
        database_url,
        "SELECT (SELECT count(*) FROM artists), (SELECT count(*) FROM artist_genres),"
        " (SELECT count(*) FROM tracks), (SELECT count(*) FROM track_credits),"
        " (SELECT count(*) FROM audio_features)",
    ) == [(2001, 2 * 2001, 2 * 2001, 3 * 2001, 2 * 2001)]
    last = batch[-1]
    assert artist_repository.get_artists([last.artist.id]) == [last.artist]
    assert query(
        database_url,
        "SELECT c.track_id, c.position, c.artist_id, t.artist_id, t.rank"
        " FROM track_credits c JOIN tracks t ON t.id = c.track_id"
        " WHERE t.artist_id = %s ORDER BY 1, 2",
        (last.artist.id,),
    ) == [
        ("artist-1999-t1", 1, "artist-1999", "artist-1999", 1),
        ("artist-1999-t2", 1, "artist-1999", "artist-1999", 2),
        ("artist-1999-t2", 2, "artist-1999-guest", "artist-1999", 2),
    ]


def test_a_fetch_time_without_time_zone_is_refused(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # When / Then
    with pytest.raises(ValueError, match="time zone"):
        artist_repository.save_fetched([fully_fetched("aespa-id")], datetime(2026, 11, 2, 9, 30))
    assert query(database_url, "SELECT id FROM artists") == []


# similar_artists ------------------------------------------------------------------------


def test_similar_artists_come_by_rank_up_to_the_limit_with_genres(
    artist_repository: PostgresArtistRepository, postgres_pool: ConnectionPool
) -> None:
    # Given
    artists = {
        artist_id: an_artist(artist_id, genres=(f"{artist_id}-genre", "k-pop"))
        for artist_id in ("a", "b", "c", "d")
    }
    artist_repository.save_fetched([fetched(artist) for artist in artists.values()], FETCHED_AT)
    with PostgresSimilarityStore(postgres_pool).updating() as lists:
        lists.replace_lists(
            {
                "a": [
                    a_neighbour("a", "c", 2, 0.8),
                    a_neighbour("a", "d", 3, 0.7),
                    a_neighbour("a", "b", 1, 0.9),
                ]
            }
        )

    # When
    similar = artist_repository.similar_artists("a", limit=2)

    # Then
    assert similar == [artists["b"], artists["c"]]


# sharing between threads ----------------------------------------------------------------


def test_more_threads_than_connections_all_get_their_answer(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("aespa-id", "aespa"))], FETCHED_AT)
    pool = connect_pool(database_url, max_connections=2)
    shared = PostgresArtistRepository(pool)

    # When
    try:
        with ThreadPoolExecutor(max_workers=8) as executor:
            found = list(executor.map(lambda _: shared.find_by_alias("aespa"), range(32)))
    finally:
        pool.close()

    # Then
    assert [artist.id if artist else None for artist in found] == ["aespa-id"] * 32


def test_a_failing_call_gives_its_connection_back(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("aespa-id", "aespa"))], FETCHED_AT)
    pool = connect_pool(database_url, max_connections=1)
    single_connection = PostgresArtistRepository(pool)

    # When
    try:
        with pytest.raises(errors.ForeignKeyViolation):
            single_connection.add_alias("에스파", "not-stored", "user")
        found = single_connection.find_by_alias("aespa")
    finally:
        pool.close()

    # Then
    assert found is not None
    assert found.id == "aespa-id"
