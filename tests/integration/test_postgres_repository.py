from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2
import pytest
from psycopg2 import errors, sql

from adapters.postgres.pool import connect_pool
from adapters.postgres.repository import PostgresArtistRepository
from domain.models import Artist, AudioFeatures, FetchedArtist, Neighbour, Track
from domain.similarity import VECTOR_DIMENSIONS
from tests.fakes import audio_features, track
from tests.fixtures.postgres import ARTIST_TABLES

FETCHED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


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


def fully_fetched(artist_id: str, name: str | None = None) -> FetchedArtist:
    """An artist with two genres and two top tracks, each with audio features."""
    artist = an_artist(artist_id, name, genres=("k-pop", "girl group"))
    tracks = [track(f"{artist_id}-t1", artist_id), track(f"{artist_id}-t2", artist_id)]
    return fetched(artist, tracks, [audio_features(song.id) for song in tracks])


def a_vector(*weights: float) -> list[float]:
    """A full-size vector whose first components are weights, the rest zero."""
    return [*weights, *([0.0] * (VECTOR_DIMENSIONS - len(weights)))]


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


def test_a_fetch_time_without_time_zone_is_refused(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # When / Then
    with pytest.raises(ValueError, match="time zone"):
        artist_repository.save_fetched([fully_fetched("aespa-id")], datetime(2026, 11, 2, 9, 30))
    assert query(database_url, "SELECT id FROM artists") == []


# save_vectors and nearest ---------------------------------------------------------------


def test_nearest_orders_by_cosine_similarity_and_keeps_only_positive_scores(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched(
        [fetched(an_artist(artist_id)) for artist_id in ("me", "close", "far", "side", "away")],
        FETCHED_AT,
    )
    artist_repository.save_vectors(
        {
            "me": a_vector(1.0, 0.0),
            "close": a_vector(3.0, 1.0),
            "far": a_vector(1.0, 1.0),
            "side": a_vector(0.0, 1.0),
            "away": a_vector(-1.0, 0.2),
        }
    )

    # When
    nearest = artist_repository.nearest("me", limit=10)

    # Then
    assert [artist_id for artist_id, _ in nearest] == ["close", "far"]
    assert nearest[0][1] == pytest.approx(3 / math.sqrt(10))
    assert nearest[1][1] == pytest.approx(1 / math.sqrt(2))


def test_nearest_breaks_ties_by_popularity_with_unrated_last_then_by_id(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched(
        [
            fetched(an_artist("me")),
            fetched(an_artist("twin-unrated", popularity=None)),
            fetched(an_artist("twin-b", popularity=40)),
            fetched(an_artist("twin-a", popularity=40)),
            fetched(an_artist("twin-popular", popularity=90)),
        ],
        FETCHED_AT,
    )
    same_direction = a_vector(0.5, 0.5, 0.5)
    artist_repository.save_vectors(
        {
            "me": a_vector(1.0, 1.0, 1.0),
            "twin-unrated": same_direction,
            "twin-b": same_direction,
            "twin-a": same_direction,
            "twin-popular": same_direction,
        }
    )

    # When
    nearest = artist_repository.nearest("me", limit=3)

    # Then
    assert [artist_id for artist_id, _ in nearest] == ["twin-popular", "twin-a", "twin-b"]
    assert all(score == pytest.approx(1.0) for _, score in nearest)


def test_nearest_ignores_artists_whose_vector_has_no_direction(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched(
        [fetched(an_artist("me")), fetched(an_artist("zero")), fetched(an_artist("other"))],
        FETCHED_AT,
    )
    artist_repository.save_vectors(
        {"me": a_vector(1.0), "zero": a_vector(), "other": a_vector(1.0, 1.0)}
    )

    # When
    nearest = artist_repository.nearest("me", limit=10)

    # Then
    assert [artist_id for artist_id, _ in nearest] == ["other"]


def test_an_artist_without_a_vector_has_no_nearest(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched(
        [fetched(an_artist("me")), fetched(an_artist("other"))], FETCHED_AT
    )
    artist_repository.save_vectors({"other": a_vector(1.0)})

    # When
    nearest = artist_repository.nearest("me", limit=10)

    # Then
    assert nearest == []


def test_saving_a_vector_again_replaces_it(artist_repository: PostgresArtistRepository) -> None:
    # Given
    artist_repository.save_fetched(
        [fetched(an_artist(artist_id)) for artist_id in ("me", "x-axis", "y-axis")], FETCHED_AT
    )
    artist_repository.save_vectors(
        {"me": a_vector(1.0, 0.0), "x-axis": a_vector(1.0, 0.0), "y-axis": a_vector(0.0, 1.0)}
    )

    # When
    artist_repository.save_vectors({"me": a_vector(0.0, 1.0)})

    # Then
    assert [artist_id for artist_id, _ in artist_repository.nearest("me", limit=10)] == ["y-axis"]


def test_a_vector_of_the_wrong_size_is_refused_before_anything_is_written(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artist_repository.save_fetched([fetched(an_artist("me")), fetched(an_artist("b"))], FETCHED_AT)

    # When / Then
    with pytest.raises(ValueError, match=str(VECTOR_DIMENSIONS)):
        artist_repository.save_vectors({"b": a_vector(1.0), "me": [1.0, 0.0]})
    assert artist_repository.nearest("b", limit=10) == []


# neighbours -----------------------------------------------------------------------------


def _save_artists(repository: PostgresArtistRepository, *artist_ids: str) -> None:
    repository.save_fetched(
        [fetched(an_artist(artist_id, popularity=None)) for artist_id in artist_ids], FETCHED_AT
    )


def test_neighbour_floors_count_neighbours_and_their_lowest_score(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    _save_artists(artist_repository, "a", "b", "c", "lonely")
    artist_repository.replace_neighbours(
        "a", [a_neighbour("a", "b", 1, 0.9), a_neighbour("a", "c", 2, 0.4)]
    )
    artist_repository.replace_neighbours("b", [a_neighbour("b", "a", 1, 0.9)])

    # When
    floors = artist_repository.neighbour_floors(["a", "b", "lonely", "unknown"])

    # Then
    assert floors == {"a": (2, 0.4), "b": (1, 0.9)}


def test_replacing_neighbours_drops_the_old_list(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    _save_artists(artist_repository, "a", "b", "c", "d")
    artist_repository.replace_neighbours(
        "a", [a_neighbour("a", "b", 1, 0.9), a_neighbour("a", "c", 2, 0.8)]
    )
    artist_repository.replace_neighbours("b", [a_neighbour("b", "a", 1, 0.9)])

    # When
    artist_repository.replace_neighbours(
        "a", [a_neighbour("a", "d", 1, 0.95), a_neighbour("a", "b", 2, 0.7)]
    )

    # Then
    assert [artist.id for artist in artist_repository.similar_artists("a", limit=10)] == [
        "d",
        "b",
    ]
    assert [artist.id for artist in artist_repository.similar_artists("b", limit=10)] == ["a"]


def test_replacing_neighbours_with_none_clears_them(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    _save_artists(artist_repository, "a", "b")
    artist_repository.replace_neighbours("a", [a_neighbour("a", "b", 1, 0.9)])

    # When
    artist_repository.replace_neighbours("a", [])

    # Then
    assert artist_repository.similar_artists("a", limit=10) == []
    assert artist_repository.neighbour_floors(["a"]) == {}


def test_a_failed_replacement_keeps_the_old_neighbours(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    _save_artists(artist_repository, "a", "b")
    artist_repository.replace_neighbours("a", [a_neighbour("a", "b", 1, 0.9)])

    # When
    with pytest.raises(errors.ForeignKeyViolation):
        artist_repository.replace_neighbours("a", [a_neighbour("a", "not-stored", 1, 0.99)])

    # Then
    assert [artist.id for artist in artist_repository.similar_artists("a", limit=10)] == ["b"]


def test_neighbours_of_another_artist_are_refused(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    _save_artists(artist_repository, "a", "b")

    # When / Then
    with pytest.raises(ValueError, match="neighbours of b"):
        artist_repository.replace_neighbours("a", [a_neighbour("b", "a", 1, 0.9)])


def test_similar_artists_come_by_rank_up_to_the_limit_with_genres(
    artist_repository: PostgresArtistRepository,
) -> None:
    # Given
    artists = {
        artist_id: an_artist(artist_id, genres=(f"{artist_id}-genre", "k-pop"))
        for artist_id in ("a", "b", "c", "d")
    }
    artist_repository.save_fetched([fetched(artist) for artist in artists.values()], FETCHED_AT)
    artist_repository.replace_neighbours(
        "a",
        [
            a_neighbour("a", "c", 2, 0.8),
            a_neighbour("a", "d", 3, 0.7),
            a_neighbour("a", "b", 1, 0.9),
        ],
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
