"""The monitoring stack: an alarm for each way the system can fail, notifying one encrypted
topic, and the dashboard an operator reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from stacks.alarm_topic import AlarmTopic
from stacks.names import LogEvent
from stacks.spotify_throttling import METRIC_NAME
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import ResourceRef, resolve, resources_of_type

GREATER = "GreaterThanThreshold"
AT_LEAST = "GreaterThanOrEqualToThreshold"


def _alarm(synthesized: Synthesized, short_name: str) -> dict[str, Any]:
    template = synthesized.template_json(synthesized.names.monitoring_stack)
    alarms = [
        alarm["Properties"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["AlarmName"] == synthesized.names.alarm(short_name)
    ]
    assert len(alarms) == 1, f"expected one alarm {short_name}"
    alarm: dict[str, Any] = alarms[0]
    return alarm


def _metric_stat(alarm: dict[str, Any]) -> dict[str, Any]:
    """The alarm's one metric (labelled metrics are written as a one-element `Metrics`)."""
    (query,) = alarm["Metrics"]
    stat: dict[str, Any] = query["MetricStat"]
    return stat


def _dimension_target(synthesized: Synthesized, alarm: dict[str, Any]) -> ResourceRef:
    (dimension,) = _metric_stat(alarm)["Metric"]["Dimensions"]
    target = resolve(dimension["Value"], synthesized.names.monitoring_stack, synthesized.templates)
    assert isinstance(target, ResourceRef)
    return target


def _resource_type(synthesized: Synthesized, target: ResourceRef) -> str:
    resource_type: str = synthesized.templates[target.stack]["Resources"][target.logical_id]["Type"]
    return resource_type


@dataclass(frozen=True)
class ExpectedAlarm:
    namespace: str
    metric: str
    comparison: str
    threshold: float
    periods: int
    watched_type: str


_STATE_MACHINE = "AWS::StepFunctions::StateMachine"
_FUNCTION = "AWS::Lambda::Function"
_API = "AWS::ApiGatewayV2::Api"
_DATABASE = "AWS::RDS::DBInstance"


@pytest.mark.parametrize(
    ("short_name", "expected"),
    [
        (
            "dead-letters",
            ExpectedAlarm(
                "AWS/SQS", "ApproximateNumberOfMessagesVisible", GREATER, 0, 5, "AWS::SQS::Queue"
            ),
        ),
        (
            "ingest-failed",
            ExpectedAlarm("AWS/States", "ExecutionsFailed", AT_LEAST, 1, 1, _STATE_MACHINE),
        ),
        (
            "ingest-timed-out",
            ExpectedAlarm("AWS/States", "ExecutionsTimedOut", AT_LEAST, 1, 1, _STATE_MACHINE),
        ),
        (
            "ingest-aborted",
            ExpectedAlarm("AWS/States", "ExecutionsAborted", AT_LEAST, 1, 1, _STATE_MACHINE),
        ),
        ("webhook-errors", ExpectedAlarm("AWS/Lambda", "Errors", AT_LEAST, 1, 1, _FUNCTION)),
        ("converse-errors", ExpectedAlarm("AWS/Lambda", "Errors", AT_LEAST, 1, 1, _FUNCTION)),
        ("webhook-5xx", ExpectedAlarm("AWS/ApiGateway", "5xx", AT_LEAST, 1, 1, _API)),
        (
            "webhook-latency",
            ExpectedAlarm("AWS/ApiGateway", "IntegrationLatency", GREATER, 1000, 1, _API),
        ),
        ("database-cpu", ExpectedAlarm("AWS/RDS", "CPUUtilization", GREATER, 80, 3, _DATABASE)),
        (
            "database-storage",
            ExpectedAlarm("AWS/RDS", "FreeStorageSpace", "LessThanThreshold", 2**31, 1, _DATABASE),
        ),
    ],
)
def test_each_alarm_watches_its_metric_of_the_right_resource(
    synthesized: Synthesized, short_name: str, expected: ExpectedAlarm
) -> None:
    # Given the alarm of that name
    alarm = _alarm(synthesized, short_name)

    # When its metric's dimension is followed into the stack that owns the resource
    watched = _dimension_target(synthesized, alarm)

    # Then it compares that metric of that resource with the threshold
    metric = _metric_stat(alarm)["Metric"]
    assert (metric["Namespace"], metric["MetricName"]) == (expected.namespace, expected.metric)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
        expected.comparison,
        expected.threshold,
    )
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == expected.periods
    assert _resource_type(synthesized, watched) == expected.watched_type


def test_the_error_alarms_watch_the_webhook_and_converse_functions(
    synthesized: Synthesized,
) -> None:
    # Given the two function error alarms
    webhook = _dimension_target(synthesized, _alarm(synthesized, "webhook-errors"))
    converse = _dimension_target(synthesized, _alarm(synthesized, "converse-errors"))

    # When the functions they watch are looked up
    handlers = {
        target.logical_id: synthesized.templates[target.stack]["Resources"][target.logical_id][
            "Properties"
        ]["Handler"]
        for target in (webhook, converse)
    }

    # Then each alarm watches its own function
    assert handlers == {
        webhook.logical_id: "handlers.webhook.handle",
        converse.logical_id: "handlers.converse.handle",
    }


