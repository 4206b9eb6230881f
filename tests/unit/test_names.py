import pytest

from domain.models import NameCandidate
from domain.names import match_words, name_trigrams, normalize_name, rank_candidates


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Drake", "drake"),
        ("DRAKE", "drake"),
        ("  drake  ", "drake"),
        ("Ｄｒａｋｅ", "drake"),  # full-width letters, as some Korean keyboards type them
        ("Beyoncé", "beyonce"),
        ("Mötley Crüe", "motley crue"),
        ("motley crue", "motley crue"),
        ("Björk", "bjork"),
        ("AC/DC", "ac dc"),
        ("Guns N' Roses", "guns n roses"),
        ("will.i.am", "will i am"),
        ("Simon & Garfunkel", "simon and garfunkel"),
        ("SHINee", "shinee"),
        ("에스파", "에스파"),
        ("방탄소년단", "방탄소년단"),
        ("?!", ""),
    ],
)
def test_typed_names_share_the_key_of_their_spelling(typed: str, key: str) -> None:
    # Given a name as a person types it / When it is normalized
    normalized = normalize_name(typed)
    # Then case, width, accents, punctuation and spacing no longer matter
    assert normalized == key


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("the beatles", ("beatles",)),
        ("guns n roses", ("guns", "roses")),
        ("florence and the machine", ("florence", "machine")),
        ("the the", ("the", "the")),
        ("에스파", ("에스파",)),
        ("", ()),
    ],
)
def test_filler_words_do_not_count_unless_they_are_the_whole_name(
    key: str, words: tuple[str, ...]
) -> None:
    # When a key is split into the words that tell names apart
    matched = match_words(key)
    # Then "the", "and" and "n" are left out, unless nothing else remains
    assert matched == words


def test_trigrams_are_padded_and_taken_from_each_word_and_from_all_run_together() -> None:
    # When the trigrams of a two-word key are taken
    trigrams = name_trigrams("ac dc")
    # Then each word and the run-together letters give theirs
    assert trigrams == {"  a", " ac", "ac ", "  d", " dc", "dc ", "acd", "cdc"}


def test_spacing_and_filler_words_barely_change_the_trigrams() -> None:
    # When spellings of the same names are compared
    acdc, ac_dc = name_trigrams("acdc"), name_trigrams("ac dc")
    # Then run-together letters share all their trigrams with the spaced name
    assert acdc <= ac_dc
    assert name_trigrams("beatles") == name_trigrams("the beatles")
    assert name_trigrams("guns and roses") == name_trigrams("guns n roses")


def test_trigrams_of_hangul_are_taken_by_syllable() -> None:
    # When a Hangul key is split
    trigrams = name_trigrams("에스파")
    # Then its syllables are the characters
    assert trigrams == {"  에", " 에스", "에스파", "스파 "}
    assert name_trigrams("") == frozenset()


def _name(key: str, artist_id: str, popularity: int | None = None) -> NameCandidate:
    return NameCandidate(key=key, artist_id=artist_id, artist_name=key, popularity=popularity)


def test_candidates_rank_by_shared_trigrams_then_by_fewest_trigrams() -> None:
    # Given names close to and far from "metalica"
    names = [
        _name("metal church", "church"),
        _name("metallica", "metallica"),
        _name("blur", "blur"),
        _name("metalica", "typo-named"),
    ]
    # When candidates for "metalica" are ranked
    ranked = rank_candidates("metalica", names, limit=10)
    # Then the exact key comes first, then the closest, and names sharing nothing are left out
    assert [name.artist_id for name in ranked] == ["typo-named", "metallica", "church"]


def test_candidates_of_one_key_rank_by_popularity_then_id_unstored_last() -> None:
    # Given one key used by stored artists of all popularities and by a shipped name
    names = [
        NameCandidate(key="big bang", artist_id="", artist_name="BIGBANG"),
        _name("big bang", "b", popularity=None),
        _name("big bang", "c", popularity=20),
        _name("big bang", "a", popularity=None),
        _name("big bang", "d", popularity=70),
    ]
    # When candidates are ranked
    ranked = rank_candidates("big bang", names, limit=10)
    # Then the order is fully determined
    assert [name.artist_id for name in ranked] == ["d", "c", "a", "b", ""]


def test_candidates_stop_at_the_limit_and_list_each_name_once() -> None:
    # Given the same name twice and others
    names = [_name("drake", "drake"), _name("drake", "drake"), _name("nick drake", "nick")]
    # When fewer candidates than names are asked for
    one = rank_candidates("drake", names, limit=1)
    every = rank_candidates("drake", names, limit=10)
    # Then the limit holds and duplicates collapse
    assert [name.artist_id for name in one] == ["drake"]
    assert [name.artist_id for name in every] == ["drake", "nick"]
