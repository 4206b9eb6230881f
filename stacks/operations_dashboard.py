"""One CloudWatch dashboard: alarms first, then the chat path, the ingest path and the
database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from stacks.operational_metrics import OperationalMetrics

_WIDTH: Final = 6
_HEIGHT: Final = 6


class OperationsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        metrics: OperationalMetrics,
        alarms: Sequence[cloudwatch.IAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms), width=24, height=3)
        )
        self.dashboard.add_widgets(
            _graph("Webhook requests", [metrics.webhook_requests]),
            _graph(
                "Webhook latency and oldest unanswered message (ms)",
                [metrics.webhook_latency_p99, metrics.converse_event_age],
            ),
            _graph(
                "Webhook errors",
                [
                    metrics.webhook_server_errors,
                    metrics.webhook_client_errors,
                    metrics.webhook_function_errors,
                ],
            ),
            _graph(
                "Converse errors, events set aside and webhook items skipped",
                [
                    metrics.converse_errors,
                    metrics.converse_failures_depth,
                    metrics.webhook_items_skipped,
                ],
            ),
        )
        self.dashboard.add_widgets(
            _graph(
                "Ingest executions",
                [
                    metrics.ingest_started,
                    metrics.ingest_succeeded,
                    metrics.ingest_failed,
                    metrics.ingest_timed_out,
                    metrics.ingest_aborted,
                ],
            ),
            _graph(
                "Dead-letter queue depth",
                [metrics.dead_letter_depth, metrics.refresh_dead_letter_depth],
            ),
            _graph(
                "Spotify calls, rate limits (429) and artists it does not have",
                [metrics.spotify_calls, metrics.spotify_rate_limited, metrics.artists_not_found],
            ),
            _graph("Fetch duration (ms)", [metrics.fetch_duration_p50, metrics.fetch_duration_p99]),
        )
        self.dashboard.add_widgets(
            _graph("Answers sent and sends failed", [metrics.answers_sent, metrics.sends_failed]),
            _graph("Misses queued", [metrics.misses_queued]),
            _graph(
                "Miss to pushed answer (s)",
                [metrics.miss_to_answer_p50, metrics.miss_to_answer_p99],
            ),
        )
        self.dashboard.add_widgets(
            _graph("Database CPU (%)", [metrics.database_cpu]),
            _graph("Database free storage", [metrics.database_free_storage]),
            _graph("Database connections", [metrics.database_connections]),
            _graph("Waiting users given up on", [metrics.waiters_given_up]),
        )


def _graph(title: str, metrics: Sequence[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=_WIDTH, height=_HEIGHT)
