"""How every function logs and is traced: one JSON object a line, through Powertools' Logger,
and X-Ray segments through its Tracer.

The loggers of domain/, adapters/ and handlers/ write through it too, so a line the domain logs
with `extra={"event": ...}` keeps that field at the top level, where the metric filters of
stacks/log_event_metric.py read it. Those loggers still propagate, as the Logger's own does, so
that tests capture their records; the handlers already on the root logger (Lambda's own, or the
local stack's) leave them out, so each line is written once.

Each line carries the keys of the invocation it belongs to: the function and request, and what
follows one user's message across functions. `message_id` is the Messenger message ID (mid):
the webhook and converse log the ones they handle, a miss carries its mid into the queue and
the waiters' table, and the ingest workflow's functions log `execution` (the workflow
execution's name) and the mids of the users they answer.

Keys are kept per thread: the local stack runs several invocations of one function at once in
one process, as Lambda never does.

The Tracer records each invocation and the calls it makes through boto3 and requests (the
Spotify and Send API clients), URLs without their query strings, so never the page access
token. It traces only inside Lambda: anywhere else (the local stack, tests) Powertools turns it
off, as POWERTOOLS_TRACE_DISABLED would, and nothing is patched.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar, cast

from aws_lambda_powertools import Logger, Tracer

from domain.notify import MESSAGE_ID_FIELD

SERVICE: Final = "sixpotify"
MESSAGE_ID_KEY: Final = MESSAGE_ID_FIELD
MESSAGE_IDS_KEY: Final = "message_ids"
EXECUTION_KEY: Final = "execution"

# The packages whose loggers write through the Logger; their modules' loggers propagate to them.
PACKAGES: Final = frozenset({"domain", "adapters", "handlers"})


class _OutsideThePackages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.partition(".")[0] not in PACKAGES


_OUTSIDE_THE_PACKAGES: Final = _OutsideThePackages()

logger = Logger(service=SERVICE)
# The level is the root logger's, as for every other line: on Lambda the function's application
# log level (INFO, stacks/handler_function.py), locally warnings and errors only.
logger.setLevel(logging.NOTSET)
tracer = Tracer(service=SERVICE, patch_modules=("boto3", "requests"))
# Which module logged the line, as the local stack's plain lines say too.
logger.append_keys(name="%(name)s")
for _package in PACKAGES:
    logging.getLogger(_package).addHandler(logger.registered_handler)


def _leave_the_packages_to_the_logger() -> None:
    # Checked on each invocation: a process may configure its root logger after importing this.
    for root_handler in logging.root.handlers:
        # pytest's capturing handlers are left to see every record, as the Logger leaves them.
        if type(root_handler).__name__ != "LogCaptureHandler":
            root_handler.addFilter(_OUTSIDE_THE_PACKAGES)


_Result = TypeVar("_Result")


def observed(
    handle: Callable[[dict[str, Any], Any], _Result],
) -> Callable[[dict[str, Any], Any], _Result]:
    """Each invocation of `handle` is traced, and logs with no keys but its function's and
    request's until it adds its own."""

    # Handlers return what the workflow passes on, which a trace need not hold. Powertools
    # types the traced handler loosely; it returns what `handle` does.
    traced = cast(
        Callable[[dict[str, Any], Any], _Result],
        tracer.capture_lambda_handler(handle, capture_response=False),
    )

    @functools.wraps(handle)
    def invoke(event: dict[str, Any], context: Any) -> _Result:
        _leave_the_packages_to_the_logger()
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(
            function_name=getattr(context, "function_name", None),
            function_request_id=getattr(context, "aws_request_id", None),
        )
        return traced(event, context)

    return invoke


def follow_message(message_id: str) -> None:
    """The lines logged from here on in this invocation concern this one message."""
    logger.thread_safe_append_keys(**{MESSAGE_ID_KEY: message_id})


def follow_messages(message_ids: Iterable[str | None]) -> None:
    """The lines logged from here on in this invocation concern these messages."""
    logger.thread_safe_append_keys(**{MESSAGE_IDS_KEY: sorted({m for m in message_ids if m})})


def follow_execution(execution: str | None) -> None:
    """The lines logged from here on belong to this ingest workflow execution."""
    logger.thread_safe_append_keys(**{EXECUTION_KEY: execution})
