"""Refresh step 0: give up, counted, on users whose answer can no longer be sent."""

from __future__ import annotations

from typing import Any

from domain.notify import give_up_stale_waiters
from handlers.composition import dependencies, utc_now


def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"given_up": give_up_stale_waiters(utc_now(), dependencies().waiters)}
