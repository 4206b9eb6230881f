from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from domain import resolution as resolution_module
from domain.models import NameCandidate
from domain.resolution import (
    ACCEPT_SCORE,
    CANDIDATE_LIMIT,
    MAX_OPTIONS,
    Ambiguous,
    Found,
    Resolution,
    Unknown,
    resolve,
)
from tests.fakes_names import (
    InMemoryNameIndex,
    StoredArtist,
    artist_id_for,
    catalog_shipped_names,
    catalog_store,
    stored_artists,
)

CATALOG_INDEX = InMemoryNameIndex(catalog_store(), shipped=catalog_shipped_names())


@dataclass(frozen=True)
class FoundName:
    name: str


@dataclass(frozen=True)
class AmbiguousAmong:
    names: frozenset[str]


@dataclass(frozen=True)
class SearchSpotifyFor:
    search_as: str


Expected = FoundName | AmbiguousAmong | SearchSpotifyFor


def among(*names: str) -> AmbiguousAmong:
    return AmbiguousAmong(frozenset(names))


def outcome(resolution: Resolution) -> Expected:
    match resolution:
        case Found(artist_name=name):
            return FoundName(name)
        case Ambiguous(options=options):
            return among(*(option.artist_name for option in options))
        case Unknown(search_as=search_as):
            return SearchSpotifyFor(search_as)


