"""Failures the domain names, so that handlers map them by type and never by message."""


class SixpotifyError(Exception):
    """Base of every error the product raises on purpose."""


class InvalidSignatureError(SixpotifyError):
    """A webhook request whose X-Hub-Signature-256 is missing or does not match its body."""


class MalformedRequestError(SixpotifyError):
    """A request whose body is not what the protocol promises."""


class VerificationFailedError(SixpotifyError):
    """A webhook subscription check with the wrong mode or verify token."""


class SpotifyUnavailableError(SixpotifyError):
    """Spotify failed (5xx, timeout, refused credentials); the workflow retries with backoff."""


class SpotifyRateLimitedError(SixpotifyError):
    """Spotify answered 429; the work must go back to the queue for retry_after seconds."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Spotify rate limit, retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class MessengerDeliveryError(SixpotifyError):
    """The Send API refused a message."""


class RebuildIncompleteError(SixpotifyError):
    """A similarity rebuild cannot be switched to: not every shard wrote its lists, or the
    generation is not the one being built."""


class ProxyNotReadyError(SixpotifyError):
    """RDS Proxy did not reach the database within the time allowed; says what it last saw."""
