"""What every function's invocation logs with, and its tracing switched off outside Lambda."""

from __future__ import annotations

from typing import Any

import requests

from handlers.observability import follow_message, logger, observed, tracer
from local.lambda_context import LocalLambdaContext
from tests.function_logs import function_logs


@observed
def _answer(event: dict[str, Any], context: object) -> str:
    if "message_id" in event:
        follow_message(event["message_id"])
    logger.info("answered")
    return "done"


def test_outside_lambda_nothing_is_traced_or_patched() -> None:
    # Given the functions' tracer, built on import as in a cold start, here outside Lambda
    # When its state and the HTTP client it would patch are looked at
    patched = hasattr(requests.Session.send, "__wrapped__")
    # Then it is off, and requests is left as it is
    assert tracer.disabled
    assert not patched


def test_each_invocation_logs_its_own_keys_and_none_of_the_last() -> None:
    # Given a handler that follows the message it is given
    context = LocalLambdaContext(function_name="sixpotify-dev-converse", timeout_seconds=30)

    # When it answers one message, and then an event without one
    with function_logs() as logs:
        assert _answer({"message_id": "m_1"}, context) == "done"
        assert _answer({}, context) == "done"

    # Then the first line names the function, request and message, the second no message
    first, second = logs.lines()
    assert (first["function_name"], first["function_request_id"], first["message_id"]) == (
        "sixpotify-dev-converse",
        context.aws_request_id,
        "m_1",
    )
    assert "message_id" not in second