SPELLINGS = [
    # Case, width, accents
    ("Beyonce", FoundName("Beyoncé")),
    ("BEYONCÉ", FoundName("Beyoncé")),
    ("Motley Crue", FoundName("Mötley Crüe")),
    ("motley crue", FoundName("Mötley Crüe")),
    ("bjork", FoundName("Björk")),
    ("Ｂｊｏｒｋ", FoundName("Björk")),
    # Punctuation, spacing and filler words
    ("acdc", FoundName("AC/DC")),
    ("AC DC", FoundName("AC/DC")),
    ("AC/DC", FoundName("AC/DC")),
    ("ac-dc", FoundName("AC/DC")),
    ("guns n roses", FoundName("Guns N' Roses")),
    ("Guns N' Roses", FoundName("Guns N' Roses")),
    ("guns and roses", FoundName("Guns N' Roses")),
    ("Guns & Roses", FoundName("Guns N' Roses")),
    ("gunsnroses", FoundName("Guns N' Roses")),
    ("will i am", FoundName("will.i.am")),
    ("Will.I.Am", FoundName("will.i.am")),
    ("william orbit", FoundName("William Orbit")),
    ("beatles", FoundName("The Beatles")),
    ("the beatles", FoundName("The Beatles")),
    ("thebeatles", FoundName("The Beatles")),
    ("the weeknd", FoundName("The Weeknd")),
    ("weeknd", FoundName("The Weeknd")),
    ("rolling stones", FoundName("The Rolling Stones")),
    ("Florence and the Machine", FoundName("Florence + The Machine")),
    ("BeeGees", FoundName("Bee Gees")),
    # Typos
    ("Metalica", FoundName("Metallica")),
    ("Metallika", FoundName("Metallica")),
    ("Rihana", FoundName("Rihanna")),
    ("Led Zepelin", FoundName("Led Zeppelin")),
    ("Led Zeplin", FoundName("Led Zeppelin")),
    ("Beyonse", FoundName("Beyoncé")),
    ("Eminen", FoundName("Eminem")),
    ("The Weekend", FoundName("The Weeknd")),
    ("Nirvanna", FoundName("Nirvana")),
    ("Micheal Jackson", FoundName("Michael Jackson")),
    ("Jimmy Hendrix", FoundName("Jimi Hendrix")),
    ("Arianna Grande", FoundName("Ariana Grande")),
    ("Justin Beiber", FoundName("Justin Bieber")),
    ("Taylor Swfit", FoundName("Taylor Swift")),
    ("Kendrik Lamar", FoundName("Kendrick Lamar")),
    ("Lynard Skynard", FoundName("Lynyrd Skynyrd")),
    ("Red Hot Chilli Peppers", FoundName("Red Hot Chili Peppers")),
    ("Snoop Dog", FoundName("Snoop Dogg")),
    ("Iron Maden", FoundName("Iron Maiden")),
    ("Pink Floid", FoundName("Pink Floyd")),
    ("Nat King Kole", FoundName("Nat King Cole")),
    ("Qeen", FoundName("Queen")),
    ("stix", FoundName("Styx")),
    ("Drak", FoundName("Drake")),
    # An exact name is never ambiguous with names that contain it
    ("drake", FoundName("Drake")),
    ("nick drake", FoundName("Nick Drake")),
    ("common", FoundName("Common")),
    ("eagles", FoundName("Eagles")),
    ("diana ross", FoundName("Diana Ross")),
    # About equally close to several artists: ask back
    ("william", among("will.i.am", "William Orbit")),
    ("williams", among("John Williams", "Lucinda Williams", "Robbie Williams")),
    ("cash", among("Johnny Cash", "Rosanne Cash", "The Clash")),
    ("bush", among("Kate Bush", "Rush")),
    ("crue", among("Mötley Crüe", "The Cure")),
    ("dream", among("Tangerine Dream", "Cream")),
    ("heat", among("Canned Heat", "Heart")),
    ("toots", among("Toots & The Maytals", "The Roots")),
    ("the rooks", among("The Kooks", "The Roots")),
    ("doots", among("The Doors", "The Roots")),
    ("kioks", among("The Kinks", "The Kooks")),
    ("beagles", among("The Beatles", "Eagles")),
    # Only part of a name: maybe another artist the bot has not stored yet, so ask Spotify
    ("zeppelin", SearchSpotifyFor("zeppelin")),
    ("kanye", SearchSpotifyFor("kanye")),
    ("elvis", SearchSpotifyFor("elvis")),
    ("michael", SearchSpotifyFor("michael")),
    ("bangtan", SearchSpotifyFor("bangtan")),
    # Other scripts and other names, for Korean artists already stored
    ("에스파", FoundName("aespa")),
    ("방탄소년단", FoundName("BTS")),
    ("Bangtan Boys", FoundName("BTS")),
    ("아이유", FoundName("IU")),
    ("Lee Ji-eun", FoundName("IU")),
    ("빅뱅", FoundName("BIGBANG")),
    ("Big Bang", FoundName("BIGBANG")),
    ("트와이스", FoundName("TWICE")),
    # ... and for those not stored yet: search Spotify for the name they go by there
    ("블랙핑크", SearchSpotifyFor("BLACKPINK")),
    ("blakpink", SearchSpotifyFor("BLACKPINK")),
    ("SNSD", SearchSpotifyFor("Girls' Generation")),
    ("소녀시대", SearchSpotifyFor("Girls' Generation")),
    ("샤이니", SearchSpotifyFor("SHINee")),
    ("GIDLE", SearchSpotifyFor("(G)I-DLE")),
    ("(여자)아이들", SearchSpotifyFor("(G)I-DLE")),
    ("스키즈", SearchSpotifyFor("Stray Kids")),
    ("TXT", SearchSpotifyFor("TOMORROW X TOGETHER")),
    # Nothing close enough: search Spotify for what was typed
    ("Fleetwood Mac", SearchSpotifyFor("Fleetwood Mac")),
    ("Ed Sheeran", SearchSpotifyFor("Ed Sheeran")),
    ("Lady Gaga", SearchSpotifyFor("Lady Gaga")),
    ("James Blunt", SearchSpotifyFor("James Blunt")),
    ("Billie Eilish", SearchSpotifyFor("Billie Eilish")),
    ("Simon and Garfunkel", SearchSpotifyFor("Simon and Garfunkel")),
    ("Blondy", SearchSpotifyFor("Blondy")),
    ("Nes", SearchSpotifyFor("Nes")),
    ("tom", SearchSpotifyFor("tom")),
    ("  Dua   Lipa ", SearchSpotifyFor("Dua Lipa")),
]


@pytest.mark.parametrize(("typed", "expected"), SPELLINGS, ids=[typed for typed, _ in SPELLINGS])
def test_a_typed_name_resolves_to_the_artist_people_mean(typed: str, expected: Expected) -> None:
    # Given the catalog's artists, some Korean acts stored and the rest shipped as names
    # When a person's spelling is resolved
    resolution = resolve(typed, CATALOG_INDEX)
    # Then it is the artist they meant, a question back, or a Spotify search for the right name
    assert outcome(resolution) == expected


def test_the_table_covers_every_kind_of_outcome_in_number() -> None:
    # Given the spellings above / When they are counted by outcome
    kinds = [type(expected) for _, expected in SPELLINGS]
    # Then there are enough of each to mean something
    assert len(SPELLINGS) >= 60
    assert kinds.count(FoundName) >= 40
    assert kinds.count(AmbiguousAmong) >= 10
    assert kinds.count(SearchSpotifyFor) >= 20


class CountingIndex:
    """A NameIndex that answers from another and records what it was asked."""

    def __init__(self, inner: InMemoryNameIndex) -> None:
        self.inner = inner
        self.asked: list[tuple[str, int]] = []

    def candidates(self, key: str, limit: int) -> list[NameCandidate]:
        self.asked.append((key, limit))
        return self.inner.candidates(key, limit)

    def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
        return self.inner.exact(keys)


