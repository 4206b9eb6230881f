"""Where the data lives: the raw lake, the DynamoDB tables and the two secrets (the operator's
and the generated one). Nothing here runs code."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from contracts.lake import RAW_ARTISTS_PREFIX, SIMILARITY_SNAPSHOT_PREFIX, TABLES_PREFIX
from contracts.names import ResourceNames
from contracts.resources import Tables
from contracts.secrets import APPLICATION_SECRET_FIELDS, VERIFY_TOKEN_FIELD
from domain.refresh import REFRESH_MANIFEST_PREFIX
from stacks.application_secret import ApplicationSecret
from stacks.generated_secret import GeneratedSecret
from stacks.lake_bucket import LakeBucket
from stacks.on_demand_table import OnDemandTable
from stacks.stage_config import StageConfig
from stacks.workflow_definitions import REFRESH_RESULTS_PREFIX


class DataStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = ResourceNames(config.name)
        removal_policy = config.data_removal_policy

        lake = LakeBucket(
            self,
            "Lake",
            raw_prefix=RAW_ARTISTS_PREFIX,
            tables_prefix=TABLES_PREFIX,
            manifest_prefix=REFRESH_MANIFEST_PREFIX,
            snapshot_prefix=SIMILARITY_SNAPSHOT_PREFIX,
            results_prefix=REFRESH_RESULTS_PREFIX,
            removal_policy=removal_policy,
        )
        self.lake_bucket: s3.IBucket = lake.bucket
        self.raw_artists_writer: iam.IManagedPolicy = lake.raw_writer
        self.lake_tables_writer: iam.IManagedPolicy = lake.tables_writer
        self.refresh_manifest_writer: iam.IManagedPolicy = lake.manifest_writer
        self.refresh_manifest_reader: iam.IManagedPolicy = lake.manifest_reader
        self.similarity_snapshot_writer: iam.IManagedPolicy = lake.snapshot_writer
        self.similarity_snapshot_reader: iam.IManagedPolicy = lake.snapshot_reader
        self.similarity_snapshot_deleter: iam.IManagedPolicy = lake.snapshot_deleter
        self.refresh_results_writer: iam.IManagedPolicy = lake.results_writer
        self.genres_table: dynamodb.ITable = OnDemandTable(
            self,
            "Genres",
            table_name=names.genres_table,
            spec=Tables.GENRES,
            removal_policy=removal_policy,
        ).table
        self.waiters_table: dynamodb.ITable = OnDemandTable(
            self,
            "Waiters",
            table_name=names.waiters_table,
            spec=Tables.WAITERS,
            removal_policy=removal_policy,
        ).table
        self.messages_table: dynamodb.ITable = OnDemandTable(
            self,
            "ProcessedMessages",
            table_name=names.messages_table,
            spec=Tables.PROCESSED_MESSAGES,
            removal_policy=removal_policy,
        ).table
        self.last_answers_table: dynamodb.ITable = OnDemandTable(
            self,
            "LastAnswers",
            table_name=names.last_answers_table,
            spec=Tables.LAST_ANSWERS,
            removal_policy=removal_policy,
        ).table
        self.application_secret: secretsmanager.ISecret = ApplicationSecret(
            self,
            "Application",
            secret_name=names.application_secret,
            fields=APPLICATION_SECRET_FIELDS,
            removal_policy=removal_policy,
        ).secret
        self.generated_secret: secretsmanager.ISecret = GeneratedSecret(
            self,
            "Generated",
            secret_name=names.generated_secret,
            generated_field=VERIFY_TOKEN_FIELD,
            removal_policy=removal_policy,
        ).secret
