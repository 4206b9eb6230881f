"""The alarms that page the operator, each notifying the alarm topic when it fires and clears."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from domain.ingest import SPOTIFY_BATCH_LIMIT
from stacks.operational_metrics import OperationalMetrics

# Messenger retries deliveries acknowledged after 20 s; users notice long before that.
WEBHOOK_LATENCY_THRESHOLD_MS: Final = 1000
# One 429 is handled (the batch waits and retries); 429s in three periods running mean the
# app has outgrown its quota.
RATE_LIMITED_PERIODS: Final = 3
# A send the Send API refuses now and then is a user who blocked the page; this many within 5
# minutes is the page's token or permissions gone, or the Send API down: answers are lost.
SENDS_FAILED_BURST: Final = 10
# A user who asked about an artist the bot did not know is told the answer will come: the
# requests pipe's batching and one ingest take a minute or two, so a p99 past this, a quarter of
# an hour running, is answers stuck behind rate limits or failing executions.
MISS_TO_ANSWER_SECONDS: Final = 600
MISS_TO_ANSWER_PERIODS: Final = 3
DEAD_LETTER_MINUTES: Final = 5
# Spotify losing an artist now and then is its catalog changing, and is no outage: those are
# tombstoned. A whole batch's worth at once is a list of bad IDs, or Spotify answering wrongly,
# and every tombstoned artist drops out of the daily refresh.
ARTISTS_NOT_FOUND_BURST: Final = SPOTIFY_BATCH_LIMIT
# A user now and then blocks the page or lets their 24-hour window close; this many given up on
# within 5 minutes is the page losing its right to message anyone, or answers going unsent.
WAITERS_GIVEN_UP_BURST: Final = 20
# A hostile or broken sender's item now and then is skipped and harmless; this many within 5
# minutes is Meta sending something the webhook no longer understands: users go unanswered.
WEBHOOK_ITEMS_SKIPPED_BURST: Final = 10
# Nothing drains the queues of converse failures and refresh dead letters but the operator: one
# message there is already a loss to repair, and waiting longer would not make it go away.
SET_ASIDE_MINUTES: Final = 1
# Answers later than this, minute after minute, are a backlog the converse function's
# concurrency does not drain; Lambda keeps the events (up to its maximum age), but users wait.
CONVERSE_BACKLOG_AGE_MS: Final = 30_000
CONVERSE_BACKLOG_MINUTES: Final = 3
# A burstable instance above this for a quarter of an hour is spending its CPU credits.
DATABASE_CPU_PERCENT: Final = 80
DATABASE_CPU_PERIODS: Final = 3
# Storage grows on its own up to its maximum; this much left means the maximum is near.
DATABASE_FREE_STORAGE_BYTES: Final = 2 * 1024**3

_AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
_ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
_BELOW = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


class OperationalAlarms(Construct):
    """`alarms` maps each alarm's short name (see `alarm_name`) to the alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        metrics: OperationalMetrics,
        topic: sns.ITopic,
        alarm_name: Callable[[str], str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self._alarm_name = alarm_name
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self._alarm(
            "dead-letters",
            metrics.dead_letter_depth,
            "Artist requests reached the dead-letter queue: see docs/deploy.md to redrive them",
            threshold=0,
            comparison=_ABOVE,
            periods=DEAD_LETTER_MINUTES,
        )
        self._alarm(
            "artists-not-found",
            metrics.artists_not_found,
            f"Spotify said {ARTISTS_NOT_FOUND_BURST} or more artists are gone within 5 minutes; "
            "they are tombstoned and left out of the refresh: see docs/deploy.md",
            threshold=ARTISTS_NOT_FOUND_BURST,
            comparison=_AT_LEAST,
        )
        self._alarm(
            "waiters-given-up",
            metrics.waiters_given_up,
            f"{WAITERS_GIVEN_UP_BURST} or more waiting users were given up on within 5 minutes "
            "(blocked the page, cannot be messaged, window closed, artist gone): see "
            "docs/operations.md",
            threshold=WAITERS_GIVEN_UP_BURST,
            comparison=_AT_LEAST,
        )
        self._alarm(
            "webhook-items-skipped",
            metrics.webhook_items_skipped,
            f"The webhook skipped {WEBHOOK_ITEMS_SKIPPED_BURST} or more items of signed deliveries "
            "within 5 minutes, and their users got no answer: see docs/deploy.md",
            threshold=WEBHOOK_ITEMS_SKIPPED_BURST,
            comparison=_AT_LEAST,
        )
        for outcome, metric in (
            ("failed", metrics.ingest_failed),
            ("timed-out", metrics.ingest_timed_out),
            ("aborted", metrics.ingest_aborted),
        ):
            self._alarm(
                f"ingest-{outcome}",
                metric,
                f"An ingest execution {outcome.replace('-', ' ')}",
                threshold=1,
                comparison=_AT_LEAST,
            )
        self._alarm(
            "refresh-dead-letters",
            metrics.refresh_dead_letter_depth,
            "The daily refresh could not be started: see docs/deploy.md to start it by hand",
            threshold=0,
            comparison=_ABOVE,
            periods=SET_ASIDE_MINUTES,
        )
        self._alarm(
            "webhook-errors",
            metrics.webhook_function_errors,
            "The webhook function failed: Messenger deliveries are being refused",
            threshold=1,
            comparison=_AT_LEAST,
        )
        self._alarm(
            "converse-errors",
            metrics.converse_errors,
            "The converse function failed: users are left without an answer",
            threshold=1,
            comparison=_AT_LEAST,
        )
        self._alarm(
            "converse-backlog",
            metrics.converse_event_age,
            f"Messages have waited more than {CONVERSE_BACKLOG_AGE_MS // 1000} s to be answered "
            f"for {CONVERSE_BACKLOG_MINUTES} minutes: converse cannot keep up; see docs/deploy.md",
            threshold=CONVERSE_BACKLOG_AGE_MS,
            comparison=_ABOVE,
            periods=CONVERSE_BACKLOG_MINUTES,
        )
        self._alarm(
            "converse-failures",
            metrics.converse_failures_depth,
            "Converse events failed every try, or grew too old, and were set aside: those "
            "users got no answer; see docs/deploy.md to replay them",
            threshold=0,
            comparison=_ABOVE,
            periods=SET_ASIDE_MINUTES,
        )
        self._alarm(
            "webhook-5xx",
            metrics.webhook_server_errors,
            "The webhook API answered 5xx to Messenger",
            threshold=1,
            comparison=_AT_LEAST,
        )
        self._alarm(
            "webhook-latency",
            metrics.webhook_latency_p99,
            f"The webhook's p99 integration latency is above {WEBHOOK_LATENCY_THRESHOLD_MS} ms",
            threshold=WEBHOOK_LATENCY_THRESHOLD_MS,
            comparison=_ABOVE,
        )
        self._alarm(
            "spotify-rate-limited",
            metrics.spotify_rate_limited,
            "Spotify keeps answering 429: ingest is deferred again and again",
            threshold=1,
            comparison=_AT_LEAST,
            periods=RATE_LIMITED_PERIODS,
        )
        self._alarm(
            "sends-failed",
            metrics.sends_failed,
            f"The Send API refused {SENDS_FAILED_BURST} or more messages within 5 minutes: "
            "users go unanswered",
            threshold=SENDS_FAILED_BURST,
            comparison=_AT_LEAST,
        )
        self._alarm(
            "answers-late",
            metrics.miss_to_answer_p99,
            f"Users waiting for an artist the bot had to look up get their answer more than "
            f"{MISS_TO_ANSWER_SECONDS} s after asking (p99)",
            threshold=MISS_TO_ANSWER_SECONDS,
            comparison=_ABOVE,
            periods=MISS_TO_ANSWER_PERIODS,
        )
        self._alarm(
            "database-cpu",
            metrics.database_cpu,
            f"PostgreSQL's CPU has stayed above {DATABASE_CPU_PERCENT}%: a larger instance class "
            "or a slow query to find",
            threshold=DATABASE_CPU_PERCENT,
            comparison=_ABOVE,
            periods=DATABASE_CPU_PERIODS,
        )
        self._alarm(
            "database-storage",
            metrics.database_free_storage,
            "PostgreSQL has less than 2 GiB free: storage is near its maximum",
            threshold=DATABASE_FREE_STORAGE_BYTES,
            comparison=_BELOW,
        )

    def _alarm(
        self,
        short_name: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        periods: int = 1,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            "".join(part.capitalize() for part in short_name.split("-")),
            alarm_name=self._alarm_name(short_name),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            # No data means nothing happened: no requests, no executions, no dead letters.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms[short_name] = alarm
