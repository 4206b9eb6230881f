"""The composition root: the one place that turns settings into adapters.

Built once per cold start and shared by every invocation of the process. Tests and the
local stack swap in their own through `use`, never by patching modules; tests put a fake in
front of the real stack by giving a root typed overrides (`Adapters` and its kin).

Every function imports this module, so it imports no adapter that needs NumPy or pyarrow at
its top: those are imported by the property that builds them. Only the functions that use
such an adapter carry the library (stacks/function_requirements.py), and the others' cold
starts do not load it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import boto3
import requests

from adapters.cloudformation import CustomResourceResponder
from adapters.dynamodb import (
    DynamoConversationMemory,
    DynamoGenreStore,
    DynamoProcessedMessages,
    DynamoWaiterStore,
)
from adapters.emf_metrics import UNMEASURED, EmfMeasurements
from adapters.lambda_inbox import LambdaInbox
from adapters.messenger import GraphMessenger, MessagingType
from adapters.postgres.connect import (
    PROXY_WARM_UP,
    Connector,
    Patience,
    iam_token_connector,
    url_connector,
)
from adapters.postgres.known_artists import PostgresKnownArtists
from adapters.postgres.names import PostgresNameIndex
from adapters.postgres.pool import ConnectionPool
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.tombstones import PostgresArtistTombstones
from adapters.postgres.tracks import PostgresTrackCatalog
from adapters.rds_proxy import PROXY_TARGET_WAIT, RdsProxyTargets
from adapters.s3_lake import S3RawLake
from adapters.s3_manifests import S3Manifests
from adapters.secrets import (
    ApplicationSecrets,
    GeneratedSecrets,
    read_application_secrets,
    read_generated_secrets,
)
from adapters.spotify import SpotipyCatalog, make_spotify_client
from adapters.sqs_queue import SqsWorkQueue
from domain.conversation import ConversationPorts
from domain.ingest import IngestPorts
from domain.lookups import LookupPorts
from domain.notify import NotifyPorts, PatientMessenger
from domain.readiness import ProxyTargets, TargetWait
from handlers.settings import (
    DatabaseEndpoint,
    DatabaseSettings,
    Settings,
    load_database_settings,
    load_settings,
)

if TYPE_CHECKING:
    from domain.ports import (
        ArtistRepository,
        ArtistTombstones,
        ConversationMemory,
        GenreStore,
        Inbox,
        KnownArtists,
        ManifestStore,
        Measurements,
        Messenger,
        NameIndex,
        ProcessedMessages,
        RawLake,
        SimilarityStore,
        SnapshotStore,
        SpotifyCatalog,
        TrackCatalog,
        WaiterStore,
        WorkQueue,
    )


# How long a reply may wait, in all, for the Send API to take its messages again after failing
# for now: a hiccup then costs the user seconds, well inside converse's 30 s, rather than the
# minute Lambda waits before trying a failed invocation again.
REPLY_RETRY_BUDGET_SECONDS = 6.0

_Port = TypeVar("_Port")
_Settings = TypeVar("_Settings", bound=DatabaseSettings)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Overrides:
    """Adapters a composition root uses instead of building its own: how tests put a fake
    in front of the real stack. Fields rather than names in a mapping, so that the type
    checker refuses a misspelt adapter or one of the wrong port, and constructing one with an
    unknown name is a TypeError, instead of the real adapter silently standing in.

    A field left None is built from the settings, as without overrides.
    """

    def given(self) -> dict[str, object]:
        """The adapters set, under the name of the root's property that answers each."""
        chosen = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: adapter for name, adapter in chosen.items() if adapter is not None}


@dataclass(frozen=True)
class DatabaseAdapters(_Overrides):
    """What `DatabaseDependencies` can be given instead of building."""

    connector: Connector | None = None
    proxy_targets: ProxyTargets | None = None
    pool: ConnectionPool | None = None


