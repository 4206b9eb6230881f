"""The relational store: RDS PostgreSQL behind RDS Proxy, and its schema, migrated on deploy."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from contracts.names import (
    DATABASE_NAME,
    DATABASE_USER,
    EnvironmentVariable,
    Handler,
    ResourceNames,
)
from stacks.function_environment import database_environment
from stacks.handler_function import stage_function
from stacks.lambda_code import FunctionCode
from stacks.network_stack import NetworkStack
from stacks.postgres_database import PostgresDatabase
from stacks.schema_migrations import MIGRATOR_TIMEOUT, SchemaMigrations
from stacks.stage_config import StageConfig


class DatabaseStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        network: NetworkStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = ResourceNames(config.name)
        self.database = PostgresDatabase(
            self,
            "Postgres",
            config=config.database,
            database_subnets=network.database_subnets,
            clients=network.database_clients,
            database_name=DATABASE_NAME,
            owner=DATABASE_USER,
            secret_name=names.database_secret,
            instance_identifier=names.database_instance,
            proxy_name=names.database_proxy,
            log_retention=config.log_retention,
            retain=config.retain_data,
        )
        migrator = stage_function(
            self,
            "MigrateDatabase",
            config=config,
            code=FunctionCode(bundling=config.bundling),
            environment={
                **database_environment(self.database.endpoint),
                # Whose target to wait for: a new proxy is not ready when CloudFormation says.
                EnvironmentVariable.DATABASE_PROXY: self.database.proxy.db_proxy_name,
            },
            handler=Handler.MIGRATE_DATABASE,
            description="Applies the shipped schema migrations; runs on deployment only",
            memory_size=256,
            timeout=MIGRATOR_TIMEOUT,
            database=self.database,
        )
        self.database.grant_describe_targets(migrator.role)
        schema = SchemaMigrations(self, "Schema", migrator=migrator)
        # Created after the proxy and its target group; the function then waits for the
        # target to be AVAILABLE, which CloudFormation does not.
        schema.node.add_dependency(self.database.proxy)
