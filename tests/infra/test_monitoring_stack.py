"""The monitoring stack: an alarm for each way the system can fail, notifying one encrypted
topic, the dashboard an operator reads, and a runbook row for each alarm."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from contracts.metrics import MetricName
from contracts.names import LogEvent
from stacks.alarm_topic import AlarmTopic
from stacks.log_event_metric import (
    ARTISTS_NOT_FOUND,
    WAITERS_GIVEN_UP,
    WEBHOOK_ITEMS_SKIPPED,
)
from tests.infra.synthesis import REPOSITORY_ROOT, Synthesized
from tests.infra.template_queries import ResourceRef, resolve, resources_of_type

GREATER = "GreaterThanThreshold"
# The operator's runbook: one table row per alarm, saying what it means and what to do.
RUNBOOK = REPOSITORY_ROOT / "docs" / "deploy.md"
RUNBOOK_HEADING = "When an alarm fires"
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
_QUEUE = "AWS::SQS::Queue"
_VISIBLE = "ApproximateNumberOfMessagesVisible"


@pytest.mark.parametrize(
    ("short_name", "expected"),
    [
        ("dead-letters", ExpectedAlarm("AWS/SQS", _VISIBLE, GREATER, 0, 5, _QUEUE)),
        ("converse-failures", ExpectedAlarm("AWS/SQS", _VISIBLE, GREATER, 0, 1, _QUEUE)),
        ("refresh-dead-letters", ExpectedAlarm("AWS/SQS", _VISIBLE, GREATER, 0, 1, _QUEUE)),
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
        (
            "converse-backlog",
            ExpectedAlarm("AWS/Lambda", "AsyncEventAge", GREATER, 30_000, 3, _FUNCTION),
        ),
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
    # Given the two function error alarms, and the converse backlog's
    webhook = _dimension_target(synthesized, _alarm(synthesized, "webhook-errors"))
    converse = _dimension_target(synthesized, _alarm(synthesized, "converse-errors"))
    backlog = _dimension_target(synthesized, _alarm(synthesized, "converse-backlog"))

    # When the functions they watch are looked up
    handlers = {
        target.logical_id: synthesized.templates[target.stack]["Resources"][target.logical_id][
            "Properties"
        ]["Handler"]
        for target in (webhook, converse)
    }

    # Then each alarm watches its own function, and the backlog converse's
    assert handlers == {
        webhook.logical_id: "handlers.webhook.handle",
        converse.logical_id: "handlers.converse.handle",
    }
    assert backlog == converse


@pytest.mark.parametrize(
    ("short_name", "queue_name"),
    [
        ("dead-letters", "requests_dead_letter_queue"),
        ("converse-failures", "converse_failures_queue"),
        ("refresh-dead-letters", "refresh_dead_letter_queue"),
    ],
)
def test_each_queue_alarm_watches_its_own_queue_minute_by_minute(
    synthesized: Synthesized, short_name: str, queue_name: str
) -> None:
    # Given the alarm on one of the queues where failures wait
    alarm = _alarm(synthesized, short_name)

    # When the queue it watches is looked up in the stack that owns it
    watched = _dimension_target(synthesized, alarm)
    queue = synthesized.templates[watched.stack]["Resources"][watched.logical_id]

    # Then it is the queue of that name, read each minute at its fullest
    assert queue["Properties"]["QueueName"] == getattr(synthesized.names, queue_name)
    assert (_metric_stat(alarm)["Period"], _metric_stat(alarm)["Stat"]) == (60, "Maximum")


def test_the_latency_alarm_reads_the_99th_percentile(synthesized: Synthesized) -> None:
    # Given the latency alarm
    alarm = _alarm(synthesized, "webhook-latency")

    # When its statistic is read
    statistic = _metric_stat(alarm)["Stat"]

    # Then it is p99, not an average that hides the slow tail
    assert statistic == "p99"


@dataclass(frozen=True)
class MeasuredAlarm:
    metric: str
    statistic: str
    comparison: str
    periods: int


@pytest.mark.parametrize(
    ("short_name", "expected"),
    [
        (
            "spotify-rate-limited",
            MeasuredAlarm(MetricName.SPOTIFY_RATE_LIMITED, "Sum", AT_LEAST, 3),
        ),
        ("sends-failed", MeasuredAlarm(MetricName.SENDS_FAILED, "Sum", AT_LEAST, 1)),
        ("answers-late", MeasuredAlarm(MetricName.MISS_TO_ANSWER, "p99", GREATER, 3)),
    ],
)
def test_alarms_on_what_the_functions_measure_read_their_metrics_across_functions(
    synthesized: Synthesized, short_name: str, expected: MeasuredAlarm
) -> None:
    # Given the alarm of that name
    alarm = _alarm(synthesized, short_name)

    # When its metric is read
    stat = _metric_stat(alarm)

    # Then it is the functions' own metric (adapters/emf_metrics.py) in the stage's namespace,
    # with no dimension, so that every function's measurements add up in it
    assert stat["Metric"] == {
        "Namespace": synthesized.names.metric_namespace,
        "MetricName": expected.metric,
    }
    assert stat["Stat"] == expected.statistic
    assert (alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
        expected.comparison,
        expected.periods,
    )


def test_no_metric_filter_counts_what_the_functions_measure_themselves(
    synthesized: Synthesized,
) -> None:
    # Given the metrics the functions write as EMF
    written = (
        MetricName.ANSWERS_SENT,
        MetricName.SENDS_FAILED,
        MetricName.MISSES_QUEUED,
        MetricName.MISS_TO_ANSWER,
        MetricName.SPOTIFY_CALLS,
        MetricName.SPOTIFY_RATE_LIMITED,
    )

    # When the monitoring stack's metric filters are looked up by what they publish
    filters = [name for name in written if _metric_filters(synthesized, name)]

    # Then none publishes one of them too, which would count it twice
    assert filters == []


def _metric_filter(synthesized: Synthesized, metric_name: str) -> dict[str, Any]:
    """The properties of the monitoring stack's one metric filter publishing `metric_name`."""
    filters = _metric_filters(synthesized, metric_name)
    assert len(filters) == 1, f"expected one metric filter for {metric_name}"
    return filters[0]


