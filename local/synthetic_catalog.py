"""A made-up artist catalog of any size, the same on every run, for benchmarks and tests.

The shipped catalog holds about 540 artists: far too few to tell how similarity behaves
at 10,000 or 1,000,000. This module invents artists shaped like what the ingest stores
(`FetchedArtist`, ready for `PostgresArtistRepository.save_fetched`) and with the structure
similarity feeds on: genre tags from the shipped catalog's vocabulary, Zipf-distributed
like real tags, with related tags together; top tracks whose audio features follow the
genre; collaborations that mostly join artists of the same genre. An artist without genres
still has a hidden primary genre steering its audio and collaborations, so the other
signals can place it as they would a real one.

Artist i depends only on the spec, the vocabulary and i, never on what was generated before
it, so the benchmark streams millions without holding them and a test can ask for one.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from domain.models import Artist, AudioFeatures, FetchedArtist, Track
from local.catalog import CatalogError, Sound, default_catalog_dir

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 22
_BYTE_TO_BASE62 = bytes(_BASE62[byte % len(_BASE62)].encode("ascii")[0] for byte in range(256))
_SPOTIFY_WEB = "https://open.spotify.com"
# A reserved top-level domain: the URLs look real to every consumer but can never resolve.
_IMAGE_HOST = "https://images.synthetic.invalid"
_GENRE_FILES = ("artist_genres.tsv", "kpop_artists.tsv")

_MASK64 = (1 << 64) - 1
_UNIT_BITS = 53
_UNIT = 1 << _UNIT_BITS

_ZIPF_EXPONENT = 1.0
# Secondary tags lean towards common ones more gently than primaries: at the full exponent
# the most common tag would sit on a third of all artists.
_RELATED_EXPONENT = 0.5
_GENRE_COUNTS = (1, 2, 3, 4, 5, 6)
_GENRE_COUNT_WEIGHTS = (0.2, 0.24, 0.22, 0.16, 0.11, 0.07)
_UNRELATED_GENRE_SHARE = 0.08
# Words that tell an era or a scene, not a sound: sharing one does not make tags related.
_WEAK_WORDS = frozenset(
    {"alternative", "and", "classic", "contemporary", "modern", "neo", "new", "post", "proto",
     "sound", "music"}
)  # fmt: skip
# How far to look for a collaborator of the same primary genre: bounded so that a tail genre
# costs no more than a head one. Past it a related genre will do, or any, as real features
# sometimes cross genres.
_PARTNER_SEARCH = 96
# Share of the artists without genres that audio features or a collaboration still place.
_NO_GENRE_WITH_SIGNALS = 0.5
_IMAGE_SHARE = 0.9
_MAX_TOP_TRACKS = 10


@dataclass(frozen=True)
class SyntheticCatalogSpec:
    """How many artists, from which seed, and how often each similarity signal is there."""

    artists: int
    seed: int = 7
    without_genres: float = 0.12  # share of artists with no genres at all
    with_audio: float = 0.5  # share whose top tracks carry audio features
    collaboration_rate: float = 0.1  # share of tracks that credit a second artist

    def __post_init__(self) -> None:
        if self.artists < 0:
            raise ValueError(f"artists must be 0 or more, not {self.artists}")
        for name in ("without_genres", "with_audio", "collaboration_rate"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} is a share between 0 and 1, not {share}")


def genre_vocabulary(catalog_dir: Path | None = None) -> tuple[str, ...]:
    """Every distinct genre tag of the shipped catalog, sorted."""
    tag_lists = _shipped_tag_lists(_resolved(catalog_dir))
    return tuple(sorted({genre for tags in tag_lists for genre in tags}))


def synthetic_artist_id(index: int, seed: int) -> str:
    """A 22-character base62 ID, shaped like a Spotify ID and the same on every run."""
    if index < 0:
        raise ValueError(f"artist indices start at 0, not {index}")
    return _base62_id("synthetic-artist", str(seed), str(index))


def synthetic_artists(
    spec: SyntheticCatalogSpec, vocabulary: Sequence[str], *, catalog_dir: Path | None = None
) -> Iterator[FetchedArtist]:
    """Artists 0 to spec.artists - 1, made one at a time as they are consumed.

    The catalog in catalog_dir (default: the shipped one) ranks the vocabulary, its most
    common tags first, and tells which tags go together besides those sharing a word.
    """
    generator = _generator(spec, vocabulary, catalog_dir)
    return (generator.artist(index) for index in range(spec.artists))


def synthetic_artist(
    spec: SyntheticCatalogSpec,
    vocabulary: Sequence[str],
    index: int,
    *,
    catalog_dir: Path | None = None,
) -> FetchedArtist:
    """Artist `index` of `synthetic_artists(spec, vocabulary)`, without making the others."""
    if not 0 <= index < spec.artists:
        raise IndexError(f"artist {index} is outside a catalog of {spec.artists}")
    return _generator(spec, vocabulary, catalog_dir).artist(index)


@dataclass(frozen=True)
class _Family:
    keywords: tuple[str, ...]
    profile: Sound
    naming: str


# The first family with a keyword inside a tag wins, so narrower families come first
# ("k-rap" is Korean before it is rap, "jazz rap" rap before jazz).
_FAMILIES = (
    _Family(("k-pop", "k-rap", "k-rock", "k-indie", "korean"),
            Sound(0.7, 0.78, 0.08, 0.14, 0.0, 0.58, 122), "korean"),
    _Family(("hip hop", "rap", "trap", "drill", "grime"),
            Sound(0.76, 0.66, 0.27, 0.12, 0.0, 0.5, 96), "rapper"),
    _Family(("metal", "nwobhm", "thrash"),
            Sound(0.42, 0.92, 0.07, 0.01, 0.12, 0.33, 132), "band"),
    _Family(("punk", "grunge", "hardcore", "emo", "oi"),
            Sound(0.45, 0.89, 0.07, 0.02, 0.03, 0.48, 156), "band"),
    _Family(("reggae", "ska", "dancehall", "dub", "lovers rock", "rocksteady"),
            Sound(0.78, 0.55, 0.12, 0.2, 0.03, 0.75, 88), "band"),
    _Family(("electronic", "electronica", "house", "techno", "trance", "big beat",
             "breakbeat", "garage", "industrial", "synth", "trip hop", "downtempo"),
            Sound(0.72, 0.79, 0.06, 0.06, 0.55, 0.42, 125), "band"),
    _Family(("soul", "r&b", "motown", "quiet storm", "new jack swing", "urban", "gospel"),
            Sound(0.64, 0.56, 0.07, 0.32, 0.01, 0.62, 108), "person"),
    _Family(("disco", "dance", "funk"),
            Sound(0.78, 0.76, 0.06, 0.08, 0.02, 0.72, 119), "band"),
    _Family(("jazz", "swing", "bop", "adult standards", "big band", "dixieland", "lounge"),
            Sound(0.55, 0.35, 0.05, 0.8, 0.35, 0.5, 118), "ensemble"),
    _Family(("classical", "orchestral", "soundtrack", "tenor", "piano", "violin",
             "minimalism", "ambient", "new age", "show tunes"),
            Sound(0.3, 0.16, 0.04, 0.93, 0.82, 0.2, 100), "ensemble"),
    _Family(("blues",),
            Sound(0.52, 0.56, 0.05, 0.45, 0.08, 0.55, 110), "person"),
    _Family(("country", "americana", "bluegrass", "tex-mex", "nashville"),
            Sound(0.58, 0.62, 0.04, 0.3, 0.0, 0.6, 118), "person"),
    _Family(("folk", "singer-songwriter", "acoustic", "chanson", "celtic", "stomp and holler"),
            Sound(0.52, 0.38, 0.04, 0.7, 0.03, 0.45, 108), "person"),
    _Family(("latin", "bossa nova", "mpb", "samba", "afrobeat", "bhangra"),
            Sound(0.74, 0.68, 0.08, 0.28, 0.03, 0.7, 105), "person"),
    _Family(("rock", "britpop", "wave", "merseybeat", "invasion", "madchester", "beatlesque"),
            Sound(0.5, 0.74, 0.05, 0.12, 0.06, 0.52, 124), "band"),
    _Family(("pop", "boy band", "girl group"),
            Sound(0.66, 0.66, 0.06, 0.2, 0.0, 0.55, 118), "person"),
)  # fmt: skip
_DEFAULT_FAMILY = _Family((), Sound(0.6, 0.6, 0.06, 0.25, 0.03, 0.5, 115), "band")

_FIRST_NAMES = (
    "Mina", "Jonah", "Clara", "Theo", "Ava", "Malik", "Iris", "Leo", "Nora", "Felix",
    "Sofia", "Omar", "Hazel", "Ezra", "Lena", "Kai", "Maya", "Jude", "Elena", "Ravi",
    "Zoe", "Caleb", "Ines", "Milo", "Aria", "Dante", "Freya", "Hugo", "Lila", "Nico",
    "Ruby", "Silas", "Tess", "Yara", "Arlo", "Cleo", "Emil", "Greta", "Idris", "June",
    "Luca", "Mae", "Otis", "Pia", "Rosa", "Sami", "Vera", "Wren",
)  # fmt: skip
_LAST_NAMES = (
    "Park", "Reyes", "Okafor", "Lindqvist", "Moreau", "Hale", "Novak", "Carter", "Ibarra",
    "Quinn", "Sato", "Brennan", "Adeyemi", "Castillo", "Fischer", "Holloway", "Kowalski",
    "Lachance", "Mendes", "Nakamura", "Oduya", "Petrov", "Romano", "Sinclair", "Tanaka",
    "Vance", "Whitlock", "Yilmaz", "Zeller", "Abbott", "Bishop", "Costa", "Delaney",
    "Ellison", "Ferreira", "Garland", "Hargrove", "Iversen", "Jensen", "Keller", "Lowe",
    "Marsh", "Navarro", "Ortega", "Pike", "Rowe", "Soto", "Thorne",
)  # fmt: skip
# Made-up surnames from syllables multiply the name space far past the real-name lists.
_SYLLABLES = (
    "ka", "lo", "ren", "mi", "dor", "sa", "vel", "tan", "ri", "no", "bel", "mar", "an",
    "to", "li", "son", "ber", "ga", "lin", "ve", "ro", "da", "nel", "cas",
)  # fmt: skip
_ADJECTIVES = (
    "Velvet", "Neon", "Hollow", "Crimson", "Silver", "Electric", "Paper", "Golden",
    "Midnight", "Broken", "Wild", "Lonely", "Crystal", "Burning", "Fading", "Endless",
    "Violet", "Quiet", "Restless", "Northern", "Static", "Amber", "Glass", "Lunar",
    "Rusty", "Secret", "Sunday", "Tender", "Wandering", "Young", "Cosmic", "Desert",
)  # fmt: skip
_NOUNS = (
    "Echoes", "Hearts", "Lights", "Dreams", "Waves", "Shadows", "Ghosts", "Rivers",
    "Machines", "Tigers", "Saints", "Strangers", "Satellites", "Horses", "Foxes", "Mirrors",
    "Sparrows", "Thieves", "Lanterns", "Comets", "Wolves", "Kings", "Owls", "Pilots",
    "Anchors", "Arrows", "Canyons", "Engines", "Hymns", "Lovers", "Orchids", "Parades",
)  # fmt: skip
_RAP_PREFIXES = ("Lil", "Young", "MC", "DJ", "Big", "Yung")
_ENSEMBLES = ("Trio", "Quartet", "Quintet", "Ensemble", "Orchestra", "Big Band")
_KOREAN_SURNAMES = (
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
    "Oh", "Seo", "Shin", "Kwon", "Song",
)  # fmt: skip
_KOREAN_SYLLABLES = (
    "ji", "min", "seo", "yeon", "ha", "eun", "woo", "jun", "soo", "hyun", "da", "yu",
    "na", "rin", "tae", "hee", "jin", "bin",
)  # fmt: skip
_TITLE_WORDS = (
    "Hearts", "Roads", "Letters", "Lights", "Rain", "Dreams", "Skies", "Streets", "Fire",
    "Waves", "Promises", "Horizon", "Memories", "Stars", "Summer", "Gravity", "Static",
    "Honey", "Satellite", "Tonight",
)  # fmt: skip


@dataclass(frozen=True)
class _GenreTables:
    """The vocabulary indexed by Zipf rank (0 = most common), with what each rank needs."""

    ranked: tuple[str, ...]
    # Cumulative Zipf weights scaled to _UNIT, the last exactly _UNIT: a uniform 53-bit
    # draw bisected into it picks a rank.
    thresholds: tuple[int, ...]
    related: tuple[tuple[int, ...], ...]
    related_sets: tuple[frozenset[int], ...]
    related_weights: tuple[tuple[float, ...], ...]
    families: tuple[_Family, ...]

    def interval(self, rank: int) -> tuple[int, int]:
        return (self.thresholds[rank - 1] if rank else 0), self.thresholds[rank]


@functools.lru_cache(maxsize=8)
def _genre_tables(vocabulary: tuple[str, ...], catalog_dir: Path) -> _GenreTables:
    tag_lists = [
        tuple(genre for genre in tags if genre in vocabulary)
        for tags in _shipped_tag_lists(catalog_dir)
    ]
    shipped_counts: dict[str, int] = {}
    for tags in tag_lists:
        for genre in tags:
            shipped_counts[genre] = shipped_counts.get(genre, 0) + 1
    # The shipped catalog's most common tags lead, so the head looks like real Spotify's.
    ranked = tuple(
        sorted(set(vocabulary), key=lambda genre: (-shipped_counts.get(genre, 0), genre))
    )
    rank_of = {genre: rank for rank, genre in enumerate(ranked)}
    weights = [1.0 / (rank + 1) ** _ZIPF_EXPONENT for rank in range(len(ranked))]
    total = sum(weights)
    thresholds = [round(cumulative / total * _UNIT) for cumulative in accumulate(weights)]
    thresholds[-1] = _UNIT

    related: list[set[int]] = [set() for _ in ranked]
    by_word: dict[str, set[int]] = {}
    for rank, genre in enumerate(ranked):
        for word in _strong_words(genre):
            by_word.setdefault(word, set()).add(rank)
    for rank, genre in enumerate(ranked):
        for word in _strong_words(genre):
            related[rank] |= by_word[word]
    for tags in tag_lists:
        ranks = {rank_of[genre] for genre in tags}
        for rank in ranks:
            related[rank] |= ranks
    ordered_related = [tuple(sorted(others - {rank})) for rank, others in enumerate(related)]
    return _GenreTables(
        ranked=ranked,
        thresholds=tuple(thresholds),
        related=tuple(ordered_related),
        related_sets=tuple(frozenset(others) for others in ordered_related),
        related_weights=tuple(
            tuple(accumulate(weights[other] ** _RELATED_EXPONENT for other in others))
            for others in ordered_related
        ),
        families=tuple(_family(genre) for genre in ranked),
    )


def _strong_words(genre: str) -> set[str]:
    return {word for word in genre.replace("-", " ").split() if word not in _WEAK_WORDS}


def _family(genre: str) -> _Family:
    return next(
        (family for family in _FAMILIES if any(word in genre for word in family.keywords)),
        _DEFAULT_FAMILY,
    )


@functools.cache
def _shipped_tag_lists(catalog_dir: Path) -> tuple[tuple[str, ...], ...]:
    try:
        return tuple(
            tags for name in _GENRE_FILES for tags in _genre_column(catalog_dir / name) if tags
        )
    except (OSError, KeyError) as error:
        raise CatalogError(
            f"cannot read genres from the catalog in {catalog_dir}: {error}"
        ) from error


def _genre_column(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        tuple(part.strip() for part in (row["genres"] or "").split(";") if part.strip())
        for row in rows
    ]


def _resolved(catalog_dir: Path | None) -> Path:
    return (catalog_dir or default_catalog_dir()).resolve()


def _generator(
    spec: SyntheticCatalogSpec, vocabulary: Sequence[str], catalog_dir: Path | None
) -> _Generator:
    if not vocabulary:
        raise ValueError("the vocabulary is empty: every artist needs at least a hidden genre")
    return _Generator(spec, _genre_tables(tuple(vocabulary), _resolved(catalog_dir)))


class _Generator:
    """Makes artist i of one spec from i alone: each draw comes from a stream keyed by
    (seed, purpose), indexed by i."""

    def __init__(self, spec: SyntheticCatalogSpec, tables: _GenreTables) -> None:
        self._spec = spec
        self._tables = tables
        self._artist_key = _stream_key(spec.seed, "artist")
        # The primary genre has a stream of its own so that finding a collaborator of the
        # same genre costs one hash per candidate, not a whole artist.
        self._primary_key = _stream_key(spec.seed, "primary-genre")
        # Collaborators come from a third stream, so an artist's own draws stay the same
        # whatever the catalog's size; only whom it collaborates with can change.
        self._partner_key = _stream_key(spec.seed, "partner")
        # Artists without genres carry a signal at _NO_GENRE_WITH_SIGNALS: audio features
        # at the spec's share, and a forced collaboration for enough of the rest.
        audio = spec.with_audio
        self._forced_collaboration = (
            max(0.0, (_NO_GENRE_WITH_SIGNALS - audio) / (1.0 - audio)) if audio < 1.0 else 0.0
        )

    def artist(self, index: int) -> FetchedArtist:
        spec = self._spec
        rng = random.Random(_splitmix(self._artist_key + index))  # noqa: S311  # not secrets
        primary = self.primary_rank(index)
        has_genres = rng.random() >= spec.without_genres
        has_audio = rng.random() < spec.with_audio
        forced_collaboration = (
            not has_genres and not has_audio and rng.random() < self._forced_collaboration
        )
        genres = self._genres(primary, rng) if has_genres else ()
        family = self._tables.families[primary]
        artist_id = synthetic_artist_id(index, spec.seed)
        popularity = round(100 * rng.betavariate(1.4, 4.0))
        followers = int(10 ** (1 + popularity * 0.065) * rng.lognormvariate(0, 0.6))
        artist = Artist(
            id=artist_id,
            name=_name(family.naming, rng),
            genres=genres,
            popularity=popularity,
            followers=followers,
            image_url=f"{_IMAGE_HOST}/artist/{artist_id}.jpg"
            if rng.random() < _IMAGE_SHARE
            else None,
            spotify_url=f"{_SPOTIFY_WEB}/artist/{artist_id}",
        )
        if not has_genres and not has_audio and not forced_collaboration:
            return FetchedArtist(artist=artist)
        fewest = 1 if has_audio or forced_collaboration else 0
        tracks = self._tracks(
            index,
            artist_id,
            popularity,
            rng,
            fewest=fewest,
            forced_collaboration=forced_collaboration,
        )
        features = _audio_features(tracks, family.profile, rng) if has_audio else ()
        return FetchedArtist(artist=artist, top_tracks=tracks, audio_features=features)

    def primary_rank(self, index: int) -> int:
        return bisect_right(self._tables.thresholds, self._primary_draw(index))

    def _primary_draw(self, index: int) -> int:
        return _splitmix(self._primary_key + index) >> (64 - _UNIT_BITS)

    def _genres(self, primary: int, rng: random.Random) -> tuple[str, ...]:
        tables = self._tables
        wanted = rng.choices(_GENRE_COUNTS, _GENRE_COUNT_WEIGHTS)[0]
        related = tables.related[primary]
        related_weights = tables.related_weights[primary]
        chosen = [primary]
        # Bounded, because a tag with few relations cannot always fill the wanted count.
        for _ in range(3 * wanted):
            if len(chosen) == wanted:
                break
            if rng.random() < _UNRELATED_GENRE_SHARE:
                candidate = bisect_right(tables.thresholds, rng.getrandbits(_UNIT_BITS))
            elif related:
                candidate = related[
                    bisect_right(related_weights, rng.random() * related_weights[-1])
                ]
            else:
                continue
            if candidate not in chosen:
                chosen.append(candidate)
        return tuple(tables.ranked[rank] for rank in chosen)

    def _tracks(
        self,
        index: int,
        artist_id: str,
        popularity: int,
        rng: random.Random,
        *,
        fewest: int,
        forced_collaboration: bool,
    ) -> tuple[Track, ...]:
        count = rng.randint(fewest, _MAX_TOP_TRACKS)
        titles = rng.sample(range(len(_ADJECTIVES) * len(_TITLE_WORDS)), count)
        # Spotify lists top tracks most popular first, none more popular than the artist.
        track_popularity = sorted(
            (max(0, popularity - rng.randint(0, 25)) for _ in range(count)), reverse=True
        )
        tracks = []
        for number, title in enumerate(titles):
            track_id = _base62_id("synthetic-track", artist_id, str(number))
            collaborates = rng.random() < self._spec.collaboration_rate or (
                forced_collaboration and number == 0
            )
            partner = self._partner(index, number) if collaborates else None
            tracks.append(
                Track(
                    id=track_id,
                    artist_id=artist_id,
                    name=f"{_ADJECTIVES[title // len(_TITLE_WORDS)]}"
                    f" {_TITLE_WORDS[title % len(_TITLE_WORDS)]}",
                    popularity=track_popularity[number],
                    spotify_url=f"{_SPOTIFY_WEB}/track/{track_id}",
                    credits=(artist_id,)
                    if partner is None
                    else (artist_id, synthetic_artist_id(partner, self._spec.seed)),
                )
            )
        return tuple(tracks)

    def _partner(self, index: int, track_number: int) -> int | None:
        """Another artist of the catalog for this track: of the same primary genre when one
        is near a random starting point, else of a related one, else whoever is there."""
        size = self._spec.artists
        if size < 2:
            return None
        draw = _splitmix(self._partner_key + index * _MAX_TOP_TRACKS + track_number)
        start = draw % size
        primary = self.primary_rank(index)
        low, high = self._tables.interval(primary)
        related = self._tables.related_sets[primary]
        fallback = None
        for step in range(min(_PARTNER_SEARCH, size)):
            candidate = (start + step) % size
            if candidate == index:
                continue
            candidate_draw = self._primary_draw(candidate)
            if low <= candidate_draw < high:
                return candidate
            if fallback is None and (
                bisect_right(self._tables.thresholds, candidate_draw) in related
            ):
                fallback = candidate
        if fallback is not None:
            return fallback
        return start if start != index else (start + 1) % size


def _audio_features(
    tracks: Sequence[Track], profile: Sound, rng: random.Random
) -> tuple[AudioFeatures, ...]:
    # Uniform noise rather than gauss: the shape hardly matters for similarity, and at a
    # million artists gauss alone costs seconds.
    def near(value: float, half_width: float) -> float:
        return min(1.0, max(0.0, value + (2 * rng.random() - 1) * half_width))

    # Each artist has a sound of its own within its genre; its tracks scatter around it.
    centre = Sound(
        danceability=near(profile.danceability, 0.1),
        energy=near(profile.energy, 0.1),
        speechiness=near(profile.speechiness, 0.03),
        acousticness=near(profile.acousticness, 0.1),
        instrumentalness=near(profile.instrumentalness, 0.08),
        valence=near(profile.valence, 0.14),
        tempo=profile.tempo + (2 * rng.random() - 1) * 10,
    )
    features = []
    for track in tracks:
        energy = near(centre.energy, 0.12)
        signature_draw = rng.random()
        features.append(
            AudioFeatures(
                track_id=track.id,
                danceability=near(centre.danceability, 0.12),
                energy=energy,
                key=int(rng.random() * 12),
                loudness=min(0.0, max(-60.0, -22 + 17 * energy + (2 * rng.random() - 1) * 2.5)),
                mode=1 if rng.random() < 0.62 else 0,
                speechiness=near(centre.speechiness, 0.05),
                acousticness=near(centre.acousticness, 0.12),
                instrumentalness=near(centre.instrumentalness, 0.07),
                liveness=0.04 + rng.random() * 0.32,
                valence=near(centre.valence, 0.17),
                tempo=min(220.0, max(50.0, centre.tempo + (2 * rng.random() - 1) * 14)),
                duration_ms=120_000 + int(rng.random() * 210_000),
                time_signature=3 if signature_draw < 0.07 else 5 if signature_draw < 0.08 else 4,
            )
        )
    return tuple(features)


def _name(naming: str, rng: random.Random) -> str:
    share, special = _NAMING_STYLES.get(naming, (0.0, _person_name))
    return special(rng) if rng.random() < share else _person_name(rng)


def _person_name(rng: random.Random) -> str:
    person = f"{rng.choice(_FIRST_NAMES)} {_surname(rng)}"
    return f"{person} & The {rng.choice(_NOUNS)}" if rng.random() < 0.1 else person


def _korean_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        given = f"{rng.choice(_KOREAN_SYLLABLES)}-{rng.choice(_KOREAN_SYLLABLES)}"
        return f"{rng.choice(_KOREAN_SURNAMES)} {given.capitalize()}"
    return _made_up_word(rng, 2, 3).upper()


def _rapper_name(rng: random.Random) -> str:
    return f"{rng.choice(_RAP_PREFIXES)} {_made_up_word(rng, 1, 3)}"


def _ensemble_name(rng: random.Random) -> str:
    return f"The {_surname(rng)} {rng.choice(_ENSEMBLES)}"


def _band_name(rng: random.Random) -> str:
    # Sparingly: the word lists alone give about a thousand names, so they repeat.
    if rng.random() < 0.15:
        return f"The {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    article = "The " if rng.random() < 0.5 else ""
    return f"{article}{_made_up_word(rng, 2, 3)} {rng.choice(_NOUNS)}"


# Per naming of a genre family: how often its own style is used instead of a person's name.
_NAMING_STYLES: dict[str, tuple[float, Callable[[random.Random], str]]] = {
    "korean": (1.0, _korean_name),
    "rapper": (0.6, _rapper_name),
    "ensemble": (0.4, _ensemble_name),
    "band": (0.6, _band_name),
}


def _surname(rng: random.Random) -> str:
    return rng.choice(_LAST_NAMES) if rng.random() < 0.25 else _made_up_word(rng, 2, 3)


def _made_up_word(rng: random.Random, fewest: int, most: int) -> str:
    syllables = rng.randint(fewest, most)
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def _stream_key(seed: int, purpose: str) -> int:
    digest = hashlib.sha256(f"synthetic-catalog\x1f{purpose}\x1f{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _splitmix(value: int) -> int:
    """SplitMix64's finaliser: neighbouring inputs give unrelated 64-bit outputs, in pure
    integer arithmetic that is cheap next to hashing a string."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _base62_id(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return digest[:_ID_LENGTH].translate(_BYTE_TO_BASE62).decode("ascii")
