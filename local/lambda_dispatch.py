"""Run Lambda invocations made inside moto in this process, with the real handlers.

moto runs no Lambda code without Docker: its "simple" backend echoes the payload. This is
the one place that replaces that echo with a call to our handler, keyed by function name.
It leans on a moto internal (LambdaSimpleBackend.invoke), so moto's version is pinned and
tests/integration/test_lambda_dispatch.py pins this behaviour down.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from local.lambda_context import LocalLambdaContext

LambdaHandler = Callable[[dict[str, Any], Any], Any]

_log = logging.getLogger(__name__)
_registry: dict[str, LambdaHandler] = {}
_registry_lock = threading.Lock()
_asynchronous = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lambda-event")
DEFAULT_TIMEOUT_SECONDS = 900
ASYNCHRONOUS_ATTEMPTS = 3


def function_name_of(name_or_arn: str) -> str:
    """`sixpotify-x`, `arn:aws:lambda:r:a:function:sixpotify-x` and `...:sixpotify-x:$LATEST`
    all name the function `sixpotify-x`."""
    if not name_or_arn.startswith("arn:"):
        return name_or_arn.split(":", maxsplit=1)[0]
    return name_or_arn.split(":")[6]


def register(handlers: Mapping[str, LambdaHandler]) -> None:
    """Route invocations of these function names to these handlers, from now on."""
    with _registry_lock:
        _registry.update(handlers)
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
        handler = _registry.get(name)
    if handler is None:
        return _failure(response_headers, "ResourceNotFoundException", f"no function {name}")
    event = json.loads(body) if body else {}
    if headers.get("X-Amz-Invocation-Type") == "Event":
        # Lambda queues an asynchronous invocation and answers 202 before it runs.
        _asynchronous.submit(_run_logged, name, handler, event)
        return b""
    try:
        result = handler(
            event, LocalLambdaContext(function_name=name, timeout_seconds=DEFAULT_TIMEOUT_SECONDS)
        )
    except Exception as error:
        # The Lambda runtime reports the exception's class as errorType, which is what
        # the workflow's Retry and Catch match on.
        _log.exception("function %s failed", name)
        return _failure(response_headers, type(error).__name__, str(error))
    return json.dumps(result).encode("utf-8")


def _run_logged(name: str, handler: LambdaHandler, event: dict[str, Any]) -> None:
    # Like Lambda, try an asynchronous event up to three times before giving up on it.
    for attempt in range(1, ASYNCHRONOUS_ATTEMPTS + 1):
        try:
            handler(
                event,
                LocalLambdaContext(function_name=name, timeout_seconds=DEFAULT_TIMEOUT_SECONDS),
            )
        except Exception:
            _log.exception("asynchronous invocation %d of %s failed", attempt, name)
        else:
            return


def _failure(response_headers: dict[str, str], error_type: str, message: str) -> bytes:
    response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode("utf-8")
