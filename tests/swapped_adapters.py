"""Putting a test double in front of the running stack's handlers for one block."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator

from domain.models import Reply
from domain.ports import Messenger
from handlers import composition


@contextlib.contextmanager
def handlers_using(replacements: composition.Adapters) -> Iterator[None]:
    """Every handler of this process uses these adapters instead of the stack's own until
    the block ends."""
    original = composition.dependencies()
    # Every adapter not replaced is the running root's, so the swapped set shares the
    # stack's connections rather than opening its own.
    shared = {
        field.name: getattr(original, field.name)
        for field in dataclasses.fields(replacements)
        if getattr(replacements, field.name) is None
    }
    swapped = dataclasses.replace(replacements, **shared)
    composition.use(composition.Dependencies(original.settings, swapped))
    try:
        yield
    finally:
        composition.use(original)


@contextlib.contextmanager
def restarted_functions() -> Iterator[None]:
    """Every handler of this process starts cold for the block: a new composition root
    from the same settings, with nothing the old one held in memory."""
    original = composition.dependencies()
    composition.use(composition.Dependencies(original.settings))
    try:
        yield
    finally:
        composition.use(original)


@contextlib.contextmanager
def functions_measuring(metric_namespace: str) -> Iterator[None]:
    """Every handler of this process starts cold for the block, writing its metrics under
    `metric_namespace` to standard output, as on Lambda."""
    original = composition.dependencies()
    measuring = original.settings.model_copy(update={"metric_namespace": metric_namespace})
    composition.use(composition.Dependencies(measuring))
    try:
        yield
    finally:
        composition.use(original)


class GatedMessenger:
    """A messenger holding every send until the gate opens: converse invocations pile up."""

    def __init__(self, real: Messenger, gate: threading.Event) -> None:
        self._real = real
        self._gate = gate

    def send(self, user_id: str, reply: Reply) -> None:
        self._gate.wait()
        self._real.send(user_id, reply)

    def show_typing(self, user_id: str) -> None:
        self._gate.wait()
        self._real.show_typing(user_id)
