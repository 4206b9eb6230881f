"""Run Lambda invocations made inside moto with the real handlers: in this process, or in
worker processes for a function given some.

moto runs no Lambda code without Docker: its "simple" backend echoes the payload. This is
the one place that replaces that echo with a call to our handler, keyed by function name,
within the function's timeout. It leans on a moto internal (LambdaSimpleBackend.invoke), so
moto's version is pinned and tests/integration/test_lambda_dispatch.py pins this behaviour
down.

Asynchronous invocations are queued and tried as Lambda tries them; one that fails every try
goes to its function's on-failure queue, in the record Lambda's SQS destination writes, and
`drain` lets the queue empty before the stack behind the handlers stops.
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import logging
import multiprocessing
import os
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.exceptions import JsonRESTError

from handlers import composition
from handlers.settings import Settings
from local.lambda_context import LocalLambdaContext
from local.process_start import freeze_what_starting_built, log_as_the_stack_does

LambdaHandler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LocalFunction:
    """A handler and how long Lambda lets it run before stopping it.

    With processes, its invocations run in that many worker processes of their own, as
    Lambda runs each execution environment, each built from the settings of the stack that
    invoked it: one process's interpreter lock would keep every handler on one core. The
    handler must be a module-level function then, and adapters a test swaps in are not seen.
    """

    handler: LambdaHandler
    timeout_seconds: float
    processes: int = 0


@dataclass(frozen=True)
class OnFailure:
    """Where a function's asynchronous invocations go once they failed for good: the SQS
    queue of its on-failure destination, sent to with this client, and the function's ARN
    the record names."""

    sqs: Any
    queue_url: str
    function_arn: str


_log = logging.getLogger(__name__)
_registry: dict[str, LocalFunction] = {}
_on_failure: dict[str, OnFailure] = {}
_registry_lock = threading.Lock()
ASYNCHRONOUS_WORKERS = 4
# How much lower a worker process's CPU priority is than the stack's (nice(2)'s increment).
WORKER_NICENESS = 10
# Each task that starts a pool's workers holds its worker this long, so that the pool's
# other tasks find that one busy and start the next.
_WORKER_START_HOLD_SECONDS = 0.2
ASYNCHRONOUS_ATTEMPTS = 3
# Lambda waits about a minute before an event's second try and two before its third, and
# answers other events meanwhile: an outage shorter than that costs the event nothing.
LAMBDA_RETRY_WAITS_SECONDS = (60.0, 120.0)
# Until a stack says otherwise (use_retry_waits): short, so that a test sees every try.
QUICK_RETRY_WAITS_SECONDS = (0.1, 0.2)
# How often a drain reports what it still waits for.
_PROGRESS_SECONDS = 1.0
# A log line each time the queued invocations reach one of these counts, going up.
BACKLOG_THRESHOLDS = (100, 1_000, 10_000)
# The errorType Lambda reports for an invocation its function's timeout stopped.
TIMED_OUT_ERROR = "Sandbox.Timedout"
# Lambda's conditions for a record on an on-failure destination, and the local stack's own
# for an event it set aside because it was stopping before every try was made: Lambda has
# no such case, and calling it one of Lambda's would misreport what happened.
RETRIES_EXHAUSTED = "RetriesExhausted"
LOCAL_STACK_STOPPED = "LocalStackStopped"


class FunctionTimedOutError(Exception):
    """The handler was still running when its function's timeout ran out."""


# Lambda's limits on an invocation's payload, which it refuses whole beyond them (HTTP 413).
ASYNC_PAYLOAD_LIMIT_BYTES = 256 * 1024
SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024


class RequestTooLargeError(JsonRESTError):
    """Lambda's answer to a payload beyond its limit, as boto3 raises it."""

    code = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            "RequestTooLargeException",
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        )


