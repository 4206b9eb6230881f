"""The Glue catalog over the lake: one database, the raw JSON table and the Parquet tables,
each partitioned by day through partition projection (no crawler, no MSCK REPAIR)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from contracts.lake import Column
from stacks.glue_columns import DAY_PARTITION, RAW_ARTIST_COLUMNS, GlueColumn, glue_columns

RAW_ARTISTS_TABLE: Final = "raw_artists"
# The first day the lake can hold; projection enumerates days from here to today.
PROJECTION_START: Final = "2024-01-01"


@dataclass(frozen=True)
class _StorageFormat:
    classification: str
    input_format: str
    output_format: str
    serialization_library: str


_PARQUET: Final = _StorageFormat(
    classification="parquet",
    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
)
_JSON: Final = _StorageFormat(
    classification="json",
    input_format="org.apache.hadoop.mapred.TextInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    # The OpenX SerDe reads a nested object declared as string as its JSON text.
    serialization_library="org.openx.data.jsonserde.JsonSerDe",
)


def day_projection(location: str) -> dict[str, str]:
    """Table parameters that derive the `dt` partitions from the keys under `location`."""
    return {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": f"{PROJECTION_START},NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": f"{location}dt=${{{DAY_PARTITION.name}}}/",
    }


class GlueLakeTables(Construct):
    """`table_schemas` maps each Parquet table under `tables_prefix` to its columns; the raw
    JSON documents under `raw_prefix` become the table RAW_ARTISTS_TABLE."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        database_name: str,
        bucket: s3.IBucket,
        raw_prefix: str,
        tables_prefix: str,
        table_schemas: Mapping[str, Sequence[Column]],
    ) -> None:
        super().__init__(scope, construct_id)
        self._account = Stack.of(self).account
        self._bucket = bucket
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=self._account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name,
                description="Spotify's answers as the ingest stored them in the lake bucket",
            ),
        )
        self.database_name = database_name
        self.tables = {
            RAW_ARTISTS_TABLE: self._table(
                "RawArtists", RAW_ARTISTS_TABLE, raw_prefix, RAW_ARTIST_COLUMNS, _JSON
            )
        }
        for table_name, schema in table_schemas.items():
            self.tables[table_name] = self._table(
                _construct_id(table_name),
                table_name,
                f"{tables_prefix}/{table_name}",
                glue_columns(schema),
                _PARQUET,
            )

    def _table(
        self,
        construct_id: str,
        table_name: str,
        prefix: str,
        columns: Sequence[GlueColumn],
        storage: _StorageFormat,
    ) -> glue.CfnTable:
        location = f"s3://{self._bucket.bucket_name}/{prefix}/"
        table = glue.CfnTable(
            self,
            construct_id,
            catalog_id=self._account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=table_name,
                table_type="EXTERNAL_TABLE",
                parameters={
                    "EXTERNAL": "TRUE",
                    "classification": storage.classification,
                    **day_projection(location),
                },
                partition_keys=[_column(DAY_PARTITION)],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[_column(column) for column in columns],
                    location=location,
                    input_format=storage.input_format,
                    output_format=storage.output_format,
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=storage.serialization_library
                    ),
                ),
            ),
        )
        table.node.add_dependency(self.database)
        return table


def _column(column: GlueColumn) -> glue.CfnTable.ColumnProperty:
    return glue.CfnTable.ColumnProperty(name=column.name, type=column.type)


def _construct_id(table_name: str) -> str:
    """`top_tracks` -> `TopTracks`."""
    return "".join(part.capitalize() for part in table_name.split("_"))