def test_the_latency_alarm_reads_the_99th_percentile(synthesized: Synthesized) -> None:
    # Given the latency alarm
    alarm = _alarm(synthesized, "webhook-latency")

    # When its statistic is read
    statistic = _metric_stat(alarm)["Stat"]

    # Then it is p99, not an average that hides the slow tail
    assert statistic == "p99"


def test_spotify_rate_limits_are_counted_from_the_fetch_functions_log(
    synthesized: Synthesized,
) -> None:
    # Given the monitoring template
    template = synthesized.template_json(synthesized.names.monitoring_stack)
    (metric_filter,) = resources_of_type(template, "AWS::Logs::MetricFilter").values()
    properties = metric_filter["Properties"]

    # When its log group and the alarm on its metric are looked up
    log_group = resolve(
        properties["LogGroupName"], synthesized.names.monitoring_stack, synthesized.templates
    )
    alarm = _alarm(synthesized, "spotify-rate-limited")

    # Then the filter matches the rate-limit event in the fetch function's own log group
    assert (
        properties["FilterPattern"]
        == f'{{ $.{LogEvent.FIELD} = "{LogEvent.SPOTIFY_RATE_LIMITED}" }}'
    )
    assert isinstance(log_group, ResourceRef)
    fetch_logs = synthesized.templates[log_group.stack]["Resources"][log_group.logical_id]
    assert fetch_logs["Properties"]["LogGroupName"] == "/aws/lambda/" + synthesized.names.function(
        "handlers.fetch_artists.handle"
    )
    (transformation,) = properties["MetricTransformations"]
    assert transformation["MetricNamespace"] == synthesized.names.metric_namespace
    assert transformation["MetricName"] == METRIC_NAME
    # And sustained rate limiting raises an alarm on that metric
    rate_limits = _metric_stat(alarm)["Metric"]
    assert (rate_limits["Namespace"], rate_limits["MetricName"]) == (
        synthesized.names.metric_namespace,
        METRIC_NAME,
    )
    assert alarm["ComparisonOperator"] == AT_LEAST
    assert alarm["EvaluationPeriods"] == 3


def test_every_alarm_notifies_the_encrypted_tls_only_topic(synthesized: Synthesized) -> None:
    # Given the monitoring template
    template = synthesized.template_json(synthesized.names.monitoring_stack)
    (topic_id,) = resources_of_type(template, "AWS::SNS::Topic")
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm").values()

    # When the alarms' actions and the topic's settings are read
    actions = [
        (alarm["Properties"]["AlarmActions"], alarm["Properties"]["OKActions"]) for alarm in alarms
    ]

    # Then each alarm notifies the topic when it fires and when it clears
    assert len(actions) == 11
    assert all(fired == cleared == [{"Ref": topic_id}] for fired, cleared in actions)
    # And the topic is encrypted with a rotated key that CloudWatch may use, and TLS only
    topic = Template.from_json(dict(template))
    topic.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}}
    )
    topic.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    key_policy = json.dumps(resources_of_type(template, "AWS::KMS::Key").popitem()[1])
    assert "cloudwatch.amazonaws.com" in key_policy
    topic.has_resource_properties(
        "AWS::SNS::TopicPolicy",
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
    )


@pytest.mark.parametrize(("email", "subscriptions"), [("ops@example.org", 1), (None, 0)])
def test_the_operators_address_is_subscribed_only_when_given(
    email: str | None, subscriptions: int
) -> None:
    # Given an alarm topic built with or without an operator's address
    stack = Stack(App(), "Topic")
    AlarmTopic(stack, "Alarms", topic_name="alarms", email=email)

    # When its template is read
    template = Template.from_stack(stack)

    # Then the address, and only it, gets the alarms by e-mail
    template.resource_count_is("AWS::SNS::Subscription", subscriptions)
    if email is not None:
        template.has_resource_properties(
            "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": email}
        )


def test_the_dashboard_shows_chat_ingest_and_the_database_at_a_glance(
    synthesized: Synthesized,
) -> None:
    # Given the monitoring template
    template = synthesized.template_json(synthesized.names.monitoring_stack)
    (dashboard,) = resources_of_type(template, "AWS::CloudWatch::Dashboard").values()

    # When the dashboard body is rendered with its references as placeholders
    body = "".join(
        part if isinstance(part, str) else "<ref>"
        for part in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    )

    # Then it has the stage's name and a panel for each signal
    assert dashboard["Properties"]["DashboardName"] == synthesized.names.dashboard
    for title in (
        "Alarms",
        "Webhook requests",
        "Webhook latency",
        "Webhook errors",
        "Converse errors",
        "Ingest executions",
        "Dead-letter queue depth",
        "Spotify rate limits",
        "Fetch duration",
        "Database CPU",
        "Database free storage",
        "Database connections",
    ):
        assert f'"title":"{title}' in body
    for metric in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", METRIC_NAME):
        assert f'"{metric}"' in body