class WorkerProcessError(Exception):
    """A handler failed in a worker process; error_type names its exception's class, as the
    Lambda runtime reports it."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _log_failure(error: Exception, message: str, *args: object) -> None:
    """Log a handler's failure: with its traceback when it ran in this process; by its type
    and message when it ran in a worker process, which logged the traceback itself."""
    if isinstance(error, WorkerProcessError):
        _log.error(f"{message} in its worker process: %s: %s", *args, error.error_type, error)
    else:
        _log.error(message, *args, exc_info=error)


def error_type_of(error: Exception) -> str:
    """The errorType Lambda reports for a handler's exception."""
    return error.error_type if isinstance(error, WorkerProcessError) else type(error).__name__


def function_name_of(name_or_arn: str) -> str:
    """`sixpotify-x`, `arn:aws:lambda:r:a:function:sixpotify-x` and `...:sixpotify-x:$LATEST`
    all name the function `sixpotify-x`."""
    if not name_or_arn.startswith("arn:"):
        return name_or_arn.split(":", maxsplit=1)[0]
    return name_or_arn.split(":")[6]


def register(
    functions: Mapping[str, LocalFunction], on_failure: Mapping[str, OnFailure] | None = None
) -> None:
    """Route invocations of these function names to these functions, from now on; a name
    registered again (a test shortening a timeout, say) takes the new function. on_failure
    names the on-failure destination of those functions that have one."""
    with _registry_lock:
        _registry.update(functions)
        _on_failure.update(on_failure or {})
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]


@dataclass(frozen=True)
class AsynchronousStatus:
    """Asynchronous invocations accepted and not yet started, and those running."""

    backlog: int
    running: int


def asynchronous_status() -> AsynchronousStatus:
    return _asynchronous.status()


# Where the local gateway shows the asynchronous invocations, and what it shows there.
STATUS_PATH = "/status"


def status_body() -> dict[str, int]:
    """The asynchronous invocations waiting to run and running, as GET /status shows them."""
    status = asynchronous_status()
    return {"async_backlog": status.backlog, "async_running": status.running}


@dataclass(frozen=True)
class Drained:
    """What a drain left: invocations set aside unrun, and invocations still running, whose
    outcome the stack they ran for will not see."""

    set_aside: int
    still_running: int


def drain(bound_seconds: float, progress: Callable[[AsynchronousStatus], None]) -> Drained:
    """Stop taking asynchronous invocations, let the queued and running ones finish within
    bound_seconds, and set aside on their on-failure queues those still waiting then, and any
    accepted meanwhile. progress hears the counts once a second while some remain. The
    dispatch takes invocations again afterwards, for the next stack of this process."""
    return _asynchronous.drain(bound_seconds, progress)


def drain_and_report(bound_seconds: float) -> None:
    """`drain`, printing its progress and logging what it could not run as an error."""
    drained = drain(bound_seconds, _print_drain_progress)
    if drained.set_aside:
        _log.error(
            "%d asynchronous invocations still waiting after %g s were set aside on their "
            "on-failure queues",
            drained.set_aside,
            bound_seconds,
        )
    if drained.still_running:
        _log.error(
            "%d asynchronous invocations still running after %g s: the stack stops under "
            "them, and what they were answering may be lost",
            drained.still_running,
            bound_seconds,
        )


def _print_drain_progress(status: AsynchronousStatus) -> None:
    print(
        f"stopping: {status.backlog} asynchronous invocations waiting, {status.running} running",
        flush=True,
    )


