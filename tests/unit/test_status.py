"""Judging a running stack's figures: what needs an operator, and which command handles it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.models import SimilarityGeneration
from local.spotify_server import AccessMode, Conditions
from local.status import (
    ArtistCounts,
    Execution,
    QueueDepths,
    StackFigures,
    needing_attention,
    status_lines,
)

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:execution:sixpotify-local-ingest"


def _execution(name: str, status: str = "SUCCEEDED", minutes_ago: int = 10) -> Execution:
    started = NOW - timedelta(minutes=minutes_ago)
    return Execution(f"{ARN}:{name}", name, status, started, started + timedelta(seconds=42))


REFRESH = _execution("refresh-20261128T030000Z-1a2b3c4d", minutes_ago=390)
HEALTHY = StackFigures(
    read_at=NOW,
    artists=ArtistCounts(known=120, with_vector=118, with_list=115),
    serving=SimilarityGeneration(
        generation=3,
        state="serving",
        started_at=NOW - timedelta(hours=6, minutes=20),
        finished_at=NOW - timedelta(hours=6),
        artist_count=118,
        shard_count=2,
        shards_done=2,
    ),
    last_rebuild=None,
    queues=QueueDepths(requests=0, dead_letters=0, converse_failures=0),
    recent_executions=[_execution("seed-1"), REFRESH],
    last_refresh=REFRESH,
    spotify=Conditions(mode=AccessMode.EXTENDED_QUOTA),
    graph_sends_today=7,
)
FAILED_REBUILD = SimilarityGeneration(
    generation=4,
    state="failed",
    started_at=NOW - timedelta(minutes=5),
    failure="shard 1 failed",
)


def test_a_healthy_stack_needs_nothing_and_its_screen_says_so() -> None:
    # Given the figures of a stack with nothing waiting and nothing failed
    # When they are judged and worded
    attention = needing_attention(HEALTHY)
    lines = status_lines(HEALTHY, attention)

    # Then nothing needs attention, and the screen shows each figure
    assert attention == []
    assert lines[-1] == "all well: nothing needs attention"
    screen = "\n".join(lines)
    assert "120 known; 118 with a similarity vector, 2 without" in screen
    assert "115 with a similar-artist list, 5 without" in screen
    assert "generation 3 serving, built 6 h ago" in screen
    assert "requests 0, dead letters 0, converse failures 0" in screen
    assert "access level extended-quota" in screen
    assert "7 send(s) today" in screen
    assert "SUCCEEDED    42.0 s  seed-1" in screen


def test_each_waiting_or_failed_thing_is_named_with_the_command_that_handles_it() -> None:
    # Given a dead letter, two converse failures, a failed last execution and a failed rebuild
    failed = _execution("backfill-2", status="FAILED", minutes_ago=1)
    figures = replace(
        HEALTHY,
        queues=QueueDepths(requests=3, dead_letters=1, converse_failures=2),
        recent_executions=[failed, REFRESH],
        last_rebuild=FAILED_REBUILD,
    )

    # When they are judged
    attention = needing_attention(figures)

    # Then each needs attention, with its command, in that order
    assert [item.command for item in attention] == [
        "sixpotify dlq list, then sixpotify dlq redrive",
        "sixpotify converse-failures list, then sixpotify converse-failures replay",
        f"sixpotify replay {failed.arn}",
        "sixpotify similarity rebuild",
    ]
    assert attention[0].what == "1 dead letter(s) waiting"
    assert "shard 1 failed" in attention[3].what
    # And the screen ends with them
    lines = status_lines(figures, attention)
    assert lines[-5] == "needs attention (4):"
    assert lines[-4] == "  1 dead letter(s) waiting: sixpotify dlq list, then sixpotify dlq redrive"


def test_a_failed_refresh_is_named_once_even_when_it_is_the_last_execution() -> None:
    # Given a refresh that failed, first as the newest execution, then with a backfill after it
    refresh = _execution("refresh-20261128T030000Z-9f8e7d6c", status="TIMED_OUT")
    last = replace(HEALTHY, recent_executions=[refresh], last_refresh=refresh)
    earlier = replace(last, recent_executions=[_execution("backfill-1", minutes_ago=2), refresh])

    # When each is judged
    # Then the refresh is named once, as the last execution or as the last refresh
    assert [item.what for item in needing_attention(last)] == [
        f"the last execution, {refresh.name}, ended TIMED_OUT"
    ]
    assert [item.what for item in needing_attention(earlier)] == [
        f"the last refresh, {refresh.name}, ended TIMED_OUT"
    ]


def test_a_running_execution_and_a_rebuild_in_progress_need_nothing() -> None:
    # Given an execution still running and a rebuild still building
    running = Execution(f"{ARN}:rebuild-1", "rebuild-1", "RUNNING", NOW, None)
    building = FAILED_REBUILD.model_copy(
        update={"state": "building", "failure": None, "shard_count": 4, "shards_done": 1}
    )
    figures = replace(HEALTHY, recent_executions=[running], last_rebuild=building)

    # When they are judged and worded
    lines = status_lines(figures, needing_attention(figures))

    # Then nothing needs attention, and the rebuild's shards so far are shown
    assert lines[-1] == "all well: nothing needs attention"
    assert any("building: 1/4 shards" in line for line in lines)
