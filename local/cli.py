"""The `sixpotify` command: run the system on one machine and talk to it."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from local.chat import ChatClient, ChatEndpoints, chat_session
from local.demo import DemoFailedError, run_demo
from local.stack import LOCAL_JSON, start_local_stack

STATE_DIR = Path(".sixpotify")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sixpotify", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="the local stack").add_subparsers(
        dest="action", required=True
    )
    up = local.add_parser("up", help="start the local stack in the foreground")
    up.add_argument("--no-seed", action="store_true", help="start with no catalog artists")
    chat = commands.add_parser("chat", help="talk to a running local stack as a Messenger user")
    chat.add_argument("--user", default="2400000000000042", help="the Messenger user ID to be")
    commands.add_parser("demo", help="start a fresh stack, play a scripted conversation, stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "local":
        return _local_up(seed=not args.no_seed)
    if args.command == "chat":
        return _chat(args.user)
    try:
        run_demo()
    except DemoFailedError as failure:
        print(f"demo failed: {failure}", file=sys.stderr)
        return 1
    return 0


def _local_up(seed: bool) -> int:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with start_local_stack(STATE_DIR) as stack:
        if seed:
            print("ingesting the catalog through the pipeline…", flush=True)
            print(f"{stack.seed()} artists known", flush=True)
        path = stack.write_local_json()
        print(f"ready: {stack.endpoints.webhook_url} (details in {path}); Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()
    return 0


def _chat(user_id: str) -> int:
    path = STATE_DIR / LOCAL_JSON
    if not path.exists():
        print(f"no running stack: start one with `sixpotify local up` ({path} is missing)")
        return 1
    details = json.loads(path.read_text(encoding="utf-8"))
    user = ChatClient(
        ChatEndpoints(
            details["webhook_url"],
            details["graph_sent_url"],
            details["app_secret"],
            details["page_id"],
        ),
        user_id,
    )
    print(
        'Type an artist\'s name or "songs like <title>"; q1, b2, ... taps what an answer '
        "numbered; an empty line or Ctrl-D ends the chat."
    )
    chat_session(user, lambda: sys.stdin.readline() or None, print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
