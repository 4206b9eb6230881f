"""Spotify through spotipy: the product's implementation of domain.ports.SpotifyCatalog.

The adapter copes with the Spotify Web API as it is, not as documented in 2020:

- It learns which endpoints the app may call (Spotify closes audio features to new apps and
  batch artists and top tracks to Development Mode apps) and degrades to what remains: single
  artist lookups, genres without tracks or audio features. A refused endpoint is asked again
  after REPROBE_AFTER, so access Spotify restores is used without waiting for a cold start.
- It never sleeps on a 429: fetching hands back the unfinished IDs as deferred with
  Retry-After, searching raises SpotifyRateLimitedError carrying it. A 429 for an exhausted
  quota (reason QUOTA_EXCEEDED) opens a breaker: until its Retry-After has passed, every call
  raises SpotifyQuotaExceededError without reaching Spotify.
- A 403 from an endpoint Spotify never closes (search, single artists) means the whole app
  is refused, as when the owner's Premium subscription lapses: SpotifyPremiumLapsedError.
- It retries 5xx and timeouts of a fetch a little, within a small budget of sleep, then
  raises SpotifyUnavailableError naming the endpoint and the status, never a credential.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import partial
from typing import Any

import requests
import spotipy
from pydantic import SecretStr
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOauthError

from adapters.emf_metrics import UNMEASURED
from domain.errors import (
    SpotifyPremiumLapsedError,
    SpotifyQuotaExceededError,
    SpotifyRateLimitedError,
    SpotifyUnavailableError,
)
from domain.models import Artist, AudioFeatures, FetchedArtist, FetchOutcome, Track
from domain.names import normalize_name
from domain.ports import Measurements
from domain.songs import normalize_title

logger = logging.getLogger(__name__)
# The `event` of the log line of every 429, which the monitoring stack's metric filter counts.

ARTISTS_PER_REQUEST = 50
AUDIO_FEATURES_PER_REQUEST = 100
# Top tracks already cost one call per artist, so audio features must stay a small extra.
# With two tracks per artist a batch of 50 artists needs exactly one audio-features call:
# about 1.04 calls per newly ingested artist in all (three tracks would need 1.5 calls per
# 50 artists and pass 1.05). Every top track is still kept; only features are sampled.
AUDIO_FEATURE_TRACKS_PER_ARTIST = AUDIO_FEATURES_PER_REQUEST // ARTISTS_PER_REQUEST
# Development Mode apps may ask search for 10 results at most; more is a 400.
SEARCH_CANDIDATES = 5
TOP_TRACKS_MARKET = "US"
DEFAULT_RETRY_AFTER_SECONDS = 30
# A fetch retries 5xx and timeouts with full-jitter exponential backoff, each retry charged
# its longest delay against one budget: at most 8 retries and 2 s of sleep per fetch, far
# below the Lambda's deadline. Whatever still fails goes back to the workflow, whose own
# retries can wait longer.
RETRY_ATTEMPTS = 3
RETRY_BASE_DELAY_SECONDS = 0.25
RETRY_SLEEP_BUDGET_SECONDS = 2.0
# Spotify gives an app an endpoint back (an approved quota extension, a renewed Premium
# subscription) without telling it; one call per endpoint every quarter hour finds out.
REPROBE_AFTER = timedelta(minutes=15)
# The `reason` of a 429 whose Retry-After ends an exhausted quota rather than a busy window.
QUOTA_EXCEEDED_REASON = "QUOTA_EXCEEDED"

_SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
# A closed endpoint answers 403 (audio features, top tracks, batch artists) or 404
# (related artists, recommendations). Batch endpoints answer null for a missing ID and top
# tracks are only asked for artists Spotify has just returned, so on those endpoints both
# statuses speak of the endpoint, never of one ID.
_CLOSED_STATUSES = frozenset({403, 404})
_FORBIDDEN = 403
_NOT_FOUND = 404
_UNAUTHORIZED = 401
_TOO_MANY_REQUESTS = 429
_FIRST_SERVER_ERROR = 500
_FEATURE_FIELDS = tuple(name for name in AudioFeatures.model_fields if name != "track_id")


class SpotifyEndpoint(StrEnum):
    """The Web API routes the adapter calls, as error messages and logs name them."""

    TOKEN = "POST /api/token"  # noqa: S105  # a route, not a credential
    SEARCH = "GET /search"
    ARTIST = "GET /artists/{id}"
    ARTISTS = "GET /artists"
    TOP_TRACKS = "GET /artists/{id}/top-tracks"
    AUDIO_FEATURES = "GET /audio-features"


# The endpoints an app can lose while the rest of the API keeps answering.
CLOSABLE_ENDPOINTS = frozenset(
    {SpotifyEndpoint.ARTISTS, SpotifyEndpoint.TOP_TRACKS, SpotifyEndpoint.AUDIO_FEATURES}
)
# Endpoints every app may call whatever its access level: a 403 from one of them refuses the
# app as a whole, not one endpoint.
_ALWAYS_OPEN_ENDPOINTS = frozenset({SpotifyEndpoint.SEARCH, SpotifyEndpoint.ARTIST})


def make_spotify_client(
    api_url: str,
    token_url: str,
    client_id: str,
    client_secret: SecretStr,
    timeout_seconds: float = 5,
) -> spotipy.Spotify:
    """A spotipy client for the Web API at `api_url`, authenticated by the client-credentials
    grant at `token_url`; one token is reused until it expires."""
    _redact_spotipy_logs()
    # spotipy's own session retries 429 and 5xx, and once those retries run out it reports
    # every status as a bare 429 without Retry-After. A plain session (no retries) lets each
    # status and its headers reach this adapter as Spotify sent them.
    session = requests.Session()
    credentials = SpotifyClientCredentials(
        client_id=client_id,
        client_secret=client_secret.get_secret_value(),
        requests_session=session,
        requests_timeout=timeout_seconds,
        cache_handler=MemoryCacheHandler(),
    )
    credentials.OAUTH_TOKEN_URL = token_url
    client = spotipy.Spotify(
        auth_manager=credentials,
        requests_session=session,
        requests_timeout=timeout_seconds,
        retries=0,
        status_retries=0,
    )
    client.prefix = api_url if api_url.endswith("/") else f"{api_url}/"
    return client


def backoff_delay(retry: int, jitter: float) -> float:
    """Seconds to wait before retry number `retry` (1 for the first), given a jitter drawn
    uniformly from [0, 1): "full jitter", so that failed Lambdas do not retry in step."""
    return jitter * RETRY_BASE_DELAY_SECONDS * 2.0 ** (retry - 1)


def retry_after_seconds(headers: Mapping[str, str] | None) -> int:
    """Retry-After as whole seconds from now: delta-seconds or an HTTP date, else a default."""
    raw = (headers or {}).get("Retry-After")
    if raw is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(0, math.ceil(float(raw)))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(0, math.ceil((moment - datetime.now(UTC)).total_seconds()))


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Access:
    """What Spotify last said about one endpoint: whether it answered, and when."""

    answered: bool
    learned_at: datetime


class SpotipyCatalog:
    """domain.ports.SpotifyCatalog over a spotipy client (see make_spotify_client).

    The composition root builds one instance per process (a Lambda cold start), so what it
    learns holds for the whole process: which endpoints Spotify refused, asked again once
    REPROBE_AFTER has passed, and whether the quota is exhausted. `clock` tells both when to
    ask again; `sleep` and `jitter` (uniform in [0, 1)) pace the retries of 5xx and timeouts.
    """

    def __init__(
        self,
        client: spotipy.Spotify,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = _utc_now,
        measurements: Measurements = UNMEASURED,
    ) -> None:
        self._client = client
        self._measurements = measurements
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._access: dict[SpotifyEndpoint, _Access] = {}
        self._quota_retry_at: datetime | None = None

    @property
    def closed_endpoints(self) -> frozenset[SpotifyEndpoint]:
        """The endpoints Spotify refused this app less than REPROBE_AFTER ago; they are not
        called again until then."""
        return frozenset(one for one in CLOSABLE_ENDPOINTS if self._is_closed(one))

    def _is_closed(self, endpoint: SpotifyEndpoint) -> bool:
        access = self._access.get(endpoint)
        return access is not None and not access.answered and not self._is_due(access)

    def _is_due(self, access: _Access) -> bool:
        return self._clock() - access.learned_at >= REPROBE_AFTER

    def can_read_top_tracks(self, artist_id: str) -> bool:
        """Whether top tracks answer, as last learned; once that is older than REPROBE_AFTER
        (or never learned in this process) the artist's top tracks are asked. Only an answer
        or a 403 is remembered: a 404 (the stored artist has left Spotify), a rate limit or
        an outage proves nothing about the endpoint, so the answer is no, for now."""
        endpoint = SpotifyEndpoint.TOP_TRACKS
        access = self._access.get(endpoint)
        if access is not None and not self._is_due(access):
            return access.answered
        try:
            self._request(
                endpoint,
                partial(self._client.artist_top_tracks, artist_id, country=TOP_TRACKS_MARKET),
                _SleepBudget.none(),
            )
        except spotipy.SpotifyException as error:
            if error.http_status == _FORBIDDEN:
                self._learn(endpoint, answered=False)
            else:
                logger.warning(
                    "Could not learn whether top tracks answer: %s", _refused(endpoint, error)
                )
            return False
        except (SpotifyRateLimitedError, SpotifyUnavailableError) as failure:
            logger.warning("Could not learn whether top tracks answer: %s", failure)
            return False
        self._learn(endpoint, answered=True)
        return True

    # Searches answer a person who is waiting: one attempt, and the conversation decides.

    def search_artist(self, query: str) -> Artist | None:
        if not query.strip():
            return None
        answer = self._required(
            SpotifyEndpoint.SEARCH,
            lambda: self._client.search(q=query, type="artist", limit=SEARCH_CANDIDATES),
            _SleepBudget.none(),
        )
        candidates = [item for item in answer["artists"]["items"] if item]
        if not candidates:
            return None
        # Spotify ranks by popularity as much as by spelling; an exact name wins outright.
        wanted = normalize_name(query)
        best = next(
            (item for item in candidates if normalize_name(item["name"]) == wanted),
            candidates[0],
        )
        return _artist(best)

    def search_track(self, query: str) -> Track | None:
        """Spotify's best match for a typed song title, credited to its first artist."""
        if not query.strip():
            return None
        answer = self._required(
            SpotifyEndpoint.SEARCH,
            lambda: self._client.search(q=query, type="track", limit=SEARCH_CANDIDATES),
            _SleepBudget.none(),
        )
        # Local files and unavailable tracks come back without an ID or artists.
        candidates = [
            (item, artist_id)
            for item in answer["tracks"]["items"]
            if item and item.get("id") and (artist_id := _first_artist_id(item)) is not None
        ]
        if not candidates:
            return None
        # "California Love" is "California Love - Original Version" on Spotify; a title
        # that matches once such notes are dropped beats a more popular near miss.
        wanted = normalize_title(query)
        best, artist_id = next(
            (
                (item, artist_id)
                for item, artist_id in candidates
                if normalize_title(item["name"]) == wanted
            ),
            candidates[0],
        )
        return _track(best, artist_id)

    # Fetching

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        """Artist objects, top tracks and audio features for these IDs, as far as the app
        may call them. On a 429 the fetch stops at once: what is complete comes back as
        fetched, the rest as deferred with Retry-After."""
        progress = _Progress(asked=list(dict.fromkeys(artist_ids)))
        progress.not_found.update(one for one in progress.asked if not _SPOTIFY_ID.fullmatch(one))
        budget = _SleepBudget(RETRY_SLEEP_BUDGET_SECONDS)
        try:
            self._fetch_artist_objects(progress, budget)
            self._fetch_top_tracks(progress, budget)
            self._fetch_audio_features(progress, budget)
        except SpotifyRateLimitedError as limited:
            return progress.outcome(self.closed_endpoints, limited.retry_after_seconds)
        return progress.outcome(self.closed_endpoints, None)

    def _fetch_artist_objects(self, progress: _Progress, budget: _SleepBudget) -> None:
        wanted = [one for one in progress.asked if _SPOTIFY_ID.fullmatch(one)]
        for batch in _chunks(wanted, ARTISTS_PER_REQUEST):
            if not self._is_closed(SpotifyEndpoint.ARTISTS):
                answer = self._optional(
                    SpotifyEndpoint.ARTISTS, partial(self._client.artists, batch), budget
                )
                if answer is not None:
                    found = {item["id"]: item for item in answer["artists"] if item is not None}
                    for artist_id in batch:
                        progress.found(artist_id, found.get(artist_id))
                    continue
            for artist_id in batch:
                progress.found(artist_id, self._single_artist(artist_id, budget))

    def _single_artist(self, artist_id: str, budget: _SleepBudget) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = self._request(
                SpotifyEndpoint.ARTIST, partial(self._client.artist, artist_id), budget
            )
        except spotipy.SpotifyException as error:
            if error.http_status == _NOT_FOUND:
                return None
            raise _refused(SpotifyEndpoint.ARTIST, error) from error
        return answer

    def _fetch_top_tracks(self, progress: _Progress, budget: _SleepBudget) -> None:
        for artist_id in list(progress.artists):
            if self._is_closed(SpotifyEndpoint.TOP_TRACKS):
                return
            answer = self._optional(
                SpotifyEndpoint.TOP_TRACKS,
                partial(self._client.artist_top_tracks, artist_id, country=TOP_TRACKS_MARKET),
                budget,
            )
            if answer is not None:
                progress.top_tracks[artist_id] = answer

    def _fetch_audio_features(self, progress: _Progress, budget: _SleepBudget) -> None:
        # Tracks in the order of their artists, so that a 429 halfway leaves whole artists
        # complete rather than every artist half done.
        track_ids = list(
            dict.fromkeys(
                track_id
                for artist_id in progress.top_tracks
                for track_id in progress.feature_track_ids(artist_id)
            )
        )
        for batch in _chunks(track_ids, AUDIO_FEATURES_PER_REQUEST):
            if self._is_closed(SpotifyEndpoint.AUDIO_FEATURES):
                return
            answer = self._optional(
                SpotifyEndpoint.AUDIO_FEATURES,
                partial(self._client.audio_features, batch),
                budget,
            )
            if answer is None:
                return
            progress.features.update((item["id"], item) for item in answer if item is not None)
            progress.features_answered.update(batch)

    # Calling Spotify

    def _optional(
        self, endpoint: SpotifyEndpoint, operation: Callable[[], Any], budget: _SleepBudget
    ) -> Any:
        """The answer of an endpoint the app may have lost, or None once it turns out lost."""
        try:
            answer = self._request(endpoint, operation, budget)
        except spotipy.SpotifyException as error:
            if error.http_status not in _CLOSED_STATUSES:
                raise _refused(endpoint, error) from error
            self._learn(endpoint, answered=False)
            return None
        self._learn(endpoint, answered=True)
        return answer

    def _learn(self, endpoint: SpotifyEndpoint, *, answered: bool) -> None:
        known = self._access.get(endpoint)
        if not answered:
            logger.warning(
                "Spotify refused %s to this app; going on without it, asking again in %d s",
                endpoint,
                REPROBE_AFTER.total_seconds(),
            )
        elif known is not None and not known.answered:
            logger.warning("Spotify answers %s to this app again", endpoint)
        self._access[endpoint] = _Access(answered=answered, learned_at=self._clock())

    def _required(
        self, endpoint: SpotifyEndpoint, operation: Callable[[], Any], budget: _SleepBudget
    ) -> Any:
        try:
            return self._request(endpoint, operation, budget)
        except spotipy.SpotifyException as error:
            raise _refused(endpoint, error) from error

    def _request(
        self, endpoint: SpotifyEndpoint, operation: Callable[[], Any], budget: _SleepBudget
    ) -> Any:
        """One call, attempted again after a 5xx or a timeout while the budget allows.

        A 429 raises SpotifyRateLimitedError, lasting failures SpotifyUnavailableError; any
        other refusal comes out as the SpotifyException, for the caller to judge.
        """
        attempt = 1
        while True:
            try:
                return self._authorized(endpoint, operation)
            except _TransientError as failure:
                if attempt >= RETRY_ATTEMPTS or not budget.spend(
                    backoff_delay(attempt, jitter=1.0)
                ):
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise SpotifyUnavailableError(f"{failure}{tries}") from failure.__cause__
            self._sleep(backoff_delay(attempt, self._jitter()))
            attempt += 1

    def _authorized(self, endpoint: SpotifyEndpoint, operation: Callable[[], Any]) -> Any:
        """Run the call, fetching a fresh token once if Spotify rejects the cached one."""
        try:
            return self._attempt(endpoint, operation)
        except spotipy.SpotifyException as error:
            if error.http_status != _UNAUTHORIZED:
                raise
        self._attempt(
            SpotifyEndpoint.TOKEN,
            lambda: self._client.auth_manager.get_access_token(as_dict=False, check_cache=False),
        )
        return self._attempt(endpoint, operation)

    def _attempt(self, endpoint: SpotifyEndpoint, operation: Callable[[], Any]) -> Any:
        self._check_quota()
        self._measurements.spotify_called()
        try:
            with warnings.catch_warnings():
                # spotipy flags top tracks and audio features as deprecated because new apps
                # lose them; this adapter handles their loss itself.
                warnings.simplefilter("ignore", DeprecationWarning)
                return operation()
        except spotipy.SpotifyException as error:
            status = error.http_status
            if status == _TOO_MANY_REQUESTS:
                self._measurements.spotify_rate_limited()
            if status == _TOO_MANY_REQUESTS and error.reason == QUOTA_EXCEEDED_REASON:
                raise self._open_quota_breaker(endpoint, error.headers) from error
            if status == _TOO_MANY_REQUESTS:
                raise _rate_limited(endpoint, retry_after_seconds(error.headers)) from error
            if status >= _FIRST_SERVER_ERROR:
                raise _TransientError(f"Spotify failed {endpoint} (HTTP {status})") from error
            raise
        except SpotifyOauthError as error:
            # The token endpoint's own answer; the credentials stay out of every message.
            status, headers = _token_answer(error)
            if status == _TOO_MANY_REQUESTS:
                self._measurements.spotify_rate_limited()
                raise _rate_limited(endpoint, retry_after_seconds(headers)) from None
            if status is not None and status >= _FIRST_SERVER_ERROR:
                raise _TransientError(
                    f"Spotify failed {SpotifyEndpoint.TOKEN} (HTTP {status})"
                ) from None
            raise SpotifyUnavailableError(
                f"Spotify refused the client credentials ({error.error or 'no reason given'})"
            ) from None
        except requests.RequestException as error:
            raise _TransientError(
                f"Spotify did not answer {endpoint} ({type(error).__name__})"
            ) from error

    def _check_quota(self) -> None:
        """Raise SpotifyQuotaExceededError, calling nobody, while the quota is exhausted."""
        if self._quota_retry_at is None:
            return
        wait = math.ceil((self._quota_retry_at - self._clock()).total_seconds())
        if wait <= 0:
            self._quota_retry_at = None
            return
        raise SpotifyQuotaExceededError(self._quota_retry_at, wait)

    def _open_quota_breaker(
        self, endpoint: SpotifyEndpoint, headers: Mapping[str, str] | None
    ) -> SpotifyQuotaExceededError:
        wait = retry_after_seconds(headers)
        self._quota_retry_at = self._clock() + timedelta(seconds=wait)
        _log_rate_limit(endpoint, wait)
        logger.warning("Spotify quota exceeded; no call until %s", self._quota_retry_at.isoformat())
        return SpotifyQuotaExceededError(self._quota_retry_at, wait)


