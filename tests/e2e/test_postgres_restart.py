"""PostgreSQL killed (-9) under a running `sixpotify local up`: the stack restarts it on the
same data and address, its handlers reconnect, and a message that arrived during the outage
is answered exactly once, at the latest by the operator's converse-failures replay.

The stack runs in a process of its own, as a developer runs it, with its own embedded
PostgreSQL: the kill must not reach the session's server the other tests share.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from domain.replies import say
from local.chat import ChatClient, ChatEndpoints
from local.stack import LOCAL_JSON, POSTGRES_DATA_DIR

# Known to the Spotify stand-in, unknown to a stack started without seeding: asking for it
# needs the database from the first step (the name index) to the pushed answer.
ARTIST = "Drake"
UNKNOWN = "Zzyzx Quartet"
LOOKING_UP = say("looking_up", "en", name=ARTIST)


def _sixpotify(state_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "local.cli", "--state-dir", str(state_dir), *args]


def _environment() -> dict[str, str]:
    # The stack's own embedded database, not whatever DATABASE_URL names.
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return environment


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """`sixpotify local up --no-seed` in its own process: its state folder and local.json."""
    state_dir = tmp_path / "state"
    with (tmp_path / "stack.log").open("wb") as log:
        up = subprocess.Popen(  # this interpreter, fixed arguments
            _sixpotify(state_dir, "local", "up", "--no-seed"),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_environment(),
        )
        try:
            local_json = state_dir / LOCAL_JSON
            deadline = time.monotonic() + 120
            while not local_json.exists():
                assert up.poll() is None, (tmp_path / "stack.log").read_text()
                assert time.monotonic() < deadline, "local up did not become ready"
                time.sleep(0.2)
            yield state_dir, json.loads(local_json.read_text(encoding="utf-8"))
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=60)


def postmaster_pid(state_dir: Path) -> int:
    first_line = (state_dir / POSTGRES_DATA_DIR / "postmaster.pid").read_text().split("\n")[0]
    return int(first_line)


def answers_to(user: ChatClient) -> list[dict[str, Any]]:
    return [sent["body"]["message"] for sent in user.messages() if "message" in sent["body"]]


def carousels(messages: list[dict[str, Any]]) -> int:
    return sum("attachment" in message for message in messages)


def wait_until(condition: Callable[[], bool], timeout_seconds: float = 60) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {condition.__name__}"
        time.sleep(0.2)


def cli(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # this interpreter, fixed arguments
        _sixpotify(state_dir, *args),
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_message_during_a_postgres_kill_is_answered_once_after_it_restarts(
    stack: tuple[Path, dict[str, Any]],
) -> None:
    state_dir, details = stack
    endpoints = ChatEndpoints.published(details)
    earlier, asker, later = (ChatClient(endpoints, f"240000000000090{n}") for n in range(1, 4))
    # Given the stack's connections to PostgreSQL opened by an earlier message ("not found":
    # the name index, then Spotify)
    assert earlier.say(UNKNOWN).status_code == 200
    wait_until(lambda: bool(answers_to(earlier)))
    killed = postmaster_pid(state_dir)

    # And PostgreSQL killed -9 under them
    os.kill(killed, signal.SIGKILL)

    # When a user asks for an artist the stack must look up, during the outage
    accepted = asker.say(ARTIST)

    # Then the webhook still acknowledges the message
    assert accepted.status_code == 200

    # When PostgreSQL is back, started again by the stack on the same data directory
    def accepting_connections() -> bool:
        try:
            with closing(psycopg2.connect(details["database_url"])) as connection:
                connection.cursor().execute("SELECT 1")
        except psycopg2.OperationalError:
            return False
        return True

    wait_until(accepting_connections)
    assert postmaster_pid(state_dir) != killed

    # And the operator replays what converse could not answer, as the runbook says
    def handled() -> bool:
        listed = cli(state_dir, "converse-failures", "list").stdout.strip().splitlines()
        return bool(answers_to(asker)) or listed[-1] != "0 converse failure(s)"

    wait_until(handled)
    replay = cli(state_dir, "converse-failures", "replay")

    # Then the replay (if converse had failed) succeeded, and the user hears "looking them
    # up" once and gets the pushed answer once
    assert replay.returncode == 0, replay.stdout + replay.stderr
    wait_until(lambda: carousels(answers_to(asker)) >= 1)
    time.sleep(1.0)  # a duplicate would come right after the first answer
    answered = answers_to(asker)
    assert [message.get("text") for message in answered].count(LOOKING_UP) == 1
    assert carousels(answered) == 1

    # And the stack's connections work again: the artist is now a hit, answered at once
    assert later.say(ARTIST).status_code == 200
    wait_until(lambda: bool(answers_to(later)))
    assert carousels(answers_to(later)) == 1
