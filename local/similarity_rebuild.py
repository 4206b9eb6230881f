"""`sixpotify similarity rebuild`: start a rebuild on a running stack, show its shards as they
are written, and say how it ended."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from domain.models import SimilarityGeneration
from local.operations import Operations
from local.progress import ProgressBar


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


class NewGeneration:
    """Watches for a generation newer than the one there was when it was made, and shows
    that generation's shards written out of shards planned."""

    def __init__(
        self,
        newest_generation: Callable[[], SimilarityGeneration | None],
        progress: ProgressBar,
    ) -> None:
        self._newest_generation = newest_generation
        self._progress = progress
        self._before = newest_generation()
        self.found: SimilarityGeneration | None = None

    def look(self) -> None:
        newest = self._newest_generation()
        if newest is not None and (
            self._before is None or newest.generation > self._before.generation
        ):
            self.found = newest

    @property
    def planned(self) -> bool:
        """Whether the new generation is there with its shards planned."""
        return self.found is not None and bool(self.found.shard_count)

    def show(self) -> None:
        self.look()
        if self.found is not None and self.found.shard_count:
            self._progress.show("shards", self.found.shards_done, self.found.shard_count)


def follow_execution(
    operations: Operations, execution_arn: str, show: Callable[[], None]
) -> tuple[str, str]:
    """Wait for the execution to end, calling show at every look; its status and, when it
    failed, why."""
    ended = operations.follow(execution_arn, show)
    return ended.status, ": ".join(part for part in (ended.error, ended.cause) if part)


def follow_rebuild(
    operations: Operations,
    newest_generation: Callable[[], SimilarityGeneration | None],
    progress: ProgressBar,
    shard_size: int | None = None,
) -> RebuildReport:
    """Start a rebuild and wait for it, showing shards written out of shards planned."""
    generation = NewGeneration(newest_generation, progress)
    started = time.monotonic()
    execution_arn = operations.start_rebuild(shard_size)
    status, failure = follow_execution(operations, execution_arn, generation.show)
    progress.finish()
    return RebuildReport(
        execution_arn=execution_arn,
        status=status,
        failure=failure,
        generation=generation.found,
        seconds=time.monotonic() - started,
    )
