"""`sixpotify ingest --names FILE` against a running local stack: search each name, ingest
the new artists through the ingest workflow, and report what became of every name.

Names are looked up in the stack's PostgreSQL and searched on its Spotify; the new IDs go
to the ingest workflow as `{"artist_ids": [...]}` executions, one batch at a time.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.backfill import BackfillReport, LookupPorts, Outcome, look_up, names_in, settle
from local.executions import ExecutionEnd, ExecutionRunner
from local.operations import Operations, StackAddresses
from local.progress import ProgressBar
from local.published import PublishedStack, functions_root

# The workflow splits an execution's IDs into Spotify batches of 50 itself; this many IDs
# per execution keeps one failed execution from failing a whole long list.
EXECUTION_BATCH = 100
EXECUTION_TIMEOUT_SECONDS = 600.0
_POLL_SECONDS = 0.2
# Why an ID the workflow tombstoned was not ingested: Spotify answered that it has no such artist.
NOT_ON_SPOTIFY = "not found on Spotify"


@dataclass(frozen=True)
class WorkflowResult:
    """The IDs the ingest workflow stored, and why each other one was not."""

    ingested: frozenset[str]
    failures: dict[str, str]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WorkflowIngest:
    """Runs the ingest workflow over artist IDs, one execution per batch, each awaited
    before the next starts so the stack's Lambdas are never swamped."""

    def __init__(
        self,
        stepfunctions: Any,
        operations: Operations,
        state_machine_arn: str,
        *,
        batch_size: int = EXECUTION_BATCH,
        timeout_seconds: float = EXECUTION_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._executions = ExecutionRunner(
            stepfunctions, state_machine_arn, poll_seconds=_POLL_SECONDS
        )
        self._operations = operations
        self._batch_size = batch_size
        self._timeout_seconds = timeout_seconds
        self._clock = clock

    def ingest(
        self, artist_ids: Sequence[str], on_progress: Callable[[int], None] = lambda _: None
    ) -> WorkflowResult:
        """Ingest the IDs; on_progress hears how many IDs are done after each execution."""
        ingested: set[str] = set()
        dead_lettered: set[str] = set()
        failures: dict[str, str] = {}
        run = f"backfill-{self._clock():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        for start in range(0, len(artist_ids), self._batch_size):
            batch = list(artist_ids[start : start + self._batch_size])
            name = f"{run}-{start // self._batch_size + 1}"
            ended = self._executions.run(name, {"artist_ids": batch}, self._timeout_seconds)
            if ended.succeeded:
                done, missing, lost = _batch_outcome(ended.output)
                ingested |= done & set(batch)
                failures.update(dict.fromkeys(missing, NOT_ON_SPOTIFY))
                dead_lettered |= lost
            else:
                failures.update(dict.fromkeys(batch, self._failure(name, ended)))
            on_progress(min(start + self._batch_size, len(artist_ids)))
        if dead_lettered:
            failures.update(self._dead_letter_reasons(dead_lettered))
        return WorkflowResult(frozenset(ingested), failures)

    def _failure(self, name: str, ended: ExecutionEnd) -> str:
        if ended.still_running:
            return f"execution {name} still running after {self._timeout_seconds:g} s"
        return f"execution {name} ended {ended.status}: {ended.error or 'no error given'}"

    def _dead_letter_reasons(self, artist_ids: set[str]) -> dict[str, str]:
        reasons = dict.fromkeys(artist_ids, "sent to the dead-letter queue")
        for letter in self._operations.dead_letters():
            if letter.subject in artist_ids and letter.error:
                reasons[letter.subject] = f"{letter.error}: {letter.cause}"
        return reasons


def _batch_outcome(output: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """The IDs an execution ingested, those Spotify does not have (tombstoned), and those
    it sent to the dead-letter queue."""
    ingested: set[str] = set()
    not_found: set[str] = set()
    dead_lettered: set[str] = set()
    for summary in output.get("fetched", []):
        ingested.update(summary.get("ingested", []))
        not_found.update(summary.get("not_found", []))
        dead_lettered.update(summary.get("failed", []))
    return ingested, not_found, dead_lettered


def backfill(
    names_file: Path,
    lookup_ports: LookupPorts,
    workflow: WorkflowIngest,
    progress: ProgressBar,
    longest_wait_seconds: int,
) -> BackfillReport:
    """Search every name of the file, ingest the new artists, and report on each name."""
    with names_file.open(encoding="utf-8") as lines:
        names = names_in(lines)
    lookup = look_up(
        names,
        lookup_ports,
        longest_wait_seconds,
        lambda done: progress.show("searching", done, len(names)),
    )
    progress.finish()
    artist_ids = lookup.artist_ids
    result = WorkflowResult(frozenset(), {})
    if artist_ids:
        progress.show("ingesting", 0, len(artist_ids))
        result = workflow.ingest(
            artist_ids, lambda done: progress.show("ingesting", done, len(artist_ids))
        )
        progress.finish()
    return settle(names, lookup, result.ingested, result.failures)


def summary_lines(report: BackfillReport) -> list[str]:
    """The names that need a look (not found, failed with the reason), then one row per
    outcome and the total."""
    lines = [f"not found: {one.name}" for one in report.with_outcome(Outcome.NOT_FOUND)]
    lines += [f"failed: {one.name} ({one.reason})" for one in report.with_outcome(Outcome.FAILED)]
    width = max(len(outcome.value) for outcome in Outcome)
    lines += [f"{outcome.value:<{width}}  {report.count(outcome):>5}" for outcome in Outcome]
    lines.append(f"{'total':<{width}}  {len(report.outcomes):>5}")
    return lines


@contextmanager
def connected_backfill(local_json: Path) -> Iterator[tuple[LookupPorts, WorkflowIngest]]:
    """The ports and the workflow runner of the stack that wrote this local.json, the ports
    built by the functions' composition root; its database connections close when the
    block ends."""
    published = PublishedStack.read(local_json)
    addresses = StackAddresses.published(published)
    with functions_root(published) as dependencies:
        ports = LookupPorts(
            names=dependencies.names,
            repository=dependencies.repository,
            spotify=dependencies.spotify,
            sleep=time.sleep,
        )
        workflow = WorkflowIngest(
            addresses.client("stepfunctions"),
            Operations.connect(addresses),
            addresses.ingest_state_machine_arn,
        )
        yield ports, workflow
