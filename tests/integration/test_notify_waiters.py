"""Answers pushed to waiting users through the local stack and its strict Send API stand-in:
every user who can be answered is, whoever else cannot; a waiter is given up on only for a
reason, which is logged; a failed fetch keeps its waiters until a later attempt answers them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.names import LogEvent
from domain.errors import DatabaseUnavailableError
from domain.models import Waiter
from domain.ports import ArtistTombstones
from handlers import composition
from local.chat import ChatClient
from local.spotify_server import Endpoint, Fault, SpotifyServer
from local.stack import LocalStack
from tests.stack_probes import stack_operations, start_requested_ingest
from tests.swapped_adapters import handlers_using

DRAKE = "3TVXtAsR1Inumwj472S9r4"
EMINEM = "7dGJo4pcD2V6oG8kP0tJRR"
# Waiters of one artist are read back in user ID order: the blocked user is the middle one.
FIRST, BLOCKED, THIRD = "2400000000000501", "2400000000000502", "2400000000000503"


def _wait_for(stack: LocalStack, user_id: str, artist_id: str, *, hours_ago: float = 0) -> None:
    asked_at = datetime.now(UTC) - timedelta(hours=hours_ago)
    composition.dependencies().waiters.add(
        Waiter(artist_id=artist_id, user_id=user_id, query="someone", requested_at=asked_at)
    )
    stack.graph.user_wrote(user_id, asked_at)


def _ingest(stack: LocalStack, name: str, artist_ids: list[str]) -> dict[str, Any]:
    output: dict[str, Any] = stack.wait_for_execution(
        start_requested_ingest(stack, name, artist_ids), 120
    )
    return output


def _messages(stack: LocalStack) -> list[dict[str, Any]]:
    return [entry["body"] for entry in stack.graph.sent() if "message" in entry["body"]]


def _recipients(stack: LocalStack) -> list[str]:
    return list(dict.fromkeys(body["recipient"]["id"] for body in _messages(stack)))


def _given_up(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [
        (record.__dict__["artist_id"], record.__dict__["reason"])
        for record in caplog.records
        if getattr(record, "event", None) == LogEvent.WAITER_GIVEN_UP
    ]


def _still_waiting(artist_id: str) -> list[str]:
    return sorted(w.user_id for w in composition.dependencies().waiters.waiting_for(artist_id))


def test_a_user_who_blocked_the_page_stops_nobody_elses_answer(
    clean_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given three users waiting for Drake, the middle one of whom blocked the page
    for user_id in (FIRST, BLOCKED, THIRD):
        _wait_for(clean_stack, user_id, DRAKE)
    clean_stack.graph.fail_recipient(BLOCKED, "blocked")

    # When Drake is ingested
    output = _ingest(clean_stack, "blocked-recipient", [DRAKE])

    # Then the other two got their answer, as updates the page starts
    assert output["notified"] == {"answered": 2}
    assert _recipients(clean_stack) == [FIRST, THIRD]
    assert {body["messaging_type"] for body in _messages(clean_stack)} == {"UPDATE"}
    # And the blocked user waits no more, given up on with the reason counted
    assert _still_waiting(DRAKE) == []
    assert _given_up(caplog) == [(DRAKE, "recipient_unreachable")]


def test_a_burst_of_temporary_send_failures_is_retried_and_answers_once(
    clean_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a user waiting for Drake, and a Send API failing its next two sends (code 2)
    _wait_for(clean_stack, FIRST, DRAKE)
    clean_stack.graph.fail_next(2, "temporary")

    # When Drake is ingested
    output = _ingest(clean_stack, "send-burst", [DRAKE])

    # Then the user got the answer once: one "found" and one carousel
    assert output["notified"] == {"answered": 1}
    messages = _messages(clean_stack)
    assert [("text" in body["message"], body["recipient"]["id"]) for body in messages] == [
        (True, FIRST),
        (False, FIRST),
    ]
    assert _still_waiting(DRAKE) == []
    assert _given_up(caplog) == []


def test_a_waiter_outside_the_24_hour_window_is_given_up_unsent(
    clean_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a user who asked about Drake 25 hours ago, and one who asked just now
    _wait_for(clean_stack, FIRST, DRAKE, hours_ago=25)
    _wait_for(clean_stack, THIRD, DRAKE)

    # When Drake is ingested
    output = _ingest(clean_stack, "window-closed", [DRAKE])

    # Then only the recent one was messaged; the other is dropped with the reason
    assert output["notified"] == {"answered": 1}
    assert _recipients(clean_stack) == [THIRD]
    assert _still_waiting(DRAKE) == []
    assert _given_up(caplog) == [(DRAKE, "window_closed")]


def test_replies_are_responses_and_the_pushed_answer_an_update(
    clean_stack: LocalStack,
) -> None:
    # Given a user asking about an artist the bot has not fetched yet
    user = clean_stack.messenger_user("2400000000000504")

    # When they ask, and the pipeline fetches the artist
    assert user.say("Drake").status_code == 200
    replies = user.replies(at_least=3, timeout_seconds=90)

    # Then "looking it up" answered their message, and the answer came as an update
    kinds = [(r["body"]["messaging_type"], "text" in r["body"]["message"]) for r in replies]
    assert kinds == [("RESPONSE", True), ("UPDATE", True), ("UPDATE", False)]


def test_a_spotify_outage_keeps_the_waiter_until_the_redrive_answers_them(
    clean_stack: LocalStack, stack_spotify: SpotifyServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a user waiting for Eminem, and Spotify answering 500 to every artists request
    _wait_for(clean_stack, FIRST, EMINEM)
    stack_spotify.inject_fault(Endpoint.ARTISTS, Fault(status=500), times=1000)

    # When Eminem is ingested: the batch fails every try and is dead-lettered
    _ingest(clean_stack, "spotify-storm", [EMINEM])
    assert [letter.subject for letter in stack_operations(clean_stack).dead_letters()] == [EMINEM]

    # Then the user was not told the artist is gone, and still waits
    assert _messages(clean_stack) == []
    assert _still_waiting(EMINEM) == [FIRST]
    assert _given_up(caplog) == []

    # When Spotify is back and the operator redrives the dead-letter queue
    stack_spotify.clear_faults()
    stack_operations(clean_stack).redrive()

    # Then the pipe fetches Eminem again and the user gets the answer
    deadline = time.monotonic() + 90
    while _still_waiting(EMINEM):
        assert time.monotonic() < deadline, "the redriven request never answered the waiter"
        time.sleep(0.2)
    found, carousel = _messages(clean_stack)
    assert found["recipient"]["id"] == carousel["recipient"]["id"] == FIRST
    assert "Eminem" in found["message"]["text"]
    assert carousel["message"]["attachment"]["payload"]["elements"][0]["title"] == "Eminem"


def test_the_chat_client_opens_the_window_the_send_api_checks(clean_stack: LocalStack) -> None:
    # Given a user who last wrote 25 hours ago, the window closed
    user: ChatClient = clean_stack.messenger_user("2400000000000505")
    clean_stack.graph.user_wrote(user.user_id, datetime.now(UTC) - timedelta(hours=25))

    # When they write again / Then the page may answer them
    assert user.say("   ").status_code == 200
    [reply] = user.replies(at_least=1)
    assert reply["body"]["messaging_type"] == "RESPONSE"


def test_the_daily_refresh_gives_up_on_users_whose_window_closed_unanswered(
    clean_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given two known artists, a user who asked 30 hours ago for an artist whose batch was
    # never redriven, one waiting 26 hours for a lookup, and one who asked an hour ago
    _ingest(clean_stack, "stale-waiters-known", [DRAKE, EMINEM])
    _wait_for(clean_stack, FIRST, "0000000000000000000001", hours_ago=30)
    _wait_for(clean_stack, BLOCKED, "lookup:artists:someone", hours_ago=26)
    _wait_for(clean_stack, THIRD, "0000000000000000000001", hours_ago=1)

    # When the daily refresh runs
    operations = stack_operations(clean_stack)
    clean_stack.wait_for_execution(operations.start_refresh(), 180)

    # Then the two whose window closed are given up, each counted, and nobody is messaged;
    # the recent one still waits
    assert sorted(_given_up(caplog)) == [
        ("0000000000000000000001", "window_closed"),
        ("lookup:artists:someone", "window_closed"),
    ]
    assert _still_waiting("0000000000000000000001") == [THIRD]
    assert _still_waiting("lookup:artists:someone") == []
    assert _messages(clean_stack) == []


@dataclass
class TombstonesLostOnce:
    """The stack's tombstones, except that the first read finds PostgreSQL gone, as during
    a restart or a failover."""

    real: ArtistTombstones
    failures: int = 0

    def bury(self, artist_ids: Sequence[str], not_found_at: datetime) -> None:
        self.real.bury(artist_ids, not_found_at)

    def lift(self, artist_ids: Sequence[str], found_at: datetime) -> None:
        self.real.lift(artist_ids, found_at)

    def tombstoned(self, artist_ids: Sequence[str]) -> set[str]:
        if self.failures == 0:
            self.failures += 1
            raise DatabaseUnavailableError("PostgreSQL failed: server closed the connection")
        return self.real.tombstoned(artist_ids)


def test_answers_lost_to_a_database_outage_are_sent_when_the_workflow_retries(
    clean_stack: LocalStack,
) -> None:
    # Given a user waiting for Drake, and PostgreSQL lost the first time NotifyWaiters reads
    _wait_for(clean_stack, FIRST, DRAKE)
    lost_once = TombstonesLostOnce(composition.dependencies().tombstones)

    # When Drake is ingested
    with handlers_using(composition.Adapters(tombstones=lost_once)):
        output = _ingest(clean_stack, "database-lost-once", [DRAKE])

    # Then the workflow tried NotifyWaiters again, and the user got one answer
    assert lost_once.failures == 1
    assert output["notified"] == {"answered": 1}
    assert _recipients(clean_stack) == [FIRST]
    assert _still_waiting(DRAKE) == []
