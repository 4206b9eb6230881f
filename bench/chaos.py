"""The reliability suite: the bot never goes silent, under load, hostile deliveries and faults.

Starts `sixpotify local up` in its own process (as a user runs it, so that the load generator
and the stack do not share an interpreter), seeds it through `sixpotify ingest`, runs the
scenarios against its loopback endpoints, stops it and scans what it wrote for secrets:

    .venv/bin/python -m bench.chaos [--scenario NAME] [--seconds N] [--rate N] [--sweep]

Exits 1 when a correctness invariant breaks (an answer lost or duplicated, a 5xx, a badly
signed delivery accepted, a secret written out). Speed targets are printed as ratios against
the target, never failed on. See docs/reliability.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg2

from adapters.secrets import ApplicationSecrets, GeneratedSecrets
from domain.replies import say
from local.aws import REGION
from local.catalog import load_catalog
from local.chat import messenger_event, sign
from local.hostile_bodies import FUZZ_USER, badly_signed, hostile_bodies
from local.published import LOCAL_JSON, PublishedStack
from local.stack import POSTGRES_DATA_DIR

WEBHOOK_P99_TARGET_MS = 50.0
ANSWER_P99_TARGET_S = 5.0
RATE_TARGET_PER_S = 100.0
SCENARIOS = ("load", "fuzz", "faults", "bursts")
FAULTS = (
    "spotify-down",
    "spotify-rate-limit",
    "send-api-failures",
    "spotify-5xx-storm",
    "postgres-killed",
    "moto-restarted",
)
# A delivery unanswered this long is given up and counted as status 0 (dropped).
_REQUEST_TIMEOUT_S = 30.0
_READY_TIMEOUT_S = 180.0
_STOP_TIMEOUT_S = 60.0
# An answer still missing after this long without any other answer arriving is lost.
_STALLED_S = 30.0
# How long a fault's answers may take once the dependency is back: a search Spotify refused
# waits a minute on the queue, and a converse that failed a minute for Lambda's next try.
_RECOVERY_S = 150.0
_POLL_S = 5.0
# Enough connections in flight for 200/s at a webhook answering in 300 ms, so that a slow
# webhook makes the sends late (reported) rather than the offered rate lower.
_SENDER_THREADS = 64
# Every other one of these catalog names is ingested before the scenarios; the rest are misses.
_CHOSEN_ARTISTS = 90
# Each burst: this many users asking at once for artists the stack does not know, one each,
# none asked for before; the catalog's names outside the chosen ones hold ten bursts.
_BURST_MISSES = 40
# Each fault that asks for misses has names of its own, so that any of them can run alone.
_MISSES_PER_FAULT = 4
_HELD_BACK_FOR_FAULTS = 5 * _MISSES_PER_FAULT
# Long enough for the signalled stack to have closed its AWS endpoint.
_AWS_GOING_AWAY_S = 0.5
# The stack checks its PostgreSQL every fraction of a second; a restart takes about one.
_POSTGRES_BACK_S = 60.0
_SECRET_KEYS = ("app_secret", "verify_token", "page_access_token", "spotify_client_secret")


@dataclass(frozen=True)
class Delivery:
    """One webhook POST as the runner sent it."""

    body: bytes
    signature: str | None
    recipient: str | None = None


@dataclass
class Outcome:
    """What happened to one delivery: its status, when it was due and sent, how long it took."""

    status: int
    due_at: float
    sent_at: float
    latency_s: float


@dataclass
class Report:
    """A scenario's figures, printed as they are measured, and its broken invariants."""

    name: str
    broken: list[str] = field(default_factory=list)

    def line(self, text: str) -> None:
        print(f"[{self.name}] {text}", flush=True)

    def require(self, holds: bool, invariant: str) -> None:
        if not holds:
            self.broken.append(invariant)
            self.line(f"BROKEN: {invariant}")


