"""`sixpotify refresh`: start a refresh on a running stack, show the artists refetched and
then the similarity rebuild that ends it, and say how it ended."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.models import SimilarityGeneration
from local.operations import Operations
from local.progress import ProgressBar
from local.similarity_rebuild import NewGeneration, follow_execution


@dataclass(frozen=True)
class RefreshReport:
    execution_arn: str
    status: str
    failure: str
    seconds: float

    def lines(self) -> list[str]:
        if self.status == "SUCCEEDED":
            ended = f"refresh succeeded in {self.seconds:.1f} s"
        else:
            ended = f"refresh {self.status.lower()}: {self.failure or 'no reason given'}"
        return [ended, f"execution {self.execution_arn}"]


@dataclass(frozen=True)
class RefreshSources:
    """What a refresh's progress is read from: how many artists it refreshes, how many hold
    an answer as of a moment, and the newest similarity generation."""

    refreshable: Callable[[], int]
    fetched_since: Callable[[datetime], int]
    newest_generation: Callable[[], SimilarityGeneration | None]


def follow_refresh(
    operations: Operations,
    as_of: datetime,
    sources: RefreshSources,
    progress: ProgressBar,
    on_start: Callable[[str], None],
) -> RefreshReport:
    """Start a refresh as of `as_of` (whole seconds, UTC) and wait for it: the artists
    refetched, then the shards of the rebuild it ends with. on_start hears its ARN."""
    total = sources.refreshable()
    rebuild = NewGeneration(sources.newest_generation, progress)
    started = time.monotonic()
    execution_arn = operations.start_refresh(as_of)
    on_start(execution_arn)
    refetching = True

    def show() -> None:
        nonlocal refetching
        if refetching:
            rebuild.look()
            progress.show("artists", min(sources.fetched_since(as_of), total), total)
            if not rebuild.planned:
                return
            progress.finish()
            refetching = False
        rebuild.show()

    status, failure = follow_execution(operations, execution_arn, show)
    progress.finish()
    return RefreshReport(execution_arn, status, failure, time.monotonic() - started)
