"""Applies the shipped schema migrations on every deployment that changes them."""

from __future__ import annotations

import hashlib

from aws_cdk import CustomResource, Duration
from constructs import Construct

from adapters.postgres.migrator import shipped_migrations
from stacks.handler_function import HandlerFunction

SCHEMA_RESOURCE_TYPE = "Custom::SchemaMigrations"


def migrations_digest() -> str:
    """Changes whenever a migration is added or edited, and so makes CloudFormation update
    the resource, which re-runs the (idempotent) migrator."""
    digest = hashlib.sha256()
    for migration in shipped_migrations():
        digest.update(migration.version.encode())
        digest.update(migration.sql.encode())
    return digest.hexdigest()


class SchemaMigrations(Construct):
    """A custom resource served directly by the migration function (no provider framework):
    the function answers CloudFormation itself, so a failed migration fails the deployment."""

    def __init__(self, scope: Construct, construct_id: str, *, migrator: HandlerFunction) -> None:
        super().__init__(scope, construct_id)
        self.resource = CustomResource(
            self,
            "Schema",
            service_token=migrator.function.function_arn,
            resource_type=SCHEMA_RESOURCE_TYPE,
            properties={"MigrationsDigest": migrations_digest()},
            # A function that dies without answering should not hold the stack for an hour.
            service_timeout=Duration.minutes(10),
        )
