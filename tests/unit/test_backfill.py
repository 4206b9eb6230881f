"""Sorting a backfill's names into already known, not found, failed and new, and the report
once the workflow ran."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from domain.backfill import (
    BackfillReport,
    LookupPorts,
    NameOutcome,
    Outcome,
    look_up,
    names_in,
    settle,
)
from domain.errors import SpotifyRateLimitedError, SpotifyUnavailableError
from domain.models import Artist
from local.backfill import WorkflowIngest, summary_lines
from local.operations import Operations, StackAddresses
from tests.fakes import FakeSpotify, InMemoryArtists, artist

DRAKE = artist("drake", "Drake")
FIFTY_CENT = artist("fifty-cent", "50 Cent")
THE_BEATLES = artist("the-beatles", "The Beatles")
AESPA = artist("aespa", "aespa")


CATALOG = {a.id: a for a in (DRAKE, FIFTY_CENT, THE_BEATLES, AESPA)}
OTHER_NAMES = {"beatles": THE_BEATLES.id, "drak": DRAKE.id}


@dataclass
class PushingBackSpotify(FakeSpotify):
    """Spotify whose search answers 429 with `retry_after` the first `times` searches."""

    retry_after: int = 0
    times: int = 0
    pushed_back: int = 0

    def search_artist(self, query: str) -> Artist | None:
        if self.pushed_back < self.times:
            self.pushed_back += 1
            raise SpotifyRateLimitedError(self.retry_after)
        return super().search_artist(query)


@dataclass
class FailingSpotify(FakeSpotify):
    """Spotify whose search fails for one query."""

    failing_query: str = ""

    def search_artist(self, query: str) -> Artist | None:
        if query == self.failing_query:
            raise SpotifyUnavailableError("Spotify failed GET /search (HTTP 503)")
        return super().search_artist(query)


def _spotify() -> FakeSpotify:
    return FakeSpotify(catalog=dict(CATALOG), other_names=dict(OTHER_NAMES))


def _ports(store: InMemoryArtists, spotify: FakeSpotify, waits: list[float]) -> LookupPorts:
    return LookupPorts(names=store, repository=store, spotify=spotify, sleep=waits.append)


def test_names_in_skips_blank_lines_and_comments_and_keeps_a_repeated_name_once() -> None:
    # Given a names file with comments, blank lines, stray spaces and a name typed twice
    lines = ["# the 2000s\n", "  50  Cent \n", "\n", "Drake\n", "50 cent\n", "   \n", "beatles"]

    # When its names are read
    names = names_in(lines)

    # Then each name comes once, as first typed, spaces tidied
    assert names == ("50 Cent", "Drake", "beatles")


def test_look_up_sorts_known_new_and_unknown_names() -> None:
    # Given a store holding Drake, and Spotify knowing more artists
    store = InMemoryArtists(artists={DRAKE.id: DRAKE})
    spotify = _spotify()

    # When a list with Drake (as stored and misspelled), new artists and a made-up band is
    # looked up
    names = ("Drake", "drak", "50 Cent", "beatles", "Xyzzy Quuxband")
    lookup = look_up(names, _ports(store, spotify, []), longest_wait_seconds=30)

    # Then Drake is already known either way, without searching his exact name; the new
    # artists are to be ingested and the made-up band is not found
    assert lookup.settled == (
        NameOutcome("Drake", Outcome.ALREADY_KNOWN, DRAKE.id),
        NameOutcome("drak", Outcome.ALREADY_KNOWN, DRAKE.id),
        NameOutcome("Xyzzy Quuxband", Outcome.NOT_FOUND),
    )
    assert lookup.new == (("50 Cent", FIFTY_CENT.id), ("beatles", THE_BEATLES.id))
    assert "Drake" not in spotify.searches


def test_two_names_of_one_new_artist_ingest_it_once() -> None:
    # Given an empty store
    store = InMemoryArtists()

    # When the Beatles are listed under two names
    lookup = look_up(("The Beatles", "beatles"), _ports(store, _spotify(), []), 30)

    # Then both names wait on the one ID
    assert lookup.artist_ids == (THE_BEATLES.id,)
    assert [name for name, _ in lookup.new] == ["The Beatles", "beatles"]


def test_a_short_rate_limit_is_waited_out_and_the_search_asked_again() -> None:
    # Given Spotify asks to wait 5 seconds on the first search
    waits: list[float] = []
    spotify = PushingBackSpotify(CATALOG, OTHER_NAMES, retry_after=5, times=1)

    # When a list is looked up, waiting at most 30 seconds
    lookup = look_up(("50 Cent",), _ports(InMemoryArtists(), spotify, waits), 30)

    # Then it waited once and found the artist
    assert waits == [5]
    assert lookup.new == (("50 Cent", FIFTY_CENT.id),)


def test_a_long_rate_limit_stops_searching_and_fails_the_names_left() -> None:
    # Given Spotify asks to wait an hour on the first search
    waits: list[float] = []
    spotify = PushingBackSpotify(CATALOG, OTHER_NAMES, retry_after=3600, times=1)
    progress: list[int] = []

    # When a list is looked up, waiting at most 30 seconds
    lookup = look_up(
        ("50 Cent", "beatles"),
        _ports(InMemoryArtists(), spotify, waits),
        30,
        on_progress=progress.append,
    )

    # Then nothing was waited for, both names fail with the wait asked for, and the
    # progress reaches the end
    reason = "not searched: Spotify rate limit, retry after 3600 s"
    assert waits == []
    assert lookup.settled == (
        NameOutcome("50 Cent", Outcome.FAILED, reason=reason),
        NameOutcome("beatles", Outcome.FAILED, reason=reason),
    )
    assert progress == [2]


def test_short_rate_limits_that_keep_coming_stop_the_searching() -> None:
    # Given Spotify asks to wait one second on every search
    waits: list[float] = []
    spotify = PushingBackSpotify(CATALOG, OTHER_NAMES, retry_after=1, times=1000)

    # When a list is looked up
    lookup = look_up(("50 Cent", "beatles"), _ports(InMemoryArtists(), spotify, waits), 30)

    # Then it gave up after a few waits on the first name
    assert waits == [1, 1]
    assert [one.outcome for one in lookup.settled] == [Outcome.FAILED, Outcome.FAILED]


def test_a_failed_search_fails_its_name_only() -> None:
    # Given Spotify fails the search for one name
    spotify = FailingSpotify(CATALOG, OTHER_NAMES, failing_query="beatles")

    # When a list is looked up
    lookup = look_up(("beatles", "50 Cent"), _ports(InMemoryArtists(), spotify, []), 30)

    # Then that name failed with Spotify's failure and the next was searched
    assert lookup.settled == (
        NameOutcome("beatles", Outcome.FAILED, reason="Spotify failed GET /search (HTTP 503)"),
    )
    assert lookup.new == (("50 Cent", FIFTY_CENT.id),)


def test_settle_reports_every_name_in_order_with_the_workflows_outcome() -> None:
    # Given a lookup with a known name, two new artists and a name Spotify lacks
    store = InMemoryArtists(artists={DRAKE.id: DRAKE})
    names = ("Drake", "50 Cent", "Xyzzy", "beatles")
    lookup = look_up(names, _ports(store, _spotify(), []), 30)

    # When the workflow ingested 50 Cent and dead-lettered the Beatles
    report = settle(
        names,
        lookup,
        ingested={FIFTY_CENT.id},
        failures={THE_BEATLES.id: "SpotifyUnavailableError: HTTP 503"},
    )

    # Then each name has its outcome, in the order listed
    assert report.outcomes == (
        NameOutcome("Drake", Outcome.ALREADY_KNOWN, DRAKE.id),
        NameOutcome("50 Cent", Outcome.INGESTED, FIFTY_CENT.id),
        NameOutcome("Xyzzy", Outcome.NOT_FOUND),
        NameOutcome("beatles", Outcome.FAILED, THE_BEATLES.id, "SpotifyUnavailableError: HTTP 503"),
    )
    assert [report.count(outcome) for outcome in Outcome] == [1, 1, 1, 1]


def test_a_new_artist_neither_ingested_nor_failed_is_reported_failed() -> None:
    # Given a new artist the workflow says nothing about
    names = ("50 Cent",)
    lookup = look_up(names, _ports(InMemoryArtists(), _spotify(), []), 30)

    # When the report is settled
    report = settle(names, lookup, ingested=set(), failures={})

    # Then the name failed, saying so
    assert report.outcomes == (
        NameOutcome(
            "50 Cent", Outcome.FAILED, FIFTY_CENT.id, "the ingest workflow did not ingest it"
        ),
    )


def test_summary_lines_name_what_needs_a_look_then_count_each_outcome() -> None:
    # Given a report with one name of each outcome
    report = BackfillReport(
        (
            NameOutcome("Drake", Outcome.ALREADY_KNOWN, DRAKE.id),
            NameOutcome("50 Cent", Outcome.INGESTED, FIFTY_CENT.id),
            NameOutcome("Xyzzy", Outcome.NOT_FOUND),
            NameOutcome("beatles", Outcome.FAILED, THE_BEATLES.id, "HTTP 503"),
        )
    )

    # When it is summarized
    lines = summary_lines(report)

    # Then the names needing a look come first, then the table
    assert lines == [
        "not found: Xyzzy",
        "failed: beatles (HTTP 503)",
        "ingested           1",
        "already known      1",
        "not found          1",
        "failed             1",
        "total              4",
    ]


@dataclass
class ScriptedStepFunctions:
    """Step Functions whose executions end as scripted, in the order they start."""

    endings: list[dict[str, str]]
    started: list[str] = field(default_factory=list)

    def start_execution(self, **request: str) -> dict[str, str]:
        self.started.append(request["input"])
        return {"executionArn": f"{request['stateMachineArn']}:{request['name']}"}

    def describe_execution(self, **request: str) -> dict[str, str]:
        return self.endings[len(self.started) - 1]


def test_each_batch_is_one_execution_and_a_failed_one_fails_its_ids() -> None:
    # Given a workflow whose first execution ingests its artists and whose second fails
    ingested = '{"fetched": [{"ingested": ["a", "b"], "not_found": [], "failed": []}]}'
    stepfunctions = ScriptedStepFunctions(
        [
            {"status": "SUCCEEDED", "output": ingested},
            {"status": "FAILED", "error": "States.Runtime"},
        ]
    )
    addresses = StackAddresses("http://127.0.0.1:1", "arn:sm", "queue", "dead-letters")
    workflow = WorkflowIngest(
        stepfunctions, Operations(stepfunctions, None, addresses), "arn:sm", batch_size=2
    )
    progress: list[int] = []

    # When three IDs are ingested two per execution
    result = workflow.ingest(["a", "b", "c"], on_progress=progress.append)

    # Then two executions ran, the first batch is ingested and the other failed with why
    assert [json.loads(one)["artist_ids"] for one in stepfunctions.started] == [["a", "b"], ["c"]]
    assert result.ingested == {"a", "b"}
    assert set(result.failures) == {"c"}
    assert "FAILED: States.Runtime" in result.failures["c"]
    assert progress == [2, 3]


def test_an_id_spotify_does_not_have_fails_as_not_found_without_reading_dead_letters() -> None:
    # Given a workflow that ingests one ID and tombstones the other as not on Spotify
    output = '{"fetched": [{"ingested": ["a"], "not_found": ["b"], "failed": []}]}'
    stepfunctions = ScriptedStepFunctions([{"status": "SUCCEEDED", "output": output}])
    addresses = StackAddresses("http://127.0.0.1:1", "arn:sm", "queue", "dead-letters")
    workflow = WorkflowIngest(stepfunctions, Operations(stepfunctions, None, addresses), "arn:sm")

    # When both are ingested
    result = workflow.ingest(["a", "b"])

    # Then the tombstoned one failed for that reason; no dead letter was looked for (the
    # operations have no queue client to look with)
    assert result.ingested == {"a"}
    assert result.failures == {"b": "not found on Spotify"}
