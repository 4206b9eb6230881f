"""`sixpotify status` against a running stack: its figures, and its exit code for scripts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from local import cli
from local.chat import ChatClient
from local.stack import LocalStack
from tests.stack_probes import dead_letter_after_an_outage

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"


def _status(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    exit_code = cli.main(["--state-dir", str(state_dir), "status"])
    return exit_code, capsys.readouterr().out


def test_status_shows_a_healthy_stack_and_exits_0(
    clean_stack: LocalStack,
    state_dir: Path,
    messenger_user: ChatClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given two artists ingested, a user who chatted, and a rebuild of their lists
    ingest_name = f"status-{time.time_ns()}"
    clean_stack.ingest([DRAKE, FIFTY_CENT], name=ingest_name)
    messenger_user.say("Drake")
    messenger_user.replies(at_least=1)
    rebuild = cli.main(["--state-dir", str(state_dir), "similarity", "rebuild"])
    capsys.readouterr()
    assert rebuild == 0

    # When an operator asks for the stack's status
    exit_code, printed = _status(state_dir, capsys)

    # Then it exits 0, says nothing needs attention, and shows the stack's figures
    assert exit_code == 0, printed
    assert printed.splitlines()[-1] == "all well: nothing needs attention"
    assert "2 known; 2 with a similarity vector, 0 without" in printed
    assert "2 with a similar-artist list, 0 without" in printed
    assert "requests 0, dead letters 0, converse failures 0" in printed
    assert "access level extended-quota" in printed
    assert f"{len(clean_stack.graph.sent())} send(s) today" in printed
    [ingest_row] = [line for line in printed.splitlines() if line.endswith(ingest_name)]
    assert " SUCCEEDED " in ingest_row
    assert " serving: 2 artists in 1 shard(s)" in printed


def test_status_exits_1_and_names_the_redrive_while_a_dead_letter_waits(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a succeeded ingest, and Drake on the dead-letter queue
    clean_stack.ingest([FIFTY_CENT], name=f"status-{time.time_ns()}")
    dead_letter_after_an_outage(clean_stack, DRAKE)

    # When an operator asks for the stack's status
    exit_code, printed = _status(state_dir, capsys)

    # Then it exits 1, counts the dead letter, and says which command handles it
    assert exit_code == 1
    assert "dead letters 1" in printed
    assert "needs attention (1):" in printed
    assert "1 dead letter(s) waiting: sixpotify dlq list, then sixpotify dlq redrive" in printed


def test_status_without_a_running_stack_says_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the status is asked for where no stack is up
    exit_code, printed = _status(tmp_path, capsys)

    # Then it fails with a hint
    assert exit_code == 1
    assert "sixpotify local up" in printed
