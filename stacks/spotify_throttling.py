"""Spotify's 429s as a metric, counted from the fetch function's JSON log lines.

Step Functions publishes no per-state metrics, so the workflow's wait for a rate limit cannot
be counted there; the function logs each rate limit with `event` = LogEvent.SPOTIFY_RATE_LIMITED.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.log_event_metric import LogEventMetric
from stacks.names import LogEvent

METRIC_NAME: Final = "SpotifyRateLimited"


class SpotifyThrottlingMetric(LogEventMetric):
    """Counts the rate-limit log lines of `log_group` into `namespace`/METRIC_NAME."""

    def __init__(
        self, scope: Construct, construct_id: str, *, log_group: logs.ILogGroup, namespace: str
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            log_group=log_group,
            namespace=namespace,
            event=LogEvent.SPOTIFY_RATE_LIMITED,
            metric_name=METRIC_NAME,
            label="Spotify 429s",
        )
