"""The whole system on one machine: every stand-in started, wired, and ready for a chat.

`LocalStack` is what `sixpotify local up`, `sixpotify demo` and the end-to-end tests run.
The handlers run in this process, or, as `sixpotify local up` runs them, the webhook and
converse in processes of their own: exactly the functions AWS would run, built by the same
composition root from the same settings model.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
from pydantic import SecretStr

from adapters.postgres.migrator import apply_migrations
from adapters.secrets import ApplicationSecrets, GeneratedSecrets
from handlers import composition
from handlers.settings import Settings
from local import lambda_dispatch
from local.aws import REGION, LocalAws, LocalResources
from local.catalog import Catalog, load_catalog
from local.chat import ChatClient, ChatEndpoints
from local.executions import ExecutionRunner
from local.gateway import MESSENGER_REDELIVERY, LocalGateway, Redelivery
from local.graph_sink import GraphSink
from local.pipe import LocalPipe
from local.postgres import database_url_from_environment_or_embedded
from local.process_start import freeze_what_starting_built
from local.progress import ProgressBar
from local.published import LOCAL_JSON, PublishedStack
from local.spotify_server import SpotifyServer
from local.web_chat import WebChatServer
from local.webhook_process import (
    WebhookProcess,
    WebhookProcessSettings,
    asynchronous_status,
    webhook_gateway,
)

_log = logging.getLogger(__name__)
# How long a stopping stack waits for the asynchronous invocations it accepted to run; what is
# still waiting then is set aside on its function's on-failure queue instead.
DRAIN_SECONDS = 30.0
PAGE_ID = "100000000000001"
# The embedded PostgreSQL's data directory, under the state directory.
POSTGRES_DATA_DIR = "pgdata"
# How often the embedded PostgreSQL is checked, and restarted if it stopped: an outage lasts
# this long plus the restart (about a second with crash recovery), and every message that
# needed the database meanwhile waits on the converse-failures queue for a replay.
POSTGRES_CHECK_SECONDS = 0.25
# How often an awaited execution is looked at.
_POLL_SECONDS = 0.1


class ExecutionFailedError(RuntimeError):
    """An ingest execution ended in another state than SUCCEEDED."""


@dataclass
class LocalStack:
    """A running stack; get one from `start_local_stack`."""

    endpoints: PublishedStack
    resources: LocalResources
    aws: LocalAws
    spotify: SpotifyServer
    graph: GraphSink
    pipe: LocalPipe
    catalog: Catalog
    state_dir: Path
    _exit: contextlib.ExitStack

    def messenger_user(self, user_id: str) -> ChatClient:
        """A Messenger user talking to this stack's page."""
        return ChatClient(ChatEndpoints.published(self.endpoints), user_id)

    def write_local_json(self) -> Path:
        """Publish the endpoints for `sixpotify chat` and other clients until exit."""
        path = self.state_dir / LOCAL_JSON
        self.endpoints.write(path)
        self._exit.callback(path.unlink, missing_ok=True)
        return path

    def ingest(self, artist_ids: Sequence[str], name: str, timeout_seconds: float = 300) -> Any:
        """Run the ingest workflow over these IDs, as of the execution's start, and wait."""
        return self.wait_for_execution(self._start_ingest(artist_ids, name), timeout_seconds)

    def _start_ingest(self, artist_ids: Sequence[str], name: str) -> str:
        return self._executions().start(name, {"artist_ids": list(artist_ids)})

    def wait_for_execution(
        self,
        execution_arn: str,
        timeout_seconds: float = 300,
        at_every_look: Callable[[], None] = lambda: None,
    ) -> Any:
        """The execution's output once it succeeded; ExecutionFailedError otherwise.
        at_every_look is called after each look at the execution."""
        ended = self._executions().wait(execution_arn, timeout_seconds, at_every_look)
        if ended.still_running:
            raise ExecutionFailedError(f"{execution_arn} still running after {timeout_seconds} s")
        if not ended.succeeded:
            raise ExecutionFailedError(
                f"{execution_arn} ended {ended.status}: {ended.error} {(ended.cause or '')[:500]}"
            )
        return ended.output

    def _executions(self) -> ExecutionRunner:
        return ExecutionRunner(
            self.aws.client("stepfunctions"),
            self.resources.ingest_state_machine_arn,
            poll_seconds=_POLL_SECONDS,
        )

    def seed(self, held_back_names: Sequence[str] = (), progress: ProgressBar | None = None) -> int:
        """Ingest the catalog's artists, except the held-back ones, which stay unknown so
        a chat about them is a miss, showing on `progress` how many are stored so far.
        Returns how many were ingested."""
        held_back = {name.casefold() for name in held_back_names}
        artist_ids = sorted(
            artist.id
            for artist in self.catalog.artists.values()
            if artist.name.casefold() not in held_back
        )
        execution_arn = self._start_ingest(artist_ids, name=f"seed-{int(time.time() * 1000)}")
        if progress is None:
            self.wait_for_execution(execution_arn)
            return len(artist_ids)
        # The execution stamps what it stores as of its start (its input has no as_of); the
        # listed start is finer than that stamp, which drops the fraction of the second.
        started_at = (
            self.aws.client("stepfunctions")
            .describe_execution(executionArn=execution_arn)["startDate"]
            .replace(microsecond=0)
        )
        # The functions' own root: this process is where the stack runs them.
        known = composition.dependencies().known_artists
        self.wait_for_execution(
            execution_arn,
            at_every_look=lambda: progress.show(
                "seeding",
                min(known.fetched_since(started_at), len(artist_ids)),
                len(artist_ids),
            ),
        )
        progress.show("seeding", len(artist_ids), len(artist_ids))
        progress.finish()
        return len(artist_ids)


