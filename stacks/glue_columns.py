"""Glue (Hive) column definitions derived from the lake's Parquet schemas, so that the catalog
can never drift from what the ingest writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pyarrow as pa

# Parquet stores these Arrow types as the Hive type of the same width.
_SCALAR_TYPES: Final[dict[pa.DataType, str]] = {
    pa.string(): "string",
    pa.bool_(): "boolean",
    pa.int8(): "tinyint",
    pa.int16(): "smallint",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.float32(): "float",
    pa.float64(): "double",
    pa.date32(): "date",
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


class UnsupportedColumnTypeError(ValueError):
    """A schema uses an Arrow type that has no Hive counterpart here."""


def hive_type(arrow_type: pa.DataType) -> str:
    """`list<element: string>` -> `array<string>`, `int16` -> `smallint`, ..."""
    if pa.types.is_list(arrow_type):
        return f"array<{hive_type(arrow_type.value_type)}>"
    try:
        return _SCALAR_TYPES[arrow_type]
    except KeyError:
        raise UnsupportedColumnTypeError(f"no Glue column type for Arrow {arrow_type}") from None


def glue_columns(schema: pa.Schema) -> tuple[GlueColumn, ...]:
    """The schema's fields as Glue columns, in the schema's order."""
    return tuple(GlueColumn(field.name, hive_type(field.type)) for field in schema)
