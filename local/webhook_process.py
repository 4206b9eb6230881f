"""The gateway and the webhook function in a process of their own.

On AWS the webhook function runs in execution environments of its own, whatever the rest of
the system is doing. On one machine the stack's own process is busy with moto, the ingest
workflow and the Graph sink; a webhook answered there waits for that process's interpreter
lock behind all of it. Answered here, it waits only for its own work and for the two calls
it makes into the stack: telling the Graph sink who wrote, and handing the events on.
"""

from __future__ import annotations

import http.client
import json
import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from handlers import composition, webhook
from handlers.settings import Settings
from local import lambda_dispatch
from local.gateway import LambdaHandler, LocalGateway, Redelivery
from local.process_start import freeze_what_starting_built
from local.webhook_witness import telling_the_sink_who_wrote

_log = logging.getLogger(__name__)
# Spawning imports the handlers, boto3 and pydantic again: seconds on a busy machine.
_START_TIMEOUT_SECONDS = 60.0
_STOP_TIMEOUT_SECONDS = 10.0
_SINK_TIMEOUT_SECONDS = 10.0
_READY, _STOP, _STOPPED = "ready", "stop", "stopped"


@dataclass(frozen=True)
class WebhookProcessSettings:
    """What the webhook's process is built from: the functions' settings, the app secret the
    witness checks signatures with, where the Graph sink hears who wrote, and how Messenger
    redelivers."""

    settings: Settings
    app_secret: str
    sink_wrote_url: str
    redelivery: Redelivery | None


class WebhookProcess:
    """Serves `GET|POST /webhook` and `GET /status` from a spawned process, at `url` once
    started; /status is answered from this process's asynchronous invocations."""

    def __init__(self, settings: WebhookProcessSettings) -> None:
        # Spawned, not forked: a fork would copy locks other threads of this process hold.
        context = multiprocessing.get_context("spawn")
        self._control, child_control = context.Pipe()
        self._status, child_status = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(settings, child_control, child_status),
            name="sixpotify-webhook",
            daemon=True,
        )
        self._status_thread = threading.Thread(
            target=_answer_status_queries, args=(self._status,), name="webhook-status", daemon=True
        )
        self.url = ""

    def start(self) -> None:
        self._process.start()
        if not self._control.poll(_START_TIMEOUT_SECONDS):
            self._process.kill()
            raise RuntimeError(
                f"the webhook's process did not start within {_START_TIMEOUT_SECONDS:g} s"
            )
        ready, self.url = self._control.recv()
        if ready != _READY:
            raise RuntimeError(f"the webhook's process failed to start: {self.url}")
        self._status_thread.start()

    def stop(self) -> None:
        """Stop taking webhooks; returns once the ones being answered are answered."""
        if not self._process.is_alive():
            return
        self._control.send(_STOP)
        if not self._control.poll(_STOP_TIMEOUT_SECONDS):
            _log.error("the webhook's process did not stop in %g s", _STOP_TIMEOUT_SECONDS)
            self._process.kill()
        self._process.join(_STOP_TIMEOUT_SECONDS)
        self._status.close()


def _answer_status_queries(connection: Connection) -> None:
    while True:
        try:
            connection.recv()
            connection.send(lambda_dispatch.status_body())
        except (EOFError, OSError):
            return


def _serve(settings: WebhookProcessSettings, control: Connection, status: Connection) -> None:
    try:
        gateway = _gateway(settings, status)
        freeze_what_starting_built()
        gateway.start()
    except Exception as error:
        control.send(("failed", f"{type(error).__name__}: {error}"))
        raise
    control.send((_READY, gateway.url))
    control.recv()
    gateway.stop()
    control.send(_STOPPED)


def _gateway(settings: WebhookProcessSettings, status: Connection) -> LocalGateway:
    composition.use(composition.Dependencies(settings.settings))
    deps = composition.dependencies()
    # Built now, as a provisioned execution environment is, and not by the first deliveries:
    # a configuration that cannot work fails the start instead of every message.
    _ = deps.application_secrets, deps.generated_secrets, deps.inbox
    sink = _SinkWitness(settings.sink_wrote_url)
    status_lock = threading.Lock()

    def asynchronous_status(event: dict[str, Any], context: object) -> dict[str, int]:
        with status_lock:
            status.send(None)
            body: dict[str, int] = status.recv()
        return body

    return webhook_gateway(
        sink.user_wrote, settings.app_secret, asynchronous_status, settings.redelivery
    )


class _SinkWitness:
    """Tells the Graph sink who wrote, each gateway thread over a keep-alive connection of its
    own: the call every webhook waits for, so it is made with the standard library's client,
    a fraction of what a requests session costs a call."""

    def __init__(self, wrote_url: str) -> None:
        url = urlsplit(wrote_url)
        self._address = (url.hostname or "127.0.0.1", url.port or 80)
        self._path = url.path
        self._connections = threading.local()

    def user_wrote(self, user_id: str) -> None:
        connection = self._connection()
        try:
            connection.request(
                "POST",
                self._path,
                json.dumps({"user_id": user_id}).encode(),
                {"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            # The delivery fails (and Messenger delivers it again) on a connection of its own.
            connection.close()
            self._connections.current = None
            raise
        if response.status != HTTPStatus.OK:
            raise RuntimeError(f"the Graph sink answered {response.status} to {self._path}")

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._connections, "current", None)
        if connection is None:
            connection = http.client.HTTPConnection(*self._address, timeout=_SINK_TIMEOUT_SECONDS)
            self._connections.current = connection
        return connection


def webhook_gateway(
    user_wrote: Callable[[str], None],
    app_secret: str,
    status: LambdaHandler,
    redelivery: Redelivery | None,
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
