"""Run Lambda invocations made inside moto in this process, with the real handlers.

moto runs no Lambda code without Docker: its "simple" backend echoes the payload. This is
the one place that replaces that echo with a call to our handler, keyed by function name,
within the function's timeout. It leans on a moto internal (LambdaSimpleBackend.invoke), so
moto's version is pinned and tests/integration/test_lambda_dispatch.py pins this behaviour
down.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from local.lambda_context import LocalLambdaContext

LambdaHandler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LocalFunction:
    """A handler and how long Lambda lets it run before stopping it."""

    handler: LambdaHandler
    timeout_seconds: float


_log = logging.getLogger(__name__)
_registry: dict[str, LocalFunction] = {}
_registry_lock = threading.Lock()
_asynchronous = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lambda-event")
ASYNCHRONOUS_ATTEMPTS = 3
# The errorType Lambda reports for an invocation its function's timeout stopped.
TIMED_OUT_ERROR = "Sandbox.Timedout"


class FunctionTimedOutError(Exception):
    """The handler was still running when its function's timeout ran out."""


def function_name_of(name_or_arn: str) -> str:
    """`sixpotify-x`, `arn:aws:lambda:r:a:function:sixpotify-x` and `...:sixpotify-x:$LATEST`
    all name the function `sixpotify-x`."""
    if not name_or_arn.startswith("arn:"):
        return name_or_arn.split(":", maxsplit=1)[0]
    return name_or_arn.split(":")[6]


def register(functions: Mapping[str, LocalFunction]) -> None:
    """Route invocations of these function names to these functions, from now on; a name
    registered again (a test shortening a timeout, say) takes the new function."""
    with _registry_lock:
        _registry.update(functions)
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]


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
    event = json.loads(body) if body else {}
    if headers.get("X-Amz-Invocation-Type") == "Event":
        # Lambda queues an asynchronous invocation and answers 202 before it runs.
        _asynchronous.submit(_run_logged, name, function, event)
        return b""
    try:
        result = _run_within_timeout(name, function, event)
    except FunctionTimedOutError as timed_out:
        _log.error("function %s timed out", name)
        return _failure(response_headers, TIMED_OUT_ERROR, str(timed_out))
    except Exception as error:
        # The Lambda runtime reports the exception's class as errorType, which is what
        # the workflow's Retry and Catch match on.
        _log.exception("function %s failed", name)
        return _failure(response_headers, type(error).__name__, str(error))
    return json.dumps(result).encode("utf-8")


def _run_within_timeout(name: str, function: LocalFunction, event: dict[str, Any]) -> Any:
    """The handler's result, or FunctionTimedOutError once the function's timeout runs out.

    Lambda stops a function that overruns; a Python thread cannot be stopped, so the handler
    runs on in the background and whatever it returns later is dropped.
    """
    context = LocalLambdaContext(function_name=name, timeout_seconds=function.timeout_seconds)
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


def _run_logged(name: str, function: LocalFunction, event: dict[str, Any]) -> None:
    # Like Lambda, try an asynchronous event up to three times before giving up on it.
    for attempt in range(1, ASYNCHRONOUS_ATTEMPTS + 1):
        try:
            _run_within_timeout(name, function, event)
        except Exception:
            _log.exception("asynchronous invocation %d of %s failed", attempt, name)
        else:
            return


def _failure(response_headers: dict[str, str], error_type: str, message: str) -> bytes:
    response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode("utf-8")