class _TransientError(Exception):
    """A 5xx, a timeout or a dropped connection: worth another attempt."""


@dataclass
class _SleepBudget:
    """The seconds of backoff one fetch may still spend. Each retry is charged its longest
    delay, whatever the jitter drew, so the number of retries is bounded as well."""

    seconds: float

    @classmethod
    def none(cls) -> _SleepBudget:
        return cls(0.0)

    def spend(self, delay: float) -> bool:
        if self.seconds <= 0 or delay > self.seconds:
            return False
        self.seconds -= delay
        return True


@dataclass
class _Progress:
    """What one fetch holds so far, so that a 429 hands back exactly the unfinished IDs."""

    asked: list[str]
    not_found: set[str] = field(default_factory=set)
    artists: dict[str, dict[str, Any]] = field(default_factory=dict)
    top_tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    features: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Tracks whose audio-features batch was answered, with features or with null.
    features_answered: set[str] = field(default_factory=set)

    def found(self, artist_id: str, item: dict[str, Any] | None) -> None:
        if item is None:
            self.not_found.add(artist_id)
        else:
            self.artists[artist_id] = item

    def feature_track_ids(self, artist_id: str) -> list[str]:
        tracks = self.top_tracks[artist_id].get("tracks") or ()
        track_ids = [track["id"] for track in tracks if track and track.get("id")]
        return track_ids[:AUDIO_FEATURE_TRACKS_PER_ARTIST]

    def is_complete(self, artist_id: str, closed: Set[SpotifyEndpoint]) -> bool:
        if artist_id not in self.artists:
            return False
        if artist_id not in self.top_tracks:
            return SpotifyEndpoint.TOP_TRACKS in closed
        return SpotifyEndpoint.AUDIO_FEATURES in closed or all(
            track_id in self.features_answered for track_id in self.feature_track_ids(artist_id)
        )

    def outcome(self, closed: Set[SpotifyEndpoint], retry_after: int | None) -> FetchOutcome:
        complete = [one for one in self.asked if self.is_complete(one, closed)]
        settled = {*complete, *self.not_found}
        return FetchOutcome(
            fetched=tuple(
                _fetched(self.artists[one], self.top_tracks.get(one), self.features)
                for one in complete
            ),
            not_found=tuple(one for one in self.asked if one in self.not_found),
            deferred=tuple(one for one in self.asked if one not in settled),
            retry_after_seconds=retry_after,
        )


