"""The operator's metrics, as the functions write them (adapters/emf_metrics.py) and the
alarms and dashboard read them (stacks/operational_metrics.py)."""

from __future__ import annotations

from typing import Final


class MetricName:
    ANSWERS_SENT: Final = "AnswersSent"
    SENDS_FAILED: Final = "SendsFailed"
    MISSES_QUEUED: Final = "MissesQueued"
    # From the user's message to the answer pushed once the artist was fetched, in seconds.
    MISS_TO_ANSWER: Final = "MissToPushedAnswer"
    SPOTIFY_CALLS: Final = "SpotifyCalls"
    SPOTIFY_RATE_LIMITED: Final = "SpotifyRateLimited"