@dataclass(frozen=True)
class Adapters(DatabaseAdapters):
    """What `Dependencies` can be given instead of building: every adapter it builds."""

    application_secrets: ApplicationSecrets | None = None
    generated_secrets: GeneratedSecrets | None = None
    repository: ArtistRepository | None = None
    similarity: SimilarityStore | None = None
    snapshots: SnapshotStore | None = None
    spotify: SpotifyCatalog | None = None
    measurements: Measurements | None = None
    names: NameIndex | None = None
    tracks: TrackCatalog | None = None
    inbox: Inbox | None = None
    messenger: Messenger | None = None
    proactive_messenger: Messenger | None = None
    lake: RawLake | None = None
    known_artists: KnownArtists | None = None
    tombstones: ArtistTombstones | None = None
    manifests: ManifestStore | None = None
    genres: GenreStore | None = None
    waiters: WaiterStore | None = None
    processed: ProcessedMessages | None = None
    memory: ConversationMemory | None = None
    queue: WorkQueue | None = None


@dataclass(frozen=True)
class MigrationAdapters(_Overrides):
    """What `MigrationDependencies` can be given instead of building."""

    database: DatabaseDependencies[DatabaseSettings] | None = None
    responder: CustomResourceResponder | None = None


class _BuiltOnce:
    """Adapters built lazily, once, so each function connects only to what it uses.

    Each is kept under the name of the property that answers it, which is also the name of
    its field in the overrides: those given are answered as they are, never built.
    """

    def __init__(self, overrides: _Overrides) -> None:
        self._built: dict[str, object] = overrides.given()
        self._lock = threading.RLock()

    def _once(self, name: str, build: Callable[[], _Port]) -> _Port:
        # Handlers of the local stack run on several threads: build each adapter once.
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return cast(_Port, self._built[name])


class DatabaseDependencies(_BuiltOnce, Generic[_Settings]):
    """What any process that talks to PostgreSQL is built from."""

    def __init__(
        self, settings: _Settings, overrides: DatabaseAdapters = DatabaseAdapters()
    ) -> None:
        super().__init__(overrides)
        self.settings = settings

    def _client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]  # one factory for several services
            region_name=self.settings.aws_region,
            endpoint_url=self.settings.aws_endpoint_url,
        )

    @property
    def connector(self) -> Connector:
        """Opens a new connection to the configured database on each call."""
        return self._once("connector", self._database_connector)

    def _database_connector(self) -> Connector:
        database = self.settings.database
        if isinstance(database, DatabaseEndpoint):
            return iam_token_connector(
                self._client("rds"),
                host=database.host,
                port=database.port,
                dbname=database.name,
                user=database.user,
            )
        return url_connector(database.get_secret_value())

    @property
    def proxy_targets(self) -> ProxyTargets | None:
        """The targets of the RDS Proxy the settings name, if they name one."""
        return self._once("proxy_targets", self._proxy_targets)

    def _proxy_targets(self) -> ProxyTargets | None:
        proxy = self.settings.database_proxy
        return None if proxy is None else RdsProxyTargets(self._client("rds"), proxy)

    @property
    def pool(self) -> ConnectionPool:
        """The connections every PostgreSQL adapter of this root shares; a local tool's own
        queries take theirs from it too."""
        return self._once("pool", lambda: ConnectionPool(self.connector))

    def close(self) -> None:
        """Close the database connections: a command on one machine ends and closes them,
        where a function's last as long as its execution environment."""
        self.pool.close()