def _metric_filters(synthesized: Synthesized, metric_name: str) -> list[dict[str, Any]]:
    """The properties of the monitoring stack's metric filters publishing `metric_name`."""
    template = synthesized.template_json(synthesized.names.monitoring_stack)
    return [
        metric_filter["Properties"]
        for metric_filter in resources_of_type(template, "AWS::Logs::MetricFilter").values()
        if metric_filter["Properties"]["MetricTransformations"][0]["MetricName"] == metric_name
    ]


def _log_group_name(synthesized: Synthesized, metric_filter: dict[str, Any]) -> str:
    """The name of the log group a metric filter reads."""
    log_group = resolve(
        metric_filter["LogGroupName"], synthesized.names.monitoring_stack, synthesized.templates
    )
    assert isinstance(log_group, ResourceRef)
    resource = synthesized.templates[log_group.stack]["Resources"][log_group.logical_id]
    name: str = resource["Properties"]["LogGroupName"]
    return name


def test_artists_spotify_does_not_have_are_added_up_from_the_fetch_functions_log(
    synthesized: Synthesized,
) -> None:
    # Given the monitoring template's metric filter for artists not found
    properties = _metric_filter(synthesized, ARTISTS_NOT_FOUND.metric_name)

    # When the alarm on its metric is looked up
    alarm = _alarm(synthesized, "artists-not-found")

    # Then it adds up the count each not-found line of the fetch function's log carries, and
    # the alarm fires only for a whole batch's worth within 5 minutes: an artist gone from
    # Spotify now and then is no outage
    assert properties["FilterPattern"] == (
        f'{{ $.{LogEvent.FIELD} = "{LogEvent.ARTISTS_NOT_FOUND}" }}'
    )
    assert _log_group_name(synthesized, properties) == "/aws/lambda/" + (
        synthesized.names.function("handlers.fetch_artists.handle")
    )
    (transformation,) = properties["MetricTransformations"]
    assert transformation["MetricNamespace"] == synthesized.names.metric_namespace
    assert transformation["MetricValue"] == f"$.{LogEvent.ARTIST_COUNT}"
    watched = _metric_stat(alarm)
    assert (watched["Metric"]["MetricName"], watched["Stat"], watched["Period"]) == (
        ARTISTS_NOT_FOUND.metric_name,
        "Sum",
        300,
    )
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
        50,
        AT_LEAST,
        1,
    )


