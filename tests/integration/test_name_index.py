from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2
import pytest

from adapters.postgres.names import PostgresNameIndex
from adapters.postgres.repository import PostgresArtistRepository
from domain.models import Artist, FetchedArtist, NameCandidate
from domain.names import match_words, name_trigrams, normalize_name, rank_candidates
from domain.resolution import CANDIDATE_LIMIT, Found, Unknown, resolve
from tests.fakes_names import (
    InMemoryNameIndex,
    StoredArtist,
    catalog_artist_names,
    catalog_shipped_names,
    catalog_store,
    known_names,
)
from tests.fixtures.postgres import truncate_artist_tables
from tests.unit.test_resolution import SPELLINGS

FETCHED_AT = datetime(2026, 11, 1, tzinfo=UTC)


def _fetched(artist: StoredArtist) -> FetchedArtist:
    return FetchedArtist(
        artist=Artist(
            id=artist.id,
            name=artist.name,
            popularity=artist.popularity,
            spotify_url=f"https://open.spotify.com/artist/{artist.id}",
        )
    )


def _store(
    repository: PostgresArtistRepository,
    artists: Iterable[StoredArtist],
    fetched_at: datetime = FETCHED_AT,
) -> None:
    repository.save_fetched([_fetched(artist) for artist in artists], fetched_at)


def _query(database_url: str, statement: str, parameters: object = None) -> list[tuple[Any, ...]]:
    with (
        closing(psycopg2.connect(database_url)) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, parameters)
        return list(cursor.fetchall()) if cursor.description else []


def test_sql_trigrams_mirror_the_domain_definition(database_url: str) -> None:
    # Given every catalog and shipped key, and keys at the edges of the definition
    keys = sorted(
        {normalize_name(name) for name in catalog_artist_names()}
        | {name.key for name in catalog_shipped_names()}
        | {"", "n", "the the", "the and n", "a  b", "guns n roses", "x"}
    )
    # When PostgreSQL splits them
    rows = _query(
        database_url,
        "SELECT k, name_match_words(k), name_key_trigrams(k) FROM unnest(%s::text[]) AS k",
        (keys,),
    )
    # Then it finds the same words and trigrams as the domain
    sql = {key: (tuple(words), frozenset(trigrams)) for key, words, trigrams in rows}
    domain = {key: (match_words(key), name_trigrams(key)) for key in keys}
    assert sql == domain


def test_postgres_candidates_and_resolutions_match_the_domain_computation(
    artist_repository: PostgresArtistRepository, name_index: PostgresNameIndex
) -> None:
    # Given the catalog stored with made-up but varied popularity (ties break on it), a
    # couple of aliases people taught the bot, and the shipped names
    store = [
        StoredArtist(artist.id, artist.name, popularity=len(artist.name) * 7 % 101)
        for artist in catalog_store()
    ]
    _store(artist_repository, store)
    aliases = {"drizzy": store[0].id, "maccas": store[1].id}
    for alias, artist_id in aliases.items():
        artist_repository.add_alias(alias, artist_id, "user")
    names = known_names(store, aliases, catalog_shipped_names())
    in_memory = InMemoryNameIndex(store, aliases, catalog_shipped_names())
    typed = [spelling for spelling, _ in SPELLINGS] + ["drizzy", "macas"]

    # When every spelling is looked up in PostgreSQL and computed by the domain
    keys = [normalize_name(spelling) for spelling in typed]
    postgres = {key: name_index.candidates(key, CANDIDATE_LIMIT) for key in keys}
    domain = {key: rank_candidates(key, names, CANDIDATE_LIMIT) for key in keys}
    resolved_in_postgres = {spelling: resolve(spelling, name_index) for spelling in typed}
    resolved_in_memory = {spelling: resolve(spelling, in_memory) for spelling in typed}

    # Then both give the same candidates in the same order, and so the same resolutions
    assert postgres == domain
    assert resolved_in_postgres == resolved_in_memory