def test_a_resolution_asks_the_index_once_for_a_bounded_number_of_candidates() -> None:
    # Given an index that counts queries
    index = CountingIndex(CATALOG_INDEX)
    # When a misspelled name is resolved
    resolution = resolve("Metalica", index)
    # Then one query for the normalized key was enough
    assert isinstance(resolution, Found)
    assert index.asked == [("metalica", CANDIDATE_LIMIT)]


def test_text_with_no_letters_is_unknown_without_asking_the_index() -> None:
    # Given an index that counts queries
    index = CountingIndex(CATALOG_INDEX)
    # When only punctuation is typed
    resolution = resolve(" ?! ", index)
    # Then there is nothing to look up
    assert resolution == Unknown(search_as="?!")
    assert index.asked == []


def test_an_exact_name_is_found_with_full_confidence_and_its_key() -> None:
    # When a stored name is typed with different case and accents
    resolution = resolve("MOTLEY CRUE", CATALOG_INDEX)
    # Then it is exact
    assert resolution == Found(
        artist_id=artist_id_for("Mötley Crüe"),
        artist_name="Mötley Crüe",
        key="motley crue",
        confidence=1.0,
        exact=True,
    )


def test_a_typo_is_found_with_less_than_full_confidence_but_enough() -> None:
    # When a name is typed with one letter missing
    resolution = resolve("Rihana", CATALOG_INDEX)
    # Then it is found, not exact, with the confidence its spelling earns
    assert isinstance(resolution, Found)
    assert not resolution.exact
    assert ACCEPT_SCORE <= resolution.confidence < 1
    assert resolution.key == "rihanna"


def test_a_shipped_name_finds_its_artist_only_once_the_artist_is_stored() -> None:
    # Given the shipped Korean names, and no Korean artist stored
    shipped = catalog_shipped_names()
    before = InMemoryNameIndex(stored_artists("Drake"), shipped=shipped)
    # When the Hangul name of aespa is typed before and after aespa is stored
    unknown = resolve("에스파", before)
    after = InMemoryNameIndex(stored_artists("Drake", "aespa"), shipped=shipped)
    found = resolve("에스파", after)
    # Then Spotify is first searched for the name aespa goes by, then the stored artist found
    assert unknown == Unknown(search_as="aespa", shipped=True)
    assert found == Found(
        artist_id=artist_id_for("aespa"),
        artist_name="aespa",
        key="에스파",
        confidence=1.0,
        exact=True,
    )


def test_an_alias_people_taught_the_bot_is_exact() -> None:
    # Given an alias learned from an earlier Spotify search
    index = InMemoryNameIndex(stored_artists("Drake"), aliases={"drizzy": artist_id_for("Drake")})
    # When it is typed
    resolution = resolve("Drizzy", index)
    # Then it finds that artist exactly
    assert resolution == Found(
        artist_id=artist_id_for("Drake"),
        artist_name="Drake",
        key="drizzy",
        confidence=1.0,
        exact=True,
    )


def test_an_exact_name_wins_even_over_a_more_popular_artist_whose_name_contains_it() -> None:
    # Given Nick Drake made far more popular than Drake
    index = InMemoryNameIndex(
        [
            StoredArtist("drake", "Drake", popularity=10),
            StoredArtist("nick-drake", "Nick Drake", popularity=99),
        ]
    )
    # When "drake" is typed
    resolution = resolve("drake", index)
    # Then it is Drake
    assert isinstance(resolution, Found)
    assert resolution.artist_id == "drake"


def test_an_exact_name_is_found_without_comparing_spellings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given names that share most letters with what is typed, and spelling comparisons
    # that fail the test if any is made
    index = InMemoryNameIndex(
        [
            StoredArtist("drake", "Drake", popularity=10),
            StoredArtist("nick-drake", "Nick Drake", popularity=99),
            StoredArtist("drakeo", "Drakeo the Ruler", popularity=50),
        ]
    )

    def compared(source: str, target: str, most: int) -> int:
        raise AssertionError(f"compared {source!r} with {target!r}")

    monkeypatch.setattr(resolution_module, "_edit_distance", compared)
    # When a stored name is typed as it is
    resolution = resolve("Drake", index)
    # Then it is found exactly, with no typo scoring of the other candidates
    assert isinstance(resolution, Found)
    assert (resolution.artist_id, resolution.exact) == ("drake", True)


