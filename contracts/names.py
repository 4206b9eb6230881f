"""Every name the infrastructure gives out, in one place: the stacks deploy under these names,
the local runtime creates its resources under them, and the functions log the events the
operator's metric filters count by them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PROJECT: Final = "sixpotify"


class Handler:
    """The Lambda entry points, as `module.function` inside the code asset."""

    WEBHOOK: Final = "handlers.webhook.handle"
    CONVERSE: Final = "handlers.converse.handle"
    RESOLVE_LOOKUPS: Final = "handlers.resolve_lookups.handle"
    PLAN_BATCHES: Final = "handlers.plan_batches.handle"
    FETCH_ARTISTS: Final = "handlers.fetch_artists.handle"
    RECOMPUTE_SIMILARITY: Final = "handlers.recompute_similarity.handle"
    NOTIFY_WAITERS: Final = "handlers.notify_waiters.handle"
    GIVE_UP_STALE_WAITERS: Final = "handlers.give_up_stale_waiters.handle"
    PLAN_REFRESH: Final = "handlers.plan_refresh.handle"
    PREPARE_SIMILARITY_REBUILD: Final = "handlers.prepare_similarity_rebuild.handle"
    COMPUTE_SIMILARITY_SHARD: Final = "handlers.compute_similarity_shard.handle"
    FINISH_SIMILARITY_REBUILD: Final = "handlers.finish_similarity_rebuild.handle"
    ABANDON_SIMILARITY_REBUILD: Final = "handlers.abandon_similarity_rebuild.handle"
    MIGRATE_DATABASE: Final = "handlers.migrate_database.handle"


class EnvironmentVariable:
    """What the functions read at cold start (see handlers/settings.py). None holds a secret
    value: secrets are read from Secrets Manager by ARN, and PostgreSQL is reached through RDS
    Proxy with an IAM token instead of a password."""

    # The local stack and tests connect by URL; deployed functions by the four below.
    DATABASE_URL: Final = "DATABASE_URL"
    DATABASE_HOST: Final = "SIXPOTIFY_DATABASE_HOST"
    DATABASE_PORT: Final = "SIXPOTIFY_DATABASE_PORT"
    DATABASE_NAME: Final = "SIXPOTIFY_DATABASE_NAME"
    DATABASE_USER: Final = "SIXPOTIFY_DATABASE_USER"
    DATABASE_PROXY: Final = "SIXPOTIFY_DATABASE_PROXY"
    APPLICATION_SECRET: Final = "SIXPOTIFY_APPLICATION_SECRET"  # noqa: S105  # an ARN, not a value
    GENERATED_SECRET: Final = "SIXPOTIFY_GENERATED_SECRET"  # noqa: S105  # an ARN, not a value
    LAKE_BUCKET: Final = "SIXPOTIFY_LAKE_BUCKET"
    GENRES_TABLE: Final = "SIXPOTIFY_GENRES_TABLE"
    WAITERS_TABLE: Final = "SIXPOTIFY_WAITERS_TABLE"
    MESSAGES_TABLE: Final = "SIXPOTIFY_MESSAGES_TABLE"
    LAST_ANSWERS_TABLE: Final = "SIXPOTIFY_LAST_ANSWERS_TABLE"
    REQUESTS_QUEUE_URL: Final = "SIXPOTIFY_REQUESTS_QUEUE_URL"
    CONVERSE_FUNCTION: Final = "SIXPOTIFY_CONVERSE_FUNCTION"
    METRIC_NAMESPACE: Final = "SIXPOTIFY_METRIC_NAMESPACE"


# The database and the role the functions log in as, through RDS Proxy.
DATABASE_NAME: Final = PROJECT
DATABASE_USER: Final = PROJECT


WEBHOOK_PATH: Final = "/webhook"


class LogEvent:
    """Values of the `event` field that functions log (as `extra`) for metric filters to count."""

    FIELD: Final = "event"
    # Spotify has no artist of these IDs any more (domain/ingest.py).
    ARTISTS_NOT_FOUND: Final = "artists_not_found"
    # The field of an ARTISTS_NOT_FOUND line that says how many artists it stands for.
    ARTIST_COUNT: Final = "artist_count"
    # A user waited too long for an artist and was told so (domain/notify.py).
    WAITER_GIVEN_UP: Final = "waiter_given_up"
    # A webhook entry the bot does not handle was skipped (domain/webhook.py).
    WEBHOOK_ITEM_SKIPPED: Final = "webhook_item_skipped"


@dataclass(frozen=True)
class ResourceNames:
    """Physical names for one stage; a stage is one deployment (dev, prod, ...)."""

    stage: str

    def _named(self, suffix: str) -> str:
        return f"{PROJECT}-{self.stage}-{suffix}"

    @property
    def data_stack(self) -> str:
        return self._named("data")

    @property
    def pipeline_stack(self) -> str:
        return self._named("pipeline")

    @property
    def chat_stack(self) -> str:
        return self._named("chat")

    @property
    def analytics_stack(self) -> str:
        return self._named("analytics")

    @property
    def monitoring_stack(self) -> str:
        return self._named("monitoring")

    @property
    def network_stack(self) -> str:
        return self._named("network")

    @property
    def database_stack(self) -> str:
        return self._named("database")

    @property
    def application_secret(self) -> str:
        """Spotify's and Meta's credentials, one JSON document the operator writes
        (adapters/secrets.py)."""
        return f"{PROJECT}/{self.stage}/application"

    @property
    def generated_secret(self) -> str:
        """The values the deployment generates (the webhook's verify token), one JSON document."""
        return f"{PROJECT}/{self.stage}/generated"

    @property
    def database_secret(self) -> str:
        """The database owner's generated credentials, read by RDS Proxy only."""
        return f"{PROJECT}/{self.stage}/database"

    @property
    def database_instance(self) -> str:
        return self._named("postgres")

    @property
    def database_proxy(self) -> str:
        return self._named("postgres-proxy")

    @property
    def lake_database(self) -> str:
        # Glue database names allow lowercase letters, digits and underscores only.
        return f"{PROJECT}_{self.stage}_lake".replace("-", "_").lower()

    @property
    def athena_workgroup(self) -> str:
        return self._named("analytics")

    @property
    def alarm_topic(self) -> str:
        return self._named("alarms")

    @property
    def dashboard(self) -> str:
        return self._named("operations")

    @property
    def metric_namespace(self) -> str:
        """Where the stage's own metrics go: those the functions write (adapters/emf_metrics.py)
        and those counted from their log lines (stacks/log_event_metric.py)."""
        return f"{PROJECT}/{self.stage}"

    def alarm(self, what: str) -> str:
        """`dlq-depth` -> `sixpotify-dev-dlq-depth`."""
        return self._named(what)

    @property
    def genres_table(self) -> str:
        return self._named("genres")

    @property
    def waiters_table(self) -> str:
        return self._named("waiters")

    @property
    def messages_table(self) -> str:
        return self._named("processed-messages")

    @property
    def last_answers_table(self) -> str:
        return self._named("last-answers")

    @property
    def requests_queue(self) -> str:
        return self._named("artist-requests")

    @property
    def requests_dead_letter_queue(self) -> str:
        return self._named("artist-requests-dlq")

    @property
    def requests_pipe(self) -> str:
        return self._named("artist-requests-to-ingest")

    @property
    def requests_pipe_log_group(self) -> str:
        return f"/aws/vendedlogs/pipes/{self.requests_pipe}"

    @property
    def ingest_state_machine(self) -> str:
        return self._named("ingest")

    @property
    def ingest_log_group(self) -> str:
        # The vended-logs prefix keeps CloudWatch's resource policy from growing per group.
        return f"/aws/vendedlogs/states/{self.ingest_state_machine}"

    @property
    def refresh_schedule(self) -> str:
        return self._named("daily-refresh")

    @property
    def refresh_dead_letter_queue(self) -> str:
        """Where the daily refresh goes when the schedule cannot start it."""
        return self._named("daily-refresh-dlq")

    @property
    def converse_failures_queue(self) -> str:
        """Where Lambda puts the converse invocations that failed for good."""
        return self._named("converse-failures")

    @property
    def webhook_api(self) -> str:
        return self._named("messenger-webhook")

    def function(self, handler: str) -> str:
        """`handlers.plan_batches.handle` -> `sixpotify-dev-plan-batches`."""
        module = handler.split(".")[-2]
        return self._named(module.replace("_", "-"))