def test_exact_names_are_those_stored_under_the_keys_in_one_query(
    artist_repository: PostgresArtistRepository, name_index: PostgresNameIndex
) -> None:
    # Given the catalog stored, an alias people taught the bot, and the shipped names
    store = catalog_store()
    _store(artist_repository, store)
    artist_repository.add_alias("drizzy", store[0].id, "user")
    in_memory = InMemoryNameIndex(store, {"drizzy": store[0].id}, catalog_shipped_names())
    keys = ["drizzy", "nick drake", "drake", "에스파", "샤이니", "no such artist", ""]

    # When the keys are looked up exactly in PostgreSQL and in memory
    def names(index: PostgresNameIndex | InMemoryNameIndex) -> set[NameCandidate]:
        return {name.model_copy(update={"popularity": None}) for name in index.exact(keys)}

    postgres, expected = names(name_index), names(in_memory)

    # Then both hold the same names: stored, aliased, and shipped with or without an artist
    assert postgres == expected
    assert {name.key for name in postgres} == {"drizzy", "nick drake", "drake", "에스파", "샤이니"}
    assert name_index.exact([]) == []


def test_candidates_of_one_key_come_in_the_domain_order(
    artist_repository: PostgresArtistRepository, name_index: PostgresNameIndex
) -> None:
    # Given one key shared by artists of every popularity, and a shipped name with that key
    store = [
        StoredArtist("b", "Big Bang"),
        StoredArtist("c", "BIG BANG", popularity=20),
        StoredArtist("a", "big-bang"),
        StoredArtist("d", "Big Bang!", popularity=70),
        StoredArtist("e", "Big Band", popularity=90),
    ]
    _store(artist_repository, store)
    shipped = catalog_shipped_names()
    # When the key is looked up
    postgres = name_index.candidates("big bang", 10)
    # Then PostgreSQL orders them as the domain does
    assert postgres == rank_candidates("big bang", known_names(store, {}, shipped), 10)
    assert [candidate.artist_id for candidate in postgres[:4]] == ["d", "c", "a", "b"]
    assert postgres[4] == NameCandidate(key="big bang", artist_id="", artist_name="BIGBANG")


def test_the_index_follows_new_renamed_and_removed_artists_and_aliases(
    artist_repository: PostgresArtistRepository, name_index: PostgresNameIndex, database_url: str
) -> None:
    # Given an artist stored under an old name, with an alias
    _store(artist_repository, [StoredArtist("puff", "Puff Daddy", popularity=70)])
    artist_repository.add_alias("diddy", "puff", "user")
    found_before = resolve("Puff Dady", name_index)

    # When a later fetch renames the artist, and the alias is removed
    _store(
        artist_repository,
        [StoredArtist("puff", "Sean Combs", popularity=70)],
        FETCHED_AT + timedelta(days=1),
    )
    _query(database_url, "DELETE FROM artist_aliases WHERE alias = 'diddy'")

    # Then the old name and alias are forgotten, trigrams included, and the new name is found
    assert isinstance(found_before, Found)
    assert found_before.artist_id == "puff"
    assert resolve("Puff Daddy", name_index) == Unknown(search_as="Puff Daddy")
    assert resolve("diddy", name_index) == Unknown(search_as="diddy")
    renamed = resolve("sean combs", name_index)
    assert isinstance(renamed, Found)
    assert renamed.artist_name == "Sean Combs"
    indexed = {key for (key,) in _query(database_url, "SELECT DISTINCT key FROM name_trigrams")}
    assert "sean combs" in indexed
    assert not {"puff daddy", "diddy"} & indexed


def test_a_removed_artist_leaves_a_key_another_artist_still_uses(
    artist_repository: PostgresArtistRepository, name_index: PostgresNameIndex, database_url: str
) -> None:
    # Given two artists with the same name
    _store(artist_repository, [StoredArtist("uk", "Nirvana"), StoredArtist("us", "Nirvana")])
    # When one of them is removed
    _query(database_url, "DELETE FROM artists WHERE id = 'uk'")
    # Then the other is still found by that name
    found = resolve("nirvanna", name_index)
    assert isinstance(found, Found)
    assert found.artist_id == "us"


