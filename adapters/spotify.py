"""Spotify through spotipy: the product's implementation of domain.ports.SpotifyCatalog.

Spotify's failures become domain errors here, so that handlers decide by type: a 429
becomes SpotifyRateLimitedError carrying Retry-After (the caller requeues the work rather
than sleeping), and 5xx, timeouts and refused connections become SpotifyUnavailableError.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

import requests
import spotipy
from pydantic import SecretStr
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOauthError

from domain.errors import SpotifyRateLimitedError, SpotifyUnavailableError
from domain.models import Artist, AudioFeatures, FetchedArtist, FetchOutcome, Track
from domain.names import normalize_name
from domain.songs import normalize_title

ARTISTS_PER_REQUEST = 50
AUDIO_FEATURES_PER_REQUEST = 100
SEARCH_CANDIDATES = 5
TOP_TRACKS_MARKET = "US"
DEFAULT_RETRY_AFTER_SECONDS = 30

_SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
# Apps created after 2024-11-27 are refused audio features; artists are still worth having.
_AUDIO_FEATURES_CLOSED = frozenset({403, 404})
_UNAUTHORIZED = 401
_TOO_MANY_REQUESTS = 429
_FIRST_SERVER_ERROR = 500
_FEATURE_FIELDS = tuple(name for name in AudioFeatures.model_fields if name != "track_id")


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


class SpotipyCatalog:
    """domain.ports.SpotifyCatalog over a spotipy client (see make_spotify_client)."""

    def __init__(self, client: spotipy.Spotify) -> None:
        self._client = client

    def search_artist(self, query: str) -> Artist | None:
        if not query.strip():
            return None
        answer = self._call(
            "search",
            lambda: self._client.search(q=query, type="artist", limit=SEARCH_CANDIDATES),
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
        answer = self._call(
            "search",
            lambda: self._client.search(q=query, type="track", limit=SEARCH_CANDIDATES),
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

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        asked = list(dict.fromkeys(artist_ids))
        artists_by_id: dict[str, dict[str, Any]] = {}
        for batch in _chunks(
            [one for one in asked if _SPOTIFY_ID.fullmatch(one)], ARTISTS_PER_REQUEST
        ):
            answer = self._call("artists", partial(self._client.artists, batch))
            artists_by_id.update(
                (item["id"], item) for item in answer["artists"] if item is not None
            )
        found = [artists_by_id[one] for one in asked if one in artists_by_id]
        not_found = [one for one in asked if one not in artists_by_id]

        top_tracks_by_id = {item["id"]: self._top_tracks(item["id"]) for item in found}
        track_ids = list(
            dict.fromkeys(
                track["id"]
                for answer in top_tracks_by_id.values()
                for track in answer["tracks"]
                if track and track.get("id")
            )
        )
        features_by_track = self._audio_features(track_ids)

        fetched = tuple(
            _fetched(item, top_tracks_by_id[item["id"]], features_by_track) for item in found
        )
        return FetchOutcome(fetched=fetched, not_found=tuple(not_found))

    def _top_tracks(self, artist_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call(
            "top tracks",
            lambda: self._client.artist_top_tracks(artist_id, country=TOP_TRACKS_MARKET),
        )
        return answer

    def _audio_features(self, track_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        features: dict[str, dict[str, Any]] = {}
        for batch in _chunks(track_ids, AUDIO_FEATURES_PER_REQUEST):
            answer = self._call(
                "audio features",
                partial(self._client.audio_features, batch),
                tolerated=_AUDIO_FEATURES_CLOSED,
            )
            if answer is None:
                # Closed for this app: every further batch would be refused the same way.
                return features
            features.update((item["id"], item) for item in answer if item is not None)
        return features

    def _call(
        self,
        what: str,
        operation: Callable[[], Any],
        tolerated: frozenset[int] = frozenset(),
    ) -> Any:
        """Run one spotipy call, fetching a fresh token once if Spotify rejects the cached
        one; a tolerated status gives None, every other failure a domain error."""
        try:
            return self._attempt(what, operation)
        except spotipy.SpotifyException as error:
            if error.http_status != _UNAUTHORIZED:
                _raise_unless_tolerated(what, error, tolerated)
                return None
        self._renew_token(what)
        try:
            return self._attempt(what, operation)
        except spotipy.SpotifyException as error:
            _raise_unless_tolerated(what, error, tolerated)
            return None

    @staticmethod
    def _attempt(what: str, operation: Callable[[], Any]) -> Any:
        try:
            with warnings.catch_warnings():
                # spotipy flags top tracks and audio features as deprecated because new apps
                # lose them; this adapter handles their loss itself.
                warnings.simplefilter("ignore", DeprecationWarning)
                return operation()
        except SpotifyOauthError as error:
            raise SpotifyUnavailableError(
                f"Spotify refused the client credentials ({error.error or 'no reason given'})"
            ) from None
        except requests.RequestException as error:
            raise SpotifyUnavailableError(
                f"Spotify did not answer the {what} request ({type(error).__name__})"
            ) from error

    def _renew_token(self, what: str) -> None:
        self._attempt(
            what,
            lambda: self._client.auth_manager.get_access_token(as_dict=False, check_cache=False),
        )


def _raise_unless_tolerated(
    what: str, error: spotipy.SpotifyException, tolerated: frozenset[int]
) -> None:
    status = error.http_status
    if status in tolerated:
        return
    if status == _TOO_MANY_REQUESTS:
        raise SpotifyRateLimitedError(_retry_after_seconds(error.headers)) from error
    if status >= _FIRST_SERVER_ERROR:
        raise SpotifyUnavailableError(
            f"Spotify failed the {what} request (HTTP {status})"
        ) from error
    raise SpotifyUnavailableError(f"Spotify refused the {what} request (HTTP {status})") from error


def _retry_after_seconds(headers: Mapping[str, str] | None) -> int:
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


def _first_artist_id(track: Mapping[str, Any]) -> str | None:
    return next(
        (str(artist["id"]) for artist in track.get("artists") or () if artist and artist.get("id")),
        None,
    )


def _track(item: Mapping[str, Any], artist_id: str) -> Track:
    return Track(
        id=item["id"],
        artist_id=artist_id,
        name=item["name"],
        popularity=item.get("popularity"),
        spotify_url=_spotify_url(item, "track"),
    )


def _fetched(
    item: Mapping[str, Any],
    top_tracks: Mapping[str, Any],
    features_by_track: Mapping[str, Mapping[str, Any]],
) -> FetchedArtist:
    track_items = [track for track in top_tracks.get("tracks") or () if track and track.get("id")]
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
