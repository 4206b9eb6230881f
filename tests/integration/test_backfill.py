"""`sixpotify ingest --names FILE` against the session's stack: names sorted into ingested,
already known, not found and failed, and the new artists stored through the workflow."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from local import cli
from local.published import LOCAL_JSON
from local.spotify_server import Endpoint, Fault
from local.stack import LocalStack
from tests.stack_probes import table_rows

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"
THE_BEATLES = "3WrFJ7ztbogyGnTHbHJFl2"
AESPA = "Zkd2hTEn60rUqyMsWenmkA"


@pytest.fixture
def state_dir(clean_stack: LocalStack, tmp_path: Path) -> Path:
    """A folder where the stack's addresses are published, as `sixpotify local up` does."""
    clean_stack.endpoints.write(tmp_path / LOCAL_JSON)
    return tmp_path


def _names_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "names.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _summary(printed: str) -> dict[str, int]:
    rows = {}
    for line in printed.splitlines():
        label, _, count = line.rpartition(" ")
        if count.isdigit() and ":" not in label:
            rows[label.strip()] = int(count)
    return rows


def test_a_names_file_is_sorted_out_and_the_new_artists_are_ingested(
    clean_stack: LocalStack,
    state_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a stack that knows Drake, and a list mixing him (by name and misspelled), new
    # artists (one as Spotify spells it, one without its "The", one by its Korean name),
    # a name twice, a comment, a blank line and a band nobody has heard of
    clean_stack.ingest([DRAKE], name="backfill-known-drake", timeout_seconds=60)
    names = _names_file(
        tmp_path,
        "# artists for the backfill",
        "Drake",
        "drak",
        "",
        "50 Cent",
        "beatles",
        "에스파",
        "50 cent",
        "Xyzzy Quuxband",
    )

    # When the operator backfills from it
    status = cli.main(["--state-dir", str(state_dir), "ingest", "--names", str(names)])

    # Then the summary counts each name once, names what was not found, and the new
    # artists are in PostgreSQL
    printed = capsys.readouterr()
    assert status == 0
    assert _summary(printed.out) == {
        "ingested": 3,
        "already known": 2,
        "not found": 1,
        "failed": 0,
        "total": 6,
    }
    assert "not found: Xyzzy Quuxband" in printed.out
    # And, its stderr being no terminal, the progress of each step in plain lines
    assert {"searching: 6/6", "ingesting: 3/3"} <= set(printed.err.splitlines())
    assert "\r" not in printed.err
    stored = {row[0] for row in table_rows(clean_stack, "artists")}
    assert stored == {DRAKE, FIFTY_CENT, THE_BEATLES, AESPA}


def test_a_long_rate_limit_stops_the_searching_and_fails_what_is_left(
    clean_stack: LocalStack,
    state_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given Spotify rate-limits the second search for an hour
    names = _names_file(tmp_path, "50 Cent", "beatles", "Drake")
    clean_stack.spotify.inject_fault(Endpoint.SEARCH, Fault())
    clean_stack.spotify.inject_fault(Endpoint.SEARCH, Fault(status=429, retry_after_seconds=3600))

    # When the operator backfills with the default longest wait
    try:
        status = cli.main(["--state-dir", str(state_dir), "ingest", "--names", str(names)])
    finally:
        clean_stack.spotify.clear_faults()

    # Then the first name is ingested, the others fail with the wait Spotify asked for,
    # and the command says something failed
    printed = capsys.readouterr().out
    assert status == 1
    assert _summary(printed)["ingested"] == 1
    assert _summary(printed)["failed"] == 2
    assert "failed: Drake (not searched: Spotify rate limit, retry after 3600 s)" in printed
    assert {row[0] for row in table_rows(clean_stack, "artists")} == {FIFTY_CENT}


def test_a_stack_that_does_not_publish_its_spotify_access_is_named(
    clean_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a local.json without the Spotify credentials (written by an older stack)
    published = {
        key: value
        for key, value in asdict(clean_stack.endpoints).items()
        if not key.startswith("spotify_")
    }
    (tmp_path / LOCAL_JSON).write_text(json.dumps(published))
    names = _names_file(tmp_path, "Drake")

    # When the operator backfills
    status = cli.main(["--state-dir", str(tmp_path), "ingest", "--names", str(names)])

    # Then the command fails and says what local.json lacks
    assert status == 1
    assert "spotify_client_secret" in capsys.readouterr().out