def test_two_artists_with_the_same_name_resolve_to_the_more_popular() -> None:
    # Given two bands called Nirvana
    index = InMemoryNameIndex(
        [
            StoredArtist("nirvana-uk", "Nirvana", popularity=35),
            StoredArtist("nirvana-us", "Nirvana", popularity=80),
        ]
    )
    # When "nirvana" is typed
    resolution = resolve("nirvana", index)
    # Then the bot answers with the one people mean most often, without a pointless question
    assert isinstance(resolution, Found)
    assert resolution.artist_id == "nirvana-us"


def test_ambiguous_options_come_closest_first_then_most_popular_first() -> None:
    # Given two Cashes, the less popular listed first, and The Clash the most popular of all
    index = InMemoryNameIndex(
        [
            StoredArtist("rosanne", "Rosanne Cash", popularity=40),
            StoredArtist("johnny", "Johnny Cash", popularity=80),
            StoredArtist("clash", "The Clash", popularity=90),
        ]
    )
    # When "cash" is typed
    resolution = resolve("cash", index)
    # Then the Cashes, whose name holds the word as typed, come by popularity, and The Clash,
    # one letter away, after them
    assert isinstance(resolution, Ambiguous)
    assert [option.artist_id for option in resolution.options] == ["johnny", "rosanne", "clash"]


def test_asking_back_offers_at_most_a_few_options() -> None:
    # When a word three catalog names end with, one letter from will.i.am, is typed
    resolution = resolve("williams", CATALOG_INDEX)
    # Then only the closest few are offered, each once
    assert isinstance(resolution, Ambiguous)
    names = [option.artist_name for option in resolution.options]
    assert len(names) == len(set(names)) == MAX_OPTIONS
    assert all(name.endswith("Williams") for name in names)


def test_part_of_a_name_alone_is_left_to_spotify() -> None:
    # Given the bot knows Nick Drake but not Drake
    index = InMemoryNameIndex([StoredArtist("nick", "Nick Drake", popularity=60)])
    # When "drake" is typed
    resolution = resolve("drake", index)
    # Then Spotify is asked, since Drake himself may be meant
    assert resolution == Unknown(search_as="drake")


def test_an_artist_matched_by_several_of_its_names_is_offered_once() -> None:
    # Given Johnny Cash known by his name and an alias, and The Clash
    index = InMemoryNameIndex(
        [StoredArtist("johnny", "Johnny Cash"), StoredArtist("clash", "The Clash")],
        aliases={"johnny r cash": "johnny"},
    )
    # When "cash" is typed
    resolution = resolve("cash", index)
    # Then the question names each artist once
    assert isinstance(resolution, Ambiguous)
    assert [option.artist_id for option in resolution.options] == ["johnny", "clash"]


def test_a_stored_artist_beats_a_shipped_name_with_the_same_key() -> None:
    # Given a stored band called Big Bang, and BIGBANG (alias "Big Bang") only shipped
    shipped = [name for name in catalog_shipped_names() if name.canonical_key == "bigbang"]
    index = InMemoryNameIndex([StoredArtist("swedish", "Big Bang", popularity=30)], shipped=shipped)
    # When "big bang" is typed
    resolution = resolve("big bang", index)
    # Then the stored artist answers: it needs no Spotify call
    assert isinstance(resolution, Found)
    assert resolution.artist_id == "swedish"


def test_resolution_works_on_whatever_an_index_returns_in_any_order() -> None:
    # Given an index that returns every name unranked, as a small fake may
    class EveryName:
        def candidates(self, key: str, limit: int) -> list[NameCandidate]:
            return [
                NameCandidate(key="nick drake", artist_id="nick", artist_name="Nick Drake"),
                NameCandidate(key="metallica", artist_id="metallica", artist_name="Metallica"),
                NameCandidate(key="drake", artist_id="drake", artist_name="Drake"),
            ]

        def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
            return [name for name in self.candidates("", 0) if name.key in keys]

    # When a typo is resolved
    resolution = resolve("drak", EveryName())
    # Then scoring, not the order given, picks the artist
    assert isinstance(resolution, Found)
    assert resolution.artist_id == "drake"


@pytest.mark.parametrize(
    ("unknown", "known_lookalike"),
    [("The Isley Brothers", "The Walker Brothers"), ("The Ruts", "The Roots")],
)
def test_an_unknown_artist_that_merely_looks_like_known_ones_is_left_to_spotify(
    unknown: str, known_lookalike: str
) -> None:
    # Given the catalog without the artist, but with look-alikes sharing "the" or a long word
    stored = [artist for artist in catalog_store() if artist.name != unknown]
    assert known_lookalike in {artist.name for artist in stored}
    # When someone types the artist's name
    resolution = resolve(unknown, InMemoryNameIndex(stored))
    # Then the bot neither guesses a look-alike nor asks back about them
    assert resolution == Unknown(search_as=unknown)
