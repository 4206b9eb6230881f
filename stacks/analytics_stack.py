"""Querying the lake: the Glue catalog over its tables and the Athena workgroup to run SQL."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from contracts.lake import LAKE_TABLES, RAW_ARTISTS_PREFIX, TABLES_PREFIX
from contracts.names import ResourceNames
from stacks.athena_workgroup import AthenaWorkgroup
from stacks.data_stack import DataStack
from stacks.glue_lake_tables import GlueLakeTables
from stacks.stage_config import StageConfig


class AnalyticsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: DataStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = ResourceNames(config.name)
        self.catalog = GlueLakeTables(
            self,
            "LakeCatalog",
            database_name=names.lake_database,
            bucket=data.lake_bucket,
            raw_prefix=RAW_ARTISTS_PREFIX,
            tables_prefix=TABLES_PREFIX,
            table_schemas=LAKE_TABLES,
        )
        self.workgroup = AthenaWorkgroup(
            self,
            "Queries",
            workgroup_name=names.athena_workgroup,
            removal_policy=config.data_removal_policy,
        )
