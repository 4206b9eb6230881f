"""Glue columns come from the lake's table contracts the ingest writes from, never from a
second copy, at the width the Parquet writer stores."""

from __future__ import annotations

import re
from typing import get_args

import pyarrow as pa
import pytest

from adapters.lake_tables import TABLE_SCHEMAS
from contracts.lake import LAKE_TABLES, ColumnType
from stacks.glue_columns import HIVE_TYPES, RAW_ARTIST_COLUMNS, GlueColumn, glue_columns
from tests.infra.synthesis import REPOSITORY_ROOT

# The Hive type Athena reads Parquet of each Arrow type with.
_HIVE_OF_ARROW = {
    pa.string(): "string",
    pa.int8(): "tinyint",
    pa.int16(): "smallint",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.float64(): "double",
    pa.date32(): "date",
}


def _hive_of_arrow(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type):
        return f"array<{_hive_of_arrow(arrow_type.value_type)}>"
    return _HIVE_OF_ARROW[arrow_type]


@pytest.mark.parametrize("table_name", sorted(LAKE_TABLES))
def test_each_column_is_declared_at_the_width_the_writer_stores(table_name: str) -> None:
    # Given a table's columns as the catalog declares them and as the writer's schema has them
    declared = glue_columns(LAKE_TABLES[table_name])
    written = TABLE_SCHEMAS[table_name]

    # When each written Arrow type is read as the Hive type of the same width
    read_as = tuple(GlueColumn(field.name, _hive_of_arrow(field.type)) for field in written)

    # Then the catalog declares exactly those columns, in the same order
    assert declared == read_as


def test_every_column_type_has_a_hive_type() -> None:
    # Given every column type a table may use / Then each has its Hive type
    assert set(HIVE_TYPES) == set(get_args(ColumnType))


def test_columns_keep_the_schema_order_and_names() -> None:
    # Given the artists table
    columns = LAKE_TABLES["artists"]

    # When it is converted
    glue = glue_columns(columns)

    # Then the columns are the fields, in order, as docs/lake.md declares them
    assert glue == (
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
