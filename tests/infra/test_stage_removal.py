"""`cdk destroy` removes a stage that keeps no data, buckets and all; a stage that keeps its data
keeps it, and its stacks refuse deletion until their protection is turned off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import resources_of_type

AUTO_DELETE = "Custom::S3AutoDeleteObjects"


def all_resources(synthesized: Synthesized) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(stack, logical ID, resource) for every resource of the stage."""
    for stack, template in synthesized.templates.items():
        for logical_id, resource in template["Resources"].items():
            yield stack, logical_id, resource


def emptied_buckets(synthesized: Synthesized) -> set[tuple[str, str]]:
    """(stack, bucket) for every bucket a Custom::S3AutoDeleteObjects empties."""
    return {
        (stack, resource["Properties"]["BucketName"]["Ref"])
        for stack, _, resource in all_resources(synthesized)
        if resource["Type"] == AUTO_DELETE
    }


def buckets(synthesized: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (stack, logical_id): resource
        for stack, template in synthesized.templates.items()
        for logical_id, resource in resources_of_type(template, "AWS::S3::Bucket").items()
    }


def test_dev_deletes_every_resource_and_empties_every_bucket_first(
    synthesized: Synthesized,
) -> None:
    # Given the dev stage, which keeps no data
    assert synthesized.config.retain_data is False

    # When each resource's deletion policy is read, and which buckets are emptied on delete
    kept = [
        (stack, logical_id, resource["DeletionPolicy"])
        for stack, logical_id, resource in all_resources(synthesized)
        if resource.get("DeletionPolicy", "Delete") != "Delete"
    ]
    emptied = emptied_buckets(synthesized)

    # Then nothing outlives its stack, every bucket is emptied before CloudFormation deletes
    # it (a bucket holding objects cannot be deleted), and no stack is protected
    assert kept == []
    assert emptied == set(buckets(synthesized))
    assert len(emptied) == 3  # the lake, its access logs, Athena's results
    protected = [
        stack
        for stack in synthesized.templates
        if synthesized.assembly.get_stack_by_name(stack).termination_protection
    ]
    assert protected == []


def deletion_policies(synthesized: Synthesized, resource_type: str) -> set[str]:
    return {
        resource.get("DeletionPolicy", "Delete")
        for _, _, resource in all_resources(synthesized)
        if resource["Type"] == resource_type
    }


def test_prod_keeps_its_data_and_protects_every_stack(synthesized_prod: Synthesized) -> None:
    # Given the prod stage, which keeps its data
    names = synthesized_prod.names
    assert synthesized_prod.config.retain_data is True

    # When the deletion policies of what holds data are read
    data = synthesized_prod.template_json(names.data_stack)["Resources"]
    secrets = {
        secret["Properties"]["Name"]: secret.get("DeletionPolicy")
        for secret in data.values()
        if secret["Type"] == "AWS::SecretsManager::Secret"
    }

    # Then buckets, tables and the two application secrets are kept and no bucket is emptied,
    # the database leaves a final snapshot, and CloudFormation refuses to delete any stack
    assert deletion_policies(synthesized_prod, "AWS::S3::Bucket") == {"Retain"}
    assert deletion_policies(synthesized_prod, "AWS::DynamoDB::Table") == {"Retain"}
    assert deletion_policies(synthesized_prod, "AWS::RDS::DBInstance") == {"Snapshot"}
    # And so are the logs an investigation of what happened before the deletion needs
    assert deletion_policies(synthesized_prod, "AWS::Logs::LogGroup") == {"Retain"}
    assert secrets == {names.application_secret: "Retain", names.generated_secret: "Retain"}
    assert emptied_buckets(synthesized_prod) == set()
    assert all(
        synthesized_prod.assembly.get_stack_by_name(stack).termination_protection
        for stack in synthesized_prod.templates
    )
