"""The metrics an operator watches, gathered once for the alarms and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from contracts.metrics import MetricName

PERIOD = Duration.minutes(5)
QUEUE_PERIOD = Duration.minutes(1)


@dataclass(frozen=True)
class OperationalMetrics:
    webhook_requests: cloudwatch.IMetric
    webhook_latency_p99: cloudwatch.IMetric
    webhook_server_errors: cloudwatch.IMetric
    webhook_client_errors: cloudwatch.IMetric
    webhook_function_errors: cloudwatch.IMetric
    converse_errors: cloudwatch.IMetric
    converse_event_age: cloudwatch.IMetric
    converse_failures_depth: cloudwatch.IMetric
    ingest_started: cloudwatch.IMetric
    ingest_succeeded: cloudwatch.IMetric
    ingest_failed: cloudwatch.IMetric
    ingest_timed_out: cloudwatch.IMetric
    ingest_aborted: cloudwatch.IMetric
    dead_letter_depth: cloudwatch.IMetric
    refresh_dead_letter_depth: cloudwatch.IMetric
    answers_sent: cloudwatch.IMetric
    sends_failed: cloudwatch.IMetric
    misses_queued: cloudwatch.IMetric
    miss_to_answer_p50: cloudwatch.IMetric
    miss_to_answer_p99: cloudwatch.IMetric
    spotify_calls: cloudwatch.IMetric
    spotify_rate_limited: cloudwatch.IMetric
    artists_not_found: cloudwatch.IMetric
    waiters_given_up: cloudwatch.IMetric
    webhook_items_skipped: cloudwatch.IMetric
    fetch_duration_p50: cloudwatch.IMetric
    fetch_duration_p99: cloudwatch.IMetric
    database_cpu: cloudwatch.IMetric
    database_free_storage: cloudwatch.IMetric
    database_connections: cloudwatch.IMetric


def operational_metrics(
    *,
    namespace: str,
    api: apigwv2.IHttpApi,
    webhook: lambda_.IFunction,
    converse: lambda_.IFunction,
    converse_failures: sqs.IQueue,
    ingest: sfn.IStateMachine,
    dead_letter_queue: sqs.IQueue,
    refresh_dead_letter_queue: sqs.IQueue,
    fetch_artists: lambda_.IFunction,
    artists_not_found: cloudwatch.IMetric,
    waiters_given_up: cloudwatch.IMetric,
    webhook_items_skipped: cloudwatch.IMetric,
    database: rds.IDatabaseInstance,
) -> OperationalMetrics:
    total = cloudwatch.Stats.SUM

    def written(name: str, label: str, statistic: str = total) -> cloudwatch.IMetric:
        """A metric the functions write (adapters/emf_metrics.py), summed over all of them."""
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=name,
            statistic=statistic,
            period=PERIOD,
            label=label,
        )

    def depth(queue: sqs.IQueue, label: str) -> cloudwatch.IMetric:
        return queue.metric_approximate_number_of_messages_visible(
            statistic=cloudwatch.Stats.MAXIMUM, period=QUEUE_PERIOD, label=label
        )

    return OperationalMetrics(
        webhook_requests=api.metric_count(period=PERIOD, label="requests"),
        webhook_latency_p99=api.metric_integration_latency(
            statistic=cloudwatch.Stats.p(99), period=PERIOD, label="integration latency p99"
        ),
        webhook_server_errors=api.metric_server_error(period=PERIOD, label="API 5xx"),
        webhook_client_errors=api.metric_client_error(period=PERIOD, label="API 4xx"),
        webhook_function_errors=webhook.metric_errors(
            statistic=total, period=PERIOD, label="webhook errors"
        ),
        converse_errors=converse.metric_errors(
            statistic=total, period=PERIOD, label="converse errors"
        ),
        # How long the oldest event waited in Lambda's own queue before converse ran it: the
        # backlog of answers, which grows when messages come faster than its concurrency allows.
        converse_event_age=converse.metric(
            "AsyncEventAge",
            statistic=cloudwatch.Stats.MAXIMUM,
            period=QUEUE_PERIOD,
            label="oldest waiting message (ms)",
        ),
        converse_failures_depth=depth(converse_failures, "converse events set aside"),
        ingest_started=ingest.metric_started(statistic=total, period=PERIOD, label="started"),
        ingest_succeeded=ingest.metric_succeeded(statistic=total, period=PERIOD, label="succeeded"),
        ingest_failed=ingest.metric_failed(statistic=total, period=PERIOD, label="failed"),
        ingest_timed_out=ingest.metric_timed_out(statistic=total, period=PERIOD, label="timed out"),
        ingest_aborted=ingest.metric_aborted(statistic=total, period=PERIOD, label="aborted"),
        dead_letter_depth=depth(dead_letter_queue, "dead letters"),
        refresh_dead_letter_depth=depth(refresh_dead_letter_queue, "refresh dead letters"),
        answers_sent=written(MetricName.ANSWERS_SENT, "answers sent"),
        sends_failed=written(MetricName.SENDS_FAILED, "sends failed"),
        misses_queued=written(MetricName.MISSES_QUEUED, "misses queued"),
        miss_to_answer_p50=written(
            MetricName.MISS_TO_ANSWER, "miss to pushed answer p50 (s)", cloudwatch.Stats.p(50)
        ),
        miss_to_answer_p99=written(
            MetricName.MISS_TO_ANSWER, "miss to pushed answer p99 (s)", cloudwatch.Stats.p(99)
        ),
        spotify_calls=written(MetricName.SPOTIFY_CALLS, "Spotify calls"),
        spotify_rate_limited=written(MetricName.SPOTIFY_RATE_LIMITED, "Spotify 429s"),
        artists_not_found=artists_not_found,
        waiters_given_up=waiters_given_up,
        webhook_items_skipped=webhook_items_skipped,
        fetch_duration_p50=fetch_artists.metric_duration(
            statistic=cloudwatch.Stats.p(50), period=PERIOD, label="fetch p50"
        ),
        fetch_duration_p99=fetch_artists.metric_duration(
            statistic=cloudwatch.Stats.p(99), period=PERIOD, label="fetch p99"
        ),
        database_cpu=database.metric_cpu_utilization(period=PERIOD, label="CPU %"),
        database_free_storage=database.metric_free_storage_space(
            statistic=cloudwatch.Stats.MINIMUM, period=PERIOD, label="free storage (bytes)"
        ),
        # Behind the proxy: the proxy's own connections, not the functions'.
        database_connections=database.metric_database_connections(
            statistic=cloudwatch.Stats.MAXIMUM, period=PERIOD, label="connections"
        ),
    )
