"""The Athena workgroup that queries the lake, with its own bucket for query results."""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_athena as athena
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.unlogged_bucket import unlogged_bucket

RESULTS_PREFIX: Final = "results"
# Results are the output of ad hoc queries: re-running the query is cheaper than keeping them.
RESULTS_RETENTION: Final = Duration.days(30)
# A runaway query over the whole lake stops here instead of on the bill.
BYTES_SCANNED_CUTOFF_PER_QUERY: Final = 10 * 1024**3


class AthenaWorkgroup(Construct):
    """Every query of the workgroup writes SSE-S3 encrypted results to the private, TLS-only
    results bucket; clients cannot override that (enforced configuration)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workgroup_name: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.results_bucket = unlogged_bucket(
            self,
            "Results",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=RESULTS_RETENTION,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy,
            why_unlogged="Only Athena writes here, on behalf of queries that CloudTrail and the "
            "workgroup's query history already record; objects expire after 30 days",
        )
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=workgroup_name,
            description="Queries over the Sixpotify lake",
            state="ENABLED",
            # Query history and results go with the workgroup when the stack is deleted.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF_PER_QUERY,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=self.results_bucket.s3_url_for_object(f"{RESULTS_PREFIX}/"),
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