def _invoke(  # noqa: PLR0917  # moto calls it positionally
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: dict[str, str],
) -> bytes:
    name = function_name_of(function_name)
    with _registry_lock:
        function = _registry.get(name)
    if function is None:
        return _failure(response_headers, "ResourceNotFoundException", f"no function {name}")
    asynchronous = headers.get("X-Amz-Invocation-Type") == "Event"
    limit = ASYNC_PAYLOAD_LIMIT_BYTES if asynchronous else SYNC_PAYLOAD_LIMIT_BYTES
    if body and len(body) > limit:
        raise RequestTooLargeError(limit)
    event = json.loads(body) if body else {}
    if asynchronous:
        # Lambda queues an asynchronous invocation and answers 202 before it runs.
        _asynchronous.submit(_Event(name, function, event))
        return b""
    try:
        result = _run_within_timeout(name, function, event)
    except FunctionTimedOutError as timed_out:
        _log.error("function %s timed out", name)
        return _failure(response_headers, TIMED_OUT_ERROR, str(timed_out))
    except Exception as error:
        # The Lambda runtime reports the exception's class as errorType, which is what
        # the workflow's Retry and Catch match on.
        _log_failure(error, "function %s failed", name)
        return _failure(response_headers, error_type_of(error), str(error))
    return json.dumps(result).encode("utf-8")


def _run_within_timeout(name: str, function: LocalFunction, event: dict[str, Any]) -> Any:
    """The handler's result, or FunctionTimedOutError once the function's timeout runs out.

    Lambda stops a function that overruns; a Python thread cannot be stopped, so the handler
    runs on in the background and whatever it returns later is dropped.
    """
    context = LocalLambdaContext(function_name=name, timeout_seconds=function.timeout_seconds)
    if function.processes:
        return _in_worker_process(name, function, event, context)
    outcome: Future[Any] = Future()

    def run() -> None:
        try:
            outcome.set_result(function.handler(event, context))
        except BaseException as error:  # the invoker re-raises it, Exception or not
            outcome.set_exception(error)

    threading.Thread(target=run, name=f"lambda-{name}", daemon=True).start()
    try:
        return outcome.result(timeout=function.timeout_seconds)
    except FutureTimeoutError:
        raise FunctionTimedOutError(
            f"RequestId: {context.aws_request_id} Error: Task timed out after "
            f"{function.timeout_seconds:.2f} seconds"
        ) from None


def _in_worker_process(
    name: str, function: LocalFunction, event: dict[str, Any], context: LocalLambdaContext
) -> Any:
    pool = _worker_processes.pool(name, function)
    try:
        succeeded, result = pool.submit(_run_in_worker, function.handler, event, context).result(
            timeout=function.timeout_seconds
        )
    except BrokenProcessPool:
        # A worker died under the invocation (killed, out of memory): as Lambda replaces an
        # execution environment that crashed, the next invocation gets new workers.
        _worker_processes.replace(name, pool)
        raise
    except FutureTimeoutError:
        # The process runs the handler on, as a thread would; what it returns is dropped.
        raise FunctionTimedOutError(
            f"RequestId: {context.aws_request_id} Error: Task timed out after "
            f"{function.timeout_seconds:.2f} seconds"
        ) from None
    if not succeeded:
        raise WorkerProcessError(*result)
    return result


def _run_in_worker(
    handler: LambdaHandler, event: dict[str, Any], context: LocalLambdaContext
) -> tuple[bool, Any]:
    """In a worker process: the handler's result, or its error as plain strings, since not
    every exception survives pickling back."""
    try:
        return True, handler(event, context)
    except Exception as error:
        _log.error("%s", "".join(traceback.format_exception(error)).rstrip())
        return False, (type(error).__name__, str(error))


def _start_worker(settings: Settings) -> None:
    """A worker process's composition root, as a cold start builds it from its settings.

    Its CPU comes after the stack's own process and the webhook's: on AWS an execution
    environment never takes CPU from another, and on one machine an answer being composed
    must not delay the webhook's 200 or Lambda's front door, which every answer waits on too.
    """
    os.nice(WORKER_NICENESS)
    log_as_the_stack_does()
    composition.use(composition.Dependencies(settings))
    freeze_what_starting_built()


