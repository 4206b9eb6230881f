"""cdk-nag's AWS Solutions pack runs on every synth: nothing is left unanswered, and each
acknowledged finding is one we chose, with its reason, on the one resource it concerns."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from tests.infra.synthesis import Synthesized

# Every acknowledged AWS Solutions finding of the app. A new one must be added here, on purpose.
EXPECTED_ACKNOWLEDGMENTS = Counter(
    {
        # X-Ray (and network interfaces, for those in the VPC) on each of the fourteen
        # functions, and log delivery plus X-Ray on the state machine
        ("AWS::IAM::Policy", "AwsSolutions-IAM5[Resource::*]"): 15,
        ("AWS::IAM::ManagedPolicy", "AwsSolutions-IAM5[Resource::<>/raw/spotify/artists/*]"): 1,
        ("AWS::IAM::ManagedPolicy", "AwsSolutions-IAM5[Resource::<>/tables/*]"): 1,
        # Writing, and reading, refresh manifests.
        ("AWS::IAM::ManagedPolicy", "AwsSolutions-IAM5[Resource::<>/manifests/refresh/*]"): 2,
        # Writing the refresh's Map results.
        ("AWS::IAM::ManagedPolicy", "AwsSolutions-IAM5[Resource::<>/results/refresh/*]"): 1,
        # Writing, reading and deleting similarity snapshots.
        (
            "AWS::IAM::ManagedPolicy",
            "AwsSolutions-IAM5[Resource::<>/similarity/snapshots/*]",
        ): 3,
        # The Distributed Map's child executions.
        (
            "AWS::IAM::Policy",
            "AwsSolutions-IAM5[Resource::arn:aws:states:eu-west-1:<AWS::AccountId>:execution:"
            "sixpotify-dev-ingest/*]",
        ): 1,
        # Server access logs: the lake's access-log bucket itself, and Athena's results bucket.
        ("AWS::S3::Bucket", "AwsSolutions-S1"): 2,
        ("AWS::ApiGatewayV2::Route", "AwsSolutions-APIG4"): 2,
        # The converse failures and the refresh's dead letters: queues of failures, filled by
        # Lambda and Scheduler rather than by another queue's redrive policy.
        ("AWS::SQS::Queue", "AwsSolutions-SQS3"): 2,
        # Spotify's and Meta's credentials cannot be rotated by a function, and the generated
        # verify token is checked only when the webhook is registered.
        ("AWS::SecretsManager::Secret", "AwsSolutions-SMG4"): 2,
        # The default port behind the proxy; dev's Single-AZ, destroyable instance.
        ("AWS::RDS::DBInstance", "AwsSolutions-RDS11"): 1,
        ("AWS::RDS::DBInstance", "AwsSolutions-RDS3"): 1,
        ("AWS::RDS::DBInstance", "AwsSolutions-RDS10"): 1,
    }
)
# aws-cdk-lib acknowledges some CloudFormation validation findings of its own constructs (the
# VPC's zones, flow-log options), with its own reasons; those are not ours to list.
NAG_PACK = "AwsSolutions-"


def test_synthesis_left_no_finding_unanswered(synthesized: Synthesized) -> None:
    # Given the validation report the synthesis wrote
    report_file = Path(synthesized.assembly.directory) / "validation-report.json"

    # When its plugin reports are read
    reports = json.loads(report_file.read_text())["pluginReports"]

    # Then no plugin reported an error or a warning
    violations = [
        (report["pluginName"], violation["ruleName"], violation["severity"])
        for report in reports
        for violation in report.get("violations", [])
    ]
    assert violations == []


def test_acknowledged_findings_are_the_expected_ones_each_with_a_reason(
    synthesized: Synthesized,
) -> None:
    # Given every template of the app
    resources = [
        resource
        for template in synthesized.templates.values()
        for resource in template["Resources"].values()
    ]

    # When the acknowledgments cdk-nag recorded in their metadata are collected
    acknowledged = [
        (resource["Type"], rule)
        for resource in resources
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]

    # Then they are exactly the expected findings, and each explains itself
    found = Counter(
        (resource_type, re.sub(r"<[^>]*\.Arn>", "<>", rule["id"]))
        for resource_type, rule in acknowledged
        if rule["id"].startswith(NAG_PACK)
    )
    assert found == EXPECTED_ACKNOWLEDGMENTS
    assert all(len(rule["reason"]) > 40 for _, rule in acknowledged)
