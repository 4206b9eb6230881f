"""The chat path in processes of its own: the gateway and the webhook function in one, and the
Lambda service the webhook hands each message to, which runs converse, in another.

On AWS the webhook function, and Lambda's front door it invokes converse through, run apart
from everything else the system is doing. On one machine the stack's own process is busy
with moto, the ingest workflow and the Graph sink; a webhook whose invocation of converse is
answered there waits for that process's interpreter lock behind all of it, the longest
while an ingest runs. Here the invocation goes over Lambda's own API to a moto server of a
process that does nothing else but queue converse's events and hand them to its worker
processes; not to one in the webhook's own process either, where the client's threads and
the server's would queue for one interpreter lock (hundreds of milliseconds at 200
deliveries a second, against a few apart). Who wrote goes to the Graph sink down a pipe,
written to without waiting for the stack's process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import boto3

from handlers import composition, webhook
from handlers.settings import Settings
from local import lambda_dispatch
from local.aws import LocalAws, register_converse
from local.gateway import LocalGateway, Redelivery
from local.process_start import freeze_what_starting_built, log_as_the_stack_does
from local.webhook_witness import telling_the_sink_who_wrote

_log = logging.getLogger(__name__)
# Spawning imports the handlers, boto3, moto and pydantic again: seconds on a busy machine.
_START_TIMEOUT_SECONDS = 60.0
# Beyond the drain's own bound: stopping a gateway or a moto server.
_STOP_MARGIN_SECONDS = 10.0
_READY, _STOPPED = "ready", "stopped"


@dataclass(frozen=True)
class WebhookProcessSettings:
    """What the chat path's processes are built from: the functions' settings, the app
    secret the witness checks signatures with, how Messenger redelivers, and how converse
    runs: in how many worker processes, where its failed events go, how long a failed event
    waits before its next tries, and how long stopping waits for the events accepted."""

    settings: Settings
    app_secret: str
    redelivery: Redelivery | None
    converse_processes: int
    converse_failures_queue_url: str
    retry_waits: tuple[float, float]
    drain_seconds: float


class WebhookProcess:
    """Serves `GET|POST /webhook` and `GET /status` from spawned processes, at `url` once
    started; /status shows converse's invocations, and who wrote in each signed delivery is
    sent on `writers` as (user ID, Unix time) pairs."""

    def __init__(self, settings: WebhookProcessSettings) -> None:
        context = multiprocessing.get_context("spawn")
        status_queries, status_answers = context.Pipe()
        self.writers, child_writers = context.Pipe(duplex=False)
        self._lambda_service = _Spawned(
            "sixpotify-lambda",
            _serve_lambda_service,
            (settings, status_answers),
            settings.drain_seconds + _STOP_MARGIN_SECONDS,
            handed_over=(status_answers,),
        )
        self._webhook = _Spawned(
            "sixpotify-webhook",
            _serve_webhook,
            (settings, status_queries, child_writers),
            _STOP_MARGIN_SECONDS,
            handed_over=(child_writers, status_queries),
        )
        self.url = ""

    def start(self) -> None:
        lambda_url = self._lambda_service.start()
        try:
            self.url = self._webhook.start(lambda_url)
        except Exception:
            self._lambda_service.stop()
            raise

    def stop(self) -> None:
        """Stop taking webhooks; returns once converse ran every message accepted, or set it
        aside on the converse-failures queue."""
        self._webhook.stop()
        self._lambda_service.stop()


class _Spawned:
    """A spawned process that reports the URL it serves at once ready, and serves until told
    to stop. Spawned, not forked: a fork would copy locks other threads of this process
    hold. Not a daemon, which could not start worker processes: it stops when told to, or
    when the stack's process is gone and its end of the control pipe with it."""

    def __init__(
        self,
        name: str,
        target: Callable[..., None],
        args: tuple[Any, ...],
        stop_timeout_seconds: float,
        handed_over: tuple[Connection, ...] = (),
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, self._child_control = context.Pipe()
        self._context, self._name, self._target, self._args = context, name, target, args
        self._stop_timeout_seconds = stop_timeout_seconds
        # The pipe ends only the child uses, closed here once it has them, so that each pipe
        # ends when the process at its other end does.
        self._handed_over = handed_over
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self, *extra_args: Any) -> str:
        self._process = self._context.Process(
            target=self._target,
            args=(*self._args, *extra_args, self._child_control),
            name=self._name,
            daemon=False,
        )
        self._process.start()
        if not self._control.poll(_START_TIMEOUT_SECONDS):
            self._process.kill()
            raise RuntimeError(f"{self._name} did not start within {_START_TIMEOUT_SECONDS:g} s")
        ready, url = self._control.recv()
        for connection in self._handed_over:
            connection.close()
        if ready != _READY:
            raise RuntimeError(f"{self._name} failed to start: {url}")
        return str(url)

    def stop(self) -> None:
        if self._process is None or not self._process.is_alive():
            return
        self._control.send("stop")
        if not self._control.poll(self._stop_timeout_seconds):
            _log.error("%s did not stop in %g s", self._name, self._stop_timeout_seconds)
            self._process.kill()
        self._process.join(_STOP_MARGIN_SECONDS)


