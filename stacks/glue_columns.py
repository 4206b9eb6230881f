"""Glue (Hive) column definitions derived from the lake's table contracts (contracts/lake.py),
the same ones the ingest writes its Parquet from, so that the catalog can never drift from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from contracts.lake import Column, ColumnType

# The Hive type Athena reads each column type's Parquet as: the same width.
HIVE_TYPES: Final[dict[ColumnType, str]] = {
    "string": "string",
    "int8": "tinyint",
    "int16": "smallint",
    "int32": "int",
    "int64": "bigint",
    "float64": "double",
    "date": "date",
    "strings": "array<string>",
}


@dataclass(frozen=True)
class GlueColumn:
    name: str
    type: str


# The raw JSON documents (see docs/lake.md): Spotify's nested answers stay JSON text, read with
# json_extract, so that a field Spotify adds or drops never breaks the table.
RAW_ARTIST_COLUMNS: Final = (
    GlueColumn("artist_id", "string"),
    GlueColumn("artist", "string"),
    GlueColumn("top_tracks", "string"),
    GlueColumn("audio_features", "string"),
)

# Filled by partition projection from the object key, never stored in a file.
DAY_PARTITION: Final = GlueColumn("dt", "string")


def glue_columns(columns: Sequence[Column]) -> tuple[GlueColumn, ...]:
    """The table's columns as Glue columns, in the table's order."""
    return tuple(GlueColumn(column.name, HIVE_TYPES[column.type]) for column in columns)
