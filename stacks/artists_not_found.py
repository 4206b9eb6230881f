"""Artists Spotify does not have, as a metric, added up from the fetch function's JSON log lines.

Such an artist is tombstoned, not dead-lettered, so the dead-letter queue keeps meaning an
outage; this metric is where they show instead. A trickle is Spotify's catalog changing
(artists deleted or merged); a burst means a list of bad IDs was ingested.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.log_event_metric import LogEventMetric
from stacks.names import LogEvent

METRIC_NAME: Final = "ArtistsNotFound"


class ArtistsNotFoundMetric(LogEventMetric):
    """Adds up the not-found counts the fetch function logs into `namespace`/METRIC_NAME."""

    def __init__(
        self, scope: Construct, construct_id: str, *, log_group: logs.ILogGroup, namespace: str
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            log_group=log_group,
            namespace=namespace,
            event=LogEvent.ARTISTS_NOT_FOUND,
            metric_name=METRIC_NAME,
            label="artists not on Spotify",
            count_field=LogEvent.ARTIST_COUNT,
        )
