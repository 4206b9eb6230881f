"""The lake's Parquet tables: rows, keys, byte-stable files, and the schemas docs/lake.md states."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adapters.lake_tables import (
    TABLE_SCHEMAS,
    artists_table,
    audio_features_table,
    lake_tables,
    parquet_bytes,
    table_key,
    top_tracks_table,
)
from domain.models import Artist, FetchedArtist
from tests.fakes import artist, audio_features, track

DAY = date(2026, 11, 27)
LAKE_DOC = Path(__file__).resolve().parents[2] / "docs" / "lake.md"
_HIVE_TYPES = {
    "string": "string",
    "int8": "tinyint",
    "int16": "smallint",
    "int32": "int",
    "int64": "bigint",
    "double": "double",
    "date32[day]": "date",
}


def fetched(artist_id: str, *track_ids: str, genres: tuple[str, ...] = ("rap",)) -> FetchedArtist:
    return FetchedArtist(
        artist=artist(artist_id, f"Artist {artist_id}", *genres),
        top_tracks=tuple(track(t, artist_id, popularity=60) for t in track_ids),
        audio_features=tuple(audio_features(t) for t in track_ids),
    )


def test_artists_are_one_row_each_sorted_by_id() -> None:
    # Given a batch in the order Spotify answered
    batch = [fetched("b", genres=("hip hop", "rap")), fetched("a", genres=())]

    # When
    rows = artists_table(batch, DAY).to_pylist()

    # Then
    assert [row["id"] for row in rows] == ["a", "b"]
    assert rows[1]["genres"] == ["hip hop", "rap"]
    assert rows[0]["genres"] == []
    assert {row["fetched_on"] for row in rows} == {DAY}
    assert rows[1]["popularity"] == 50


def test_development_mode_artists_have_null_popularity_followers_and_image() -> None:
    # Given an artist as a Development Mode app sees it
    bare = Artist(id="dev", name="Dev", spotify_url="https://open.spotify.com/artist/dev")

    # When
    [row] = artists_table([FetchedArtist(artist=bare)], DAY).to_pylist()

    # Then
    assert (row["popularity"], row["followers"], row["image_url"]) == (None, None, None)
    assert row["name"] == "Dev"


def test_top_tracks_are_ranked_in_spotifys_order() -> None:
    # Given top tracks whose IDs do not sort in Spotify's order
    batch = [fetched("b", "t9", "t1"), fetched("a", "t5")]

    # When
    rows = top_tracks_table(batch).to_pylist()

    # Then
    assert [(row["artist_id"], row["rank"], row["track_id"]) for row in rows] == [
        ("a", 1, "t5"),
        ("b", 1, "t9"),
        ("b", 2, "t1"),
    ]


def test_audio_features_carry_the_artist_and_are_sorted_by_artist_then_track() -> None:
    # Given a track two artists share
    batch = [fetched("b", "t2", "t1"), fetched("a", "t2")]

    # When
    rows = audio_features_table(batch).to_pylist()

    # Then
    assert [(row["artist_id"], row["track_id"]) for row in rows] == [
        ("a", "t2"),
        ("b", "t1"),
        ("b", "t2"),
    ]
    assert rows[0]["duration_ms"] == 215_000
    assert rows[0]["loudness"] == pytest.approx(-6.5)


def test_a_batch_has_the_same_key_in_any_order_and_another_batch_another_key() -> None:
    # When
    key = table_key("artists", DAY, ["b", "a"])

    # Then
    assert key == table_key("artists", DAY, ["a", "b"])
    assert key != table_key("artists", DAY, ["a", "c"])
    assert re.fullmatch(r"tables/artists/dt=2026-11-27/batch-[0-9a-f]{16}\.parquet", key)


def test_a_replayed_batch_gives_byte_identical_files() -> None:
    # Given the same batch, fetched twice in a different order
    first = lake_tables([fetched("a", "t1"), fetched("b", "t2", "t3")], DAY)
    second = lake_tables([fetched("b", "t2", "t3"), fetched("a", "t1")], DAY)

    # When
    first_files = {table.key: table.to_parquet() for table in first}
    second_files = {table.key: table.to_parquet() for table in second}

    # Then
    assert len(first_files) == 3
    assert first_files == second_files


@pytest.mark.parametrize("table_name", sorted(TABLE_SCHEMAS))
def test_files_read_back_with_the_declared_schema_and_no_timestamps(table_name: str) -> None:
    # Given
    [table] = [t for t in lake_tables([fetched("a", "t1")], DAY) if t.name == table_name]

    # When
    parquet = pq.ParquetFile(pa.BufferReader(parquet_bytes(table.table)))

    # Then
    assert parquet.schema_arrow.equals(TABLE_SCHEMAS[table_name])
    assert parquet.metadata.num_rows == 1
    assert set(parquet.metadata.metadata) == {b"ARROW:schema"}


def test_tables_without_rows_get_no_file() -> None:
    # Given an artist whose top tracks the app may not read
    batch = [FetchedArtist(artist=artist("a", "A", "rap"))]

    # When
    tables = lake_tables(batch, DAY)

    # Then
    assert [table.name for table in tables] == ["artists"]
    assert lake_tables([], DAY) == []


def _documented_ddl_columns() -> dict[str, list[tuple[str, str]]]:
    statements = re.findall(
        r"CREATE EXTERNAL TABLE sixpotify_lake\.(\w+) \((.*?)\n\)", LAKE_DOC.read_text(), re.S
    )
    return {table: re.findall(r"^\s+(\w+) ([\w<>]+),?$", body, re.M) for table, body in statements}


def _documented_column_tables() -> dict[str, list[tuple[str, str, bool]]]:
    sections = re.findall(r"^### `(\w+)`\n(.*?)(?=^#)", LAKE_DOC.read_text(), re.S | re.M)
    return {
        table: [
            (column, hive_type, nullable.startswith("yes"))
            for column, hive_type, nullable in re.findall(
                r"^\| `(\w+)` \| ([\w<>]+) \| ([^|]+) \|", body, re.M
            )
        ]
        for table, body in sections
    }


def _hive_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type):
        return f"array<{_hive_type(arrow_type.value_type)}>"
    return _HIVE_TYPES[str(arrow_type)]


def test_the_documented_create_table_statements_match_the_schemas() -> None:
    # When
    documented = _documented_ddl_columns()

    # Then
    assert documented == {
        name: [(field.name, _hive_type(field.type)) for field in schema]
        for name, schema in TABLE_SCHEMAS.items()
    }


def test_the_documented_column_tables_match_the_schemas() -> None:
    # When
    documented = _documented_column_tables()

    # Then
    assert documented == {
        name: [(field.name, _hive_type(field.type), field.nullable) for field in schema]
        for name, schema in TABLE_SCHEMAS.items()
    }
