"""An operator's tools against a running stack: replay an execution (by ARN or from a file),
list and redrive the dead-letter queue; and a replay repairing a crash half-way through."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg2
import pytest

from domain.models import Artist, FetchedArtist
from domain.ports import ArtistRepository
from handlers import composition
from local import cli
from local.stack import LocalStack
from tests.stack_probes import (
    REQUESTED_AT,
    dead_letter_after_an_outage,
    lake_objects,
    sixpotify,
    start_requested_ingest,
    table_rows,
)
from tests.swapped_adapters import handlers_using

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"


@dataclass
class CrashingOnceBeforeSaving:
    """The stack's repository, except that the first save_fetched dies as a dropped
    database connection would: after the lake and DynamoDB writes, before PostgreSQL's."""

    real: ArtistRepository
    crashes: list[Sequence[str]] = field(default_factory=list)

    def find_by_alias(self, normalized_name: str) -> Artist | None:
        return self.real.find_by_alias(normalized_name)

    def add_alias(self, normalized_name: str, artist_id: str, source: str) -> None:
        self.real.add_alias(normalized_name, artist_id, source)

    def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        return self.real.get_artists(artist_ids)

    def save_fetched(self, fetched: Sequence[FetchedArtist], fetched_at: datetime) -> None:
        if not self.crashes:
            self.crashes.append([item.artist.id for item in fetched])
            raise psycopg2.OperationalError("server closed the connection unexpectedly")
        self.real.save_fetched(fetched, fetched_at)

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]:
        return self.real.similar_artists(artist_id, limit)


def _started_arn(printed: str) -> str:
    [line] = [line for line in printed.splitlines() if line.startswith("started ")]
    return line.removeprefix("started ")


def _ingest(stack: LocalStack, name: str, artist_ids: list[str]) -> str:
    execution_arn = start_requested_ingest(stack, name, artist_ids)
    stack.wait_for_execution(execution_arn, 60)
    return execution_arn


def test_replay_by_arn_starts_the_same_input_under_a_new_name(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an execution that ran
    first = _ingest(clean_stack, "to-replay", [DRAKE, FIFTY_CENT])
    stored = table_rows(clean_stack, "artists")

    # When an operator replays it
    replayed = _started_arn(sixpotify(state_dir, capsys, "replay", first))
    clean_stack.wait_for_execution(replayed, 60)

    # Then a new execution ran with the very same input and left the same state
    client = clean_stack.aws.client("stepfunctions")
    assert replayed != first
    assert (
        client.describe_execution(executionArn=replayed)["input"]
        == client.describe_execution(executionArn=first)["input"]
    )
    assert table_rows(clean_stack, "artists") == stored


def test_replay_from_a_file_starts_the_input_it_holds(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given an execution input saved in a file
    saved = tmp_path / "input.json"
    saved.write_text(json.dumps({"artist_ids": [FIFTY_CENT], "as_of": REQUESTED_AT}))

    # When it is replayed
    execution_arn = _started_arn(sixpotify(state_dir, capsys, "replay", str(saved)))
    clean_stack.wait_for_execution(execution_arn, 60)

    # Then the artist it names is ingested as of the time it names
    [row] = table_rows(clean_stack, "artists")
    assert (row[0], row[-1].isoformat()) == (FIFTY_CENT, REQUESTED_AT)


def test_dlq_list_shows_each_dead_letter_with_its_reason_and_leaves_it(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given Drake went to the dead-letter queue when the database dropped its connection
    crashing = CrashingOnceBeforeSaving(composition.dependencies().repository)
    with handlers_using(composition.Adapters(repository=crashing)):
        _ingest(clean_stack, "dead-letter-listed", [DRAKE])

    # When an operator lists the dead letters twice
    first = sixpotify(state_dir, capsys, "dlq", "list")
    second = sixpotify(state_dir, capsys, "dlq", "list")

    # Then both times show the ID and why it is there
    assert first == second
    assert f"{DRAKE}  requested {REQUESTED_AT}  OperationalError: " in first
    assert "server closed the connection unexpectedly" in first
    assert "1 dead letter(s)" in first


def test_dlq_redrive_sends_dead_letters_back_through_the_pipe(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given Drake in the dead-letter queue after an outage
    dead_letter_after_an_outage(clean_stack, DRAKE)

    # When an operator redrives the dead-letter queue
    assert cli.main(["--state-dir", str(state_dir), "dlq", "redrive"]) == 0
    printed, progress = capsys.readouterr()

    # Then its progress is a plain line on stderr, which is no terminal here
    assert progress == "redriving: 1/1\n"
    # And it is empty, and the pipe ingests Drake again
    assert "moved 1 dead letter(s)" in printed
    assert "0 dead letter(s)" in sixpotify(state_dir, capsys, "dlq", "list")
    deadline = time.monotonic() + 30
    while not table_rows(clean_stack, "artists"):
        assert time.monotonic() < deadline, "the redriven request was never ingested"
        time.sleep(0.2)
    assert [row[0] for row in table_rows(clean_stack, "artists")] == [DRAKE]


def test_refresh_waits_showing_the_artists_refetched_and_the_rebuild_then_reports(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two known artists
    _ingest(clean_stack, "before-refresh", [DRAKE, FIFTY_CENT])

    # When an operator refreshes them
    assert cli.main(["--state-dir", str(state_dir), "refresh"]) == 0
    printed, progress = capsys.readouterr()

    # Then it says what it started and that it succeeded, once it ended
    [started, succeeded, execution] = printed.splitlines()
    assert started.startswith("started ")
    assert "refresh-" in started
    assert succeeded.startswith("refresh succeeded in ")
    assert execution == f"execution {started.removeprefix('started ')}"
    # And showed, in plain lines, the artists refetched and then the rebuild's shards
    lines = progress.splitlines()
    assert lines[0].startswith("artists: ")
    assert "artists: 2/2" in lines
    assert lines[-1] == "shards: 1/1"


def test_a_crash_between_the_lake_and_postgresql_is_repaired_by_a_replay(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an ingest whose database connection drops after the lake write
    crashing = CrashingOnceBeforeSaving(composition.dependencies().repository)
    with handlers_using(composition.Adapters(repository=crashing)):
        first = _ingest(clean_stack, "crashed-half-way", [DRAKE])
        # Then Spotify's answer is in the lake but not in PostgreSQL, and Drake is a dead
        # letter that says why
        assert crashing.crashes == [[DRAKE]]
        assert table_rows(clean_stack, "artists") == []
        assert any(key.endswith(f"{DRAKE}.json") for key in lake_objects(clean_stack))
        assert "OperationalError" in sixpotify(state_dir, capsys, "dlq", "list")

        # When the execution is replayed
        replayed = _started_arn(sixpotify(state_dir, capsys, "replay", first))
        clean_stack.wait_for_execution(replayed, 60)

    # Then PostgreSQL has Drake as of the original request, with its tracks
    [row] = table_rows(clean_stack, "artists")
    assert (row[0], row[-1].isoformat()) == (DRAKE, REQUESTED_AT)
    assert {track[1] for track in table_rows(clean_stack, "tracks")} == {DRAKE}


def test_operations_without_a_running_stack_say_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the dead letters are asked for where no stack is up
    status = cli.main(["--state-dir", str(tmp_path), "dlq", "list"])

    # Then the command fails with a hint
    assert status == 1
    assert "sixpotify local up" in capsys.readouterr().out
