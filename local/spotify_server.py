"""A local HTTP server that answers like the Spotify Web API, over the local catalog.

It speaks the client-credentials token flow and the read endpoints the product uses, with
Spotify's JSON shapes and error bodies, so that spotipy talks to it unchanged. It counts
every call per endpoint, and is at least as strict as Spotify where the product could
otherwise pass locally and fail in production:

- Development Mode refuses search `limit` above 10 (400) and closes endpoints (403).
- `rate_limit` caps the API calls of a rolling 30-second window, as Spotify does: the call
  past the cap is a 429 with Retry-After saying when the oldest call leaves the window.
- `exhaust_quota` answers every API call 429 with reason QUOTA_EXCEEDED and a Retry-After
  counting down to the quota's end, usually hours.
- `premium_lapsed` answers every API call 403, as Spotify does once the Premium
  subscription a Development Mode app's owner must hold has lapsed.
- `server_errors` is a 5xx storm: every API call answers 500, 502 or 503 for the next N
  calls or the next T seconds, whichever ends first.
- `delay_seconds` slows every API answer; `inject_fault` scripts single answers (429, 5xx,
  latency) per endpoint.

With `serves_pictures`, it stands in for Spotify's image CDN too, which is out of reach
offline: an artist's image URL points at a picture it draws (`local.artist_pictures`) at
PICTURES_PATH, while the catalog keeps the real URL.

Tests set these on the object; `sixpotify local up` sets them from its flags, and anything
else can at `control_url` (GET reads them, POST a JSON object of those to change).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import math
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from local.artist_pictures import SVG_CONTENT_TYPE, artist_picture_svg
from local.background_server import BackgroundHttpServer
from local.catalog import Catalog, CatalogArtist, CatalogAudioFeatures, CatalogTrack

logger = logging.getLogger(__name__)

_BASE62_ID = re.compile(r"[0-9A-Za-z]{22}")
_MARKET = re.compile(r"[A-Z]{2}|from_token")
_SEARCH_TYPES = frozenset({"album", "artist", "playlist", "track", "show", "episode", "audiobook"})
_MAX_ARTIST_IDS = 50
_MAX_AUDIO_FEATURE_IDS = 100
_MAX_SEARCH_LIMIT = 50
_DEFAULT_SEARCH_LIMIT = 20
# Since 2026-02 Development Mode apps may ask search for at most 10 results, 5 by default.
_DEVELOPMENT_MAX_SEARCH_LIMIT = 10
_DEVELOPMENT_DEFAULT_SEARCH_LIMIT = 5
RATE_LIMIT_WINDOW_SECONDS = 30
QUOTA_EXCEEDED_REASON = "QUOTA_EXCEEDED"
# The exact body Spotify sends a lapsed owner is not documented; the status is what counts.
PREMIUM_LAPSED_MESSAGE = "Active premium subscription required for the owner of the app."
CONTROL_PATH = "/stand-in/control"
PICTURES_PATH = "/stand-in/pictures/"
_PICTURE = re.compile(re.escape(PICTURES_PATH) + r"(?P<id>[0-9A-Za-z]{22})\.svg")
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_MAX_SEARCH_OFFSET = 1000
_IMAGE_SIZE = 640


class Endpoint(StrEnum):
    """The routes the stand-in serves, as keys of `SpotifyServer.calls`."""

    TOKEN = "POST /api/token"  # noqa: S105  # a route, not a credential
    SEARCH = "GET /v1/search"
    ARTIST = "GET /v1/artists/{id}"
    ARTISTS = "GET /v1/artists"
    TOP_TRACKS = "GET /v1/artists/{id}/top-tracks"
    AUDIO_FEATURES = "GET /v1/audio-features"
    AUDIO_FEATURE = "GET /v1/audio-features/{id}"


class AccessMode(Enum):
    """What Spotify lets the app call.

    EXTENDED_QUOTA apps may call everything. NEW_APP_2024 plays a Development Mode app
    created after 2024-11-27 and not yet moved to the 2026-02 rules: audio features answer
    403, everything else as for extended quota. DEVELOPMENT apps (the rules since 2026-02,
    on top of the 2024-11 audio-features cut for new apps) get 403 from batch artists,
    top tracks and audio features, artist objects without popularity or followers, and
    track objects without popularity.
    """

    EXTENDED_QUOTA = "extended-quota"
    NEW_APP_2024 = "new-app-2024"
    DEVELOPMENT = "development"


_CLOSED_ENDPOINTS: Mapping[AccessMode, frozenset[Endpoint]] = {
    AccessMode.EXTENDED_QUOTA: frozenset(),
    AccessMode.NEW_APP_2024: frozenset({Endpoint.AUDIO_FEATURES, Endpoint.AUDIO_FEATURE}),
    AccessMode.DEVELOPMENT: frozenset(
        {Endpoint.ARTISTS, Endpoint.TOP_TRACKS, Endpoint.AUDIO_FEATURES, Endpoint.AUDIO_FEATURE}
    ),
}


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour: wait `delay_seconds`, then answer `status` (with
    Retry-After when given) instead of the real answer; a None status answers normally
    after the delay."""

    status: int | None = None
    retry_after_seconds: int | None = None
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class _Response:
    status: int
    # JSON, or bytes sent as they are with content_type.
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = _JSON_CONTENT_TYPE