class Dependencies(DatabaseDependencies[Settings]):
    """The application functions': the stores, Spotify and Messenger."""

    def __init__(self, settings: Settings, overrides: Adapters = Adapters()) -> None:
        super().__init__(settings, overrides)

    @property
    def application_secrets(self) -> ApplicationSecrets:
        """Read from Secrets Manager on first use; a failed read is tried again next time."""
        return self._once(
            "application_secrets",
            lambda: read_application_secrets(
                self._client("secretsmanager"), self.settings.application_secret
            ),
        )

    @property
    def generated_secrets(self) -> GeneratedSecrets:
        """Read from Secrets Manager on first use; a failed read is tried again next time."""
        return self._once(
            "generated_secrets",
            lambda: read_generated_secrets(
                self._client("secretsmanager"), self.settings.generated_secret
            ),
        )

    @property
    def repository(self) -> ArtistRepository:
        return self._once(
            "repository",
            lambda: PostgresArtistRepository(self.pool),
        )

    @property
    def similarity(self) -> SimilarityStore:
        return self._once("similarity", self._similarity_store)

    def _similarity_store(self) -> SimilarityStore:
        from adapters.postgres.similarity import PostgresSimilarityStore  # noqa: PLC0415  # NumPy

        return PostgresSimilarityStore(self.pool)

    @property
    def snapshots(self) -> SnapshotStore:
        return self._once("snapshots", self._snapshot_store)

    def _snapshot_store(self) -> SnapshotStore:
        from adapters.s3_snapshots import S3Snapshots  # noqa: PLC0415  # NumPy

        return S3Snapshots(self._client("s3"), self.settings.lake_bucket)

    @property
    def spotify(self) -> SpotifyCatalog:
        return self._once(
            "spotify",
            lambda: SpotipyCatalog(
                make_spotify_client(
                    api_url=self.settings.spotify_api_url,
                    token_url=self.settings.spotify_auth_url,
                    client_id=self.application_secrets.spotify_client_id,
                    client_secret=self.application_secrets.spotify_client_secret,
                ),
                measurements=self.measurements,
            ),
        )

    @property
    def measurements(self) -> Measurements:
        return self._once("measurements", self._measurements)

    def _measurements(self) -> Measurements:
        namespace = self.settings.metric_namespace
        return UNMEASURED if namespace is None else EmfMeasurements(namespace)

    @property
    def names(self) -> NameIndex:
        return self._once("names", lambda: PostgresNameIndex(self.pool))

    @property
    def tracks(self) -> TrackCatalog:
        return self._once("tracks", lambda: PostgresTrackCatalog(self.pool))

    @property
    def inbox(self) -> Inbox:
        return self._once(
            "inbox", lambda: LambdaInbox(self._client("lambda"), self.settings.converse_function)
        )

    @property
    def messenger(self) -> Messenger:
        return self._once("messenger", lambda: self._graph_messenger("RESPONSE"))

    @property
    def proactive_messenger(self) -> Messenger:
        """Sends the messages the bot starts, such as answers pushed once an artist is fetched."""
        return self._once("proactive_messenger", lambda: self._graph_messenger("UPDATE"))

    def _graph_messenger(self, messaging_type: MessagingType) -> GraphMessenger:
        return GraphMessenger(
            requests.Session(),
            self.settings.graph_api_url,
            self.application_secrets.page_access_token,
            messaging_type=messaging_type,
            measurements=self.measurements,
        )

    @property
    def lake(self) -> RawLake:
        return self._once("lake", self._raw_lake)

    def _raw_lake(self) -> RawLake:
        from adapters.lake_tables import lake_tables  # noqa: PLC0415  # pyarrow

        return S3RawLake(self._client("s3"), self.settings.lake_bucket, lake_tables)

    @property
    def known_artists(self) -> KnownArtists:
        return self._once("known_artists", lambda: PostgresKnownArtists(self.pool))

    @property
    def tombstones(self) -> ArtistTombstones:
        return self._once("tombstones", lambda: PostgresArtistTombstones(self.pool))

    @property
    def manifests(self) -> ManifestStore:
        return self._once(
            "manifests", lambda: S3Manifests(self._client("s3"), self.settings.lake_bucket)
        )

    @property
    def genres(self) -> GenreStore:
        return self._once(
            "genres", lambda: DynamoGenreStore(self._client("dynamodb"), self.settings.genres_table)
        )

    @property
    def waiters(self) -> WaiterStore:
        return self._once(
            "waiters",
            lambda: DynamoWaiterStore(self._client("dynamodb"), self.settings.waiters_table),
        )

    @property
    def processed(self) -> ProcessedMessages:
        return self._once(
            "processed",
            lambda: DynamoProcessedMessages(
                self._client("dynamodb"), self.settings.messages_table, utc_now
            ),
        )

    @property
    def memory(self) -> ConversationMemory:
        return self._once(
            "memory",
            lambda: DynamoConversationMemory(
                self._client("dynamodb"), self.settings.last_answers_table
            ),
        )

    @property
    def queue(self) -> WorkQueue:
        return self._once(
            "queue", lambda: SqsWorkQueue(self._client("sqs"), self.settings.requests_queue_url)
        )

    def conversation(self) -> ConversationPorts:
        """One invocation's: its sends share one waiting budget."""
        return ConversationPorts(
            repository=self.repository,
            names=self.names,
            tracks=self.tracks,
            spotify=self.spotify,
            waiters=self.waiters,
            queue=self.queue,
            messenger=PatientMessenger(self.messenger, time.sleep, REPLY_RETRY_BUDGET_SECONDS),
            processed=self.processed,
            memory=self.memory,
            measurements=self.measurements,
        )

    def ingest(self) -> IngestPorts:
        return IngestPorts(
            spotify=self.spotify,
            lake=self.lake,
            genres=self.genres,
            repository=self.repository,
            tombstones=self.tombstones,
            clock=utc_now,
        )

    def lookups(self) -> LookupPorts:
        return LookupPorts(
            spotify=self.spotify,
            waiters=self.waiters,
            queue=self.queue,
            messenger=self.proactive_messenger,
            sleep=time.sleep,
        )

    def notify(self) -> NotifyPorts:
        return NotifyPorts(
            repository=self.repository,
            tracks=self.tracks,
            waiters=self.waiters,
            messenger=self.proactive_messenger,
            tombstones=self.tombstones,
            spotify=self.spotify,
            sleep=time.sleep,
            memory=self.memory,
            measurements=self.measurements,
        )