@contextlib.contextmanager
def start_local_stack(
    state_dir: Path,
    catalog: Catalog | None = None,
    database_url: str | None = None,
    webhook_redelivery: Redelivery | None = MESSENGER_REDELIVERY,
    *,
    drain_seconds: float = DRAIN_SECONDS,
    converse_processes: int = 0,
    webhook_process: bool = False,
    retry_waits: tuple[float, float] = lambda_dispatch.QUICK_RETRY_WAITS_SECONDS,
) -> Iterator[LocalStack]:
    """Every stand-in started and wired; all of it stops when the block ends.

    The database is `database_url` if given, else DATABASE_URL, else an embedded server
    keeping its data under state_dir, restarted on the same data and address whenever it
    stops while the stack runs. The gateway delivers a webhook POST again as Meta
    does after a failed or slow answer, unless webhook_redelivery is None. Stopping waits up
    to drain_seconds for the asynchronous invocations already accepted. converse_processes
    worker processes answer messages, as Lambda's execution environments do (none: the
    stack's own process, where adapters a test swaps in reach them); with webhook_process,
    the gateway, the webhook function and the Lambda service converse runs behind run in a
    process of their own too. A failed asynchronous event is tried again after each of
    retry_waits (Lambda's own are a minute and two). The functions write no metrics: no
    CloudWatch reads them here, and the output is the operator's.
    """
    with contextlib.ExitStack() as exit_stack:
        state_dir.mkdir(parents=True, exist_ok=True)
        if database_url is None:
            database_url = exit_stack.enter_context(
                database_url_from_environment_or_embedded(
                    state_dir / POSTGRES_DATA_DIR, supervise_every_seconds=POSTGRES_CHECK_SECONDS
                )
            )
        yield _start(
            state_dir,
            catalog or load_catalog(),
            database_url,
            exit_stack,
            webhook_redelivery,
            drain_seconds=drain_seconds,
            converse_processes=converse_processes,
            webhook_process=webhook_process,
            retry_waits=retry_waits,
        )