def _refused(endpoint: SpotifyEndpoint, error: spotipy.SpotifyException) -> SpotifyUnavailableError:
    refusal = f"Spotify refused {endpoint} (HTTP {error.http_status})"
    if error.http_status == _FORBIDDEN and endpoint in _ALWAYS_OPEN_ENDPOINTS:
        return SpotifyPremiumLapsedError(
            f"{refusal}: the whole app is refused, as when the owner's Premium lapses"
        )
    return SpotifyUnavailableError(refusal)


def _token_answer(error: SpotifyOauthError) -> tuple[int | None, Mapping[str, str] | None]:
    """The status and headers of the token endpoint's answer behind a SpotifyOauthError."""
    answer = getattr(error.__context__, "response", None)
    if not isinstance(answer, requests.Response):
        return None, None
    return answer.status_code, answer.headers


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _artist(item: Mapping[str, Any]) -> Artist:
    followers = item.get("followers")
    images = [image for image in item.get("images") or () if image.get("url")]
    largest = max(images, key=lambda image: image.get("width") or 0, default=None)
    return Artist(
        id=item["id"],
        name=item["name"],
        genres=tuple(item.get("genres") or ()),
        popularity=item.get("popularity"),
        followers=followers.get("total") if followers else None,
        image_url=largest["url"] if largest else None,
        spotify_url=_spotify_url(item, "artist"),
    )