class RunningStack:
    """`sixpotify local up` in its own process, with what it published in local.json."""

    def __init__(self, state_dir: Path, log_path: Path) -> None:
        self.state_dir = state_dir
        self.log_path = log_path
        self._log = log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603  # this interpreter, fixed arguments
            _sixpotify(state_dir, "local", "up", "--no-seed"),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=_environment(),
        )
        try:
            self.details = self._published()
            self.secrets = self._secret_values()
        except Exception:
            self.stop()
            raise

    def _published(self) -> dict[str, Any]:
        local_json = self.state_dir / LOCAL_JSON
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not local_json.exists():
            if self._process.poll() is not None:
                raise RuntimeError(f"local up exited early; see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"local up not ready in {_READY_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        return asdict(PublishedStack.read(local_json))

    def _secret_values(self) -> dict[str, str]:
        """The secrets as the functions read them: local.json does not carry the page token."""
        secretsmanager = self.aws_client("secretsmanager")
        values = {key: self.details[key] for key in _SECRET_KEYS if key in self.details}
        # The stored documents name their fields by the aliases the operator fills in.
        names = {
            alias: name
            for document in (ApplicationSecrets, GeneratedSecrets)
            for alias, name in zip(document.document_fields(), document.model_fields, strict=True)
        }
        for listed in secretsmanager.list_secrets()["SecretList"]:
            stored = secretsmanager.get_secret_value(SecretId=listed["ARN"])["SecretString"]
            for alias, value in json.loads(stored).items():
                if names.get(alias) in _SECRET_KEYS and isinstance(value, str):
                    values[names[alias]] = value
        return values

    def cli(self, *args: str, check: bool = True) -> str:
        """A `sixpotify` command against this stack; its output goes to the stack's log too.
        Unless `check` is off, a command exiting other than 0 raises."""
        finished = subprocess.run(  # noqa: S603  # this interpreter, fixed arguments
            _sixpotify(self.state_dir, *args),
            capture_output=True,
            env=_environment(),
            timeout=600,
            check=False,
        )
        self._log.write(finished.stdout + finished.stderr)
        self._log.flush()
        if check and finished.returncode != 0:
            raise RuntimeError(f"sixpotify {' '.join(args)} failed: {finished.stderr!r}")
        return finished.stdout.decode("utf-8", "replace")

    def aws_client(self, service: str) -> Any:
        """A boto3 client of the stack's moto server, as the operator commands make one."""
        return boto3.client(
            service,  # type: ignore[call-overload]  # one factory for several services
            endpoint_url=self.details["aws_endpoint_url"],
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106  # moto accepts any
        )

    def restart_aws(self) -> None:
        """Have the stack restart its AWS endpoint (SIGUSR1), which it does in the background."""
        self._process.send_signal(signal.SIGUSR1)

    def postmaster_pid(self) -> int | None:
        """The embedded PostgreSQL's postmaster, as its data directory names it."""
        try:
            pid_file = self.state_dir / POSTGRES_DATA_DIR / "postmaster.pid"
            first_line = pid_file.read_text(encoding="utf-8").split("\n", 1)[0]
        except FileNotFoundError:
            return None
        return int(first_line) if first_line.strip().isdigit() else None

    def stop(self) -> None:
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


@contextlib.contextmanager
def running_stack(work_dir: Path) -> Iterator[RunningStack]:
    stack = RunningStack(work_dir / "state", work_dir / "stack.log")
    try:
        yield stack
    finally:
        stack.stop()


def _sixpotify(state_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "local.cli", "--state-dir", str(state_dir), *args]


def _environment() -> dict[str, str]:
    # An embedded database under the state folder, not whatever DATABASE_URL names.
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return environment


@dataclass(frozen=True)
class Artists:
    """Catalog names the stack knows (hits) and names it was not given (misses)."""

    known: list[str]
    held_back: list[str]
    held_back_for_faults: list[str]
    for_bursts: list[str]


def seed(stack: RunningStack) -> Artists:
    names = sorted(
        artist.name for artist in load_catalog().artists.values() if not artist.generated
    )
    chosen = names[:: max(1, len(names) // _CHOSEN_ARTISTS)][:_CHOSEN_ARTISTS]
    held_back = chosen[1::2]
    artists = Artists(
        known=chosen[::2],
        held_back=held_back[:-_HELD_BACK_FOR_FAULTS],
        held_back_for_faults=held_back[-_HELD_BACK_FOR_FAULTS:],
        for_bursts=sorted(set(names) - set(chosen)),
    )
    names_file = stack.state_dir.parent / "known-artists.txt"
    names_file.write_text("\n".join(artists.known) + "\n", encoding="utf-8")
    stack.cli("ingest", "--names", str(names_file))
    return artists


class Sender:
    """Posts deliveries open-loop: each is due at its own time whatever the earlier ones took,
    from a pool of threads each holding one keep-alive connection."""

    def __init__(self, webhook_url: str) -> None:
        address = urlsplit(webhook_url)
        if address.hostname != "127.0.0.1":
            raise ValueError(f"the chaos runner sends only to loopback, not {webhook_url}")
        self._host, self._port, self._path = address.hostname, address.port, address.path

    def send(self, deliveries: Sequence[Delivery], rate_per_s: float) -> list[Outcome]:
        jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()
        outcomes: list[Outcome | None] = [None] * len(deliveries)
        start = time.time() + 0.05
        for index in range(len(deliveries)):
            jobs.put((index, start + index / rate_per_s))
        threads = [
            threading.Thread(target=self._work, args=(jobs, deliveries, outcomes), daemon=True)
            for _ in range(_SENDER_THREADS)
        ]
        for thread in threads:
            jobs.put(None)
            thread.start()
        for thread in threads:
            thread.join()
        return [outcome for outcome in outcomes if outcome is not None]

    def _work(
        self,
        jobs: queue.Queue[tuple[int, float] | None],
        deliveries: Sequence[Delivery],
        outcomes: list[Outcome | None],
    ) -> None:
        connection = self._connect()
        while (job := jobs.get()) is not None:
            index, due_at = job
            time.sleep(max(0.0, due_at - time.time()))
            delivery = deliveries[index]
            headers = {"Content-Type": "application/json"}
            if delivery.signature is not None:
                headers["X-Hub-Signature-256"] = delivery.signature
            sent_at = time.time()
            started = time.perf_counter()
            try:
                connection.request("POST", self._path, body=delivery.body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                # Counted as a failed delivery (status 0); a fresh connection for the next.
                status = 0
                connection.close()
                connection = self._connect()
            outcomes[index] = Outcome(status, due_at, sent_at, time.perf_counter() - started)
        connection.close()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._host, self._port, timeout=_REQUEST_TIMEOUT_S)


def message(details: dict[str, Any], recipient: str, text: str) -> Delivery:
    body = json.dumps(messenger_event(details["page_id"], recipient, text)).encode()
    return Delivery(body, sign(body, details["app_secret"]), recipient)


def sent_messages(details: dict[str, Any]) -> list[dict[str, Any]]:
    """Every message the Graph sink accepted (typing indicators left out)."""
    address = urlsplit(details["graph_sent_url"])
    connection = http.client.HTTPConnection("127.0.0.1", address.port, timeout=_REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", address.path)
        sent: list[dict[str, Any]] = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    return [entry for entry in sent if "message" in entry["body"]]


def read_control(url: str) -> dict[str, Any]:
    address = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", address.port, timeout=10)
    try:
        connection.request("GET", address.path)
        conditions: dict[str, Any] = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    return conditions


def post_control(url: str, fields: dict[str, Any]) -> None:
    address = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", address.port, timeout=10)
    try:
        connection.request(
            "POST", address.path, json.dumps(fields), {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} refused {fields}: {response.status}")
    finally:
        connection.close()


def graph_control_url(details: dict[str, Any], control: str) -> str:
    address = urlsplit(details["graph_sent_url"])
    return f"{address.scheme}://{address.netloc}/faults/{control}"


def _text_around(key: str) -> tuple[str, str]:
    """The English text of a reply around where the artist's name goes."""
    before, after = say(key, "en", name="\x00").split("\x00")
    return before, after


# Replies that say an answer is coming, not the answer itself.
_ON_THE_WAY = (
    _text_around("looking_up"),
    _text_around("spotify_busy"),
    _text_around("found"),
    _text_around("found_alone"),
)


def is_answer(body: dict[str, Any]) -> bool:
    """A carousel, or a text that does not announce one."""
    text = body["message"].get("text")
    if text is None:
        return True
    return not any(
        text.startswith(before) and text.endswith(after) for before, after in _ON_THE_WAY
    )


@dataclass
class Answers:
    """The answers each recipient got, what else it got, and messages sent to it twice."""

    answers: dict[str, list[dict[str, Any]]]
    others: dict[str, list[str]]
    repeated: int

    @classmethod
    def read(cls, details: dict[str, Any], recipients: set[str]) -> Answers:
        answers: dict[str, list[dict[str, Any]]] = {recipient: [] for recipient in recipients}
        others: dict[str, list[str]] = {recipient: [] for recipient in recipients}
        seen: Counter[str] = Counter()
        for entry in sent_messages(details):
            recipient = str(entry["body"]["recipient"]["id"])
            if recipient not in recipients:
                continue
            seen[recipient + json.dumps(entry["body"]["message"], sort_keys=True)] += 1
            if is_answer(entry["body"]):
                answers[recipient].append(entry)
            else:
                others[recipient].append(entry["body"]["message"]["text"])
        return cls(answers, others, sum(count - 1 for count in seen.values()))

    def missing(self) -> int:
        return sum(1 for entries in self.answers.values() if not entries)

    def duplicated(self) -> int:
        return sum(1 for entries in self.answers.values() if len(entries) > 1)

    def kinds(self) -> Counter[str]:
        """How many answers were carousels and which texts the others were, shortened."""
        return Counter(
            "carousel"
            if "attachment" in entry["body"]["message"]
            else entry["body"]["message"]["text"][:50]
            for entries in self.answers.values()
            for entry in entries
        )

    def last_words_to_the_unanswered(self) -> Counter[str]:
        return Counter(
            (self.others[recipient] or ["nothing"])[-1][:50]
            for recipient, entries in self.answers.items()
            if not entries
        )


def wait_for_answers(
    details: dict[str, Any],
    recipients: set[str],
    drain_s: float,
    report: Report,
    *,
    stalled_s: float = _STALLED_S,
) -> Answers:
    """The answers once every recipient has one, drain_s has passed, or none came for
    stalled_s. The sink lists every send at once, from the stack's own process: polling
    every _POLL_S keeps that from slowing the catch-up being measured."""
    deadline = time.monotonic() + drain_s
    answers = Answers.read(details, recipients)
    last_progress, missing = time.monotonic(), answers.missing()
    while missing and time.monotonic() < min(deadline, last_progress + stalled_s):
        time.sleep(_POLL_S)
        answers = Answers.read(details, recipients)
        if answers.missing() < missing:
            last_progress, missing = time.monotonic(), answers.missing()
    # A duplicate comes after the first answer: give it a moment to show up.
    time.sleep(1.0)
    answers = Answers.read(details, recipients)
    report.line(
        f"answers: {len(recipients) - answers.missing()}/{len(recipients)} recipients answered, "
        f"{answers.missing()} lost, {answers.duplicated()} answered more than once, "
        f"{answers.repeated} repeated messages"
    )
    report.line(f"answers by kind: {dict(answers.kinds())}")
    if answers.missing():
        report.line(f"last words to the unanswered: {dict(answers.last_words_to_the_unanswered())}")
    return answers


def percentile(values: Sequence[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[rank]


def p99_by_second(outcomes: Sequence[Outcome]) -> list[float]:
    """The webhook's p99 latency in milliseconds for the messages due in each second of the
    sending: a tail that comes from a few seconds (a garbage collection, a burst of pushed
    answers) shows where to look."""
    first_due = min((outcome.due_at for outcome in outcomes), default=0.0)
    by_second: dict[int, list[float]] = {}
    for outcome in outcomes:
        second = int(outcome.due_at - first_due)
        by_second.setdefault(second, []).append(outcome.latency_s * 1000)
    return [percentile(by_second[second], 99) for second in sorted(by_second)]


@dataclass(frozen=True)
class LoadFigures:
    rate_per_s: float
    webhook_p99_ms: float
    answer_p99_s: float
    answered_per_s: float
    lost: int
    duplicated: int


class _Recipients:
    """A distinct Messenger sender per message, so each answer is matched to its message."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._count = 0

    def next(self) -> str:
        self._count += 1
        return f"{self._prefix}{self._count:010d}"


def load(
    stack: RunningStack,
    artists: Artists,
    report: Report,
    *,
    rate_per_s: float,
    seconds: float,
    recipients: _Recipients,
    miss_share: float = 0.1,
) -> LoadFigures:
    """Hits for the first half, then one message in 1/miss_share naming an artist the stack
    does not hold yet."""
    details = stack.details
    count = max(1, round(rate_per_s * seconds))
    deliveries = []
    for index in range(count):
        in_second_half = index >= count // 2
        every = max(1, round(1 / miss_share))
        if in_second_half and index % every == 0:
            name = artists.held_back[(index // every) % len(artists.held_back)]
        else:
            name = artists.known[index % len(artists.known)]
        deliveries.append(message(details, recipients.next(), name))
    report.line(f"sending {count} messages at {rate_per_s:g}/s over {seconds:g} s…")
    outcomes = Sender(details["webhook_url"]).send(deliveries, rate_per_s)
    statuses = Counter(outcome.status for outcome in outcomes)
    latencies_ms = [outcome.latency_s * 1000 for outcome in outcomes]
    late_ms = [(outcome.sent_at - outcome.due_at) * 1000 for outcome in outcomes]
    sending_s = outcomes[-1].sent_at - outcomes[0].sent_at if len(outcomes) > 1 else 0.0
    report.line(f"HTTP statuses: {dict(sorted(statuses.items()))}")
    report.line(
        f"sent at {len(outcomes) / max(sending_s, 1e-9):.1f}/s; sends late by p50 "
        f"{percentile(late_ms, 50):.1f} ms, p99 {percentile(late_ms, 99):.1f} ms"
    )
    webhook_p99 = percentile(latencies_ms, 99)
    report.line(
        f"webhook latency p50 {percentile(latencies_ms, 50):.1f} ms, p99 {webhook_p99:.1f} ms "
        f"= {webhook_p99 / WEBHOOK_P99_TARGET_MS:.2f} × target ({WEBHOOK_P99_TARGET_MS:.0f} ms)"
    )
    report.line(
        "webhook latency p99 by second of sending (ms): "
        + " ".join(f"{p99:.0f}" for p99 in p99_by_second(outcomes))
    )
    report.require(
        all(200 <= status < 300 for status in statuses), "every signed message acknowledged 2xx"
    )
    by_recipient = {
        delivery.recipient: outcome
        for delivery, outcome in zip(deliveries, outcomes, strict=True)
        if delivery.recipient
    }
    # Up to ten times the sending time for the backlog, so that slow is told apart from lost.
    answers = wait_for_answers(details, set(by_recipient), max(60.0, seconds * 10), report)
    delays = [
        datetime.fromisoformat(entries[0]["received_at"]).timestamp() - by_recipient[r].due_at
        for r, entries in answers.answers.items()
        if entries
    ]
    answer_p99 = percentile(delays, 99)
    report.line(
        f"answer delay (due to answer recorded by the sink) p50 {percentile(delays, 50):.2f} s, "
        f"p99 {answer_p99:.2f} s = {answer_p99 / ANSWER_P99_TARGET_S:.2f} × target "
        f"({ANSWER_P99_TARGET_S:.0f} s)"
    )
    arrivals = sorted(
        datetime.fromisoformat(entries[0]["received_at"]).timestamp()
        for entries in answers.answers.values()
        if entries
    )
    answering_s = arrivals[-1] - outcomes[0].due_at if arrivals else float("inf")
    answered_per_s = len(arrivals) / answering_s if answering_s > 0 else 0.0
    report.line(
        f"answers kept up at {answered_per_s:.1f}/s for {rate_per_s:g}/s sent "
        f"= {answered_per_s / rate_per_s:.2f} of the offered rate; "
        f"{answered_per_s / RATE_TARGET_PER_S:.2f} × target ({RATE_TARGET_PER_S:.0f}/s)"
    )
    report.require(answers.missing() == 0, "every message answered")
    report.require(answers.duplicated() == 0, "no message answered twice")
    report.require(answers.repeated == 0, "no message sent twice to the same recipient")
    return LoadFigures(
        rate_per_s, webhook_p99, answer_p99, answered_per_s, answers.missing(), answers.duplicated()
    )


def sweep(
    stack: RunningStack,
    artists: Artists,
    report: Report,
    *,
    seconds: float,
    recipients: _Recipients,
    rates: Sequence[float],
) -> None:
    """The highest of `rates` at which answers keep p99 within the target; figures only."""
    best = None
    for rate in rates:
        figures = load(
            stack, artists, report, rate_per_s=rate, seconds=seconds, recipients=recipients
        )
        if figures.answer_p99_s > ANSWER_P99_TARGET_S or figures.lost:
            break
        best = rate
    report.line(
        f"highest rate with answer p99 <= {ANSWER_P99_TARGET_S:.0f} s: "
        + (f"{best:g}/s" if best is not None else f"none of {list(rates)}")
    )
    # The sweep pushes past what the stack can take on purpose: its broken invariants are
    # figures of the rate that broke it, reported above, not failures of the run.
    report.broken.clear()


def fuzz(
    stack: RunningStack, report: Report, *, signed: int, badly: int, seed_number: int, rate: float
) -> None:
    details = stack.details
    secret = details["app_secret"]
    bodies = list(hostile_bodies(signed, seed=seed_number))
    real = json.dumps(messenger_event(details["page_id"], FUZZ_USER, "Drake")).encode()
    hostile = [Delivery(body, sign(body, secret)) for body in bodies]
    hostile += [
        Delivery(body, signature)
        for body, signature in badly_signed([real, *bodies], secret, badly, seed_number)
    ]
    report.line(f"posting {signed} signed hostile bodies and {badly} badly signed ones…")
    outcomes = Sender(details["webhook_url"]).send(hostile, rate)
    signed_statuses = Counter(outcome.status for outcome in outcomes[:signed])
    refused_statuses = Counter(outcome.status for outcome in outcomes[signed:])
    report.line(f"signed: {dict(sorted(signed_statuses.items()))}")
    report.line(f"badly signed: {dict(sorted(refused_statuses.items()))}")
    report.require(
        not any(status >= 500 or status == 0 for status in signed_statuses),
        "no hostile body answered 5xx or dropped",
    )
    report.require(
        not any(200 <= status < 300 for status in refused_statuses),
        "no badly signed delivery accepted",
    )
    report.require(
        not any(
            str(entry["body"]["recipient"]["id"]) == FUZZ_USER for entry in sent_messages(details)
        ),
        "nothing sent to the user the hostile bodies name",
    )
    recipient = _Recipients("28").next()
    # A name Spotify does not know: its one answer comes straight from the webhook.
    unknown_name = "Zzyzx Quartet"
    [after] = Sender(details["webhook_url"]).send([message(details, recipient, unknown_name)], 1)
    report.require(after.status == 200, "a real message after the fuzz acknowledged")
    deadline = time.monotonic() + 30
    while not sent_to(details, recipient) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    replies = sent_to(details, recipient)
    report.line(f"real message after the fuzz: {len(replies)} answer(s)")
    report.require(len(replies) == 1, "a real message after the fuzz answered exactly once")


def sent_to(details: dict[str, Any], recipient: str) -> list[dict[str, Any]]:
    return [e for e in sent_messages(details) if str(e["body"]["recipient"]["id"]) == recipient]


def faults(
    stack: RunningStack,
    artists: Artists,
    report: Report,
    recipients: _Recipients,
    chosen: Sequence[str] = FAULTS,
) -> None:
    """The faults named in `chosen`, in FAULTS' order."""
    asking = [fault for fault in FAULTS if fault != "send-api-failures"]
    names = {
        fault: artists.held_back_for_faults[
            index * _MISSES_PER_FAULT : (index + 1) * _MISSES_PER_FAULT
        ]
        for index, fault in enumerate(asking)
    }
    runs: dict[str, Callable[[], None]] = {
        "spotify-down": lambda: _spotify_down(stack, names["spotify-down"], report, recipients),
        "spotify-rate-limit": lambda: _spotify_rate_limit(
            stack, names["spotify-rate-limit"], report, recipients
        ),
        "send-api-failures": lambda: _send_api_failures(stack, artists, report, recipients),
        "spotify-5xx-storm": lambda: _spotify_5xx_storm(
            stack, names["spotify-5xx-storm"], report, recipients
        ),
        "postgres-killed": lambda: _postgres_killed(
            stack, names["postgres-killed"], artists, report, recipients
        ),
        "moto-restarted": lambda: _moto_restarted(
            stack, names["moto-restarted"], artists, report, recipients
        ),
    }
    for fault in FAULTS:
        if fault in chosen:
            runs[fault]()


def _spotify_down(
    stack: RunningStack, names: Sequence[str], report: Report, recipients: _Recipients
) -> None:
    details, control = stack.details, stack.details["spotify_control_url"]
    report.line("Spotify down (every call 403, premium lapsed) while misses arrive, for 10 s…")
    since = datetime.now(UTC)
    post_control(control, {"premium_lapsed": True})
    waiting = _send_misses(details, names, recipients, report)
    time.sleep(10)
    post_control(control, {"premium_lapsed": False})
    _require_healed(stack, waiting, report, since, fault="Spotify outage")


def _spotify_rate_limit(
    stack: RunningStack, names: Sequence[str], report: Report, recipients: _Recipients
) -> None:
    details, control = stack.details, stack.details["spotify_control_url"]
    report.line("Spotify rate limit of 5 calls a 30 s window (429 with Retry-After) for misses…")
    since = datetime.now(UTC)
    post_control(control, {"rate_limit": 5})
    waiting = _send_misses(details, names, recipients, report)
    answers = wait_for_answers(details, waiting, 120, report, stalled_s=120)
    post_control(control, {"rate_limit": None})
    if answers.missing():
        report.line("rate limit lifted; waiting for the lookups it deferred…")
    _require_healed(stack, waiting, report, since, fault="Spotify rate limit")


def _send_api_failures(
    stack: RunningStack, artists: Artists, report: Report, recipients: _Recipients
) -> None:
    details = stack.details
    report.line("Send API failing 5 sends in a row every 2 s under 20 hits/s for 10 s…")
    hits = [
        message(details, recipients.next(), artists.known[i % len(artists.known)])
        for i in range(200)
    ]
    bursts = threading.Thread(target=_send_failure_bursts, args=(details, 5, 2.0, 10.0))
    bursts.start()
    outcomes = Sender(details["webhook_url"]).send(hits, 20)
    bursts.join()
    post_control(graph_control_url(details, "clear"), {})
    report.line(f"HTTP statuses: {dict(sorted(Counter(o.status for o in outcomes).items()))}")
    answers = wait_for_answers(details, {h.recipient for h in hits if h.recipient}, 60, report)
    _require_each_answered_once(answers, report, "Send API failures")


def _spotify_5xx_storm(
    stack: RunningStack, names: Sequence[str], report: Report, recipients: _Recipients
) -> None:
    details, control = stack.details, stack.details["spotify_control_url"]
    report.line("Spotify 5xx storm (every API call 503) for 10 s while misses arrive…")
    since = datetime.now(UTC)
    post_control(control, {"server_errors": {"status": 503, "seconds": 10}})
    waiting = _send_misses(details, names, recipients, report)
    # The storm ends by itself; the answers are asked for once Spotify is back.
    while read_control(control)["server_errors"] is not None:
        time.sleep(0.5)
    _require_healed(stack, waiting, report, since, fault="Spotify 5xx storm")


def _postgres_killed(
    stack: RunningStack,
    names: Sequence[str],
    artists: Artists,
    report: Report,
    recipients: _Recipients,
) -> None:
    """Misses whose ingest is running when PostgreSQL is killed -9, then misses and hits sent
    while it is down; the stack restarts it by itself."""
    details = stack.details
    report.line("PostgreSQL killed (-9) mid-ingest, with misses and hits sent while it is down…")
    since, half = datetime.now(UTC), len(names) // 2
    waiting, running = _misses_ingesting(stack, names[:half], since, recipients, report)
    pid = stack.postmaster_pid()
    if pid is None:
        report.require(False, "PostgreSQL killed: the embedded postmaster found")
        return
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    report.line(f"postmaster killed, {'with' if running else 'with no'} ingest seen running")
    waiting |= _send_misses(details, names[half:], recipients, report)
    waiting |= _send_hits(details, artists.known[:4], recipients, report)
    back = _wait_for_postgres(details["database_url"], _POSTGRES_BACK_S)
    report.require(back, f"PostgreSQL accepting connections within {_POSTGRES_BACK_S:.0f} s")
    down_s = time.monotonic() - killed_at
    report.line(f"PostgreSQL accepting connections again {down_s:.1f} s after the kill")
    _require_healed(stack, waiting, report, since, fault="PostgreSQL killed")


def _moto_restarted(
    stack: RunningStack,
    names: Sequence[str],
    artists: Artists,
    report: Report,
    recipients: _Recipients,
) -> None:
    """Misses whose ingest is running when the stack's AWS endpoint restarts (`local up`'s
    SIGUSR1: away for a few seconds, its open connections dropped, then back on its port
    with every resource), then misses and hits sent while it is away."""
    details = stack.details
    report.line("moto restarted mid-ingest, with misses and hits sent while it is away…")
    since, half = datetime.now(UTC), len(names) // 2
    waiting, running = _misses_ingesting(stack, names[:half], since, recipients, report)
    stack.restart_aws()
    report.line(f"AWS endpoint restarting, {'with' if running else 'with no'} ingest seen running")
    time.sleep(_AWS_GOING_AWAY_S)
    waiting |= _send_misses(details, names[half:], recipients, report)
    waiting |= _send_hits(details, artists.known[4:8], recipients, report)
    _require_healed(stack, waiting, report, since, fault="moto restarted")


def _misses_ingesting(
    stack: RunningStack,
    names: Sequence[str],
    since: datetime,
    recipients: _Recipients,
    report: Report,
) -> tuple[set[str], bool]:
    """Misses sent, then an ingest started since `since` waited for: who waits, and whether
    one was seen running."""
    waiting = _send_misses(stack.details, names, recipients, report)
    return waiting, _wait_for_an_ingest_running(stack, since)


def _wait_for_an_ingest_running(stack: RunningStack, since: datetime) -> bool:
    """Whether an ingest execution started since `since` was seen running within 30 s."""
    stepfunctions = stack.aws_client("stepfunctions")
    arn = stack.details["ingest_state_machine_arn"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = stepfunctions.list_executions(stateMachineArn=arn, statusFilter="RUNNING")
        if any(execution["startDate"] >= since for execution in running["executions"]):
            return True
        time.sleep(0.05)
    return False


def _wait_for_postgres(database_url: str, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with contextlib.closing(psycopg2.connect(database_url, connect_timeout=5)) as db:
                db.cursor().execute("SELECT 1")
        except psycopg2.OperationalError:
            time.sleep(0.2)
            continue
        return True
    return False


def _send_misses(
    details: dict[str, Any], names: Sequence[str], recipients: _Recipients, report: Report
) -> set[str]:
    """Two users asking for each name, so that one ingest has two waiters to answer."""
    misses = [message(details, recipients.next(), name) for name in names for _ in range(2)]
    outcomes = Sender(details["webhook_url"]).send(misses, 10)
    report.line(f"misses sent: {dict(sorted(Counter(o.status for o in outcomes).items()))}")
    report.require(all(o.status == 200 for o in outcomes), "every miss acknowledged 200")
    return {miss.recipient for miss in misses if miss.recipient}


def _send_hits(
    details: dict[str, Any], names: Sequence[str], recipients: _Recipients, report: Report
) -> set[str]:
    """A user naming each known artist; returns who waits for an answer."""
    hits = [message(details, recipients.next(), name) for name in names]
    outcomes = Sender(details["webhook_url"]).send(hits, 10)
    report.require(all(o.status == 200 for o in outcomes), "every hit acknowledged 200")
    return {hit.recipient for hit in hits if hit.recipient}


def _send_failure_bursts(details: dict[str, Any], count: int, every_s: float, for_s: float) -> None:
    deadline = time.monotonic() + for_s
    while time.monotonic() < deadline:
        post_control(graph_control_url(details, "next"), {"count": count, "failure": "temporary"})
        time.sleep(every_s)


def _require_healed(
    stack: RunningStack, waiting: set[str], report: Report, since: datetime, *, fault: str
) -> None:
    """Once the fault's dependency is back: every waiter answered once, by the stack itself
    within _RECOVERY_S, else after the runbook's recovery (which breaks an invariant)."""
    answers = wait_for_answers(stack.details, waiting, _RECOVERY_S, report, stalled_s=_RECOVERY_S)
    answers = _recovered_if_missing(stack, answers, waiting, report, since, fault=fault)
    _require_each_answered_once(answers, report, fault)


def _recovered_if_missing(
    stack: RunningStack,
    answers: Answers,
    waiting: set[str],
    report: Report,
    since: datetime,
    *,
    fault: str,
) -> Answers:
    """The answers once the runbook's recovery ran, if any is missing, as an operator would:
    converse failures replayed, dead letters redriven, and the ingest executions that failed
    since the fault began started again. Needing it breaks an invariant: once the dependency
    is back, the stack answers everyone by itself."""
    report.require(not answers.missing(), f"{fault}: every waiter answered with no operator step")
    if not answers.missing():
        return answers
    report.line(f"converse failures: {_last_line(stack.cli('converse-failures', 'list'))}")
    # Exits 1 while some still fail; what it says is the figure.
    report.line(_last_line(stack.cli("converse-failures", "replay", check=False)))
    report.line(f"dead letters: {_last_line(stack.cli('dlq', 'list'))}")
    report.line(_last_line(stack.cli("dlq", "redrive")))
    failed = _failed_executions_since(stack, since)
    for execution_arn in failed:
        stack.cli("replay", execution_arn)
    report.line(f"failed ingest executions started again: {len(failed)}")
    return wait_for_answers(stack.details, waiting, 60, report)


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1] if output.strip() else ""


def _failed_executions_since(stack: RunningStack, since: datetime) -> list[str]:
    stepfunctions = stack.aws_client("stepfunctions")
    failed = stepfunctions.list_executions(
        stateMachineArn=stack.details["ingest_state_machine_arn"], statusFilter="FAILED"
    )["executions"]
    return [execution["executionArn"] for execution in failed if execution["startDate"] >= since]


def _require_each_answered_once(answers: Answers, report: Report, fault: str) -> None:
    report.require(answers.missing() == 0, f"{fault}: every waiter answered")
    report.require(answers.duplicated() == 0, f"{fault}: no waiter answered twice")


def bursts(
    stack: RunningStack, artists: Artists, report: Report, recipients: _Recipients, *, runs: int
) -> None:
    """`runs` bursts in turn, each of _BURST_MISSES users asking at once for a different
    artist the stack does not know: every one pushed its answer exactly once, every time."""
    details = stack.details
    complete = 0
    for number in range(runs):
        names = artists.for_bursts[number * _BURST_MISSES : (number + 1) * _BURST_MISSES]
        if len(names) < _BURST_MISSES:
            report.line(f"the catalog holds unknown artists for {number} bursts only")
            break
        misses = [message(details, recipients.next(), name) for name in names]
        started = time.monotonic()
        outcomes = Sender(details["webhook_url"]).send(misses, 10 * _BURST_MISSES)
        report.require(all(o.status == 200 for o in outcomes), "every miss acknowledged 200")
        report.line(f"burst {number + 1}:")
        answers = wait_for_answers(
            details, {m.recipient for m in misses if m.recipient}, 120, report
        )
        report.line(f"  waited {time.monotonic() - started:.1f} s for the answers")
        answered_once = answers.missing() == 0 and answers.duplicated() == 0
        complete += answered_once
        report.require(answered_once, f"burst {number + 1}: each of the misses answered once")
    report.line(f"bursts with every miss answered exactly once: {complete}/{runs}")


def scan_for_secrets(work_dir: Path, secret_values: dict[str, str], report: Report) -> None:
    """Every file under work_dir (state folder, database files, the stack's log) read whole,
    searched for each secret's bytes; only the secret's name and the file are printed."""
    files = [path for path in work_dir.rglob("*") if path.is_file()]
    found = []
    for path in files:
        with contextlib.suppress(OSError):
            content = path.read_bytes()
            found += [
                (key, path.relative_to(work_dir))
                for key, value in secret_values.items()
                if value.encode() in content
            ]
    report.line(
        f"scanned {len(files)} files ({sum(p.stat().st_size for p in files) / 1e6:.1f} MB) "
        f"for {', '.join(sorted(secret_values))}: {len(found)} occurrences"
    )
    for key, path in found:
        report.line(f"{key} written to {path}")
    report.require(not found, "no secret written to any file")
    report.require(set(_SECRET_KEYS) <= set(secret_values), "every secret known to scan for")


def run(
    scenarios: Sequence[str],
    seconds: float,
    rate: float,
    *,
    sweep_rates: Sequence[float] = (),
    signed: int = 2000,
    badly: int = 200,
    fuzz_seed: int = 0,
    chosen_faults: Sequence[str] = FAULTS,
    burst_runs: int = 10,
    work_dir: Path | None = None,
) -> list[Report]:
    """Each scenario's report, then the secrets scan's, over one stack."""
    with contextlib.ExitStack() as cleanup:
        if work_dir is None:
            work_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        work_dir.mkdir(parents=True, exist_ok=True)
        reports = []
        with running_stack(work_dir) as stack:
            started = time.monotonic()
            artists = seed(stack)
            print(
                f"stack up and {len(artists.known)} artists ingested in "
                f"{time.monotonic() - started:.1f} s",
                flush=True,
            )
            recipients = _Recipients("29")
            actions: dict[str, Callable[[Report], object]] = {
                "load": lambda r: load(
                    stack, artists, r, rate_per_s=rate, seconds=seconds, recipients=recipients
                ),
                "sweep": lambda r: sweep(
                    stack, artists, r, seconds=seconds, recipients=recipients, rates=sweep_rates
                ),
                "fuzz": lambda r: fuzz(
                    stack, r, signed=signed, badly=badly, seed_number=fuzz_seed, rate=rate
                ),
                "faults": lambda r: faults(stack, artists, r, recipients, chosen_faults),
                "bursts": lambda r: bursts(stack, artists, r, recipients, runs=burst_runs),
            }
            for scenario in scenarios:
                reports.append(Report(scenario))
                actions[scenario](reports[-1])
            secret_values = stack.secrets
        reports.append(Report("secrets"))
        scan_for_secrets(work_dir, secret_values, reports[-1])
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--seconds", type=float, default=30.0, help="load duration per rate")
    parser.add_argument("--rate", type=float, default=200.0, help="messages a second")
    parser.add_argument(
        "--sweep",
        type=lambda text: [float(rate) for rate in text.split(",")],
        metavar="RATE,RATE,…",
        default=[],
        help="instead of one load, loads at these rates in turn: the highest keeping p99",
    )
    parser.add_argument("--signed", type=int, default=2000, help="signed hostile bodies")
    parser.add_argument("--badly-signed", type=int, default=200, help="badly signed bodies")
    parser.add_argument("--fuzz-seed", type=int, default=0)
    parser.add_argument(
        "--fault",
        choices=FAULTS,
        action="append",
        help="run only this fault of the faults scenario (repeatable; default: every one)",
    )
    parser.add_argument(
        "--bursts", type=int, default=10, help="bursts of 40 misses, one after the other"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="keep the stack's state folder and log here (default: a temporary folder, removed)",
    )
    args = parser.parse_args(argv)
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    if args.sweep:
        scenarios = ["sweep" if scenario == "load" else scenario for scenario in scenarios]
    reports = run(
        scenarios,
        args.seconds,
        args.rate,
        sweep_rates=args.sweep,
        signed=args.signed,
        badly=args.badly_signed,
        fuzz_seed=args.fuzz_seed,
        chosen_faults=args.fault or FAULTS,
        burst_runs=args.bursts,
        work_dir=args.work_dir,
    )
    broken = [f"{report.name}: {invariant}" for report in reports for invariant in report.broken]
    print("\n".join(["", "broken invariants:", *broken]) if broken else "\nall invariants held")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