def _api_error(status: int, message: str) -> _Response:
    return _Response(status, {"error": {"status": status, "message": message}})


def _rate_limited(retry_after_seconds: int, reason: str | None = None) -> _Response:
    error: dict[str, Any] = {"status": 429, "message": "API rate limit exceeded"}
    if reason is not None:
        error["reason"] = reason
    return _Response(429, {"error": error}, {"Retry-After": str(retry_after_seconds)})


ServerErrorStatus = Literal[500, 502, 503]


class ServerErrors(BaseModel):
    """A 5xx storm: every API call answers `status` until `calls` more calls were refused
    or `seconds` have passed, whichever ends first; at least one of the two is given. Read
    back, they say what is left of the storm."""

    model_config = ConfigDict(extra="forbid")

    status: ServerErrorStatus = 503
    calls: int | None = Field(default=None, ge=1)
    seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ends(self) -> ServerErrors:
        # A storm without an end would outlast the scenario that started it.
        if self.calls is None and self.seconds is None:
            raise ValueError("a storm ends after some calls or some seconds")
        return self


class Conditions(BaseModel):
    """What the stand-in enforces beyond Spotify's shapes, as `control_url` reads and
    changes it: a POST names only what it changes."""

    model_config = ConfigDict(extra="forbid")

    mode: AccessMode | None = None
    rate_limit: int | None = Field(default=None, ge=1)
    quota_exceeded_for_seconds: int | None = Field(default=None, ge=0)
    premium_lapsed: bool | None = None
    delay_seconds: float | None = Field(default=None, ge=0)
    server_errors: ServerErrors | None = None


@dataclass
class _Storm:
    """A 5xx storm going on: its status, the calls it still refuses, when it ends."""

    status: ServerErrorStatus
    calls_left: int | None
    ends_at: float | None

    def ended(self, now: float) -> bool:
        return (self.calls_left is not None and self.calls_left <= 0) or (
            self.ends_at is not None and now >= self.ends_at
        )

    def left(self, now: float) -> ServerErrors:
        seconds = None if self.ends_at is None else max(0.001, round(self.ends_at - now, 3))
        return ServerErrors(status=self.status, calls=self.calls_left, seconds=seconds)


def _oauth_error(error: str, description: str) -> _Response:
    return _Response(400, {"error": error, "error_description": description})


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        return _first(self.query, name)