def _serving(control: Connection, start: Callable[[], str], stop: Callable[[], None]) -> None:
    """Start, report ready with the URL, wait to be told to stop (or for the stack's process
    to be gone), stop, report stopped."""
    log_as_the_stack_does()
    try:
        url = start()
        freeze_what_starting_built()
    except Exception as error:
        control.send(("failed", f"{type(error).__name__}: {error}"))
        raise
    control.send((_READY, url))
    with contextlib.suppress(EOFError):
        control.recv()
    stop()
    with contextlib.suppress(OSError):
        control.send(_STOPPED)


def _serve_lambda_service(
    settings: WebhookProcessSettings, status_answers: Connection, control: Connection
) -> None:
    """A moto server answering Lambda's API, with converse registered behind it."""
    lambda_service = LocalAws()

    def start() -> str:
        lambda_service.start()
        composition.use(composition.Dependencies(settings.settings))
        lambda_dispatch.use_retry_waits(settings.retry_waits)
        register_converse(
            boto3.client(
                "sqs",
                region_name=settings.settings.aws_region,
                endpoint_url=settings.settings.aws_endpoint_url,
            ),
            settings.converse_failures_queue_url,
            settings.converse_processes,
        )
        # moto builds its router of Lambda's API on the first call: a second of CPU that
        # every delivery arriving meanwhile would spend again, each building it too.
        lambda_service.client("lambda").list_functions()
        lambda_dispatch.start_worker_processes()
        threading.Thread(
            target=_answer_status_queries, args=(status_answers,), name="status", daemon=True
        ).start()
        return lambda_service.endpoint_url

    def stop() -> None:
        lambda_dispatch.drain_and_report(settings.drain_seconds)
        lambda_service.stop()

    _serving(control, start, stop)


def _answer_status_queries(connection: Connection) -> None:
    while True:
        try:
            connection.recv()
            connection.send(lambda_dispatch.status_body())
        except (EOFError, OSError):
            return


def _serve_webhook(
    settings: WebhookProcessSettings,
    status_queries: Connection,
    writers: Connection,
    lambda_url: str,
    control: Connection,
) -> None:
    """The gateway and the webhook function, which reaches Lambda at lambda_url and every
    other service at the stack's endpoint (boto3's service-specific endpoint variables)."""
    status_lock, writers_lock = threading.Lock(), threading.Lock()

    def user_wrote(user_id: str) -> None:
        with writers_lock:
            writers.send((user_id, time.time()))

    def converse_status(event: dict[str, Any], context: object) -> dict[str, int]:
        with status_lock:
            status_queries.send(None)
            body: dict[str, int] = status_queries.recv()
        return body

    gateway = webhook_gateway(user_wrote, settings.app_secret, settings.redelivery, converse_status)

    def start() -> str:
        stack_endpoint = settings.settings.aws_endpoint_url
        if stack_endpoint is None:
            raise ValueError("the webhook's process needs the stack's AWS endpoint URL")
        os.environ["AWS_ENDPOINT_URL"] = stack_endpoint
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = lambda_url
        composition.use(
            composition.Dependencies(
                settings.settings.model_copy(update={"aws_endpoint_url": None})
            )
        )
        deps = composition.dependencies()
        # Built now, as a provisioned execution environment is, and not by the first
        # deliveries: a configuration that cannot work fails the start instead of messages.
        _ = deps.application_secrets, deps.generated_secrets, deps.inbox
        gateway.start()
        return gateway.url

    _serving(control, start, gateway.stop)


def webhook_gateway(
    user_wrote: Callable[[str], None],
    app_secret: str,
    redelivery: Redelivery | None,
    status: Callable[[dict[str, Any], object], dict[str, int]],
) -> LocalGateway:
    """The local stack's gateway: Messenger's webhook, in front of which `user_wrote` hears
    who wrote in each signed delivery, redelivered as Messenger does; and GET /status,
    answered by `status`."""
    return LocalGateway(
        {
            "GET /webhook": webhook.handle,
            "POST /webhook": telling_the_sink_who_wrote(webhook.handle, user_wrote, app_secret),
            f"GET {lambda_dispatch.STATUS_PATH}": status,
        },
        redelivered={"POST /webhook": redelivery} if redelivery else None,
    )


def asynchronous_status(event: dict[str, Any], context: object) -> dict[str, int]:
    """GET /status of a gateway in the process that runs the asynchronous invocations."""
    return lambda_dispatch.status_body()
