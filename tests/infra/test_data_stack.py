"""The data stack keeps the lake private and encrypted, the tables recoverable, and what the
operator entered out of every generator."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk.assertions import Match, Template

from contracts.lake import SIMILARITY_SNAPSHOT_PREFIX
from contracts.secrets import APPLICATION_SECRET_FIELDS, GENERATED_SECRET_FIELDS
from domain.refresh import REFRESH_MANIFEST_PREFIX
from stacks.application_secret import FIELDS_OUTPUT, ApplicationSecret
from stacks.workflow_definitions import REFRESH_RESULTS_PREFIX
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import resources_of_type


def test_every_bucket_is_encrypted_private_and_tls_only(synthesized: Synthesized) -> None:
    # Given the data stack
    template = synthesized.template(synthesized.names.data_stack)

    # When its buckets and bucket policies are read
    buckets = template.find_resources("AWS::S3::Bucket")
    policies = template.find_resources("AWS::S3::BucketPolicy")

    # Then each bucket encrypts at rest, blocks every kind of public access and refuses plain HTTP
    assert len(buckets) == 2  # the lake and its access logs
    for bucket in buckets.values():
        properties = bucket["Properties"]
        rules = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
    secured = {policy["Properties"]["Bucket"]["Ref"] for policy in policies.values()}
    assert secured == set(buckets)
    template.resource_properties_count_is(
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
        2,
    )


def test_lake_is_versioned_and_logs_its_access(synthesized: Synthesized) -> None:
    # Given the data stack
    template = synthesized.template(synthesized.names.data_stack)

    # When the versioned bucket is looked up
    lake = template.find_resources(
        "AWS::S3::Bucket", {"Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
    )

    # Then there is one, and it sends access logs to the other bucket
    assert len(lake) == 1
    (lake_id,) = lake
    (logs_id,) = set(template.find_resources("AWS::S3::Bucket")) - {lake_id}
    logging = lake[lake_id]["Properties"]["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": logs_id}


def test_files_of_refreshes_and_rebuilds_expire_from_the_lake_after_a_month(
    synthesized: Synthesized,
) -> None:
    # Given the data stack's lake
    template = synthesized.template_json(synthesized.names.data_stack)
    (lake,) = [
        bucket["Properties"]
        for bucket in resources_of_type(template, "AWS::S3::Bucket").values()
        if "VersioningConfiguration" in bucket["Properties"]
    ]

    # When its lifecycle rules that expire current objects are read
    expiring = {
        rule["Prefix"]: (rule["ExpirationInDays"], rule["Status"])
        for rule in lake["LifecycleConfiguration"]["Rules"]
        if "ExpirationInDays" in rule
    }

    # Then a refresh's manifest and Map results and a rebuild's leftover snapshot expire after
    # 30 days, well after their execution stops being redrivable (14 days); the raw lake and
    # its tables never do
    assert expiring == {
        f"{prefix}/": (30, "Enabled")
        for prefix in (
            REFRESH_MANIFEST_PREFIX,
            SIMILARITY_SNAPSHOT_PREFIX,
            REFRESH_RESULTS_PREFIX,
        )
    }


@pytest.mark.parametrize(
    ("table", "keys", "time_to_live"),
    [
        ("genres", [("artist_id", "HASH")], None),
        ("waiters", [("artist_id", "HASH"), ("user_id", "RANGE")], "expires_at"),
        ("messages", [("message_id", "HASH")], "expires_at"),
        ("last_answers", [("user_id", "HASH")], "expires_at"),
    ],
)
def test_tables_are_on_demand_recoverable_and_keyed_as_the_adapters_expect(
    synthesized: Synthesized, table: str, keys: list[tuple[str, str]], time_to_live: str | None
) -> None:
    # Given the table's name for this stage
    name = getattr(synthesized.names, f"{table}_table")
    template = synthesized.template(synthesized.names.data_stack)

    # When the table is looked up by name
    found = template.find_resources("AWS::DynamoDB::Table", {"Properties": {"TableName": name}})

    # Then it bills per request, has point-in-time recovery, and the contract's keys and TTL
    assert len(found) == 1
    (properties,) = (resource["Properties"] for resource in found.values())
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert [(key["AttributeName"], key["KeyType"]) for key in properties["KeySchema"]] == keys
    if time_to_live is None:
        assert "TimeToLiveSpecification" not in properties
    else:
        assert properties["TimeToLiveSpecification"] == {
            "AttributeName": time_to_live,
            "Enabled": True,
        }


def secrets_by_name(synthesized: Synthesized) -> dict[str, Mapping[str, Any]]:
    """The data stack's secrets' properties, by secret name."""
    template = synthesized.template_json(synthesized.names.data_stack)
    return {
        secret["Properties"]["Name"]: secret["Properties"]
        for secret in resources_of_type(template, "AWS::SecretsManager::Secret").values()
    }


def test_no_generator_in_the_data_stack_names_an_operator_field(
    synthesized: Synthesized,
) -> None:
    # Given the data stack's secrets
    secrets = secrets_by_name(synthesized)

    # When every field a generator writes, from its template or as its key, is listed
    generated_fields: set[str] = set()
    for properties in secrets.values():
        generator = properties.get("GenerateSecretString")
        if generator:
            generated_fields |= set(json.loads(generator.get("SecretStringTemplate", "{}")))
            generated_fields.add(generator["GenerateStringKey"])

    # Then none is a field the operator types: regenerating a generated value cannot erase
    # one; and the operator's secret has no generator at all, only the value it starts with
    assert generated_fields == set(GENERATED_SECRET_FIELDS)
    assert not generated_fields & set(APPLICATION_SECRET_FIELDS)
    application = secrets[synthesized.names.application_secret]
    assert "GenerateSecretString" not in application
    assert application["SecretString"] == "{}"


def test_generated_secret_generates_the_verify_token_without_punctuation(
    synthesized: Synthesized,
) -> None:
    # Given the data stack's secrets
    secrets = secrets_by_name(synthesized)

    # When the generated secret's generator is read
    generator = secrets[synthesized.names.generated_secret]["GenerateSecretString"]

    # Then it writes a long verify token, safe in a URL's query string, and nothing else
    assert json.loads(generator["SecretStringTemplate"]) == {}
    assert generator["GenerateStringKey"] == "verifyToken"
    assert generator["ExcludePunctuation"] is True
    assert generator["PasswordLength"] >= 32


def operator_secret_template(fields: Sequence[str]) -> Mapping[str, Any]:
    """A stack holding the application secret construct alone, synthesized with `fields`."""
    stack = Stack(App(), "Secrets")
    ApplicationSecret(
        stack,
        "Application",
        secret_name="sixpotify/test/application",
        fields=fields,
        removal_policy=RemovalPolicy.RETAIN,
    )
    return Template.from_stack(stack).to_json()


def test_adding_a_field_keeps_the_values_the_operator_entered() -> None:
    # Given the operator's secret as deployed with today's fields
    before = operator_secret_template(APPLICATION_SECRET_FIELDS)

    # When a field is added to the list the functions read, and the stack is synthesized again
    after = operator_secret_template([*APPLICATION_SECRET_FIELDS, "lastFmApiKey"])

    # Then the secret's resource is the same, so CloudFormation leaves its value alone; only the
    # output telling the operator what to fill names the new field
    assert resources_of_type(after, "AWS::SecretsManager::Secret") == resources_of_type(
        before, "AWS::SecretsManager::Secret"
    )
    assert after["Outputs"][FIELDS_OUTPUT]["Value"].split() == [
        *APPLICATION_SECRET_FIELDS,
        "lastFmApiKey",
    ]
