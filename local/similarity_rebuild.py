"""`sixpotify similarity rebuild`: start a rebuild on a running stack, show its shards as they
are written, and say how it ended."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from domain.models import SimilarityGeneration
from local.backfill import ProgressBar
from local.operations import Operations

_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class RebuildReport:
    execution_arn: str
    status: str
    failure: str
    generation: SimilarityGeneration | None
    seconds: float

    def lines(self) -> list[str]:
        built = self.generation
        if self.status == "SUCCEEDED" and built is not None:
            return [
                f"generation {built.generation} is serving: {built.artist_count} artists"
                f" in {built.shard_count} shard(s), {self.seconds:.1f} s",
                f"execution {self.execution_arn}",
            ]
        return [
            f"rebuild {self.status.lower()}: {self.failure or 'no reason given'};"
            " the previous generation keeps serving",
            f"execution {self.execution_arn}",
        ]


def follow_rebuild(
    operations: Operations,
    newest_generation: Callable[[], SimilarityGeneration | None],
    progress: ProgressBar,
    shard_size: int | None = None,
) -> RebuildReport:
    """Start a rebuild and wait for it, showing shards written out of shards planned."""
    before = newest_generation()
    started = time.monotonic()
    execution_arn = operations.start_rebuild(shard_size)
    ours: SimilarityGeneration | None = None
    while True:
        status, failure = operations.execution_outcome(execution_arn)
        newest = newest_generation()
        if newest is not None and (before is None or newest.generation > before.generation):
            ours = newest
            if ours.shard_count:
                progress.show("shards", ours.shards_done, ours.shard_count)
        if status != "RUNNING":
            break
        time.sleep(_POLL_SECONDS)
    progress.finish()
    return RebuildReport(
        execution_arn=execution_arn,
        status=status,
        failure=failure,
        generation=ours,
        seconds=time.monotonic() - started,
    )
