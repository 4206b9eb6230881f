"""How long the Spotify adapter waits: backoff between retries, and Retry-After as given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from adapters.spotify import (
    DEFAULT_RETRY_AFTER_SECONDS,
    RETRY_ATTEMPTS,
    RETRY_BASE_DELAY_SECONDS,
    RETRY_SLEEP_BUDGET_SECONDS,
    backoff_delay,
    retry_after_seconds,
)


def test_the_longest_backoff_doubles_with_each_retry() -> None:
    # When
    delays = [backoff_delay(retry, jitter=1.0) for retry in (1, 2, 3)]

    # Then
    assert delays == [
        RETRY_BASE_DELAY_SECONDS,
        2 * RETRY_BASE_DELAY_SECONDS,
        4 * RETRY_BASE_DELAY_SECONDS,
    ]


@pytest.mark.parametrize("jitter", [0.0, 0.3, 0.99])
def test_jitter_scales_the_backoff_down_to_nothing(jitter: float) -> None:
    # When
    delay = backoff_delay(2, jitter)

    # Then
    assert delay == pytest.approx(jitter * 2 * RETRY_BASE_DELAY_SECONDS)


def test_the_retries_of_one_request_fit_in_the_budget() -> None:
    # When every retry of a request waits as long as it may
    longest = sum(backoff_delay(retry, jitter=1.0) for retry in range(1, RETRY_ATTEMPTS))

    # Then
    assert longest <= RETRY_SLEEP_BUDGET_SECONDS


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7200", 7200), ("0", 0), ("1.2", 2), ("-5", 0), ("soon", DEFAULT_RETRY_AFTER_SECONDS)],
)
def test_retry_after_in_seconds(header: str, seconds: int) -> None:
    # When
    waited = retry_after_seconds({"Retry-After": header})

    # Then
    assert waited == seconds


def test_retry_after_as_an_http_date() -> None:
    # Given a date two hours ahead
    header = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)

    # When
    waited = retry_after_seconds({"Retry-After": header})

    # Then
    assert 7190 <= waited <= 7200


@pytest.mark.parametrize("headers", [None, {}])
def test_no_retry_after_means_the_default(headers: dict[str, str] | None) -> None:
    # When
    waited = retry_after_seconds(headers)

    # Then
    assert waited == DEFAULT_RETRY_AFTER_SECONDS
