"""The raw data lake bucket, with the bucket that receives its server access logs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import Acknowledgment, CfnElement, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.unlogged_bucket import unlogged_bucket

_ACCESS_LOG_DAYS = 90
_NONCURRENT_VERSION_DAYS = 30
# A refresh's manifest and its Map Run's answers, and a rebuild's snapshot, matter while their
# execution can be redriven (14 days after it ends), with time to spare for a look afterwards;
# a finished rebuild deletes its snapshot itself, this only clears one a crash left behind.
_EXECUTION_FILES_DAYS = 30
# What Step Functions needs to write a Distributed Map's results: it uploads them in parts.
_MAP_RESULTS_WRITING: tuple[str, ...] = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
)


class LakeBucket(Construct):
    """Private, encrypted, TLS-only and versioned; every request is logged to a sibling bucket.

    `raw_writer` is the policy that lets a role put objects under `raw_prefix` and nowhere else;
    `manifest_writer` and `manifest_reader` let a role put, or get, objects under
    `manifest_prefix` only; `snapshot_writer`, `snapshot_reader` and `snapshot_deleter` let a
    role put, get, or delete objects under `snapshot_prefix` only; `results_writer` lets a
    state machine write a Distributed Map's results under `results_prefix`. What is under the
    manifest, snapshot and results prefixes expires; the raw data and its tables stay.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        raw_prefix: str,
        tables_prefix: str,
        manifest_prefix: str,
        snapshot_prefix: str,
        results_prefix: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = unlogged_bucket(
            self,
            "AccessLogs",
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(_ACCESS_LOG_DAYS))],
            removal_policy=removal_policy,
            why_unlogged="This bucket is the access log target; logging it would log the logs",
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="lake/",
            # CloudFormation deletes no bucket holding objects (here, every version of them):
            # one deleted with its stack is emptied first, so that `cdk destroy` gets through.
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
            lifecycle_rules=[
                # Replays rewrite the same keys: keep old versions for recovery, not forever.
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(_NONCURRENT_VERSION_DAYS)
                ),
                *(
                    s3.LifecycleRule(
                        prefix=f"{prefix}/", expiration=Duration.days(_EXECUTION_FILES_DAYS)
                    )
                    for prefix in (manifest_prefix, snapshot_prefix, results_prefix)
                ),
            ],
            removal_policy=removal_policy,
        )
        self.raw_writer = self._prefix_policy(
            "RawWriter",
            ["s3:PutObject"],
            raw_prefix,
            "Object keys (day partition, artist ID) are known only at run time",
        )
        self.tables_writer = self._prefix_policy(
            "TablesWriter",
            ["s3:PutObject"],
            tables_prefix,
            "Parquet keys (table, day partition, batch) are known only at run time",
        )
        self.manifest_writer = self._prefix_policy(
            "ManifestWriter",
            ["s3:PutObject"],
            manifest_prefix,
            "Each refresh writes its manifest under a key named after its time",
        )
        self.manifest_reader = self._prefix_policy(
            "ManifestReader",
            ["s3:GetObject"],
            manifest_prefix,
            "Each refresh reads the manifest named after its time",
        )
        # One policy per action: each step of a similarity rebuild gets only the one it calls.
        self.snapshot_writer = self._prefix_policy(
            "SnapshotWriter",
            ["s3:PutObject"],
            snapshot_prefix,
            "Each rebuild writes its snapshot under a key named after its generation",
        )
        self.snapshot_reader = self._prefix_policy(
            "SnapshotReader",
            ["s3:GetObject"],
            snapshot_prefix,
            "Each shard reads the snapshot named after its rebuild's generation",
        )
        self.snapshot_deleter = self._prefix_policy(
            "SnapshotDeleter",
            ["s3:DeleteObject"],
            snapshot_prefix,
            "A finished or abandoned rebuild deletes the snapshot named after its generation",
        )
        self.results_writer = self._prefix_policy(
            "MapResultsWriter",
            _MAP_RESULTS_WRITING,
            results_prefix,
            "Step Functions names each Map Run's result files after the run",
        )

    def _prefix_policy(
        self, construct_id: str, actions: Sequence[str], prefix: str, why_a_wildcard: str
    ) -> iam.ManagedPolicy:
        # Defined next to the bucket so that the wildcard finding names a local resource and can
        # be acknowledged exactly; a consuming stack would only see an opaque cross-stack token.
        objects = f"{prefix}/*"
        policy = iam.ManagedPolicy(
            self,
            construct_id,
            description=f"{', '.join(actions)} on objects under {objects} of the lake bucket",
            statements=[
                iam.PolicyStatement(
                    actions=list(actions), resources=[self.bucket.arn_for_objects(objects)]
                )
            ],
        )
        bucket_id = Stack.of(self).get_logical_id(cast(CfnElement, self.bucket.node.default_child))
        Validations.of(policy).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{objects}]",
                reason=f"{why_a_wildcard}; the wildcard is confined to the {prefix} prefix",
            )
        )
        return policy