def _spotify_url(item: Mapping[str, Any], kind: str) -> str:
    url = (item.get("external_urls") or {}).get("spotify")
    return str(url) if url else f"https://open.spotify.com/{kind}/{item['id']}"


def _credited_artist_ids(track: Mapping[str, Any]) -> tuple[str, ...]:
    """The IDs of the track's artists in Spotify's order, each once; local files and
    unavailable tracks can list artists without an ID."""
    return tuple(
        dict.fromkeys(
            str(artist["id"])
            for artist in track.get("artists") or ()
            if artist and artist.get("id")
        )
    )


def _first_artist_id(track: Mapping[str, Any]) -> str | None:
    return next(iter(_credited_artist_ids(track)), None)


def _track(item: Mapping[str, Any], artist_id: str) -> Track:
    return Track(
        id=item["id"],
        artist_id=artist_id,
        name=item["name"],
        popularity=item.get("popularity"),
        spotify_url=_spotify_url(item, "track"),
        credits=_credited_artist_ids(item),
    )


def _fetched(
    item: Mapping[str, Any],
    top_tracks: Mapping[str, Any] | None,
    features_by_track: Mapping[str, Mapping[str, Any]],
) -> FetchedArtist:
    """The artist as the domain sees it; `top_tracks` is None when the app may not ask."""
    answered_tracks = (top_tracks or {}).get("tracks") or ()
    track_items = [track for track in answered_tracks if track and track.get("id")]
    tracks = tuple(_track(track, item["id"]) for track in track_items)
    features_items = [
        features_by_track[track.id] for track in tracks if track.id in features_by_track
    ]
    features = tuple(
        AudioFeatures(track_id=one["id"], **{name: one[name] for name in _FEATURE_FIELDS})
        for one in features_items
    )
    return FetchedArtist(
        artist=_artist(item),
        top_tracks=tracks,
        audio_features=features,
        raw={"artist": item, "top_tracks": top_tracks, "audio_features": features_items},
    )


def _rate_limited(endpoint: SpotifyEndpoint, retry_after: int) -> SpotifyRateLimitedError:
    _log_rate_limit(endpoint, retry_after)
    return SpotifyRateLimitedError(retry_after)


def _log_rate_limit(endpoint: SpotifyEndpoint, retry_after: int) -> None:
    # Counted as a metric by the adapter (adapters/emf_metrics.py); the line says where.
    logger.warning(
        "Spotify rate limit on %s, retry after %d s",
        endpoint,
        retry_after,
        extra={"retry_after_seconds": retry_after},
    )


class _RedactCredentials(logging.Filter):
    """spotipy logs request headers at DEBUG, bearer tokens and Basic credentials included."""

    _CREDENTIAL = re.compile(r"\b(Bearer|Basic)\s+[^\s'\",}]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._CREDENTIAL.sub(r"\1 <redacted>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _redact_spotipy_logs() -> None:
    for name in ("spotipy.client", "spotipy.oauth2"):
        spotipy_logger = logging.getLogger(name)
        if not any(isinstance(one, _RedactCredentials) for one in spotipy_logger.filters):
            spotipy_logger.addFilter(_RedactCredentials())
