"""The `sixpotify` command: run the system on one machine and talk to it."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from domain.backfill import Outcome
from domain.models import SimilarityGeneration
from domain.ports import SimilarityStore
from domain.resolution import Ambiguous, Found, Unknown, resolve
from handlers.composition import Dependencies
from local import lambda_dispatch
from local.backfill import backfill, connected_backfill, summary_lines
from local.chat import ChatClient, ChatEndpoints, chat_session
from local.demo import DemoFailedError, run_demo
from local.graph_sink import SEND_FAILURES
from local.operations import ConverseFailures, Operations, StackAddresses
from local.process_start import log_as_the_stack_does
from local.progress import ProgressBar
from local.published import LOCAL_JSON, NoRunningStackError, PublishedStack, functions_root
from local.refresh import RefreshSources, follow_refresh
from local.similarity_map import (
    DEFAULT_LABELLED,
    NothingToDrawError,
    draw_neighbourhood,
    draw_space,
)
from local.similarity_rebuild import follow_rebuild
from local.similarity_space import PostgresSimilaritySpace
from local.spotify_server import RATE_LIMIT_WINDOW_SECONDS, AccessMode, ServerErrors
from local.stack import start_local_stack
from local.status import needing_attention, read_figures, status_lines

STATE_DIR = Path(".sixpotify")
# Answering on both cores of a small machine: one process's interpreter lock holds every
# handler to one (docs/reliability.md, "What takes the time").
CONVERSE_PROCESSES = 2
# How long the local AWS endpoint stays away when `local up` gets SIGUSR1, as a restarted
# endpoint does: longer than the SDK's first retries, shorter than all of them.
AWS_RESTART_DOWN_SECONDS = 3.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sixpotify", description=__doc__)
    parser.add_argument(
        "--state-dir", type=Path, default=STATE_DIR, help="where the running stack's files are"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="the local stack").add_subparsers(
        dest="action", required=True
    )
    up = local.add_parser("up", help="start the local stack in the foreground")
    up.add_argument("--no-seed", action="store_true", help="start with no catalog artists")
    up.add_argument(
        "--spotify-mode",
        choices=[mode.value for mode in AccessMode],
        default=AccessMode.EXTENDED_QUOTA.value,
        help="what the Spotify stand-in lets the app call (Spotify's access levels)",
    )
    up.add_argument(
        "--spotify-rate-limit",
        type=_calls_per_window,
        metavar="N/30s",
        help="answer 429 to the API call past N in any rolling 30 seconds (default: no limit)",
    )
    up.add_argument(
        "--spotify-server-errors",
        type=_server_errors,
        metavar="STATUS/N or STATUS/Ts",
        help="once the stack is ready, a 5xx storm: every API call answers STATUS (500, 502 or "
        "503) for the next N calls, or for T seconds",
    )
    up.add_argument(
        "--converse-processes",
        type=int,
        default=CONVERSE_PROCESSES,
        metavar="N",
        help="worker processes answering messages, as Lambda runs separate execution "
        f"environments (default {CONVERSE_PROCESSES}; 0 answers in the stack's own process)",
    )
    up.add_argument(
        "--webhook-in-stack-process",
        action="store_true",
        help="answer webhooks, and queue converse's invocations, in the stack's own process "
        "(default: a process of their own each, as the webhook function and Lambda's front "
        "door run apart from the rest on AWS)",
    )
    up.add_argument(
        "--graph-fail",
        type=_recipient_failure,
        action="append",
        default=[],
        metavar="RECIPIENT=FAILURE",
        help=f"the Send API refuses every send to RECIPIENT as FAILURE: {', '.join(SEND_FAILURES)}",
    )
    up.add_argument(
        "--graph-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the Send API answers every send SECONDS late",
    )
    chat = commands.add_parser("chat", help="talk to a running local stack as a Messenger user")
    chat.add_argument("--user", default="2400000000000042", help="the Messenger user ID to be")
    commands.add_parser("demo", help="start a fresh stack, play a scripted conversation, stop")
    commands.add_parser(
        "status",
        help="one screen about a running local stack; exits 1 when something needs attention",
    )
    refresh = commands.add_parser(
        "refresh", help="refetch every known artist, as the daily schedule does in AWS"
    )
    refresh.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        help="the refresh's time (ISO 8601; default now): the same time replays the same run",
    )
    replay = commands.add_parser(
        "replay", help="start the ingest workflow again with an earlier input, under a new name"
    )
    replay.add_argument("source", help="an execution ARN, or a file holding the input as JSON")
    ingest = commands.add_parser(
        "ingest",
        help="backfill: search a file of artist names and ingest the new ones",
        description=(
            "Search each name of FILE (one a line; blank lines and # comments skipped) on "
            "Spotify, ingest the artists the stack does not hold yet through the ingest "
            "workflow, and print how many were ingested, already known, not found or failed. "
            "When Spotify rate-limits a search, a Retry-After of at most --max-wait seconds "
            "is waited out and the search asked again; a longer one stops the searching, and "
            "the names not searched yet are reported as failed with the wait Spotify asked "
            "for. Exits 1 when any name failed."
        ),
    )
    ingest.add_argument(
        "--names", type=Path, required=True, metavar="FILE", help="the artist names, one a line"
    )
    ingest.add_argument(
        "--max-wait",
        type=int,
        default=30,
        metavar="SECONDS",
        help="the longest Spotify rate limit to wait out (default 30)",
    )
    similarity = commands.add_parser(
        "similarity", help="similar-artist lists of a running local stack"
    ).add_subparsers(dest="action", required=True)
    rebuild = similarity.add_parser(
        "rebuild", help="recompute every artist's list in a new generation and switch to it"
    )
    rebuild.add_argument(
        "--shard-size", type=int, help="artists per shard (default: what suits a Lambda)"
    )
    similarity_map = commands.add_parser(
        "map",
        help="draw the similarity space of a running local stack as a PNG picture",
        description=(
            "Draw every artist of a running local stack where its embedding puts it, projected "
            "to two dimensions and coloured by genre family; or, with --around, one artist's "
            "neighbourhood as a graph of the serving similar-artist lists."
        ),
    )
    similarity_map.add_argument(
        "--out", type=Path, default=Path("similarity-map.png"), help="the PNG file to write"
    )
    similarity_map.add_argument(
        "--around", metavar="NAME", help="an artist, named as one would to the bot"
    )
    similarity_map.add_argument(
        "--neighbours", type=int, default=10, metavar="N", help="neighbours shown (default 10)"
    )
    similarity_map.add_argument(
        "--second-ring",
        type=int,
        default=0,
        metavar="N",
        help="also N neighbours of each neighbour (default 0: none)",
    )
    similarity_map.add_argument(
        "--labels",
        type=int,
        default=DEFAULT_LABELLED,
        metavar="N",
        help=f"the best-known artists named on the whole map (default {DEFAULT_LABELLED})",
    )
    dlq = commands.add_parser(
        "dlq", help="the artist requests that could not be ingested"
    ).add_subparsers(dest="action", required=True)
    dlq.add_parser("list", help="print every dead letter with its reason, leaving it there")
    dlq.add_parser("redrive", help="move every dead letter back to the requests queue")
    converse_failures = commands.add_parser(
        "converse-failures", help="the chat messages converse failed to answer every try"
    ).add_subparsers(dest="action", required=True)
    converse_failures.add_parser(
        "list", help="print every converse failure with its reason, leaving it there"
    )
    converse_failures.add_parser(
        "replay",
        help="invoke converse again with each failure's event; remove those that succeed",
    )
    args = parser.parse_args(argv)
    log_as_the_stack_does()

    commands_run: dict[str, Callable[[argparse.Namespace], int]] = {
        "local": lambda a: _local_up(
            a.state_dir,
            AccessMode(a.spotify_mode),
            a.spotify_rate_limit,
            seed=not a.no_seed,
            spotify_server_errors=a.spotify_server_errors,
            graph_failures=a.graph_fail,
            graph_delay_seconds=a.graph_delay,
            converse_processes=a.converse_processes,
            webhook_process=not a.webhook_in_stack_process,
        ),
        "chat": lambda a: _chat(a.state_dir, a.user),
        "refresh": lambda a: _refresh(a.state_dir, a.as_of),
        "replay": _operate,
        "dlq": _operate,
        "converse-failures": _converse_failures,
        "ingest": lambda a: _backfill(a.state_dir, a.names, a.max_wait),
        "similarity": lambda a: _rebuild_similarity(a.state_dir, a.shard_size),
        "map": _draw_map,
        "demo": lambda _: _demo(),
        "status": lambda a: _status(a.state_dir),
    }
    try:
        return commands_run[args.command](args)
    except NoRunningStackError as missing:
        print(missing)
        return 1


def _demo() -> int:
    try:
        run_demo()
    except DemoFailedError as failure:
        print(f"demo failed: {failure}", file=sys.stderr)
        return 1
    return 0


def _calls_per_window(text: str) -> int:
    """The N of "N/30s" (or a bare N): Spotify counts calls in a rolling 30-second window."""
    count, _, window = text.partition("/")
    if window not in ("", f"{RATE_LIMIT_WINDOW_SECONDS}s") or not count.isdigit() or not int(count):
        raise argparse.ArgumentTypeError(
            f"expected N/{RATE_LIMIT_WINDOW_SECONDS}s with N at least 1, not {text!r}"
        )
    return int(count)


def _server_errors(text: str) -> ServerErrors:
    """STATUS/N (the next N calls) or STATUS/Ts (the next T seconds), as in 503/20 or 503/10s."""
    status, _, extent = text.partition("/")
    seconds = extent.removesuffix("s")
    try:
        if seconds != extent:
            return ServerErrors.model_validate({"status": int(status), "seconds": float(seconds)})
        return ServerErrors.model_validate({"status": int(status), "calls": int(extent)})
    except ValueError:
        # pydantic's ValidationError is a ValueError too.
        raise argparse.ArgumentTypeError(
            f"expected STATUS/N or STATUS/Ts with STATUS 500, 502 or 503, not {text!r}"
        ) from None


def _recipient_failure(text: str) -> tuple[str, str]:
    recipient, _, failure = text.partition("=")
    if not recipient or failure not in SEND_FAILURES:
        raise argparse.ArgumentTypeError(
            f"expected RECIPIENT=FAILURE with FAILURE one of {', '.join(SEND_FAILURES)}, "
            f"not {text!r}"
        )
    return recipient, failure


def _local_up(
    state_dir: Path,
    spotify_mode: AccessMode,
    spotify_rate_limit: int | None,
    seed: bool,
    *,
    spotify_server_errors: ServerErrors | None = None,
    graph_failures: Sequence[tuple[str, str]] = (),
    graph_delay_seconds: float = 0.0,
    converse_processes: int = 0,
    webhook_process: bool = False,
) -> int:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with start_local_stack(
        state_dir,
        converse_processes=converse_processes,
        webhook_process=webhook_process,
        retry_waits=lambda_dispatch.LAMBDA_RETRY_WAITS_SECONDS,
    ) as stack:
        stack.spotify.mode = spotify_mode
        stack.spotify.rate_limit = spotify_rate_limit
        for recipient, failure in graph_failures:
            stack.graph.fail_recipient(recipient, failure)
        stack.graph.slow_down(graph_delay_seconds)
        if seed:
            print("ingesting the catalog through the pipeline…", flush=True)
            print(f"{stack.seed(progress=ProgressBar(sys.stderr))} artists known", flush=True)
        # After the seeding, which a storm would fail: the storm is for what comes next.
        if spotify_server_errors is not None:
            stack.spotify.start_server_errors(spotify_server_errors)
        signal.signal(
            signal.SIGUSR1,
            lambda *_: threading.Thread(
                target=stack.aws.restart, args=(AWS_RESTART_DOWN_SECONDS,), daemon=True
            ).start(),
        )
        path = stack.write_local_json()
        print(f"ready: {stack.endpoints.webhook_url} (details in {path}); Ctrl-C stops", flush=True)
        print(
            f"Spotify stand-in limits and faults: {stack.endpoints.spotify_control_url}",
            flush=True,
        )
        print(f"web chat: {stack.endpoints.chat_url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()
    return 0


def _chat(state_dir: Path, user_id: str) -> int:
    published = PublishedStack.read(state_dir / LOCAL_JSON)
    user = ChatClient(ChatEndpoints.published(published), user_id)
    print(
        'Type an artist\'s name or "songs like <title>"; q1, b2, ... taps what an answer '
        "numbered; an empty line or Ctrl-D ends the chat."
    )
    chat_session(user, lambda: sys.stdin.readline() or None, print)
    return 0


def _operate(args: argparse.Namespace) -> int:
    operations = _operations(args.state_dir)
    if args.command == "replay":
        print(f"started {operations.replay(args.source)}")
    elif args.action == "list":
        letters = operations.dead_letters()
        for letter in letters:
            reason = f"{letter.error}: {letter.cause}" if letter.error else "delivery kept failing"
            print(f"{letter.subject}  requested {letter.requested_at.isoformat()}  {reason}")
        print(f"{len(letters)} dead letter(s)")
    else:
        progress = ProgressBar(sys.stderr)
        moved = operations.redrive(lambda done, total: progress.show("redriving", done, total))
        progress.finish()
        print(f"moved {len(moved)} dead letter(s) back to the requests queue")
    return 0


def _refresh(state_dir: Path, as_of: datetime | None) -> int:
    operations = _operations(state_dir)
    # Whole seconds, as the execution's input carries it: the artists it refetched are those
    # whose answer is as of then or later.
    moment = (as_of or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    with _functions_root(state_dir) as root:
        known = root.known_artists
        sources = RefreshSources(
            refreshable=lambda: len(known.refreshable_artist_ids()),
            fetched_since=known.fetched_since,
            newest_generation=_newest_generation(root.similarity),
        )
        report = follow_refresh(
            operations,
            moment,
            sources,
            ProgressBar(sys.stderr),
            lambda execution_arn: print(f"started {execution_arn}", flush=True),
        )
    for line in report.lines():
        print(line)
    return 0 if report.status == "SUCCEEDED" else 1


def _converse_failures(args: argparse.Namespace) -> int:
    published = PublishedStack.read(args.state_dir / LOCAL_JSON)
    failures = ConverseFailures.connect(
        StackAddresses.published(published), published.converse_failures_queue_url
    )
    if args.action == "list":
        records = failures.records()
        for record in records:
            users = ", ".join(
                sorted({event["user_id"] for event in record.request_payload.get("events", [])})
            )
            print(
                f"{record.failed_at}  {record.condition}  users {users}  "
                f"{record.error_type}: {record.error_message}"
            )
        print(f"{len(records)} converse failure(s)")
        return 0
    outcome = failures.replay()
    for record, error in outcome.failed:
        print(f"still failing, left on the queue: {record.failed_at}  {error}")
    print(f"replayed {len(outcome.replayed)}, {len(outcome.failed)} still failing")
    return 1 if outcome.failed else 0


def _backfill(state_dir: Path, names_file: Path, longest_wait_seconds: int) -> int:
    if not names_file.is_file():
        print(f"no names file at {names_file}")
        return 1
    with connected_backfill(state_dir / LOCAL_JSON) as (lookup_ports, workflow):
        report = backfill(
            names_file, lookup_ports, workflow, ProgressBar(sys.stderr), longest_wait_seconds
        )
    for line in summary_lines(report):
        print(line)
    return 1 if report.count(Outcome.FAILED) else 0


def _status(state_dir: Path) -> int:
    figures = read_figures(state_dir / LOCAL_JSON)
    attention = needing_attention(figures)
    for line in status_lines(figures, attention):
        print(line)
    return 1 if attention else 0


def _rebuild_similarity(state_dir: Path, shard_size: int | None) -> int:
    operations = _operations(state_dir)
    with _functions_root(state_dir) as root:
        report = follow_rebuild(
            operations, _newest_generation(root.similarity), ProgressBar(sys.stderr), shard_size
        )
    for line in report.lines():
        print(line)
    return 0 if report.status == "SUCCEEDED" else 1


def _draw_map(args: argparse.Namespace) -> int:
    with _functions_root(args.state_dir) as root:
        space = PostgresSimilaritySpace(root.pool)
        try:
            if args.around is None:
                labels = draw_space(space.space(), args.out, args.labels)
            else:
                found = resolve(args.around, root.names)
                if not isinstance(found, Found):
                    print(_not_one_artist(args.around, found), file=sys.stderr)
                    return 1
                neighbourhood = space.neighbourhood(
                    found.artist_id, args.neighbours, args.second_ring
                )
                labels = draw_neighbourhood(neighbourhood, args.out)
        except NothingToDrawError as empty:
            print(empty, file=sys.stderr)
            return 1
    print(f"wrote {args.out} naming {len(labels)} artists")
    return 0


def _operations(state_dir: Path) -> Operations:
    """The operator's commands, pointed at the stack running for this folder."""
    return Operations.connect(StackAddresses.published(PublishedStack.read(state_dir / LOCAL_JSON)))


def _functions_root(state_dir: Path) -> contextlib.AbstractContextManager[Dependencies]:
    """The functions' composition root for the stack running for this folder."""
    return functions_root(PublishedStack.read(state_dir / LOCAL_JSON))


def _newest_generation(store: SimilarityStore) -> Callable[[], SimilarityGeneration | None]:
    """What says which similarity generation is the newest, as a rebuild is followed."""
    return lambda: next(iter(store.generations(1)), None)


def _not_one_artist(name: str, resolution: Ambiguous | Unknown) -> str:
    if isinstance(resolution, Ambiguous):
        options = ", ".join(option.artist_name for option in resolution.options)
        return f"{name!r} could be several artists: {options}"
    return f"no stored artist is named {name!r}"


if __name__ == "__main__":
    sys.exit(main())
