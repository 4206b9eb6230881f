"""Refresh step 0: give up, counted, on users whose answer can no longer be sent."""

from __future__ import annotations

from typing import Any

from domain.notify import give_up_stale_waiters
from handlers.composition import dependencies, utc_now
from handlers.events import GiveUpStaleWaitersInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    follow_execution(GiveUpStaleWaitersInput.model_validate(event).execution)
    given_up = give_up_stale_waiters(utc_now(), dependencies().waiters)
    logger.info("Gave up on %d users whose answer can no longer be sent", given_up)
    return {"given_up": given_up}