def test_waiting_users_given_up_on_are_counted_from_every_function_that_gives_up(
    synthesized: Synthesized,
) -> None:
    # Given the monitoring template's metric filters for waiters given up on
    filters = _metric_filters(synthesized, WAITERS_GIVEN_UP.metric_name)

    # When the alarm on their metric is looked up
    alarm = _alarm(synthesized, "waiters-given-up")

    # Then each give-up line of NotifyWaiters', ResolveLookups' and GiveUpStaleWaiters' logs
    # counts one in the same metric, and the alarm fires only for a burst within 5 minutes: a
    # user blocking the page now and then is no outage
    assert sorted(_log_group_name(synthesized, properties) for properties in filters) == sorted(
        "/aws/lambda/" + synthesized.names.function(handler)
        for handler in (
            "handlers.notify_waiters.handle",
            "handlers.resolve_lookups.handle",
            "handlers.give_up_stale_waiters.handle",
        )
    )
    for properties in filters:
        assert properties["FilterPattern"] == (
            f'{{ $.{LogEvent.FIELD} = "{LogEvent.WAITER_GIVEN_UP}" }}'
        )
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricNamespace"] == synthesized.names.metric_namespace
        assert transformation["MetricValue"] == "1"
    watched = _metric_stat(alarm)
    assert (watched["Metric"]["MetricName"], watched["Stat"], watched["Period"]) == (
        WAITERS_GIVEN_UP.metric_name,
        "Sum",
        300,
    )
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
        20,
        AT_LEAST,
        1,
    )


def test_skipped_webhook_items_are_counted_from_the_webhook_functions_log(
    synthesized: Synthesized,
) -> None:
    # Given the monitoring template's metric filter for webhook items skipped
    properties = _metric_filter(synthesized, WEBHOOK_ITEMS_SKIPPED.metric_name)

    # When the alarm on its metric is looked up
    alarm = _alarm(synthesized, "webhook-items-skipped")

    # Then each skip line of the webhook's log counts one, and the alarm fires for a burst of
    # them within 5 minutes: Messenger got its 200, so nothing else would show those users
    assert properties["FilterPattern"] == (
        f'{{ $.{LogEvent.FIELD} = "{LogEvent.WEBHOOK_ITEM_SKIPPED}" }}'
    )
    assert _log_group_name(synthesized, properties) == "/aws/lambda/" + (
        synthesized.names.function("handlers.webhook.handle")
    )
    (transformation,) = properties["MetricTransformations"]
    assert transformation["MetricValue"] == "1"
    watched = _metric_stat(alarm)
    assert (watched["Metric"]["MetricName"], watched["Stat"], watched["Period"]) == (
        WEBHOOK_ITEMS_SKIPPED.metric_name,
        "Sum",
        300,
    )
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
        10,
        AT_LEAST,
        1,
    )


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
    assert len(actions) == 19
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
        "Spotify calls, rate limits",
        "Fetch duration",
        "Answers sent and sends failed",
        "Misses queued",
        "Miss to pushed answer",
        "Database CPU",
        "Database free storage",
        "Database connections",
        "Waiting users given up on",
    ):
        assert f'"title":"{title}' in body
    for metric in (
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "AsyncEventAge",
        MetricName.SPOTIFY_RATE_LIMITED,
        MetricName.SPOTIFY_CALLS,
        MetricName.ANSWERS_SENT,
        MetricName.SENDS_FAILED,
        MetricName.MISSES_QUEUED,
        MetricName.MISS_TO_ANSWER,
        ARTISTS_NOT_FOUND.metric_name,
        WAITERS_GIVEN_UP.metric_name,
    ):
        assert f'"{metric}"' in body
    # And each queue where failures wait is graphed
    for label in ("dead letters", "refresh dead letters", "converse events set aside"):
        assert f'"label":"{label}"' in body


def test_every_alarm_has_one_row_in_the_runbook(synthesized: Synthesized) -> None:
    # Given every alarm of the monitoring stack, by the short name it is documented under
    template = synthesized.template_json(synthesized.names.monitoring_stack)
    prefix = synthesized.names.alarm("")
    alarms = [
        alarm["Properties"]["AlarmName"].removeprefix(prefix)
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    ]

    # When the rows of the runbook's table are read, up to the section's next heading
    section = RUNBOOK.read_text(encoding="utf-8").split(RUNBOOK_HEADING, 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE)

    # Then each alarm has its row, and each row is an alarm's
    assert sorted(rows) == sorted(alarms)
