"""Webhook latency for hits (a bare name, and a name inside a sentence) and misses, and the
time from a miss to its pushed answer.

Runs the whole local stack (gateway, webhook and converse handlers, moto, pipe, Step
Functions, Spotify stand-in, PostgreSQL) on this machine:

    .venv/bin/python -m bench.webhook [--hits 300] [--misses 30]

Targets: hit p99 <= 50 ms (request to Messenger's 200), for bare names and sentences alike;
a sentence's understanding and resolution (against the stack's PostgreSQL) no more than
2 ms over a bare name's at p99; miss-to-answer median <= 3 s. Bare names and sentences are
sent in turns, so that both meet the same stack: a second run of anything on a stack that
has warmed up differs from the first.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from domain.understanding import ArtistsLike, resolve_request, understand
from handlers import composition
from local.stack import LocalStack, start_local_stack

HIT_P99_TARGET_MS = 50.0
MISS_TO_ANSWER_MEDIAN_TARGET_S = 3.0
SENTENCE_OVER_BARE_NAME_TARGET_MS = 2.0
# Every known name and its sentence resolved this many times.
RESOLUTION_PASSES = 3
# How people ask, in turns: each hit's name put into one of these.
SENTENCES = (
    "can you recommend bands like {name}?",
    "i'm into {name} lately",
    "anything similar to {name} pls",
    "{name} 같은 가수 추천해줘",
    "artists like {name} please 🙏",
    # The name found only where its clause ends: one more index query.
    "anything similar to {name}, something new pls",
    "my friend loves {name}, what else would she like?",
)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hits", type=int, default=300)
    parser.add_argument("--misses", type=int, default=30)
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="sixpotify-bench-") as state_dir,
        start_local_stack(Path(state_dir)) as stack,
    ):
        names = sorted(a.name for a in stack.catalog.artists.values() if not a.generated)
        held_back = names[:: max(1, len(names) // args.misses)][: args.misses]
        print(f"seeding {len(names) - len(held_back)} artists; {len(held_back)} held back…")
        stack.seed(held_back_names=held_back)
        known = [n for n in names if n not in held_back]

        sentences = [
            SENTENCES[index % len(SENTENCES)].format(name=name) for index, name in enumerate(known)
        ]
        (hit_ms, hit_answer_ms), (sentence_ms, sentence_answer_ms) = _hits(
            stack, [known, sentences], args.hits
        )
        miss_ms, miss_answer_s = _misses(stack, held_back)
        name_resolution_ms, sentence_resolution_ms = _resolutions([known, sentences])

    _report("webhook, hit (POST to 200)", hit_ms, "ms")
    _report("hit, POST to carousel sent", hit_answer_ms, "ms")
    _report("webhook, sentence hit (POST to 200)", sentence_ms, "ms")
    _report("sentence hit, POST to carousel sent", sentence_answer_ms, "ms")
    _report("webhook, miss (POST to 200)", miss_ms, "ms")
    _report("miss, POST to pushed carousel", miss_answer_s, "s")
    _report("bare name understood and resolved", name_resolution_ms, "ms")
    _report("sentence understood and resolved", sentence_resolution_ms, "ms")
    hit_p99 = _percentile(hit_ms, 99)
    sentence_p99 = _percentile(sentence_ms, 99)
    answer_over_ms = _percentile(sentence_answer_ms, 99) - _percentile(hit_answer_ms, 99)
    sentence_over_ms = _percentile(sentence_resolution_ms, 99) - _percentile(name_resolution_ms, 99)
    miss_median = statistics.median(miss_answer_s)
    print(
        f"\nhit p99 {hit_p99:.1f} ms = {hit_p99 / HIT_P99_TARGET_MS:.2f} × target "
        f"({HIT_P99_TARGET_MS:.0f} ms)"
    )
    print(
        f"sentence hit p99 {sentence_p99:.1f} ms = {sentence_p99 / HIT_P99_TARGET_MS:.2f} × "
        f"target ({HIT_P99_TARGET_MS:.0f} ms)"
    )
    print(
        f"a sentence's resolution over a bare name's at p99 {sentence_over_ms:+.2f} ms = "
        f"{sentence_over_ms / SENTENCE_OVER_BARE_NAME_TARGET_MS:.2f} × target "
        f"({SENTENCE_OVER_BARE_NAME_TARGET_MS:.0f} ms); its whole answer's "
        f"{answer_over_ms:+.1f} ms (scheduling noise included)"
    )
    print(
        f"miss-to-answer median {miss_median:.2f} s = "
        f"{miss_median / MISS_TO_ANSWER_MEDIAN_TARGET_S:.2f} × target "
        f"({MISS_TO_ANSWER_MEDIAN_TARGET_S:.0f} s)"
    )


def _hits(
    stack: LocalStack, kinds: list[list[str]], count: int
) -> list[tuple[list[float], list[float]]]:
    """`count` texts of each kind, the kinds in turns, each kind from a user of its own who
    waits for the answer before the next; for each kind, POST-to-200 and POST-to-answer."""
    users = [stack.messenger_user(f"25000000000000{kind:02d}") for kind in range(len(kinds))]
    timings: list[tuple[list[float], list[float]]] = [([], []) for _ in kinds]
    for index in range(count):
        for texts, user, (posts, answers) in zip(kinds, users, timings, strict=True):
            asked = datetime.now(UTC)
            started = time.perf_counter()
            response = user.say(texts[index % len(texts)])
            posts.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            [answer] = user.replies(at_least=1, timeout_seconds=10)
            answers.append(_since(asked, answer) * 1000)
    return timings


def _resolutions(kinds: list[list[str]], passes: int = RESOLUTION_PASSES) -> list[list[float]]:
    """What converse does with a text before answering it, timed for each text of each kind
    (the kinds in turns), against the stack's name index in PostgreSQL."""
    names = composition.dependencies().names
    timings: list[list[float]] = [[] for _ in kinds]
    for _ in range(passes):
        for index in range(max(len(texts) for texts in kinds)):
            for texts, spent in zip(kinds, timings, strict=True):
                text = texts[index % len(texts)]
                started = time.perf_counter()
                request = understand(text)
                if isinstance(request, ArtistsLike):
                    resolve_request(request, names)
                spent.append((time.perf_counter() - started) * 1000)
    return timings


def _misses(stack: LocalStack, held_back: list[str]) -> tuple[list[float], list[float]]:
    posts, answers = [], []
    for index, name in enumerate(held_back):
        user = stack.messenger_user(f"26000000000000{index:02d}")
        asked = datetime.now(UTC)
        started = time.perf_counter()
        response = user.say(name)
        posts.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        # "Looking them up", then "Found …" and the carousel once the pipeline ran.
        pushed = user.replies(at_least=3, timeout_seconds=60)
        if len(pushed) < 3:
            raise RuntimeError(f"no pushed answer for {name}: {pushed}")
        answers.append(_since(asked, pushed[-1]))
    return posts, answers


def _since(asked: datetime, sent: dict[str, object]) -> float:
    received = datetime.fromisoformat(str(sent["received_at"]))
    return (received - asked).total_seconds()


def _percentile(values: Sequence[float], percent: float) -> float:
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[rank]


def _report(what: str, values: Sequence[float], unit: str) -> None:
    print(
        f"{what:<34} n={len(values):<4} p50 {_percentile(values, 50):8.2f} {unit}"
        f"   p90 {_percentile(values, 90):8.2f} {unit}   p99 {_percentile(values, 99):8.2f} {unit}"
    )


if __name__ == "__main__":
    main()
