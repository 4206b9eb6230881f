"""A private, encrypted, TLS-only bucket that keeps no server access logs of its own."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct


def unlogged_bucket(
    scope: Construct,
    construct_id: str,
    *,
    lifecycle_rules: Sequence[s3.LifecycleRule],
    removal_policy: RemovalPolicy,
    why_unlogged: str,
) -> s3.Bucket:
    """The bucket, with cdk-nag's missing-access-logs finding acknowledged for why_unlogged."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        # Server access log delivery, where a bucket is a log target, supports S3-managed keys.
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=list(lifecycle_rules),
        removal_policy=removal_policy,
        # CloudFormation deletes no bucket holding objects: one deleted with its stack is
        # emptied first, so that `cdk destroy` gets through.
        auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
    )
    Validations.of(bucket.node.find_child("Resource")).acknowledge(
        Acknowledgment(id="AwsSolutions-S1", reason=why_unlogged)
    )
    return bucket
