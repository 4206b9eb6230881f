from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import psycopg2
import pytest
from psycopg2 import errors

from adapters.postgres.migrator import apply_migrations
from contracts.database import Migration, shipped_migrations

EXPECTED_TABLES = {
    "schema_migrations",
    "artists",
    "artist_aliases",
    "artist_genres",
    "tracks",
    "track_credits",
    "audio_features",
    "artist_vectors",
    "artist_similarity",
    "artist_similarity_g1",
    "artist_cells",
    "artist_cells_g1",
    "similarity_generations",
    "similarity_cells",
    "similarity_shards",
    "artist_tombstones",
    "name_trigrams",
    "shipped_names",
}


@pytest.fixture
def connection(empty_database_url: str) -> Iterator[psycopg2.extensions.connection]:
    with closing(psycopg2.connect(empty_database_url)) as connection:
        yield connection


def _fetch_all(connection: psycopg2.extensions.connection, query: str) -> list[tuple[object, ...]]:
    with connection, connection.cursor() as cursor:
        cursor.execute(query)
        return list(cursor.fetchall())


def _recorded_versions(connection: psycopg2.extensions.connection) -> list[str]:
    rows = _fetch_all(connection, "SELECT version FROM schema_migrations ORDER BY version")
    return [str(version) for (version,) in rows]


def _schema_fingerprint(connection: psycopg2.extensions.connection) -> list[tuple[object, ...]]:
    return _fetch_all(
        connection,
        "SELECT table_name, column_name, data_type, is_nullable"
        " FROM information_schema.columns WHERE table_schema = 'public'"
        " ORDER BY table_name, column_name",
    )


def test_shipped_migrations_are_found_as_package_data_in_version_order() -> None:
    # When
    migrations = shipped_migrations()

    # Then
    versions = [migration.version for migration in migrations]
    assert versions[0] == "0001_initial"
    assert versions == sorted(versions)
    assert all(migration.sql.strip() for migration in migrations)


def test_fresh_database_gets_every_table_and_the_vector_extension(
    connection: psycopg2.extensions.connection,
) -> None:
    # When
    applied = apply_migrations(connection)

    # Then
    assert applied == [migration.version for migration in shipped_migrations()]
    assert _recorded_versions(connection) == applied
    tables = {
        name
        for (name,) in _fetch_all(
            connection,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
    }
    assert tables == EXPECTED_TABLES
    assert _fetch_all(connection, "SELECT extname FROM pg_extension WHERE extname = 'vector'")


def test_applying_again_changes_nothing(connection: psycopg2.extensions.connection) -> None:
    # Given
    first = apply_migrations(connection)
    schema_before = _schema_fingerprint(connection)
    recorded_before = _fetch_all(connection, "SELECT version, applied_at FROM schema_migrations")

    # When
    second = apply_migrations(connection)

    # Then
    assert first
    assert second == []
    assert _schema_fingerprint(connection) == schema_before
    assert _fetch_all(connection, "SELECT version, applied_at FROM schema_migrations") == (
        recorded_before
    )


def test_two_processes_migrating_at_once_apply_each_version_exactly_once(
    empty_database_url: str,
) -> None:
    # Given
    both_connected = threading.Barrier(2)

    def migrate() -> list[str]:
        with closing(psycopg2.connect(empty_database_url)) as own_connection:
            both_connected.wait(timeout=10)
            return apply_migrations(own_connection)

    # When
    with ThreadPoolExecutor(max_workers=2) as executor:
        results = [future.result() for future in [executor.submit(migrate) for _ in range(2)]]

    # Then
    every_version = [migration.version for migration in shipped_migrations()]
    assert sorted(results[0] + results[1]) == every_version
    with closing(psycopg2.connect(empty_database_url)) as connection:
        assert _recorded_versions(connection) == every_version


def test_a_failing_migration_leaves_no_trace_and_stops_the_ones_after_it(
    connection: psycopg2.extensions.connection,
) -> None:
    # Given
    migrations = [
        Migration("0001_first", "CREATE TABLE first_table (id integer)"),
        Migration("0002_broken", "CREATE TABLE half_done (id integer); SELECT 1 / 0"),
        Migration("0003_after", "CREATE TABLE after_table (id integer)"),
    ]

    # When
    with pytest.raises(errors.DivisionByZero):
        apply_migrations(connection, migrations)

    # Then
    assert _recorded_versions(connection) == ["0001_first"]
    tables = {
        name
        for (name,) in _fetch_all(
            connection,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
    }
    assert tables == {"schema_migrations", "first_table"}


def test_a_connection_in_autocommit_mode_is_given_back_as_it_came(
    connection: psycopg2.extensions.connection,
) -> None:
    # Given
    connection.autocommit = True

    # When
    apply_migrations(connection)

    # Then
    assert connection.autocommit is True


@pytest.mark.parametrize(
    ("statement", "violation"),
    [
        pytest.param(
            "INSERT INTO artist_aliases (alias, artist_id, source) VALUES ('x', 'a', 'guess')",
            errors.CheckViolation,
            id="alias-source-outside-the-known-ones",
        ),
        pytest.param(
            "INSERT INTO artist_similarity VALUES (1, 'a', 'a', 1, 0.5)",
            errors.CheckViolation,
            id="artist-as-its-own-neighbour",
        ),
        pytest.param(
            "INSERT INTO artist_similarity VALUES (1, 'a', 'b', 51, 0.5)",
            errors.CheckViolation,
            id="neighbour-rank-beyond-50",
        ),
        pytest.param(
            "INSERT INTO artist_similarity VALUES (1, 'a', 'b', 1, 0.5), (1, 'a', 'c', 1, 0.4)",
            errors.UniqueViolation,
            id="two-neighbours-at-one-rank",
        ),
        pytest.param(
            "INSERT INTO artist_similarity VALUES (7, 'a', 'b', 1, 0.5)",
            errors.CheckViolation,
            id="a-generation-without-its-partition",
        ),
        pytest.param(
            "UPDATE similarity_generations SET state = 'building' WHERE generation = 1;"
            " INSERT INTO similarity_generations (generation, state, cells, probes, candidates)"
            " VALUES (2, 'serving', 1, 1, 1), (3, 'serving', 1, 1, 1)",
            errors.UniqueViolation,
            id="two-generations-serving-at-once",
        ),
        pytest.param(
            "INSERT INTO artist_vectors (artist_id, embedding) VALUES ('a', '[1,2,3]')",
            errors.DataException,
            id="vector-of-the-wrong-size",
        ),
    ],
)
def test_schema_refuses_rows_that_break_its_rules(
    connection: psycopg2.extensions.connection,
    statement: str,
    violation: type[Exception],
) -> None:
    # Given
    apply_migrations(connection)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO artists (id, name, normalized_name, spotify_url, fetched_at)"
            " VALUES ('a', 'A', 'a', 'https://open.spotify.com/artist/a', now()),"
            " ('b', 'B', 'b', 'https://open.spotify.com/artist/b', now())"
        )

    # When / Then
    with pytest.raises(violation), connection, connection.cursor() as cursor:
        cursor.execute(statement)
