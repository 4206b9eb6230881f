"""An in-memory name index that answers as the PostgreSQL one does, and the catalog's names
to fill it with."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.models import NameCandidate
from domain.names import name_trigrams, normalize_name, rank_candidates
from local.catalog import default_catalog_dir

# Artists a live store soon holds that the 2021 catalog snapshot lacks.
LATER_ARTISTS = ("Beyoncé", "AC/DC", "Guns N' Roses", "The Weeknd")
# Korean artists already fetched from Spotify; the other Korean acts are only shipped names.
STORED_KOREAN = ("BTS", "aespa", "IU", "TWICE", "BIGBANG")


@dataclass(frozen=True)
class StoredArtist:
    id: str
    name: str
    popularity: int | None = None


@dataclass(frozen=True)
class ShippedName:
    """A key people type for an artist, shipped with the product as the artist's name."""

    key: str
    canonical_key: str
    canonical_name: str


class InMemoryNameIndex:
    """domain.ports.NameIndex over names held in memory.

    It holds the same names as the PostgreSQL index would for the same stored artists,
    aliases and shipped names, and ranks them with the domain's definition.
    """

    def __init__(
        self,
        artists: Iterable[StoredArtist],
        aliases: Mapping[str, str] | None = None,
        shipped: Iterable[ShippedName] = (),
    ) -> None:
        self._by_trigram: dict[str, list[NameCandidate]] = {}
        self._by_key: dict[str, list[NameCandidate]] = {}
        for name in known_names(artists, aliases or {}, shipped):
            self._by_key.setdefault(name.key, []).append(name)
            for trigram in name_trigrams(name.key):
                self._by_trigram.setdefault(trigram, []).append(name)

    def candidates(self, key: str, limit: int) -> list[NameCandidate]:
        # Only names sharing a trigram can rank; the rest would cost a scan for nothing.
        sharing = (name for t in name_trigrams(key) for name in self._by_trigram.get(t, ()))
        return rank_candidates(key, sharing, limit)

    def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
        return [name for key in dict.fromkeys(keys) for name in self._by_key.get(key, ())]


def known_names(
    artists: Iterable[StoredArtist], aliases: Mapping[str, str], shipped: Iterable[ShippedName]
) -> list[NameCandidate]:
    """Every name an index holds: each stored artist's own, its aliases (alias key -> artist
    ID), and the shipped names: as the artist's when one by that name is stored, else as a
    name with no artist yet."""
    by_id = {artist.id: artist for artist in artists}
    by_key: dict[str, list[StoredArtist]] = {}
    for artist in by_id.values():
        by_key.setdefault(normalize_name(artist.name), []).append(artist)
    names = [_candidate(key, artist) for key, stored in by_key.items() for artist in stored]
    names += [_candidate(alias, by_id[artist_id]) for alias, artist_id in aliases.items()]
    for name in shipped:
        stored = by_key.get(name.canonical_key)
        if stored:
            names += [_candidate(name.key, artist) for artist in stored]
        else:
            names.append(NameCandidate(key=name.key, artist_id="", artist_name=name.canonical_name))
    return list(dict.fromkeys(names))


def _candidate(key: str, artist: StoredArtist) -> NameCandidate:
    return NameCandidate(
        key=key, artist_id=artist.id, artist_name=artist.name, popularity=artist.popularity
    )


def stored_artists(*names: str) -> list[StoredArtist]:
    return [StoredArtist(artist_id_for(name), name) for name in names]


def catalog_store() -> list[StoredArtist]:
    """The store the resolution tests run against: every Western catalog artist, a few
    well-known later ones, and some of the Korean acts."""
    return stored_artists(*catalog_artist_names(), *LATER_ARTISTS, *STORED_KOREAN)


def catalog_artist_names(catalog_dir: Path | None = None) -> list[str]:
    """The names of the catalog's Western artists (artist_genres.tsv)."""
    rows = _read_tsv((catalog_dir or default_catalog_dir()) / "artist_genres.tsv")
    return [row["name"] for row in rows]


def catalog_korean_aliases(catalog_dir: Path | None = None) -> dict[str, tuple[str, ...]]:
    """The catalog's Korean artists with the other names people type for them."""
    rows = _read_tsv((catalog_dir or default_catalog_dir()) / "kpop_artists.tsv")
    return {
        row["name"]: tuple(alias.strip() for alias in row["aliases"].split(";") if alias.strip())
        for row in rows
    }


def catalog_shipped_names(catalog_dir: Path | None = None) -> set[ShippedName]:
    """What the product ships from kpop_artists.tsv: each Korean artist's name and aliases,
    as keys that stand for the artist's name."""
    shipped = set()
    for name, aliases in catalog_korean_aliases(catalog_dir).items():
        canonical_key = normalize_name(name)
        for typed in (name, *aliases):
            shipped.add(ShippedName(normalize_name(typed), canonical_key, name))
    return shipped


def artist_id_for(name: str) -> str:
    """A readable stand-in for a Spotify ID, the same for the same name."""
    return f"id-{normalize_name(name).replace(' ', '-')}"


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))
