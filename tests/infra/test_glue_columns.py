"""Glue columns come from the Parquet schemas the ingest writes, never from a second copy."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from adapters.lake_tables import TABLE_SCHEMAS
from stacks.glue_columns import (
    RAW_ARTIST_COLUMNS,
    GlueColumn,
    UnsupportedColumnTypeError,
    glue_columns,
    hive_type,
)
from tests.infra.synthesis import REPOSITORY_ROOT


@pytest.mark.parametrize(
    ("arrow_type", "expected"),
    [
        (pa.string(), "string"),
        (pa.int8(), "tinyint"),
        (pa.int16(), "smallint"),
        (pa.int32(), "int"),
        (pa.int64(), "bigint"),
        (pa.float64(), "double"),
        (pa.date32(), "date"),
        (pa.list_(pa.field("element", pa.string(), nullable=False)), "array<string>"),
        (pa.list_(pa.list_(pa.int16())), "array<array<smallint>>"),
    ],
)
def test_arrow_types_become_hive_types_of_the_same_width(
    arrow_type: pa.DataType, expected: str
) -> None:
    # Given an Arrow type the lake may use
    # When it is converted
    converted = hive_type(arrow_type)

    # Then it is the Hive type Athena reads Parquet with
    assert converted == expected


def test_a_type_without_a_counterpart_is_refused() -> None:
    # Given a schema with a timestamp, which the lake does not use
    schema = pa.schema([pa.field("seen_at", pa.timestamp("us"))])

    # When it is converted
    with pytest.raises(UnsupportedColumnTypeError) as raised:
        glue_columns(schema)

    # Then the error names the type
    assert "timestamp" in str(raised.value)


def test_columns_keep_the_schema_order_and_names() -> None:
    # Given the artists schema
    schema = TABLE_SCHEMAS["artists"]

    # When it is converted
    columns = glue_columns(schema)

    # Then the columns are the fields, in order, as docs/lake.md declares them
    assert columns == (
        GlueColumn("id", "string"),
        GlueColumn("name", "string"),
        GlueColumn("popularity", "smallint"),
        GlueColumn("followers", "bigint"),
        GlueColumn("image_url", "string"),
        GlueColumn("spotify_url", "string"),
        GlueColumn("genres", "array<string>"),
        GlueColumn("fetched_on", "date"),
    )


def test_raw_columns_are_the_documented_keys_except_the_partition() -> None:
    # Given the keys docs/lake.md lists for a raw JSON document
    lake_doc = (REPOSITORY_ROOT / "docs" / "lake.md").read_text()
    raw_section = lake_doc.split("## Raw JSON", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", raw_section, flags=re.MULTILINE)

    # When the raw table's columns are listed
    columns = [column.name for column in RAW_ARTIST_COLUMNS]

    # Then they are those keys, with `dt` left to the partition
    assert columns == [key for key in documented if key != "dt"]
    assert "dt" in documented
