"""The lake's Parquet tables: artists, their top tracks and those tracks' audio features, one
file per table, batch and day. docs/lake.md documents every column; its CREATE EXTERNAL TABLE
statements are checked against the schemas below."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from contracts.lake import LAKE_TABLES, TABLES_PREFIX, Column, ColumnType
from domain.models import FetchedArtist

# Parquet stores each at the width the Glue catalog declares (stacks/glue_columns.py).
_ARROW_TYPES: Final[dict[ColumnType, pa.DataType]] = {
    "string": pa.string(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "date": pa.date32(),
    "strings": pa.list_(pa.field("element", pa.string(), nullable=False)),
}


def _schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, _ARROW_TYPES[c.type], nullable=not c.required) for c in columns]
    )


TABLE_SCHEMAS: Final = {name: _schema(columns) for name, columns in LAKE_TABLES.items()}
ARTISTS_SCHEMA: Final = TABLE_SCHEMAS["artists"]
TOP_TRACKS_SCHEMA: Final = TABLE_SCHEMAS["top_tracks"]
AUDIO_FEATURES_SCHEMA: Final = TABLE_SCHEMAS["audio_features"]

# Fixed writer settings: together with sorted rows and a pinned pyarrow they make the bytes a
# function of the data alone, so a replayed batch rewrites identical objects.
_COMPRESSION = "zstd"
_COMPRESSION_LEVEL = 3
_BATCH_HASH_LENGTH = 16


@dataclass(frozen=True)
class LakeTable:
    """One table's rows for one batch, ready to store under `key`."""

    name: str
    key: str
    table: pa.Table

    def to_parquet(self) -> bytes:
        return parquet_bytes(self.table)


def artists_table(fetched: Sequence[FetchedArtist], day: date) -> pa.Table:
    rows = [
        {
            "id": item.artist.id,
            "name": item.artist.name,
            "popularity": item.artist.popularity,
            "followers": item.artist.followers,
            "image_url": item.artist.image_url,
            "spotify_url": item.artist.spotify_url,
            "genres": list(item.artist.genres),
            "fetched_on": day,
        }
        for item in sorted(fetched, key=lambda item: item.artist.id)
    ]
    return pa.Table.from_pylist(rows, schema=ARTISTS_SCHEMA)


def top_tracks_table(fetched: Sequence[FetchedArtist]) -> pa.Table:
    rows = [
        {
            "artist_id": item.artist.id,
            "rank": rank,
            "track_id": track.id,
            "name": track.name,
            "popularity": track.popularity,
            "spotify_url": track.spotify_url,
        }
        for item in sorted(fetched, key=lambda item: item.artist.id)
        for rank, track in enumerate(item.top_tracks, start=1)
    ]
    return pa.Table.from_pylist(rows, schema=TOP_TRACKS_SCHEMA)


def audio_features_table(fetched: Sequence[FetchedArtist]) -> pa.Table:
    rows = [
        {"artist_id": item.artist.id, **features.model_dump()}
        for item in fetched
        for features in item.audio_features
    ]
    rows.sort(key=lambda row: (row["artist_id"], row["track_id"]))
    return pa.Table.from_pylist(rows, schema=AUDIO_FEATURES_SCHEMA)


def batch_hash(artist_ids: Sequence[str]) -> str:
    """The same artists give the same name in whatever order they were fetched."""
    joined = "\n".join(sorted(set(artist_ids))).encode("utf-8")
    return hashlib.sha256(joined).hexdigest()[:_BATCH_HASH_LENGTH]


def table_key(table_name: str, day: date, artist_ids: Sequence[str]) -> str:
    """Hive-style day partition, one object per batch: a replay overwrites its own file."""
    return (
        f"{TABLES_PREFIX}/{table_name}/dt={day.isoformat()}/batch-{batch_hash(artist_ids)}.parquet"
    )


def lake_tables(fetched: Sequence[FetchedArtist], day: date) -> list[LakeTable]:
    """The batch's non-empty tables: an app that may not read top tracks or audio features
    writes artists only."""
    artist_ids = [item.artist.id for item in fetched]
    if not artist_ids:
        return []
    tables = {
        "artists": artists_table(fetched, day),
        "top_tracks": top_tracks_table(fetched),
        "audio_features": audio_features_table(fetched),
    }
    return [
        LakeTable(name=name, key=table_key(name, day, artist_ids), table=table)
        for name, table in tables.items()
        if table.num_rows
    ]


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression=_COMPRESSION,
        compression_level=_COMPRESSION_LEVEL,
        write_statistics=True,
    )
    return bytes(sink.getvalue().to_pybytes())
