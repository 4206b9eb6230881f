"""The data stack keeps the lake private and encrypted and the tables recoverable."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from adapters.secrets import APPLICATION_SECRET_FIELDS
from tests.infra.synthesis import Synthesized


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


@pytest.mark.parametrize(
    ("table", "keys", "time_to_live"),
    [
        ("genres", [("artist_id", "HASH")], None),
        ("waiters", [("artist_id", "HASH"), ("user_id", "RANGE")], "expires_at"),
        ("messages", [("message_id", "HASH")], "expires_at"),
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


def test_application_secret_starts_with_every_field_and_a_generated_verify_token(
    synthesized: Synthesized,
) -> None:
    # Given the data stack
    template = synthesized.template_json(synthesized.names.data_stack)

    # When its secret is read
    ((_, secret),) = [
        (logical_id, resource)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SecretsManager::Secret"
    ]
    generated = secret["Properties"]["GenerateSecretString"]

    # Then it has the stage's name, every field the functions read is present (empty until
    # the operator fills it in) and the verify token is generated, without punctuation
    assert secret["Properties"]["Name"] == synthesized.names.application_secret
    placeholders = json.loads(generated["SecretStringTemplate"])
    assert set(placeholders) | {generated["GenerateStringKey"]} == set(APPLICATION_SECRET_FIELDS)
    assert all(value == "" for value in placeholders.values())
    assert generated["GenerateStringKey"] == "verifyToken"
    assert generated["ExcludePunctuation"] is True
    assert generated["PasswordLength"] >= 32
