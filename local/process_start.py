"""What every long-running process of the local stack does once it has started."""

from __future__ import annotations

import gc
import logging

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def log_as_the_stack_does() -> None:
    """Warnings and errors on standard error as "LEVEL logger: message". A spawned process
    needs it as much as the one started from the command line: without it Python's last
    resort prints each as a bare message, its level and its logger lost. The functions' own
    lines are not among them: they go to standard output as JSON, as on Lambda
    (handlers/observability.py)."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)


def freeze_what_starting_built() -> None:
    """Keep what starting built (imported modules, boto3's service models, the stand-ins)
    out of the garbage collector's sight: it lives as long as the process, and a full
    collection under load that walks it pauses every request for hundreds of milliseconds
    instead of tens. `gc.unfreeze` undoes it."""
    gc.collect()
    gc.freeze()
