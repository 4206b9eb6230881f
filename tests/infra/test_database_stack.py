"""PostgreSQL is private, encrypted and reached only through RDS Proxy with IAM tokens; its
schema is migrated by the deployment itself."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from contracts.database import shipped_migrations
from contracts.names import DATABASE_NAME, DATABASE_USER, EnvironmentVariable, Handler
from stacks.schema_migrations import (
    READY_WITHIN_SECONDS,
    SCHEMA_RESOURCE_TYPE,
    migrations_digest,
)
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import (
    function_properties,
    logical_id_where,
    resolve_resource,
    resources_of_type,
    subnet_tier,
)


def only(template: Any, resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = resources_of_type(template, resource_type).items()
    return logical_id, resource


def test_instance_is_postgres_16_encrypted_private_and_backed_up(
    synthesized: Synthesized,
) -> None:
    # Given the database stack
    template = synthesized.template_json(synthesized.names.database_stack)

    # When its instance is read
    _, instance = only(template, "AWS::RDS::DBInstance")
    properties = instance["Properties"]

    # Then it runs PostgreSQL 16, encrypted, unreachable from the internet, with a week of
    # backups, sized and replicated as the stage says
    assert properties["Engine"] == "postgres"
    assert properties["EngineVersion"].startswith("16.")
    assert properties["StorageEncrypted"] is True
    assert properties["PubliclyAccessible"] is False
    assert properties["BackupRetentionPeriod"] == 7
    assert properties["DBName"] == DATABASE_NAME
    database = synthesized.config.database
    assert properties["DBInstanceClass"] == f"db.{database.instance_class}"
    assert properties["MultiAZ"] is database.multi_az
    assert properties["DeletionProtection"] is synthesized.config.retain_data


def test_instance_sits_in_the_isolated_subnets(synthesized: Synthesized) -> None:
    # Given the database stack and the network
    names = synthesized.names
    template = synthesized.template_json(names.database_stack)

    # When the instance's subnet group is followed to its subnets
    _, group = only(template, "AWS::RDS::DBSubnetGroup")
    subnets = [
        resolve_resource(subnet, names.database_stack, synthesized.templates)
        for subnet in group["Properties"]["SubnetIds"]
    ]

    # Then they are the two database subnets, which have no route out
    assert {subnet_tier(synthesized.templates, subnet) for subnet in subnets} == {"database"}
    assert len(subnets) == 2


def test_owner_credentials_are_generated_in_secrets_manager_and_rotated_monthly(
    synthesized: Synthesized,
) -> None:
    # Given the database stack
    template = synthesized.template_json(synthesized.names.database_stack)

    # When the instance's credentials and the secret's rotation are read
    _, instance = only(template, "AWS::RDS::DBInstance")
    secret_id, secret = only(template, "AWS::SecretsManager::Secret")
    _, rotation = only(template, "AWS::SecretsManager::RotationSchedule")

    # Then the password is a reference to a generated secret, never a literal, and it rotates
    password = instance["Properties"]["MasterUserPassword"]["Fn::Join"][1]
    assert password[0] == "{{resolve:secretsmanager:"
    assert password[1] == {"Ref": secret_id}
    assert secret["Properties"]["Name"] == synthesized.names.database_secret
    assert "GenerateSecretString" in secret["Properties"]
    assert rotation["Properties"]["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}


def test_proxy_requires_tls_and_iam_and_logs_in_with_the_owner_secret(
    synthesized: Synthesized,
) -> None:
    # Given the database stack
    template = synthesized.template_json(synthesized.names.database_stack)

    # When the proxy and its target are read
    proxy_id, proxy = only(template, "AWS::RDS::DBProxy")
    _, target = only(template, "AWS::RDS::DBProxyTargetGroup")
    instance_id, _ = only(template, "AWS::RDS::DBInstance")
    secret_id, _ = only(template, "AWS::SecretsManager::Secret")

    # Then clients must use TLS and IAM tokens, the proxy logs in with the owner's secret, and
    # it fronts the instance
    properties = proxy["Properties"]
    assert properties["EngineFamily"] == "POSTGRESQL"
    assert properties["RequireTLS"] is True
    assert properties["Auth"] == [
        {"AuthScheme": "SECRETS", "IAMAuth": "REQUIRED", "SecretArn": {"Ref": secret_id}}
    ]
    assert target["Properties"]["DBProxyName"] == {"Ref": proxy_id}
    assert target["Properties"]["DBInstanceIdentifiers"] == [{"Ref": instance_id}]


def ingress_sources(synthesized: Synthesized, group: object) -> list[tuple[str, object]]:
    """(source security group, port) of every ingress rule of the database stack on `group`."""
    stack = synthesized.names.database_stack
    rules = resources_of_type(
        synthesized.template_json(stack), "AWS::EC2::SecurityGroupIngress"
    ).values()
    return [
        (
            resolve_resource(
                rule["Properties"]["SourceSecurityGroupId"], stack, synthesized.templates
            ).logical_id,
            rule["Properties"]["FromPort"],
        )
        for rule in rules
        if rule["Properties"]["GroupId"] == group
    ]


def test_instance_admits_only_the_proxy_and_rotation_and_the_proxy_only_the_clients(
    synthesized: Synthesized,
) -> None:
    # Given the database stack's security groups
    names = synthesized.names
    template = synthesized.template_json(names.database_stack)
    _, instance = only(template, "AWS::RDS::DBInstance")
    (instance_group,) = instance["Properties"]["VPCSecurityGroups"]
    _, proxy = only(template, "AWS::RDS::DBProxy")
    (proxy_group,) = proxy["Properties"]["VpcSecurityGroupIds"]
    groups = resources_of_type(template, "AWS::EC2::SecurityGroup")
    (rotation_group,) = [
        logical_id
        for logical_id, group in groups.items()
        if "RotationSingleUser" in group["Properties"]["GroupDescription"]
    ]

    # When the sources each group admits are listed
    instance_sources = {source for source, _ in ingress_sources(synthesized, instance_group)}
    ((client_group, client_port),) = ingress_sources(synthesized, proxy_group)

    # Then the instance admits the proxy and the rotation function; the proxy admits the
    # network's database clients on PostgreSQL's port; no group admits an address range
    assert instance_sources == {proxy_group["Fn::GetAtt"][0], rotation_group}
    network = synthesized.template_json(names.network_stack)["Resources"]
    assert "talk to PostgreSQL" in network[client_group]["Properties"]["GroupDescription"]
    assert client_port == 5432
    assert not any("SecurityGroupIngress" in group["Properties"] for group in groups.values())


def test_migrations_run_on_deploy_after_the_proxy_and_again_when_they_change(
    synthesized: Synthesized,
) -> None:
    # Given the database stack
    template = synthesized.template_json(synthesized.names.database_stack)

    # When the schema resource is read
    _, schema = only(template, SCHEMA_RESOURCE_TYPE)
    migrator = logical_id_where(
        template, "AWS::Lambda::Function", "Handler", Handler.MIGRATE_DATABASE
    )
    proxy_id, _ = only(template, "AWS::RDS::DBProxy")
    target_id, _ = only(template, "AWS::RDS::DBProxyTargetGroup")

    # Then the migration function serves it, it waits for the proxy and its target, its digest
    # covers the shipped migrations, and a silent function cannot hold the stack for an hour
    properties = schema["Properties"]
    assert properties["ServiceToken"] == {"Fn::GetAtt": [migrator, "Arn"]}
    assert {proxy_id, target_id} <= set(schema["DependsOn"])
    assert properties["MigrationsDigest"] == migrations_digest()
    assert len(shipped_migrations()) >= 3
    assert int(properties["ServiceTimeout"]) <= 900


def test_migrations_wait_for_the_proxy_within_the_function_and_cloudformation_timeouts(
    synthesized: Synthesized,
) -> None:
    # Given the database stack
    template = synthesized.template_json(synthesized.names.database_stack)

    # When the migration function and the schema resource are read
    function = function_properties(template, Handler.MIGRATE_DATABASE)
    _, schema = only(template, SCHEMA_RESOURCE_TYPE)
    proxy_id, _ = only(template, "AWS::RDS::DBProxy")
    timeout = function["Timeout"]
    service_timeout = int(schema["Properties"]["ServiceTimeout"])

    # Then the function is told which proxy to wait for; after waiting for it and connecting
    # it has two minutes or more left to migrate, within Lambda's fifteen; and CloudFormation
    # waits longer than the function can run, so it always hears the answer, FAILED included
    variables = function["Environment"]["Variables"]
    assert variables[EnvironmentVariable.DATABASE_PROXY] == {"Ref": proxy_id}
    assert READY_WITHIN_SECONDS + 120 <= timeout <= 900
    assert timeout + 30 <= service_timeout <= 900


def test_migration_function_gets_the_database_and_nothing_else(
    synthesized: Synthesized,
) -> None:
    # Given the migration function
    template = synthesized.template(synthesized.names.database_stack)

    # When its environment is read
    # Then it names the proxy, the database and the owner, and carries no password
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": Handler.MIGRATE_DATABASE,
            "Environment": {
                "Variables": {
                    "SIXPOTIFY_DATABASE_HOST": {
                        "Fn::GetAtt": [Match.string_like_regexp("Proxy"), "Endpoint"]
                    },
                    "SIXPOTIFY_DATABASE_PORT": "5432",
                    "SIXPOTIFY_DATABASE_NAME": DATABASE_NAME,
                    "SIXPOTIFY_DATABASE_USER": DATABASE_USER,
                }
            },
        },
    )
