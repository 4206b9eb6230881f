"""`sixpotify local up` and `sixpotify chat` as a developer runs them, in their own processes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

REQUIRED_KEYS = {
    "webhook_url",
    "graph_sent_url",
    "spotify_url",
    "database_url",
    "verify_token",
    "app_secret",
    "page_id",
    "chat_url",
}


def _sixpotify(*args: str) -> list[str]:
    return [sys.executable, "-m", "local.cli", *args]


def _environment() -> dict[str, str]:
    # An embedded database in the working folder, not whatever DATABASE_URL names.
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return environment


def _wait_for(path: Path, process: subprocess.Popen[str], timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not path.exists():
        assert process.poll() is None, f"local up exited early:\n{process.stdout.read()}"  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "local up did not become ready"
        time.sleep(0.2)


def _status_once_idle(url: str, timeout_seconds: float = 10) -> dict[str, int]:
    deadline = time.monotonic() + timeout_seconds
    while True:
        status: dict[str, int] = requests.get(url, timeout=5).json()
        if not any(status.values()) or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def _local_up(folder: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _sixpotify("local", "up", *options),
        cwd=folder,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_local_up_publishes_its_endpoints_and_chat_talks_to_it(tmp_path: Path) -> None:
    # Given `sixpotify local up` running in a fresh folder, as a Development Mode app whose
    # Spotify calls are rate limited
    local_json = tmp_path / ".sixpotify" / "local.json"
    up = _local_up(
        tmp_path, "--no-seed", "--spotify-mode", "development", "--spotify-rate-limit", "600/30s"
    )
    try:
        _wait_for(local_json, up, timeout_seconds=60)
        details = json.loads(local_json.read_text())
        # Then local.json names every endpoint a client needs, readable by its owner only
        assert details.keys() >= REQUIRED_KEYS
        assert local_json.stat().st_mode & 0o077 == 0
        assert requests.get(details["graph_sent_url"], timeout=5).json() == []
        # And it serves the web chat's page
        assert "Sixpotify" in requests.get(details["chat_url"], timeout=5).text
        # And its Spotify stand-in plays a Development Mode app: no batch artist lookups
        token = requests.post(
            details["spotify_token_url"],
            data={"grant_type": "client_credentials"},
            auth=(details["spotify_client_id"], details["spotify_client_secret"]),
            timeout=5,
        ).json()["access_token"]
        batch = requests.get(
            f"{details['spotify_url']}artists",
            params={"ids": "3TVXtAsR1Inumwj472S9r4"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert batch.status_code == 403
        # And its limits can be read and changed at the published control endpoint
        conditions = requests.get(details["spotify_control_url"], timeout=5).json()
        assert (conditions["mode"], conditions["rate_limit"]) == ("development", 600)

        # And the Graph sink holds the user to Messenger's 24-hour window, which closed a day
        # after they last wrote
        user_id = "2400000000000123"
        graph_url = details["graph_sent_url"].removesuffix("/sent")
        requests.post(
            f"{graph_url}/users/wrote",
            json={"user_id": user_id, "timestamp": int((time.time() - 25 * 3600) * 1000)},
            timeout=5,
        ).raise_for_status()

        # When a developer chats with it (the webhook answering in a process of its own)
        chat = subprocess.run(
            _sixpotify("chat", "--user", user_id),
            cwd=tmp_path,
            env=_environment(),
            input="Zzyzx Quartet\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        # Then the bot's answer is printed, and it went through the Graph sink, which the
        # webhook told that the user wrote again, opening the window
        assert chat.returncode == 0, chat.stderr
        assert "couldn't find" in chat.stdout
        sent = requests.get(details["graph_sent_url"], timeout=5).json()
        assert [s["body"].get("sender_action") for s in sent] == ["typing_on", None]
        assert {s["body"]["recipient"]["id"] for s in sent} == {user_id}
        # And the gateway's /status shows the stack's asynchronous invocations: none left
        assert _status_once_idle(details["webhook_url"].removesuffix("/webhook") + "/status") == {
            "async_backlog": 0,
            "async_running": 0,
        }
    finally:
        # When it is stopped
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=30)
    # Then it exits cleanly and takes local.json with it
    assert up.returncode == 0
    assert not local_json.exists()


def test_chat_without_a_running_stack_says_how_to_start_one(tmp_path: Path) -> None:
    # When chat runs where no stack is up
    chat = subprocess.run(
        _sixpotify("chat"),
        cwd=tmp_path,
        env=_environment(),
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then it fails with a hint
    assert chat.returncode == 1
    assert "sixpotify local up" in chat.stdout


def test_similarity_rebuild_runs_against_a_running_stack_and_reports_the_new_generation(
    tmp_path: Path,
) -> None:
    # Given `sixpotify local up` running with the catalog ingested
    local_json = tmp_path / ".sixpotify" / "local.json"
    up = _local_up(tmp_path)
    try:
        _wait_for(local_json, up, timeout_seconds=180)
        # When an operator rebuilds similarity in shards of 150 artists
        rebuild = subprocess.run(
            _sixpotify("similarity", "rebuild", "--shard-size", "150"),
            cwd=tmp_path,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=30)
    # Then it drew its progress, and names the generation now serving, its artists and shards
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    first_line = rebuild.stdout.splitlines()[0]
    assert first_line.startswith("generation ")
    assert " is serving: " in first_line
    assert "in 4 shard(s)" in first_line
    assert "shards" in rebuild.stderr
    assert "4/4" in rebuild.stderr


def test_similarity_rebuild_without_a_running_stack_says_how_to_start_one(tmp_path: Path) -> None:
    # When a rebuild is asked for where no stack is up
    rebuild = subprocess.run(
        _sixpotify("similarity", "rebuild"),
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then it fails with a hint
    assert rebuild.returncode == 1
    assert "sixpotify local up" in rebuild.stdout