class _WorkerProcesses:
    """One pool of worker processes a function, started on its first invocation and stopped
    with the stack (drain) it was started for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[str, ProcessPoolExecutor] = {}

    def pool(self, name: str, function: LocalFunction) -> ProcessPoolExecutor:
        with self._lock:
            if name not in self._pools:
                # Spawned, not forked: a fork would copy locks other threads of this process
                # hold at that moment.
                self._pools[name] = ProcessPoolExecutor(
                    max_workers=function.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(composition.dependencies().settings,),
                )
            return self._pools[name]

    def start(self, functions: Mapping[str, LocalFunction]) -> None:
        """Every worker process of these functions, started now and waited for."""
        started = [
            self.pool(name, function).submit(time.sleep, _WORKER_START_HOLD_SECONDS)
            for name, function in functions.items()
            for _ in range(function.processes)
        ]
        for worker in started:
            worker.result()

    def replace(self, name: str, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pools.get(name) is broken:
                del self._pools[name]
        broken.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)


_worker_processes = _WorkerProcesses()


def start_worker_processes() -> None:
    """Start the worker processes of every registered function that has some, as
    provisioned concurrency does, instead of on its first invocations: spawning one takes
    seconds of CPU, which the first messages would wait for, and everything beside them too.
    Call it once the composition root the workers are built from is in use."""
    with _registry_lock:
        functions = {name: function for name, function in _registry.items() if function.processes}
    _worker_processes.start(functions)


def use_retry_waits(waits: tuple[float, float]) -> None:
    """How long a failed asynchronous event waits before its second and third tries, from now
    on (LAMBDA_RETRY_WAITS_SECONDS as in AWS, QUICK_RETRY_WAITS_SECONDS for tests)."""
    _asynchronous.retry_waits = waits


@dataclass(frozen=True)
class _Event:
    name: str
    function: LocalFunction
    payload: dict[str, Any]
    # The try this is, and what the one before it answered.
    attempt: int = 1
    response: Mapping[str, str] = field(default_factory=dict)


class _AsynchronousInvocations:
    """Lambda's internal queue of asynchronous events and the workers that try them."""

    def __init__(self, workers: int) -> None:
        self._condition = threading.Condition()
        self._queued: deque[_Event] = deque()
        # Events waiting for their next try: (when it is due, order of arrival, event).
        self._retrying: list[tuple[float, int, _Event]] = []
        self._retries_scheduled = 0
        self.retry_waits = QUICK_RETRY_WAITS_SECONDS
        self._running = 0
        self._stopping = False
        # Counts finished drains: a try that began before the last one must not be followed
        # by another against the stack that drain was for.
        self._drains = 0
        self._workers = workers
        self._started = False

    def status(self) -> AsynchronousStatus:
        with self._condition:
            return self._status()

    def _status(self) -> AsynchronousStatus:
        return AsynchronousStatus(len(self._queued) + len(self._retrying), self._running)

    def submit(self, event: _Event) -> None:
        with self._condition:
            stopping = self._stopping
            if not stopping:
                self._start_workers()
                self._queued.append(event)
                self._condition.notify()
            backlog = len(self._queued)
        if stopping:
            # Lambda answered 202 for it already: it must end up somewhere.
            _set_aside(event, LOCAL_STACK_STOPPED, 0, _stopped_response())
        elif backlog in BACKLOG_THRESHOLDS:
            _log.warning("%d asynchronous invocations are waiting to run", backlog)

    def drain(
        self, bound_seconds: float, progress: Callable[[AsynchronousStatus], None]
    ) -> Drained:
        deadline = time.monotonic() + bound_seconds
        next_progress = time.monotonic()
        with self._condition:
            self._stopping = True
        while True:
            with self._condition:
                status = self._status()
                if not (status.backlog or status.running) or time.monotonic() >= deadline:
                    left = [*self._queued, *(event for _, _, event in self._retrying)]
                    self._queued.clear()
                    self._retrying.clear()
                    break
            if time.monotonic() >= next_progress:
                progress(status)
                next_progress = time.monotonic() + _PROGRESS_SECONDS
            with self._condition:
                # Woken by each invocation that ends, to notice an empty queue at once.
                self._condition.wait(max(0.0, min(next_progress, deadline) - time.monotonic()))
        for event in left:
            _set_aside(
                event, LOCAL_STACK_STOPPED, event.attempt - 1, event.response or _stopped_response()
            )
        with self._condition:
            self._stopping = False
            self._drains += 1
        _worker_processes.stop()
        return Drained(set_aside=len(left), still_running=status.running)

    def _start_workers(self) -> None:
        if self._started:
            return
        self._started = True
        for number in range(self._workers):
            threading.Thread(target=self._work, name=f"lambda-event-{number}", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._condition:
                while (event := self._next_event()) is None:
                    due = self._retrying[0][0] - time.monotonic() if self._retrying else None
                    self._condition.wait(due)
                self._running += 1
                drains = self._drains
            try:
                self._try(event, drains)
            finally:
                with self._condition:
                    self._running -= 1
                    self._condition.notify_all()

    def _next_event(self) -> _Event | None:
        """The retry that is due, else the oldest new event, else None. Called locked."""
        if self._retrying and self._retrying[0][0] <= time.monotonic():
            return heapq.heappop(self._retrying)[2]
        return self._queued.popleft() if self._queued else None

    def _try(self, event: _Event, drains: int) -> None:
        # Like Lambda, try an asynchronous event up to three times before setting it aside,
        # waiting between tries without holding up the other events.
        attempt = event.attempt
        try:
            _run_within_timeout(event.name, event.function, event.payload)
        except FunctionTimedOutError as timed_out:
            _log.error("asynchronous invocation %d of %s timed out", attempt, event.name)
            response = {"errorType": TIMED_OUT_ERROR, "errorMessage": str(timed_out)}
        except Exception as error:
            _log_failure(error, "asynchronous invocation %d of %s failed", attempt, event.name)
            response = {"errorType": error_type_of(error), "errorMessage": str(error)}
        else:
            return
        if attempt == ASYNCHRONOUS_ATTEMPTS:
            _set_aside(event, RETRIES_EXHAUSTED, attempt, response)
            return
        with self._condition:
            if self._drains == drains:
                due = time.monotonic() + self.retry_waits[attempt - 1]
                retry = dataclasses.replace(event, attempt=attempt + 1, response=response)
                heapq.heappush(self._retrying, (due, self._retries_scheduled, retry))
                self._retries_scheduled += 1
                self._condition.notify()
                return
        # What the event's next try would run against is being torn down.
        _set_aside(event, LOCAL_STACK_STOPPED, attempt, response)


_asynchronous = _AsynchronousInvocations(ASYNCHRONOUS_WORKERS)


def _stopped_response() -> dict[str, str]:
    return {
        "errorType": LOCAL_STACK_STOPPED,
        "errorMessage": "the local stack stopped before this event was tried every time",
    }


def _set_aside(event: _Event, condition: str, tries: int, response: Mapping[str, str]) -> None:
    """Send the event to its function's on-failure queue as Lambda's destination record, or,
    for a function without one, log that it is lost, as Lambda drops it."""
    with _registry_lock:
        destination = _on_failure.get(event.name)
    if destination is None:
        _log.error("asynchronous invocation of %s dropped: %s", event.name, response)
        return
    record = on_failure_record(destination.function_arn, event.payload, condition, tries, response)
    try:
        destination.sqs.send_message(QueueUrl=destination.queue_url, MessageBody=json.dumps(record))
    except Exception:
        _log.exception(
            "asynchronous invocation of %s lost: its on-failure queue refused it: %s",
            event.name,
            json.dumps(record),
        )


def on_failure_record(
    function_arn: str,
    payload: dict[str, Any],
    condition: str,
    tries: int,
    response: Mapping[str, str],
) -> dict[str, Any]:
    """The record Lambda's on-failure destination receives for a failed asynchronous
    invocation."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": tries,
        },
        "requestPayload": payload,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {
            "errorMessage": response["errorMessage"],
            "errorType": response["errorType"],
        },
    }


def _failure(response_headers: dict[str, str], error_type: str, message: str) -> bytes:
    response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode("utf-8")