_REMOVE_UK_NIRVANA = "DELETE FROM artists WHERE id = 'uk'"
_ADD_US_NIRVANA = (
    "INSERT INTO artists (id, name, normalized_name, spotify_url, fetched_at)"
    " VALUES ('us', 'Nirvana', 'nirvana', 'https://open.spotify.com/artist/us', now())"
)


@pytest.mark.parametrize(
    ("first", "second"),
    [(_REMOVE_UK_NIRVANA, _ADD_US_NIRVANA), (_ADD_US_NIRVANA, _REMOVE_UK_NIRVANA)],
    ids=["removed-then-added", "added-then-removed"],
)
def test_a_key_one_artist_drops_while_another_takes_it_up_stays_indexed(
    artist_repository: PostgresArtistRepository,
    name_index: PostgresNameIndex,
    database_url: str,
    first: str,
    second: str,
) -> None:
    # Given one Nirvana stored
    _store(artist_repository, [StoredArtist("uk", "Nirvana")])

    # When one transaction removes it or adds another Nirvana, and a second transaction
    # does the other before the first commits
    with (
        closing(psycopg2.connect(database_url)) as first_connection,
        closing(psycopg2.connect(database_url)) as second_connection,
        ThreadPoolExecutor(max_workers=1) as executor,
    ):
        with first_connection.cursor() as cursor:
            cursor.execute(first)
        second_done = executor.submit(_run_and_commit, second_connection, second)
        _wait_until_blocked(database_url, second_connection.get_backend_pid())
        first_connection.commit()
        second_done.result(timeout=10)

    # Then the Nirvana left is still found by its name
    assert resolve("nirvana", name_index) == Found(
        artist_id="us", artist_name="Nirvana", key="nirvana", confidence=1.0, exact=True
    )


def _run_and_commit(connection: psycopg2.extensions.connection, statement: str) -> None:
    with connection, connection.cursor() as cursor:
        cursor.execute(statement)


def _wait_until_blocked(database_url: str, backend_pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = _query(
            database_url,
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
            (backend_pid,),
        )
        if waiting:
            return
        time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


def test_a_shipped_name_finds_its_artist_once_the_artist_is_stored(
    artist_repository: PostgresArtistRepository, name_index: PostgresNameIndex
) -> None:
    # Given no Korean artist stored: the Hangul name only says whom to search Spotify for
    before = resolve("에스파", name_index)

    # When aespa is stored
    _store(artist_repository, [StoredArtist("aespa-id", "aespa", popularity=80)])

    # Then the Hangul name finds it with no Spotify search, and so does a typo of an alias
    assert before == Unknown(search_as="aespa", shipped=True)
    assert resolve("에스파", name_index) == Found(
        artist_id="aespa-id", artist_name="aespa", key="에스파", confidence=1.0, exact=True
    )
    assert resolve("Bangtan Boyz", name_index) == Unknown(search_as="BTS", shipped=True)


def test_shipped_names_are_the_catalogs_korean_names(database_url: str) -> None:
    # When the shipped names are read back
    rows = _query(database_url, "SELECT key, canonical_key, canonical_name FROM shipped_names")
    # Then they are the Korean catalog's names and aliases, keyed as the domain keys them
    shipped = {
        (name.key, name.canonical_key, name.canonical_name) for name in catalog_shipped_names()
    }
    assert set(rows) == shipped


def test_emptying_the_artist_tables_leaves_only_shipped_names_indexed(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given artists and aliases stored
    _store(artist_repository, [StoredArtist("drake", "Drake")])
    artist_repository.add_alias("drizzy", "drake", "user")
    # When the artist tables are truncated, as the test fixtures do
    truncate_artist_tables(database_url)
    # Then only the shipped names keep their trigrams
    indexed = _query(database_url, "SELECT DISTINCT key FROM name_trigrams")
    assert {key for (key,) in indexed} == {name.key for name in catalog_shipped_names()}
