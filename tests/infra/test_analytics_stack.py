"""The analytics stack: Glue tables over the lake with day projection, and a workgroup that
enforces encrypted results."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from contracts.lake import LAKE_TABLES, RAW_ARTISTS_PREFIX, TABLES_PREFIX
from stacks.glue_columns import RAW_ARTIST_COLUMNS, glue_columns
from stacks.glue_lake_tables import RAW_ARTISTS_TABLE
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import ResourceRef, resolve, resources_of_type


def _table_input(synthesized: Synthesized, table_name: str) -> dict[str, Any]:
    template = synthesized.template_json(synthesized.names.analytics_stack)
    inputs = [
        table["Properties"]["TableInput"]
        for table in resources_of_type(template, "AWS::Glue::Table").values()
        if table["Properties"]["TableInput"]["Name"] == table_name
    ]
    assert len(inputs) == 1, f"expected one Glue table {table_name}"
    table_input: dict[str, Any] = inputs[0]
    return table_input


def _s3_url(value: Any, synthesized: Synthesized) -> tuple[ResourceRef, str]:
    """`s3://<bucket>/<key>` as the bucket resource it names and the key."""
    separator, parts = value["Fn::Join"]
    assert (separator, parts[0]) == ("", "s3://")
    bucket = resolve(parts[1], synthesized.names.analytics_stack, synthesized.templates)
    assert isinstance(bucket, ResourceRef)
    return bucket, "".join(parts[2:])


def _lake_bucket_id(synthesized: Synthesized) -> str:
    template = synthesized.template_json(synthesized.names.data_stack)
    buckets = [
        logical_id
        for logical_id, bucket in resources_of_type(template, "AWS::S3::Bucket").items()
        if "VersioningConfiguration" in bucket["Properties"]
    ]
    assert len(buckets) == 1
    return buckets[0]


@pytest.mark.parametrize("table_name", sorted(LAKE_TABLES))
def test_each_parquet_table_has_the_schemas_columns(
    synthesized: Synthesized, table_name: str
) -> None:
    # Given the Glue table named after a Parquet table of the lake
    table_input = _table_input(synthesized, table_name)

    # When its columns are read
    columns = [
        (column["Name"], column["Type"]) for column in table_input["StorageDescriptor"]["Columns"]
    ]

    # Then they are the Arrow schema's fields converted, and Parquet is the format
    assert columns == [
        (column.name, column.type) for column in glue_columns(LAKE_TABLES[table_name])
    ]
    assert table_input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith(
        "ParquetHiveSerDe"
    )


def test_the_raw_table_reads_json_documents(synthesized: Synthesized) -> None:
    # Given the raw artists table
    table_input = _table_input(synthesized, RAW_ARTISTS_TABLE)

    # When its columns and SerDe are read
    columns = [column["Name"] for column in table_input["StorageDescriptor"]["Columns"]]
    serde = table_input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]

    # Then it has the raw document's keys, read by a JSON SerDe
    assert columns == [column.name for column in RAW_ARTIST_COLUMNS]
    assert serde == "org.openx.data.jsonserde.JsonSerDe"


@pytest.mark.parametrize(
    ("table_name", "prefix"),
    [(RAW_ARTISTS_TABLE, RAW_ARTISTS_PREFIX)]
    + [(name, f"{TABLES_PREFIX}/{name}") for name in sorted(LAKE_TABLES)],
)
def test_each_table_projects_day_partitions_under_its_prefix_of_the_lake_bucket(
    synthesized: Synthesized, table_name: str, prefix: str
) -> None:
    # Given a Glue table of the lake
    table_input = _table_input(synthesized, table_name)
    parameters = table_input["Parameters"]

    # When its location and projection are followed to the bucket they name
    location = _s3_url(table_input["StorageDescriptor"]["Location"], synthesized)
    template = _s3_url(parameters["storage.location.template"], synthesized)

    # Then the day partition is projected, under the table's prefix of the lake bucket
    assert table_input["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.dt.type"] == "date"
    assert parameters["projection.dt.format"] == "yyyy-MM-dd"
    assert parameters["projection.dt.range"].endswith(",NOW")
    lake = ResourceRef(synthesized.names.data_stack, _lake_bucket_id(synthesized))
    assert location == (lake, f"/{prefix}/")
    assert template == (lake, f"/{prefix}/dt=${{dt}}/")


def test_the_tables_live_in_the_stages_database(synthesized: Synthesized) -> None:
    # Given the analytics template
    template = synthesized.template(synthesized.names.analytics_stack)

    # When its database and tables are counted
    databases = template.find_resources(
        "AWS::Glue::Database",
        {"Properties": {"DatabaseInput": {"Name": synthesized.names.lake_database}}},
    )

    # Then one database holds the raw table and every Parquet table
    assert len(databases) == 1
    template.resource_count_is("AWS::Glue::Table", len(LAKE_TABLES) + 1)
    template.all_resources_properties(
        "AWS::Glue::Table", {"DatabaseName": synthesized.names.lake_database}
    )


def test_the_workgroup_enforces_encrypted_results_in_a_private_expiring_bucket(
    synthesized: Synthesized,
) -> None:
    # Given the analytics template
    template = synthesized.template(synthesized.names.analytics_stack)

    # When the workgroup and its results bucket are looked up
    # Then clients cannot override the encrypted result configuration
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": synthesized.names.athena_workgroup,
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "ResultConfiguration": {
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                    "OutputLocation": Match.any_value(),
                },
            },
        },
    )
    # And the results bucket is encrypted, private, and forgets old results
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Match.any_value(),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [Match.object_like({"ExpirationInDays": 30, "Status": "Enabled"})]
                )
            },
        },
    )
    # And it refuses requests without TLS
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )
