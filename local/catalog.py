"""The data behind the local Spotify stand-in: real artists from a 2021 snapshot, Korean
artists with local IDs, and generated tracks and audio features where the snapshot has none.

Everything generated is deterministic (seeded from names and IDs) so that runs, tests and
benchmarks see the same catalog every time, and is flagged `generated` so nobody mistakes
it for Spotify's data.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyarrow.parquet as pq

from domain.names import normalize_name
from domain.songs import normalize_title

CATALOG_DIR_VARIABLE = "SIXPOTIFY_CATALOG_DIR"

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 22
_BYTE_TO_BASE62 = bytes(_BASE62[byte % len(_BASE62)].encode("ascii")[0] for byte in range(256))
_SPOTIFY_WEB = "https://open.spotify.com"


class CatalogError(RuntimeError):
    """The catalog directory is missing or its files cannot be read."""


@dataclass(frozen=True)
class CatalogArtist:
    id: str
    name: str
    genres: tuple[str, ...]
    popularity: int
    followers: int
    image_url: str | None
    spotify_url: str
    aliases: tuple[str, ...] = ()
    # True when the ID, popularity and followers are made up locally (no Spotify ID known).
    generated: bool = False


@dataclass(frozen=True)
class CatalogAlbum:
    id: str
    name: str
    release_date: str
    album_type: str
    total_tracks: int


@dataclass(frozen=True)
class CatalogTrack:
    id: str
    artist_id: str
    name: str
    popularity: int
    spotify_url: str
    duration_ms: int
    explicit: bool
    track_number: int
    album: CatalogAlbum
    generated: bool = False
    # Other artists credited on the track (a collaboration), after artist_id in that order.
    featured_artist_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogAudioFeatures:
    track_id: str
    danceability: float
    energy: float
    key: int
    loudness: float
    mode: int
    speechiness: float
    acousticness: float
    instrumentalness: float
    liveness: float
    valence: float
    tempo: float
    duration_ms: int
    time_signature: int
    generated: bool = False


@dataclass(frozen=True)
class SearchPage:
    items: tuple[CatalogArtist, ...]
    total: int


@dataclass(frozen=True)
class TrackSearchPage:
    items: tuple[CatalogTrack, ...]
    total: int


@dataclass(frozen=True)
class _SearchName:
    spaced: str
    compact: str
    tokens: tuple[str, ...]


@dataclass(frozen=True, repr=False)
class Catalog:
    """Read-only lookups over the whole catalog; build it with `load_catalog`."""

    artists: Mapping[str, CatalogArtist]
    tracks_by_artist: Mapping[str, tuple[CatalogTrack, ...]]
    features_by_track: Mapping[str, CatalogAudioFeatures]
    _search_names: Mapping[str, tuple[_SearchName, ...]]
    _track_search_names: tuple[tuple[CatalogTrack, tuple[_SearchName, ...]], ...]

    def __repr__(self) -> str:
        return f"Catalog({len(self.artists)} artists, {len(self.features_by_track)} tracks)"

    def artist(self, artist_id: str) -> CatalogArtist | None:
        return self.artists.get(artist_id)

    def top_tracks(self, artist_id: str) -> tuple[CatalogTrack, ...]:
        return self.tracks_by_artist.get(artist_id, ())

    def audio_features(self, track_id: str) -> CatalogAudioFeatures | None:
        return self.features_by_track.get(track_id)

    def search(self, query: str, limit: int = 20, offset: int = 0) -> SearchPage:
        """Artists matching `query` the way Spotify's artist search ranks them closely
        enough: exact name or alias first, then prefix, then every word present; ties go to
        the more popular artist."""
        wanted = _search_name(query)
        if not wanted.compact:
            return SearchPage(items=(), total=0)
        ranked = []
        for artist_id, names in self._search_names.items():
            rank = _match_rank(wanted, names)
            if rank is not None:
                artist = self.artists[artist_id]
                ranked.append((rank, -artist.popularity, artist.name, artist))
        ranked.sort(key=lambda entry: entry[:3])
        matches = tuple(entry[3] for entry in ranked)
        return SearchPage(items=matches[offset : offset + limit], total=len(matches))

    def search_tracks(self, query: str, limit: int = 20, offset: int = 0) -> TrackSearchPage:
        """Tracks matching `query` the way Spotify's track search ranks them closely enough:
        the title exactly (with or without notes like " - Original Version", or followed by
        the artist's name) first, then titles starting with it, then tracks whose title and
        artist hold every word; ties go to the more popular track."""
        wanted_forms = {_search_name(query), _search_name(normalize_title(query))}
        wanted_forms = {wanted for wanted in wanted_forms if wanted.compact}
        if not wanted_forms:
            return TrackSearchPage(items=(), total=0)
        ranked = []
        for track, names in self._track_search_names:
            ranks = [_match_rank(wanted, names) for wanted in wanted_forms]
            found = [rank for rank in ranks if rank is not None]
            if found:
                ranked.append((min(found), -track.popularity, track.name, track.id, track))
        ranked.sort(key=lambda entry: entry[:4])
        matches = tuple(entry[4] for entry in ranked)
        return TrackSearchPage(items=matches[offset : offset + limit], total=len(matches))


def default_catalog_dir() -> Path:
    configured = os.environ.get(CATALOG_DIR_VARIABLE)
    if configured:
        return Path(configured)
    repository_root = Path(__file__).resolve().parents[1]
    return repository_root.parent / "shared" / "catalog"


def load_catalog(directory: Path | None = None) -> Catalog:
    """The catalog in `directory` (default: $SIXPOTIFY_CATALOG_DIR, else ../shared/catalog
    next to the repository), read once per process."""
    return _load_catalog_cached((directory or default_catalog_dir()).resolve())


@functools.cache
def _load_catalog_cached(directory: Path) -> Catalog:
    if not directory.is_dir():
        raise CatalogError(
            f"catalog directory {directory} does not exist; "
            f"set {CATALOG_DIR_VARIABLE} to the folder holding artists.parquet"
        )
    try:
        return _build_catalog(directory)
    except (OSError, KeyError, ValueError) as error:
        raise CatalogError(f"cannot read the catalog in {directory}: {error}") from error


def _build_catalog(directory: Path) -> Catalog:
    genres_by_name = {
        row["name"]: _split_list(row["genres"])
        for row in _read_tsv(directory / "artist_genres.tsv")
    }
    artists: dict[str, CatalogArtist] = {}
    for row in pq.read_table(directory / "artists.parquet").to_pylist():
        artists[row["id"]] = CatalogArtist(
            id=row["id"],
            name=row["name"],
            genres=genres_by_name.get(row["name"], ()),
            popularity=int(row["popularity"]),
            followers=int(row["followers"]),
            image_url=row["image_url"],
            spotify_url=row["url"],
        )
    korean_rows = _read_tsv(directory / "kpop_artists.tsv")
    for position, row in enumerate(korean_rows):
        # The file lists the best-known acts first; popularity follows that order loosely.
        popularity_hint = 88 - position * 35 // max(1, len(korean_rows))
        artist = _local_artist(
            row["name"], _split_list(row["genres"]), _split_list(row["aliases"]), popularity_hint
        )
        artists[artist.id] = artist

    snapshot_features = _unique_by_id(
        pq.read_table(directory / "audio-features.parquet").to_pylist()
    )
    tracks_by_artist: dict[str, list[CatalogTrack]] = {}
    features_by_track: dict[str, CatalogAudioFeatures] = {}
    for number, row in enumerate(
        _unique_by_id(pq.read_table(directory / "top-tracks.parquet").to_pylist()).values()
    ):
        features = snapshot_features.get(row["id"])
        track = _snapshot_track(row, features, number)
        tracks_by_artist.setdefault(track.artist_id, []).append(track)
        if features is not None:
            features_by_track[track.id] = _snapshot_features(features)

    partners = _genre_partners(artists.values())
    for artist in artists.values():
        if artist.id in tracks_by_artist:
            continue
        tracks, features_list = _generated_tracks(artist)
        tracks_by_artist[artist.id] = [
            _with_collaboration(track, partners.get(artist.id, ())) for track in tracks
        ]
        features_by_track.update((features.track_id, features) for features in features_list)

    ordered_tracks = {
        artist_id: tuple(sorted(tracks, key=lambda track: -track.popularity))
        for artist_id, tracks in tracks_by_artist.items()
    }
    search_names = {
        artist.id: tuple(_search_name(name) for name in (artist.name, *artist.aliases))
        for artist in artists.values()
    }
    track_search_names = tuple(
        (track, _track_search_names(track, artists[artist_id]))
        for artist_id, tracks in ordered_tracks.items()
        if artist_id in artists
        for track in tracks
    )
    return Catalog(
        artists=MappingProxyType(artists),
        tracks_by_artist=MappingProxyType(ordered_tracks),
        features_by_track=MappingProxyType(features_by_track),
        _search_names=MappingProxyType(search_names),
        _track_search_names=track_search_names,
    )


def _track_search_names(track: CatalogTrack, artist: CatalogArtist) -> tuple[_SearchName, ...]:
    title = normalize_title(track.name)
    return (
        _search_name(track.name),
        _search_name(title),
        _search_name(f"{title} {artist.name}"),
        _search_name(f"{track.name} {artist.name}"),
    )


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _split_list(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


def _unique_by_id(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["id"], row)
    return unique


def _local_id(*parts: str) -> str:
    """A 22-character base62 ID derived from `parts`: shaped like a Spotify ID, and the
    same on every run."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return digest[:_ID_LENGTH].translate(_BYTE_TO_BASE62).decode("ascii")


def _seeded(*parts: str) -> random.Random:
    seed = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:8], "big")
    return random.Random(seed)  # noqa: S311  # reproducible stand-in data, not security


def _local_artist(
    name: str, genres: tuple[str, ...], aliases: tuple[str, ...], popularity_hint: int
) -> CatalogArtist:
    artist_id = _local_id("artist", name)
    rng = _seeded("artist-stats", name)
    popularity = max(0, min(100, popularity_hint + rng.randint(-4, 4)))
    followers = int(10 ** (4 + popularity / 25) * rng.uniform(0.6, 1.6))
    return CatalogArtist(
        id=artist_id,
        name=name,
        genres=genres,
        popularity=popularity,
        followers=followers,
        image_url=None,
        spotify_url=f"{_SPOTIFY_WEB}/artist/{artist_id}",
        aliases=aliases,
        generated=True,
    )


def _snapshot_track(
    row: Mapping[str, Any], features: Mapping[str, Any] | None, number: int
) -> CatalogTrack:
    track_id = str(row["id"])
    rng = _seeded("track-details", track_id)
    duration_ms = int(features["duration_ms"]) if features else rng.randint(150_000, 300_000)
    return CatalogTrack(
        id=track_id,
        artist_id=str(row["artist_id"]),
        name=str(row["name"]),
        popularity=int(row["popularity"]),
        spotify_url=str(row["external_url"]),
        duration_ms=duration_ms,
        explicit=False,
        track_number=number % 12 + 1,
        album=_album_for(track_id, str(row["name"]), rng),
    )


def _snapshot_features(row: Mapping[str, Any]) -> CatalogAudioFeatures:
    return CatalogAudioFeatures(
        track_id=str(row["id"]),
        danceability=float(row["danceability"]),
        energy=float(row["energy"]),
        key=int(row["key"]),
        loudness=float(row["loudness"]),
        mode=int(row["mode"]),
        speechiness=float(row["speechiness"]),
        acousticness=float(row["acousticness"]),
        instrumentalness=float(row["instrumentalness"]),
        liveness=float(row["liveness"]),
        valence=float(row["valence"]),
        tempo=float(row["tempo"]),
        duration_ms=int(row["duration_ms"]),
        time_signature=int(row["time_signature"]),
    )


def _album_for(track_id: str, track_name: str, rng: random.Random) -> CatalogAlbum:
    is_single = rng.random() < 0.4
    year = rng.randint(1965, 2021)
    return CatalogAlbum(
        id=_local_id("album", track_id),
        name=track_name if is_single else f"{track_name} (Deluxe Edition)",
        release_date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        album_type="single" if is_single else "album",
        total_tracks=1 if is_single else rng.randint(8, 16),
    )


@dataclass(frozen=True)
class Sound:
    """Typical audio features of a genre or family of genres; tracks scatter around it."""

    danceability: float
    energy: float
    speechiness: float
    acousticness: float
    instrumentalness: float
    valence: float
    tempo: float


# Matched as substrings of an artist's genre tags, so "k-rap" and "pop rap" count as rap.
_GENRE_PROFILES: tuple[tuple[tuple[str, ...], Sound], ...] = (
    (
        ("hip hop", "rap", "trap", "drill", "grime"),
        Sound(0.76, 0.66, 0.28, 0.12, 0.0, 0.5, 96),
    ),
    (("metal",), Sound(0.42, 0.93, 0.07, 0.005, 0.12, 0.33, 132)),
    (("punk", "grunge"), Sound(0.45, 0.9, 0.07, 0.01, 0.03, 0.5, 158)),
    (("rock", "britpop", "new wave"), Sound(0.5, 0.74, 0.05, 0.12, 0.05, 0.55, 124)),
    (("ballad",), Sound(0.44, 0.3, 0.034, 0.74, 0.01, 0.28, 78)),
    (
        ("folk", "singer-songwriter", "acoustic"),
        Sound(0.52, 0.36, 0.04, 0.72, 0.02, 0.44, 106),
    ),
    (("jazz", "swing", "adult standards"), Sound(0.55, 0.34, 0.05, 0.82, 0.3, 0.5, 116)),
    (("bop",), Sound(0.5, 0.45, 0.05, 0.8, 0.75, 0.55, 142)),
    (("blues",), Sound(0.52, 0.56, 0.05, 0.45, 0.1, 0.55, 110)),
    (
        ("electronic", "electronica", "house", "techno", "edm", "trance", "big beat"),
        Sound(0.72, 0.8, 0.06, 0.05, 0.6, 0.42, 124),
    ),
    (("disco", "dance"), Sound(0.78, 0.78, 0.06, 0.08, 0.02, 0.72, 120)),
    (("k-pop",), Sound(0.7, 0.8, 0.08, 0.12, 0.0, 0.6, 122)),
    (("pop",), Sound(0.66, 0.66, 0.06, 0.22, 0.0, 0.55, 118)),
    (
        ("soul", "r&b", "motown", "funk", "quiet storm", "new jack swing"),
        Sound(0.66, 0.58, 0.07, 0.3, 0.01, 0.65, 108),
    ),
    (("country",), Sound(0.58, 0.62, 0.04, 0.3, 0.0, 0.6, 118)),
    (("reggae", "ska", "dancehall"), Sound(0.78, 0.55, 0.12, 0.2, 0.03, 0.75, 88)),
    (("trot",), Sound(0.62, 0.7, 0.04, 0.25, 0.0, 0.76, 126)),
    (
        ("classical", "orchestral", "soundtrack"),
        Sound(0.3, 0.15, 0.04, 0.95, 0.88, 0.2, 100),
    ),
    (("indie",), Sound(0.55, 0.58, 0.05, 0.3, 0.1, 0.45, 120)),
)
_DEFAULT_PROFILE = Sound(0.6, 0.6, 0.06, 0.25, 0.03, 0.5, 115)

_TITLE_OPENERS = (
    "Midnight", "Golden", "Broken", "Electric", "Summer", "Silver", "Lonely", "Wild",
    "Neon", "Paper", "Fading", "Burning", "Velvet", "Hollow", "Crystal", "Endless",
)  # fmt: skip
_TITLE_SUBJECTS = (
    "Hearts", "Roads", "Letters", "Lights", "Rain", "Dreams", "Skies", "Streets",
    "Fire", "Waves", "Echoes", "Promises", "Shadows", "Horizon", "Memories", "Stars",
)  # fmt: skip


def _genre_profile(genres: Sequence[str]) -> Sound:
    """The blend of every genre family the tags mention, or a middle-of-the-road default."""
    matched = [
        profile
        for keywords, profile in _GENRE_PROFILES
        if any(keyword in genre.casefold() for genre in genres for keyword in keywords)
    ]
    if not matched:
        return _DEFAULT_PROFILE

    def mean(field: str) -> float:
        return float(sum(getattr(profile, field) for profile in matched) / len(matched))

    return Sound(
        danceability=mean("danceability"),
        energy=mean("energy"),
        speechiness=mean("speechiness"),
        acousticness=mean("acousticness"),
        instrumentalness=mean("instrumentalness"),
        valence=mean("valence"),
        tempo=mean("tempo"),
    )


def _generated_tracks(
    artist: CatalogArtist,
) -> tuple[tuple[CatalogTrack, ...], tuple[CatalogAudioFeatures, ...]]:
    rng = _seeded("top-tracks", artist.id)
    profile = _genre_profile(artist.genres)
    track_count = rng.randint(5, 10)
    titles: list[str] = []
    while len(titles) < track_count:
        title = f"{rng.choice(_TITLE_OPENERS)} {rng.choice(_TITLE_SUBJECTS)}"
        if title not in titles:
            titles.append(title)
    tracks = []
    features = []
    for number, title in enumerate(titles, start=1):
        track_id = _local_id("track", artist.id, str(number))
        duration_ms = rng.randint(150_000, 300_000)
        tracks.append(
            CatalogTrack(
                id=track_id,
                artist_id=artist.id,
                name=title,
                popularity=max(0, min(100, artist.popularity - rng.randint(0, 25))),
                spotify_url=f"{_SPOTIFY_WEB}/track/{track_id}",
                duration_ms=duration_ms,
                explicit=profile.speechiness > 0.2 and rng.random() < 0.5,
                track_number=number,
                album=_album_for(track_id, title, rng),
                generated=True,
            )
        )
        features.append(_generated_features(track_id, duration_ms, profile, rng))
    return tuple(tracks), tuple(features)


# About this share of generated tracks also credit an artist who shares a genre with the
# track's own, as features and duets do on Spotify.
_COLLABORATION_SHARE = 0.15


def _genre_partners(artists: Iterable[CatalogArtist]) -> dict[str, tuple[str, ...]]:
    """For each artist, the other artists sharing a genre with it, in ID order."""
    by_genre: dict[str, set[str]] = {}
    for artist in artists:
        for genre in artist.genres:
            by_genre.setdefault(genre, set()).add(artist.id)
    partners: dict[str, set[str]] = {}
    for members in by_genre.values():
        for artist_id in members:
            partners.setdefault(artist_id, set()).update(members - {artist_id})
    return {artist_id: tuple(sorted(others)) for artist_id, others in partners.items() if others}


def _with_collaboration(track: CatalogTrack, partners: Sequence[str]) -> CatalogTrack:
    """The track, crediting one of `partners` too for a _COLLABORATION_SHARE of tracks."""
    # A generator of its own, so that the rest of the generated data stays as it was.
    rng = _seeded("collaboration", track.id)
    if not partners or rng.random() >= _COLLABORATION_SHARE:
        return track
    return replace(track, featured_artist_ids=(rng.choice(partners),))


def _generated_features(
    track_id: str, duration_ms: int, profile: Sound, rng: random.Random
) -> CatalogAudioFeatures:
    def near(centre: float, spread: float = 0.08) -> float:
        return round(min(1.0, max(0.0, rng.gauss(centre, spread))), 4)

    energy = near(profile.energy)
    return CatalogAudioFeatures(
        track_id=track_id,
        danceability=near(profile.danceability),
        energy=energy,
        key=rng.randint(0, 11),
        loudness=round(-20 + 16 * energy + rng.uniform(-1.5, 1.5), 3),
        mode=1 if rng.random() < 0.65 else 0,
        speechiness=near(profile.speechiness, 0.03),
        acousticness=near(profile.acousticness),
        instrumentalness=near(profile.instrumentalness, 0.04),
        liveness=round(rng.uniform(0.05, 0.35), 4),
        valence=near(profile.valence, 0.12),
        tempo=round(max(50.0, rng.gauss(profile.tempo, 8)), 3),
        duration_ms=duration_ms,
        time_signature=3 if rng.random() < 0.08 else 4,
        generated=True,
    )


def _search_name(name: str) -> _SearchName:
    spaced = normalize_name(name)
    return _SearchName(spaced=spaced, compact=spaced.replace(" ", ""), tokens=tuple(spaced.split()))


_EXACT, _PREFIX, _ALL_WORDS = 0, 1, 2


def _match_rank(wanted: _SearchName, names: Iterable[_SearchName]) -> int | None:
    best: int | None = None
    for name in names:
        if wanted.compact == name.compact:
            return _EXACT
        if name.compact.startswith(wanted.compact):
            best = _PREFIX
        elif best is None and all(
            any(token.startswith(part) for token in name.tokens) for part in wanted.tokens
        ):
            best = _ALL_WORDS
    return best
