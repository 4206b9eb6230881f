import pytest

from domain.names import normalize_name


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
