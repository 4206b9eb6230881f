"""Properties of name normalization and resolution over names nobody wrote by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.names import normalize_name
from domain.resolution import Ambiguous, Found, Unknown, resolve
from tests.fakes_names import (
    InMemoryNameIndex,
    StoredArtist,
    catalog_shipped_names,
    catalog_store,
)

STORE = catalog_store()
CATALOG_INDEX = InMemoryNameIndex(STORE, shipped=catalog_shipped_names())
# Artists whose key no other stored artist shares, so typing it can mean only them.
_KEYS = [normalize_name(artist.name) for artist in STORE]
UNIQUELY_NAMED = [artist for artist, key in zip(STORE, _KEYS, strict=True) if _KEYS.count(key) == 1]

# Any code point: lone surrogates, NUL, combining marks, every script.
_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
_FULL_WIDTH_OFFSET = 0xFEE0


def _typed_as(name: str, upper: list[bool], full_width: list[bool], spaces: int) -> str:
    """name as someone might type it: ASCII letters in either case, printable ASCII in full
    width as some keyboards type it, and extra spaces around and between the words."""
    typed = []
    for position, char in enumerate(name):
        cased = char
        if char.isascii() and char.isalpha():
            cased = char.upper() if upper[position % len(upper)] else char.lower()
        widened = full_width[position % len(full_width)] and "!" <= cased <= "~"
        typed.append(chr(ord(cased) + _FULL_WIDTH_OFFSET) if widened else cased)
    padding = " " * spaces
    return padding + "".join(typed).replace(" ", " " + padding) + padding


@given(_any_text)
def test_normalizing_twice_changes_nothing(name: str) -> None:
    # When a normalized key is normalized again / Then it stays the same key
    key = normalize_name(name)
    assert normalize_name(key) == key


@given(_any_text)
def test_a_key_has_no_outer_or_double_spaces_and_no_upper_case(name: str) -> None:
    # When any text is normalized
    key = normalize_name(name)
    # Then its words are lower case and separated by single spaces
    assert key == " ".join(key.split(" ")) == key.strip()
    assert "  " not in key
    assert key == key.casefold()


@given(_any_text)
def test_resolution_answers_anything_typed(query: str) -> None:
    # When anything at all is typed
    resolution = resolve(query, CATALOG_INDEX)
    # Then the bot has an answer of one of its three kinds, never an error
    assert isinstance(resolution, Found | Ambiguous | Unknown)
    if isinstance(resolution, Found):
        assert 0 < resolution.confidence <= 1
    if not normalize_name(query):
        assert resolution == Unknown(search_as=" ".join(query.split()))


@given(
    st.sampled_from(UNIQUELY_NAMED),
    st.lists(st.booleans(), min_size=1, max_size=8),
    st.lists(st.booleans(), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=3),
)
def test_a_stored_name_resolves_to_its_artist_however_it_is_cased_spaced_or_widened(
    artist: StoredArtist, upper: list[bool], full_width: list[bool], spaces: int
) -> None:
    # Given a stored artist's name typed with other case, width and spacing
    typed = _typed_as(artist.name, upper, full_width, spaces)
    # When it is resolved
    resolution = resolve(typed, CATALOG_INDEX)
    # Then it is that artist, exactly
    assert isinstance(resolution, Found)
    assert (resolution.artist_id, resolution.exact) == (artist.id, True)