class MigrationDependencies(_BuiltOnce):
    """The schema migration function's. It must answer CloudFormation even when its own
    settings are wrong, so they are loaded on first use of the database, not up front.

    `clock` and `sleep` time the waits for the proxy and its first connection.
    """

    def __init__(
        self,
        load: Callable[[], DatabaseSettings] = load_database_settings,
        overrides: MigrationAdapters = MigrationAdapters(),
        *,
        patience: Patience = PROXY_WARM_UP,
        target_wait: TargetWait = PROXY_TARGET_WAIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(overrides)
        self._load = load
        self.patience = patience
        self.target_wait = target_wait
        self.clock = clock
        self.sleep = sleep

    @property
    def database(self) -> DatabaseDependencies[DatabaseSettings]:
        return self._once("database", lambda: DatabaseDependencies(self._load()))

    @property
    def responder(self) -> CustomResourceResponder:
        return self._once("responder", lambda: CustomResourceResponder(requests.Session()))


_lock = threading.Lock()
_current: Dependencies | None = None
_current_migration: MigrationDependencies | None = None


def dependencies() -> Dependencies:
    """This process's dependencies, built from the environment on first use."""
    global _current  # noqa: PLW0603  # the per-cold-start cache is process state by nature
    with _lock:
        if _current is None:
            _current = Dependencies(load_settings())
        return _current


def use(replacement: Dependencies | None) -> None:
    """Make every handler in this process use `replacement` (None: rebuild from the
    environment on next use)."""
    global _current  # noqa: PLW0603
    with _lock:
        _current = replacement


def migration_dependencies() -> MigrationDependencies:
    """The migration function's dependencies, built on first use."""
    global _current_migration  # noqa: PLW0603
    with _lock:
        if _current_migration is None:
            _current_migration = MigrationDependencies()
        return _current_migration


def use_for_migrations(replacement: MigrationDependencies | None) -> None:
    """Make the migration handler use `replacement` (None: rebuild on next use)."""
    global _current_migration  # noqa: PLW0603
    with _lock:
        _current_migration = replacement
