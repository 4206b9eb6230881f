"""Failures the domain names, so that handlers map them by type and never by message."""

from datetime import datetime


class SixpotifyError(Exception):
    """Base of every error the product raises on purpose."""


class InvalidSignatureError(SixpotifyError):
    """A webhook request whose X-Hub-Signature-256 is missing or does not match its body."""


class MalformedRequestError(SixpotifyError):
    """A request whose body is not what the protocol promises."""


class VerificationFailedError(SixpotifyError):
    """A webhook subscription check with the wrong mode or verify token."""


class SpotifyRefusedError(SixpotifyError):
    """Spotify did not answer a call: it is down, refuses the app, or asks it to wait. The
    same call may succeed later, so work that needs it is deferred, never dropped."""


class SpotifyUnavailableError(SpotifyRefusedError):
    """Spotify failed (5xx, timeout, refused credentials); the workflow retries with backoff."""


class SpotifyRateLimitedError(SpotifyRefusedError):
    """Spotify answered 429; the work must go back to the queue for retry_after seconds."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Spotify rate limit, retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class SpotifyQuotaExceededError(SpotifyRateLimitedError):
    """Spotify answered 429 with reason QUOTA_EXCEEDED: the app used up its quota and no call
    may be made before retry_at, which can be hours away."""

    def __init__(self, retry_at: datetime, retry_after_seconds: int) -> None:
        super().__init__(retry_after_seconds)
        self.args = (f"Spotify quota exceeded until {retry_at.isoformat()}",)
        self.retry_at = retry_at


class SpotifyPremiumLapsedError(SpotifyUnavailableError):
    """Spotify refuses every endpoint (403) because the Premium subscription a Development
    Mode app's owner must hold has lapsed; nothing works until it is renewed."""


class MessengerDeliveryError(SixpotifyError):
    """The Send API refused a message."""


class RecipientUnreachableError(MessengerDeliveryError):
    """The Send API will never deliver to this user: they blocked the page, no longer exist,
    or are outside the window in which the page may message them. Sending again cannot help."""


class MessengerUnavailableError(MessengerDeliveryError):
    """The Send API failed for now (throttled, a temporary failure, a 5xx, no answer): the
    same send may succeed later."""


class RebuildIncompleteError(SixpotifyError):
    """A similarity rebuild cannot be switched to: not every shard wrote its lists, or the
    generation is not the one being built."""


class ProxyNotReadyError(SixpotifyError):
    """RDS Proxy did not reach the database within the time allowed; says what it last saw."""


class DatabaseUnavailableError(SixpotifyError):
    """PostgreSQL could not be reached, or lost the connection mid-transaction (restarted,
    failed over, overloaded): the transaction did not happen, and the same work started again
    once it is back succeeds."""


class WriteConflictError(SixpotifyError):
    """The database rolled a write back because it collided with another transaction (a
    deadlock, or a serialization failure); the same write started afresh normally succeeds."""