def _start(
    state_dir: Path,
    catalog: Catalog,
    database_url: str,
    exit_stack: contextlib.ExitStack,
    webhook_redelivery: Redelivery | None,
    *,
    drain_seconds: float,
    converse_processes: int,
    webhook_process: bool,
    retry_waits: tuple[float, float],
) -> LocalStack:
    with contextlib.closing(psycopg2.connect(database_url)) as connection:
        apply_migrations(connection)

    spotify_id, spotify_secret = "sixpotify-local", secrets.token_urlsafe(24)
    # Serving the artists' pictures too: Spotify's image CDN is out of reach offline.
    spotify = SpotifyServer(catalog, spotify_id, spotify_secret, serves_pictures=True)
    spotify.start()
    exit_stack.callback(spotify.stop)

    page_token, app_secret, verify_token = (secrets.token_urlsafe(24) for _ in range(3))
    graph = GraphSink(page_token, PAGE_ID)
    graph.start()
    exit_stack.callback(graph.stop)

    aws = LocalAws()
    aws.start()
    exit_stack.callback(aws.stop)
    # With the webhook in a process of its own, converse runs there: this process's converse
    # answers only what an operator replays.
    resources = aws.create_resources(
        converse_processes=0 if webhook_process else converse_processes
    )
    lambda_dispatch.use_retry_waits(retry_waits)
    exit_stack.callback(lambda_dispatch.use_retry_waits, lambda_dispatch.QUICK_RETRY_WAITS_SECONDS)
    application_secret, generated_secret = aws.create_secrets(
        ApplicationSecrets(
            spotify_client_id=spotify_id,
            spotify_client_secret=SecretStr(spotify_secret),
            page_access_token=SecretStr(page_token),
            app_secret=SecretStr(app_secret),
        ),
        GeneratedSecrets(verify_token=SecretStr(verify_token)),
    )

    settings = Settings(
        aws_region=REGION,
        aws_endpoint_url=aws.endpoint_url,
        database_url=SecretStr(database_url),
        lake_bucket=resources.lake_bucket,
        genres_table=resources.genres_table,
        waiters_table=resources.waiters_table,
        messages_table=resources.messages_table,
        last_answers_table=resources.last_answers_table,
        requests_queue_url=resources.requests_queue_url,
        converse_function=resources.converse_function,
        application_secret=application_secret,
        generated_secret=generated_secret,
        spotify_api_url=spotify.api_url,
        spotify_auth_url=spotify.token_url,
        graph_api_url=graph.api_url,
    )
    composition.use(composition.Dependencies(settings))
    exit_stack.callback(composition.use, None)
    # Runs once the gateway stopped taking webhooks and before the composition root goes: the
    # invocations already answered 202 run, or reach the converse-failures queue in moto.
    exit_stack.callback(lambda_dispatch.drain_and_report, drain_seconds)

    lambda_dispatch.start_worker_processes()
    gateway: LocalGateway | WebhookProcess
    if webhook_process:
        gateway = WebhookProcess(
            WebhookProcessSettings(
                settings,
                app_secret,
                webhook_redelivery,
                converse_processes=converse_processes,
                converse_failures_queue_url=resources.converse_failures_queue_url,
                retry_waits=retry_waits,
                drain_seconds=drain_seconds,
            )
        )
        graph.hear_writers_from(gateway.writers)
    else:
        gateway = webhook_gateway(
            graph.user_wrote, app_secret, webhook_redelivery, asynchronous_status
        )
    gateway.start()
    exit_stack.callback(gateway.stop)

    sqs = aws.client("sqs")
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=resources.requests_queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    pipe = LocalPipe(
        sqs,
        aws.client("stepfunctions"),
        resources.requests_queue_url,
        queue_arn,
        resources.ingest_state_machine_arn,
    )
    pipe.start()
    exit_stack.callback(pipe.stop)

    webhook_url = f"{gateway.url}/webhook"
    web_chat = WebChatServer(ChatEndpoints(webhook_url, graph.sent_url, app_secret, PAGE_ID))
    web_chat.start()
    exit_stack.callback(web_chat.stop)

    endpoints = PublishedStack(
        webhook_url=webhook_url,
        graph_sent_url=graph.sent_url,
        spotify_url=settings.spotify_api_url,
        spotify_token_url=settings.spotify_auth_url,
        spotify_control_url=spotify.control_url,
        spotify_client_id=spotify_id,
        spotify_client_secret=spotify_secret,
        database_url=database_url,
        verify_token=verify_token,
        app_secret=app_secret,
        page_id=PAGE_ID,
        aws_endpoint_url=aws.endpoint_url,
        ingest_state_machine_arn=resources.ingest_state_machine_arn,
        requests_queue_url=settings.requests_queue_url,
        dead_letter_queue_url=resources.dead_letter_queue_url,
        converse_failures_queue_url=resources.converse_failures_queue_url,
        chat_url=web_chat.url,
        lake_bucket=settings.lake_bucket,
        genres_table=settings.genres_table,
        waiters_table=settings.waiters_table,
        messages_table=settings.messages_table,
        last_answers_table=settings.last_answers_table,
        converse_function=settings.converse_function,
        graph_api_url=settings.graph_api_url,
        application_secret_arn=settings.application_secret,
        generated_secret_arn=settings.generated_secret,
    )
    freeze_what_starting_built()
    exit_stack.callback(gc.unfreeze)
    return LocalStack(
        endpoints, resources, aws, spotify, graph, pipe, catalog, state_dir, exit_stack
    )
