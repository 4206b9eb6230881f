"""`sixpotify status`: one screen about a running local stack, and what in it needs attention.

`read_figures` gathers the figures from the stack through the addresses in its local.json;
`needing_attention` and `status_lines` judge and word them without any I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from adapters.postgres.pool import ConnectionPool
from domain.models import SimilarityGeneration
from local.operations import StackAddresses
from local.published import PublishedStack, functions_root
from local.spotify_server import Conditions

# Executions listed on the screen, newest first.
RECENT_EXECUTIONS = 5
# How the daily refresh and `sixpotify refresh` name their executions.
REFRESH_PREFIX = "refresh-"
_FAILED_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
# Generations looked through for the last rebuild: the serving one, and those rebuilt since.
_GENERATIONS_READ = 5
_HTTP_TIMEOUT_SECONDS = 5

_ARTIST_COUNTS = """
    SELECT count(*), count(v.artist_id), count(l.artist_id)
    FROM artists a
    LEFT JOIN artist_vectors v ON v.artist_id = a.id
    LEFT JOIN (
        SELECT DISTINCT artist_id FROM artist_similarity WHERE generation = %(generation)s
    ) l ON l.artist_id = a.id
"""


@dataclass(frozen=True)
class Execution:
    """One execution of the ingest workflow, as Step Functions lists it."""

    arn: str
    name: str
    status: str
    started_at: datetime
    stopped_at: datetime | None

    @property
    def failed(self) -> bool:
        return self.status in _FAILED_STATUSES

    def duration(self, now: datetime) -> timedelta:
        return (self.stopped_at or now) - self.started_at


@dataclass(frozen=True)
class ArtistCounts:
    known: int
    with_vector: int
    with_list: int


@dataclass(frozen=True)
class QueueDepths:
    """Messages on each queue, those being handled included."""

    requests: int
    dead_letters: int
    converse_failures: int


@dataclass(frozen=True)
class StackFigures:
    """What `sixpotify status` shows, read at `read_at`."""

    read_at: datetime
    artists: ArtistCounts
    serving: SimilarityGeneration | None
    last_rebuild: SimilarityGeneration | None
    queues: QueueDepths
    recent_executions: list[Execution]
    last_refresh: Execution | None
    spotify: Conditions
    graph_sends_today: int


@dataclass(frozen=True)
class Attention:
    """Something an operator should look at, and the command that handles it."""

    what: str
    command: str


def needing_attention(figures: StackFigures) -> list[Attention]:
    """What in the figures needs an operator, most pressing first."""
    found = []
    if figures.queues.dead_letters:
        found.append(
            Attention(
                f"{figures.queues.dead_letters} dead letter(s) waiting",
                "sixpotify dlq list, then sixpotify dlq redrive",
            )
        )
    if figures.queues.converse_failures:
        found.append(
            Attention(
                f"{figures.queues.converse_failures} converse failure(s) waiting",
                "sixpotify converse-failures list, then sixpotify converse-failures replay",
            )
        )
    last = next(iter(figures.recent_executions), None)
    if last is not None and last.failed:
        found.append(
            Attention(f"the last execution, {last.name}, ended {last.status}", _replay(last))
        )
    refresh = figures.last_refresh
    if refresh is not None and refresh.failed and refresh != last:
        found.append(
            Attention(f"the last refresh, {refresh.name}, ended {refresh.status}", _replay(refresh))
        )
    rebuild = figures.last_rebuild
    if rebuild is not None and rebuild.state == "failed":
        found.append(
            Attention(
                f"the last similarity rebuild (generation {rebuild.generation}) failed: "
                f"{rebuild.failure or 'no reason given'}",
                "sixpotify similarity rebuild",
            )
        )
    return found


def _replay(execution: Execution) -> str:
    return f"sixpotify replay {execution.arn}"


def status_lines(figures: StackFigures, attention: list[Attention]) -> list[str]:
    """The screen: the figures, then what needs attention, or that nothing does."""
    now = figures.read_at
    artists = figures.artists
    queues = figures.queues
    lines = [
        f"artists       {artists.known} known; {artists.with_vector} with a similarity vector, "
        f"{artists.known - artists.with_vector} without; {artists.with_list} with a "
        f"similar-artist list, {artists.known - artists.with_list} without",
        f"similarity    {_serving(figures.serving, now)}",
        f"last rebuild  {_rebuild(figures.last_rebuild, now)}",
        f"last refresh  {_refresh(figures.last_refresh, now)}",
        f"queues        requests {queues.requests}, dead letters {queues.dead_letters}, "
        f"converse failures {queues.converse_failures}",
        f"spotify       {_spotify(figures.spotify)}",
        f"graph         {figures.graph_sends_today} send(s) today (UTC)",
        "executions    " + ("none yet" if not figures.recent_executions else "newest first"),
    ]
    lines += [
        f"  {execution.started_at:%Y-%m-%d %H:%M:%S}  {execution.status:<9} "
        f"{_seconds(execution.duration(now)):>9}  {execution.name}"
        for execution in figures.recent_executions
    ]
    if not attention:
        return [*lines, "all well: nothing needs attention"]
    lines.append(f"needs attention ({len(attention)}):")
    lines += [f"  {item.what}: {item.command}" for item in attention]
    return lines


def _serving(serving: SimilarityGeneration | None, now: datetime) -> str:
    if serving is None:
        return "no generation serving"
    served_since = serving.finished_at or serving.started_at
    return f"generation {serving.generation} serving, built {_age(now - served_since)} ago"


def _rebuild(rebuild: SimilarityGeneration | None, now: datetime) -> str:
    if rebuild is None:
        return "none yet"
    began = f"generation {rebuild.generation}, started {_age(now - rebuild.started_at)} ago"
    if rebuild.state == "building":
        return f"{began}, building: {rebuild.shards_done}/{rebuild.shard_count or '?'} shards"
    if rebuild.state == "failed":
        return f"{began}, failed: {rebuild.failure or 'no reason given'}"
    built = f"{rebuild.artist_count} artists in {rebuild.shard_count} shard(s)"
    return f"{began}, {rebuild.state}: {built}"


def _refresh(refresh: Execution | None, now: datetime) -> str:
    if refresh is None:
        return "none yet"
    return (
        f"{refresh.name}, started {_age(now - refresh.started_at)} ago, {refresh.status} "
        f"after {_seconds(refresh.duration(now))}"
    )


def _spotify(conditions: Conditions) -> str:
    mode = conditions.mode.value if conditions.mode else "unknown"
    limits = []
    if conditions.rate_limit is not None:
        limits.append(f"rate limit {conditions.rate_limit}/30s")
    if conditions.quota_exceeded_for_seconds:
        limits.append(f"quota exceeded for {conditions.quota_exceeded_for_seconds} s")
    if conditions.premium_lapsed:
        limits.append("owner's Premium lapsed")
    if conditions.server_errors is not None:
        limits.append(f"answering {conditions.server_errors.status}")
    return f"access level {mode}" + "".join(f", {limit}" for limit in limits)


def _age(elapsed: timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _seconds(elapsed: timedelta) -> str:
    return f"{elapsed.total_seconds():.1f} s"


def read_figures(local_json: Path) -> StackFigures:
    """The figures of the stack that wrote this local.json."""
    published = PublishedStack.read(local_json)
    addresses = StackAddresses.published(published)
    with functions_root(published) as root:
        generations = root.similarity.generations(_GENERATIONS_READ)
        serving = next((g for g in generations if g.state == "serving"), None)
        artists = _artist_counts(root.pool, serving)
    recent, last_refresh = _executions(addresses)
    read_at = datetime.now(UTC)
    return StackFigures(
        read_at=read_at,
        artists=artists,
        serving=serving,
        last_rebuild=_last_rebuild(generations),
        queues=_queue_depths(addresses, published.converse_failures_queue_url),
        recent_executions=recent,
        last_refresh=last_refresh,
        spotify=Conditions.model_validate(_get_json(published.spotify_control_url)),
        graph_sends_today=_sends_on(read_at.date(), _get_json(published.graph_sent_url)),
    )


def _artist_counts(pool: ConnectionPool, serving: SimilarityGeneration | None) -> ArtistCounts:
    with pool.transaction() as cursor:
        cursor.execute(_ARTIST_COUNTS, {"generation": serving.generation if serving else None})
        known, with_vector, with_list = cursor.fetchone()
    return ArtistCounts(known, with_vector, with_list)


def _last_rebuild(generations: list[SimilarityGeneration]) -> SimilarityGeneration | None:
    """The newest generation a rebuild made; a serving generation no rebuild planned (it has
    no artist count) is where the stack started, not a rebuild."""
    newest = next(iter(generations), None)
    if newest is None or (newest.state == "serving" and newest.artist_count is None):
        return None
    return newest


def _queue_depths(addresses: StackAddresses, converse_failures_queue_url: str) -> QueueDepths:
    sqs = addresses.client("sqs")

    def depth(queue_url: str) -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(count) for count in attributes.values())

    return QueueDepths(
        requests=depth(addresses.requests_queue_url),
        dead_letters=depth(addresses.dead_letter_queue_url),
        converse_failures=depth(converse_failures_queue_url),
    )


def _executions(addresses: StackAddresses) -> tuple[list[Execution], Execution | None]:
    """The newest executions, and the newest refresh, however far back it is."""
    pages = (
        addresses.client("stepfunctions")
        .get_paginator("list_executions")
        .paginate(stateMachineArn=addresses.ingest_state_machine_arn)
    )
    recent: list[Execution] = []
    last_refresh: Execution | None = None
    for page in pages:
        for listed in page["executions"]:
            execution = _execution(listed)
            if len(recent) < RECENT_EXECUTIONS:
                recent.append(execution)
            if last_refresh is None and execution.name.startswith(REFRESH_PREFIX):
                last_refresh = execution
            if len(recent) == RECENT_EXECUTIONS and last_refresh is not None:
                return recent, last_refresh
    return recent, last_refresh


def _execution(listed: dict[str, Any]) -> Execution:
    return Execution(
        arn=listed["executionArn"],
        name=listed["name"],
        status=listed["status"],
        started_at=listed["startDate"],
        stopped_at=listed.get("stopDate"),
    )


def _get_json(url: str) -> Any:
    response = requests.get(url, timeout=_HTTP_TIMEOUT_SECONDS)
    response.raise_for_status()
    return response.json()


def _sends_on(day: date, sent: list[dict[str, Any]]) -> int:
    return sum(datetime.fromisoformat(send["received_at"]).date() == day for send in sent)
