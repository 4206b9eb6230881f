"""The Parquet lake as Athena reads it: the ingest workflow writes the tables into S3, and
DuckDB runs the query docs/lake.md documents over the downloaded files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from adapters.lake_tables import TABLE_SCHEMAS, table_key
from contracts.lake import TABLES_PREFIX
from local.stack import LocalStack
from tests.stack_probes import lake_objects

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"
EMINEM = "7dGJo4pcD2V6oG8kP0tJRR"
KENDRICK_LAMAR = "2YZyLoL8N0Wb9xBt1NhZWg"
METALLICA = "2ye2Wgw4gimLv2eAKyk1NB"
MEGADETH = "1Yox196W7bzVNZI7RBaPnf"
SLAYER = "1IQ2e1buppatiN1bxUVkrk"
HIP_HOP = (DRAKE, FIFTY_CENT, EMINEM, KENDRICK_LAMAR)
METAL = (METALLICA, MEGADETH, SLAYER)

DAY = date(2026, 11, 27)
GENRE_ENERGY_QUERY = (
    Path(__file__).resolve().parents[2] / "docs" / "lake_queries" / "genre_energy.sql"
)


def _ingest(stack: LocalStack, artist_ids: Sequence[str], name: str) -> None:
    """A refresh of these artists as of DAY, so the partition does not depend on today."""
    execution_arn = stack.aws.client("stepfunctions").start_execution(
        stateMachineArn=stack.resources.ingest_state_machine_arn,
        name=name,
        input=json.dumps({"artist_ids": list(artist_ids), "as_of": f"{DAY}T10:00:00+00:00"}),
    )["executionArn"]
    stack.wait_for_execution(execution_arn, 120)


def _parquet_objects(stack: LocalStack) -> dict[str, bytes]:
    return {
        key: body
        for key, body in lake_objects(stack).items()
        if key.startswith(f"{TABLES_PREFIX}/")
    }


def _download(objects: dict[str, bytes], root: Path) -> None:
    for key, body in objects.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def _lake_database(root: Path) -> duckdb.DuckDBPyConnection:
    """One DuckDB table per lake table, with `dt` a string as Athena declares it."""
    connection = duckdb.connect()
    for table in TABLE_SCHEMAS:
        files = str(root / TABLES_PREFIX / table / "*" / "*.parquet")
        connection.sql(
            "SELECT * FROM read_parquet(?, hive_partitioning = true, hive_types = {'dt': VARCHAR})",
            params=[files],
        ).to_table(table)
    return connection


def _run_documented_query(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = connection.execute(GENRE_ENERGY_QUERY.read_text(), [DAY.isoformat()] * 2)
    columns = [column[0] for column in cursor.description or ()]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {row["genre"]: row for row in rows}


def test_the_documented_query_tells_hip_hop_from_metal(
    clean_stack: LocalStack, tmp_path: Path
) -> None:
    # Given hip hop and metal artists ingested, and the lake's Parquet files copied out of S3
    _ingest(clean_stack, HIP_HOP + METAL, "lake-genre-energy")
    _download(_parquet_objects(clean_stack), tmp_path)

    # When the query docs/lake.md documents runs over them
    by_genre = _run_documented_query(_lake_database(tmp_path))

    # Then every artist counts once under each of its genres
    assert by_genre["hip hop"]["artists"] == len(HIP_HOP)
    assert by_genre["metal"]["artists"] == len(METAL)
    assert by_genre["hip hop"]["tracks"] >= len(HIP_HOP)
    # And hip hop is wordier and more danceable, metal more energetic
    hip_hop, metal = by_genre["hip hop"], by_genre["metal"]
    assert hip_hop["avg_speechiness"] > metal["avg_speechiness"]
    assert hip_hop["avg_danceability"] > metal["avg_danceability"]
    assert metal["avg_energy"] > hip_hop["avg_energy"]
    # And the most represented genres come first
    assert next(iter(by_genre)) in {"hip hop", "rap"}


def test_each_table_gets_one_file_per_batch_and_day(clean_stack: LocalStack) -> None:
    # When one batch is ingested
    _ingest(clean_stack, METAL, "lake-one-batch")

    # Then each table has one object under the batch's key for the day
    objects = _parquet_objects(clean_stack)
    assert sorted(objects) == sorted(table_key(table, DAY, METAL) for table in TABLE_SCHEMAS)
    # And the artists file holds each artist once, with the day it was fetched
    artists_file = pa.BufferReader(objects[table_key("artists", DAY, METAL)])
    artists = pq.read_table(artists_file).to_pylist()
    assert sorted(row["id"] for row in artists) == sorted(METAL)
    assert {row["fetched_on"] for row in artists} == {DAY}


def test_replaying_an_ingest_rewrites_the_same_parquet_keys_and_bytes(
    clean_stack: LocalStack,
) -> None:
    # Given an ingest that already wrote the lake
    _ingest(clean_stack, HIP_HOP + METAL, "lake-first-run")
    first = _parquet_objects(clean_stack)

    # When the same ingest runs again as a new execution
    _ingest(clean_stack, HIP_HOP + METAL, "lake-replay-run")

    # Then the Parquet objects have the same keys and the same bytes
    assert len(first) == len(TABLE_SCHEMAS)
    assert _parquet_objects(clean_stack) == first
