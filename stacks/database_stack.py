"""The relational store: RDS PostgreSQL behind RDS Proxy, and its schema, migrated on deploy."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from constructs import Construct

from stacks.function_environment import database_environment
from stacks.handler_function import stage_function
from stacks.lambda_code import application_code
from stacks.names import DATABASE_NAME, DATABASE_USER, Handler, ResourceNames
from stacks.network_stack import NetworkStack
from stacks.postgres_database import PostgresDatabase
from stacks.schema_migrations import SchemaMigrations
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
            code=application_code(bundling=config.bundling),
            environment=database_environment(self.database.endpoint),
            handler=Handler.MIGRATE_DATABASE,
            description="Applies the shipped schema migrations; runs on deployment only",
            memory_size=256,
            timeout=Duration.minutes(5),
            database=self.database,
        )
        schema = SchemaMigrations(self, "Schema", migrator=migrator)
        # The proxy answers only once its target is registered and the instance is up.
        schema.node.add_dependency(self.database.proxy)