class SpotifyServer(BackgroundHttpServer):
    """The Spotify Web API stand-in; `start()` it (or use it as a context manager), point
    spotipy at `api_url` and `token_url`, and read `calls` afterwards."""

    _description = "the Spotify stand-in"
    _thread_name = "spotify-stand-in"

    def __init__(
        self,
        catalog: Catalog,
        client_id: str,
        client_secret: str | SecretStr,
        *,
        port: int = 0,
        mode: AccessMode = AccessMode.EXTENDED_QUOTA,
        token_lifetime_seconds: int = 3600,
        clock: Callable[[], float] = time.monotonic,
        serves_pictures: bool = False,
    ) -> None:
        super().__init__(port=port)
        self.catalog = catalog
        self.mode = mode
        self._serves_pictures = serves_pictures
        self._client_id = client_id
        self._client_secret = SecretStr(
            client_secret.get_secret_value()
            if isinstance(client_secret, SecretStr)
            else client_secret
        )
        self._token_lifetime_seconds = token_lifetime_seconds
        self._lock = threading.Lock()
        self._calls: Counter[Endpoint] = Counter()
        self._token_expiry: dict[str, float] = {}
        self._faults: dict[Endpoint, list[Fault]] = {}
        # Seconds on `clock`, which only the rate limit and the quota read.
        self._clock = clock
        self.rate_limit: int | None = None
        self.premium_lapsed = False
        self.delay_seconds = 0.0
        self._window: deque[float] = deque()
        self._quota_ends_at: float | None = None
        self._storm: _Storm | None = None

    def __repr__(self) -> str:
        state = f"running at {self.api_url}" if self.running else "stopped"
        return f"SpotifyServer({state}, mode={self.mode.value})"

    # Life cycle

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _HttpServer(address, _Handler, self)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1/"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/token"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}{CONTROL_PATH}"

    # What tests and benchmarks observe and steer

    @property
    def calls(self) -> Counter[Endpoint]:
        """A snapshot of how many requests each endpoint received since the last reset."""
        with self._lock:
            return Counter(self._calls)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def inject_fault(self, endpoint: Endpoint, fault: Fault, times: int = 1) -> None:
        """Make the next `times` requests to `endpoint` misbehave as `fault` says."""
        with self._lock:
            self._faults.setdefault(endpoint, []).extend([fault] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def exhaust_quota(self, retry_after_seconds: int) -> None:
        """Answer every API call 429 QUOTA_EXCEEDED for the next `retry_after_seconds`."""
        with self._lock:
            self._quota_ends_at = self._clock() + retry_after_seconds

    def restore_quota(self) -> None:
        with self._lock:
            self._quota_ends_at = None

    def start_server_errors(self, storm: ServerErrors) -> None:
        """Answer every API call `storm.status` until the storm ends, replacing any storm
        still going on."""
        ends_at = None if storm.seconds is None else self._clock() + storm.seconds
        with self._lock:
            self._storm = _Storm(storm.status, storm.calls, ends_at)

    def stop_server_errors(self) -> None:
        with self._lock:
            self._storm = None

    def restore_full_service(self) -> None:
        """Extended quota, no faults, limits or delay, and no calls counted."""
        self.clear_faults()
        self.restore_quota()
        self.stop_server_errors()
        self.mode = AccessMode.EXTENDED_QUOTA
        self.rate_limit = None
        self.premium_lapsed = False
        self.delay_seconds = 0.0
        with self._lock:
            self._window.clear()
        self.reset_calls()

    def conditions(self) -> Conditions:
        with self._lock:
            quota_ends_at = self._quota_ends_at
            storm = self._current_storm()
        quota_left = (
            max(0, math.ceil(quota_ends_at - self._clock())) if quota_ends_at is not None else 0
        )
        return Conditions(
            mode=self.mode,
            rate_limit=self.rate_limit,
            quota_exceeded_for_seconds=quota_left,
            premium_lapsed=self.premium_lapsed,
            delay_seconds=self.delay_seconds,
            server_errors=None if storm is None else storm.left(self._clock()),
        )

    def change_conditions(self, changes: Conditions) -> None:
        """Apply what `changes` names; a quota of 0 seconds restores the quota, and a
        `rate_limit` or `server_errors` field set to null lifts the limit or ends the storm."""
        if changes.mode is not None:
            self.mode = changes.mode
        if "rate_limit" in changes.model_fields_set:
            self.rate_limit = changes.rate_limit
        if changes.quota_exceeded_for_seconds is not None:
            self.exhaust_quota(changes.quota_exceeded_for_seconds)
        if changes.premium_lapsed is not None:
            self.premium_lapsed = changes.premium_lapsed
        if changes.delay_seconds is not None:
            self.delay_seconds = changes.delay_seconds
        if "server_errors" in changes.model_fields_set:
            if changes.server_errors is None:
                self.stop_server_errors()
            else:
                self.start_server_errors(changes.server_errors)

    def revoke_tokens(self) -> None:
        """Forget every issued token, as if they had all expired."""
        with self._lock:
            self._token_expiry.clear()

    # Request handling

    def _handle(self, request: _Request) -> _Response:
        if request.path == CONTROL_PATH:
            return self._control(request)
        if self._serves_pictures and request.path.startswith(PICTURES_PATH):
            return self._picture(request.path)
        return self._handle_api_call(request)

    def _handle_api_call(self, request: _Request) -> _Response:
        route = _route(request.method, request.path)
        if route is None:
            return _api_error(404, "Service not found")
        endpoint, path_id = route
        with self._lock:
            self._calls[endpoint] += 1
            queued = self._faults.get(endpoint)
            fault = queued.pop(0) if queued else None
        if fault is not None:
            time.sleep(fault.delay_seconds)
            if fault.status is not None:
                return self._fault_response(fault)
        if endpoint is Endpoint.TOKEN:
            return self._issue_token(request)
        refusal = self._check_bearer(request.headers.get("authorization"))
        if refusal is not None:
            return refusal
        time.sleep(self.delay_seconds)
        return self._check_access(endpoint) or self._answer(endpoint, path_id, request)

    def _check_access(self, endpoint: Endpoint) -> _Response | None:
        storm_status = self._take_server_error()
        if storm_status is not None:
            return _api_error(storm_status, HTTPStatus(storm_status).phrase)
        if self.premium_lapsed:
            return _api_error(403, PREMIUM_LAPSED_MESSAGE)
        limited = self._check_limits()
        if limited is not None:
            return limited
        if endpoint in _CLOSED_ENDPOINTS[self.mode]:
            return _api_error(403, "Forbidden")
        return None

    def _take_server_error(self) -> int | None:
        """The status of the storm going on, one of its calls used; None when there is none.
        The calls it refuses take no place in the rate limit's window."""
        with self._lock:
            storm = self._current_storm()
            if storm is None:
                return None
            if storm.calls_left is not None:
                storm.calls_left -= 1
            return storm.status

    def _current_storm(self) -> _Storm | None:
        """The storm still going on, forgetting one that ended; called with the lock held."""
        storm = self._storm
        if storm is not None and storm.ended(self._clock()):
            self._storm = storm = None
        return storm

    def _check_limits(self) -> _Response | None:
        """The 429 of an exhausted quota or a full window; otherwise the call takes its place
        in the window. Refused calls take none, so a client that waits as told gets in."""
        with self._lock:
            now = self._clock()
            if self._quota_ends_at is not None:
                if now < self._quota_ends_at:
                    wait = math.ceil(self._quota_ends_at - now)
                    return _rate_limited(wait, QUOTA_EXCEEDED_REASON)
                self._quota_ends_at = None
            while self._window and self._window[0] <= now - RATE_LIMIT_WINDOW_SECONDS:
                self._window.popleft()
            if self.rate_limit is not None and len(self._window) >= self.rate_limit:
                leaves_at = self._window[len(self._window) - self.rate_limit]
                wait = max(1, math.ceil(leaves_at + RATE_LIMIT_WINDOW_SECONDS - now))
                return _rate_limited(wait)
            self._window.append(now)
        return None

    def _control(self, request: _Request) -> _Response:
        if request.method == "POST":
            try:
                changes = Conditions.model_validate_json(request.body or b"{}")
            except ValidationError as invalid:
                return _api_error(400, f"Invalid conditions: {invalid.error_count()} error(s)")
            self.change_conditions(changes)
        return _Response(200, self.conditions().model_dump(mode="json"))

    def _answer(self, endpoint: Endpoint, path_id: str | None, request: _Request) -> _Response:
        match endpoint:
            case Endpoint.SEARCH:
                return self._search(request)
            case Endpoint.ARTIST:
                return self._artist(path_id or "")
            case Endpoint.ARTISTS:
                return self._artists(request)
            case Endpoint.TOP_TRACKS:
                return self._top_tracks(path_id or "", request)
            case Endpoint.AUDIO_FEATURES:
                return self._audio_features_batch(request)
            case Endpoint.AUDIO_FEATURE:
                return self._audio_feature(path_id or "")
        raise AssertionError(f"no handler for {endpoint}")

    def _picture(self, path: str) -> _Response:
        """An artist's picture, as the CDN serves it: no token, outside the API's limits."""
        matched = _PICTURE.fullmatch(path)
        artist = self.catalog.artists.get(matched["id"]) if matched else None
        if artist is None:
            return _api_error(404, "Not found")
        return _Response(
            200,
            artist_picture_svg(artist.id, artist.name),
            {"Cache-Control": "max-age=86400"},
            SVG_CONTENT_TYPE,
        )

    @staticmethod
    def _fault_response(fault: Fault) -> _Response:
        status = fault.status or 500
        headers = {}
        if fault.retry_after_seconds is not None:
            headers["Retry-After"] = str(fault.retry_after_seconds)
        message = "API rate limit exceeded" if status == 429 else HTTPStatus(status).phrase
        return _Response(status, {"error": {"status": status, "message": message}}, headers)

    def _issue_token(self, request: _Request) -> _Response:
        form = parse_qs(request.body.decode("utf-8", errors="replace"))
        grant_type = _first(form, "grant_type")
        if grant_type is None:
            return _oauth_error("unsupported_grant_type", "grant_type parameter is missing")
        if grant_type != "client_credentials":
            return _oauth_error(
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token",
            )
        client_id, client_secret = _client_credentials(request.headers.get("authorization"), form)
        if not (
            hmac.compare_digest(client_id.encode(), self._client_id.encode())
            and hmac.compare_digest(
                client_secret.encode(), self._client_secret.get_secret_value().encode()
            )
        ):
            return _oauth_error("invalid_client", "Invalid client")
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._token_expiry[token] = time.monotonic() + self._token_lifetime_seconds
        return _Response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self._token_lifetime_seconds,
            },
        )

    def _check_bearer(self, authorization: str | None) -> _Response | None:
        if not authorization:
            return _api_error(401, "No token provided")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _api_error(400, "Only valid bearer authentication supported")
        with self._lock:
            expiry = self._token_expiry.get(token.strip())
        if expiry is None:
            return _api_error(401, "Invalid access token")
        if expiry <= time.monotonic():
            return _api_error(401, "The access token expired")
        return None

    def _search(self, request: _Request) -> _Response:
        query = request.param("q")
        if not query or not query.strip():
            return _api_error(400, "No search query")
        type_param = request.param("type")
        if not type_param:
            return _api_error(400, "Missing parameter type")
        types = [part.strip() for part in type_param.split(",")]
        unknown = [kind for kind in types if kind not in _SEARCH_TYPES]
        if unknown:
            return _api_error(400, f"Bad search type field {unknown[0]}")
        development = self.mode is AccessMode.DEVELOPMENT
        limit = _integer(
            request.param("limit"),
            _DEVELOPMENT_DEFAULT_SEARCH_LIMIT if development else _DEFAULT_SEARCH_LIMIT,
            1,
            _DEVELOPMENT_MAX_SEARCH_LIMIT if development else _MAX_SEARCH_LIMIT,
        )
        if limit is None:
            return _api_error(400, "Invalid limit")
        offset = _integer(request.param("offset"), 0, 0, _MAX_SEARCH_OFFSET)
        if offset is None:
            return _api_error(400, "Invalid offset")
        body: dict[str, Any] = {}
        for kind in types:
            items: list[Any]
            if kind == "artist":
                page = self.catalog.search(query, limit=limit, offset=offset)
                items = [self._artist_json(artist) for artist in page.items]
                total = page.total
            elif kind == "track":
                track_page = self.catalog.search_tracks(query, limit=limit, offset=offset)
                items = [
                    self._track_json(track, self.catalog.artists[track.artist_id])
                    for track in track_page.items
                ]
                total = track_page.total
            else:
                # The catalog holds artists and tracks only; other kinds are answered, but empty.
                items, total = [], 0
            body[f"{kind}s"] = self._paging(
                query, kind, items=items, total=total, limit=limit, offset=offset
            )
        return _Response(200, body)

    def _paging(
        self, query: str, kind: str, *, items: list[Any], total: int, limit: int, offset: int
    ) -> dict[str, Any]:
        def page_url(page_offset: int) -> str:
            return (
                f"{self.api_url}search?offset={page_offset}&limit={limit}"
                f"&query={quote(query)}&type={kind}"
            )

        has_next = offset + limit < total
        return {
            "href": page_url(offset),
            "items": items,
            "limit": limit,
            "next": page_url(offset + limit) if has_next else None,
            "offset": offset,
            "previous": page_url(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }

    def _artist(self, artist_id: str) -> _Response:
        if not _BASE62_ID.fullmatch(artist_id):
            return _api_error(400, "invalid id")
        artist = self.catalog.artist(artist_id)
        if artist is None:
            return _api_error(404, "Resource not found")
        return _Response(200, self._artist_json(artist))

    def _artists(self, request: _Request) -> _Response:
        ids = _id_list(request.param("ids"))
        refusal = _check_ids(ids, _MAX_ARTIST_IDS)
        if refusal is not None:
            return refusal
        artists = [self.catalog.artist(artist_id) for artist_id in ids]
        return _Response(200, {"artists": [self._artist_json(a) if a else None for a in artists]})

    def _top_tracks(self, artist_id: str, request: _Request) -> _Response:
        if not _BASE62_ID.fullmatch(artist_id):
            return _api_error(400, "invalid id")
        # spotipy still sends the market under its former name, `country`.
        market = request.param("market") or request.param("country")
        if market is not None and not _MARKET.fullmatch(market):
            return _api_error(400, "Invalid market code")
        artist = self.catalog.artist(artist_id)
        if artist is None:
            return _api_error(404, "Resource not found")
        tracks = self.catalog.top_tracks(artist_id)
        return _Response(200, {"tracks": [self._track_json(track, artist) for track in tracks]})

    def _audio_features_batch(self, request: _Request) -> _Response:
        ids = _id_list(request.param("ids"))
        refusal = _check_ids(ids, _MAX_AUDIO_FEATURE_IDS)
        if refusal is not None:
            return refusal
        features = [self.catalog.audio_features(track_id) for track_id in ids]
        return _Response(
            200,
            {"audio_features": [self._features_json(f) if f else None for f in features]},
        )

    def _audio_feature(self, track_id: str) -> _Response:
        if not _BASE62_ID.fullmatch(track_id):
            return _api_error(400, "invalid id")
        features = self.catalog.audio_features(track_id)
        if features is None:
            return _api_error(404, "analysis not found")
        return _Response(200, self._features_json(features))

    # Spotify's JSON shapes

    def _images(self, artist: CatalogArtist) -> list[dict[str, Any]]:
        """Spotify's images of the artist, none when Spotify has none."""
        if artist.image_url is None:
            return []
        url = (
            f"{self.base_url}{PICTURES_PATH}{artist.id}.svg"
            if self._serves_pictures
            else artist.image_url
        )
        return [{"url": url, "height": _IMAGE_SIZE, "width": _IMAGE_SIZE}]

    def _artist_json(self, artist: CatalogArtist) -> dict[str, Any]:
        body: dict[str, Any] = {
            "external_urls": {"spotify": artist.spotify_url},
            "followers": {"href": None, "total": artist.followers},
            "genres": list(artist.genres),
            "href": f"{self.api_url}artists/{artist.id}",
            "id": artist.id,
            "images": self._images(artist),
            "name": artist.name,
            "popularity": artist.popularity,
            "type": "artist",
            "uri": f"spotify:artist:{artist.id}",
        }
        if self.mode is AccessMode.DEVELOPMENT:
            del body["followers"], body["popularity"]
        if artist.generated:
            body["generated"] = True
        return body

    def _simplified_artist_json(self, artist: CatalogArtist) -> dict[str, Any]:
        return {
            "external_urls": {"spotify": artist.spotify_url},
            "href": f"{self.api_url}artists/{artist.id}",
            "id": artist.id,
            "name": artist.name,
            "type": "artist",
            "uri": f"spotify:artist:{artist.id}",
        }

    def _track_json(self, track: CatalogTrack, artist: CatalogArtist) -> dict[str, Any]:
        album = track.album
        artists = [self._simplified_artist_json(artist)]
        # As on Spotify, a featured artist is credited on the track, not on the album.
        credited = artists + [
            self._simplified_artist_json(self.catalog.artists[featured_id])
            for featured_id in track.featured_artist_ids
        ]
        body: dict[str, Any] = {
            "album": {
                "album_type": album.album_type,
                "artists": artists,
                "external_urls": {"spotify": f"https://open.spotify.com/album/{album.id}"},
                "href": f"{self.api_url}albums/{album.id}",
                "id": album.id,
                "images": self._images(artist),
                "is_playable": True,
                "name": album.name,
                "release_date": album.release_date,
                "release_date_precision": "day",
                "total_tracks": album.total_tracks,
                "type": "album",
                "uri": f"spotify:album:{album.id}",
            },
            "artists": credited,
            "disc_number": 1,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "external_ids": {"isrc": f"QZ{track.id[:10].upper()}"},
            "external_urls": {"spotify": track.spotify_url},
            "href": f"{self.api_url}tracks/{track.id}",
            "id": track.id,
            "is_local": False,
            "is_playable": True,
            "name": track.name,
            "popularity": track.popularity,
            "preview_url": None,
            "track_number": track.track_number,
            "type": "track",
            "uri": f"spotify:track:{track.id}",
        }
        if self.mode is AccessMode.DEVELOPMENT:
            del body["popularity"]
        if track.generated:
            body["generated"] = True
        return body

    def _features_json(self, features: CatalogAudioFeatures) -> dict[str, Any]:
        body: dict[str, Any] = {
            "acousticness": features.acousticness,
            "analysis_url": f"{self.api_url}audio-analysis/{features.track_id}",
            "danceability": features.danceability,
            "duration_ms": features.duration_ms,
            "energy": features.energy,
            "id": features.track_id,
            "instrumentalness": features.instrumentalness,
            "key": features.key,
            "liveness": features.liveness,
            "loudness": features.loudness,
            "mode": features.mode,
            "speechiness": features.speechiness,
            "tempo": features.tempo,
            "time_signature": features.time_signature,
            "track_href": f"{self.api_url}tracks/{features.track_id}",
            "type": "audio_features",
            "uri": f"spotify:track:{features.track_id}",
            "valence": features.valence,
        }
        if features.generated:
            body["generated"] = True
        return body


_ROUTES: tuple[tuple[str, re.Pattern[str], Endpoint], ...] = (
    ("POST", re.compile(r"/api/token/?"), Endpoint.TOKEN),
    ("GET", re.compile(r"/v1/search/?"), Endpoint.SEARCH),
    ("GET", re.compile(r"/v1/artists/?"), Endpoint.ARTISTS),
    ("GET", re.compile(r"/v1/artists/(?P<id>[^/]+)/?"), Endpoint.ARTIST),
    ("GET", re.compile(r"/v1/artists/(?P<id>[^/]+)/top-tracks/?"), Endpoint.TOP_TRACKS),
    ("GET", re.compile(r"/v1/audio-features/?"), Endpoint.AUDIO_FEATURES),
    ("GET", re.compile(r"/v1/audio-features/(?P<id>[^/]+)/?"), Endpoint.AUDIO_FEATURE),
)


def _route(method: str, path: str) -> tuple[Endpoint, str | None] | None:
    for route_method, pattern, endpoint in _ROUTES:
        matched = pattern.fullmatch(path)
        if matched and method == route_method:
            return endpoint, matched.groupdict().get("id")
    return None


def _client_credentials(
    authorization: str | None, form: Mapping[str, list[str]]
) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return _first(form, "client_id") or "", _first(form, "client_secret") or ""


def _first(values: Mapping[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None


def _integer(raw: str | None, default: int, lowest: int, highest: int) -> int | None:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if lowest <= value <= highest else None


def _id_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _check_ids(ids: Sequence[str], most: int) -> _Response | None:
    if not ids:
        return _api_error(400, "Missing required field: ids")
    if len(ids) > most:
        return _api_error(400, "Too many ids requested")
    if not all(_BASE62_ID.fullmatch(one) for one in ids):
        return _api_error(400, "invalid id")
    return None


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        stand_in: SpotifyServer,
    ) -> None:
        super().__init__(address, handler)
        self.stand_in = stand_in

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up are part of the fault scenarios, not news.
        logger.debug(
            "spotify stand-in: connection from %s ended badly", client_address, exc_info=True
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients would wait
    # for a delayed ACK (about 40 ms) on every call.
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:  # the name http.server dispatches to
        self._serve()

    def do_POST(self) -> None:  # the name http.server dispatches to
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = _Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        response = self.server.stand_in._handle(request)
        payload = (
            response.body
            if isinstance(response.body, bytes)
            else json.dumps(response.body).encode("utf-8")
        )
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # overridden signature
        # The request line carries no credentials (they travel in headers and bodies).
        logger.debug("spotify stand-in: " + format, *args)
