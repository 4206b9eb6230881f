"""The lines the functions log, captured as Lambda would store them: one JSON object each."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from handlers.observability import PACKAGES, SERVICE, logger


class FunctionLogs:
    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._stream.getvalue().splitlines()]

    def text(self) -> str:
        return self._stream.getvalue()


@contextmanager
def function_logs() -> Iterator[FunctionLogs]:
    """What the functions log at INFO and above inside the block, as on Lambda, from any thread
    of this process, formatted by the functions' own formatter in the thread that logs, as
    their keys are kept there."""
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logger.registered_formatter)
    loggers = [logging.getLogger(name) for name in (SERVICE, *PACKAGES)]
    levels = [one.level for one in loggers]
    for one in loggers:
        one.addHandler(capture)
        one.setLevel(logging.INFO)
    try:
        yield FunctionLogs(stream)
    finally:
        for one, level in zip(loggers, levels, strict=True):
            one.removeHandler(capture)
            one.setLevel(level)
