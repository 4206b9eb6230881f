"""Song requests: what counts as one, how titles are matched, and the cards that answer."""

from __future__ import annotations

import pytest

from domain.models import Track
from domain.replies import BUTTON_TITLE_LIMIT, CAROUSEL_LIMIT, SUBTITLE_LIMIT, TITLE_LIMIT
from domain.songs import normalize_title, parse_song_request, song_cards
from tests.fakes import artist


def track(track_id: str, artist_id: str, name: str | None = None) -> Track:
    return Track(
        id=track_id,
        artist_id=artist_id,
        name=name or f"Song {track_id}",
        popularity=50,
        spotify_url=f"https://open.spotify.com/track/{track_id}",
    )


def tracks_of(artist_id: str, count: int) -> list[Track]:
    return [track(f"{artist_id}-{number}", artist_id) for number in range(1, count + 1)]


# Recognising requests


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("songs like California Love", "California Love"),
        ("song like california love", "california love"),
        ("SONGS   LIKE   California   Love", "California Love"),
        ("music like Hotel California", "Hotel California"),
        ("tracks similar to Dynamite", "Dynamite"),
        ("something like Bohemian Rhapsody", "Bohemian Rhapsody"),
        ("anything like Hey Jude?", "Hey Jude"),
        ("songs that sound like Yesterday", "Yesterday"),
        ("similar songs to Smells Like Teen Spirit", "Smells Like Teen Spirit"),
        ("can you recommend me some songs like California Love?", "California Love"),
        ("recommend songs like the song Hello please", "Hello"),
        ('songs like "California Love"', "California Love"),
        ("songs like Like a Rolling Stone", "Like a Rolling Stone"),
        ("songs like Songs: Ohia", "Songs: Ohia"),
        # An artist's name: the caller tries it as a title first, then as an artist.
        ("songs like Drake", "Drake"),
        ("California Love 같은 노래", "California Love"),
        ("California Love 비슷한 노래", "California Love"),
        ("California Love랑 비슷한 노래 좀 추천해줘", "California Love"),
        ("california love 같은 곡 있어?", "california love"),
        ("노래 추천 California Love", "California Love"),
        ("노래 추천해줘: 봄날", "봄날"),
        ("봄날과 비슷한 노래", "봄날"),
        ("아이유랑 비슷한 음악", "아이유"),
        # 과 after a syllable without a final consonant is part of the word, not a particle.
        ("사과 같은 노래", "사과"),
        ("첫사랑 같은 노래", "첫사랑"),
        ("Dynamite 같은 거 추천해 주세요", "Dynamite"),
    ],
)
def test_requests_for_songs_give_the_title_as_typed(typed: str, title: str) -> None:
    # When
    parsed = parse_song_request(typed)

    # Then
    assert parsed == title


@pytest.mark.parametrize(
    "typed",
    [
        "Drake",
        "Songs: Ohia",
        "Songs Ohia",
        "The Songs",
        "Song Ga In",
        "Roxy Music",
        "Something Corporate",
        "songs",
        "songs like",
        "songs like ?!",
        "songs like this",
        "something like that",
        "artists like Drake",
        "I like Drake",
        "아이유",
        "노래",
        "노래방",
        "노래 추천",
        "",
    ],
)
def test_artist_names_and_other_messages_are_not_song_requests(typed: str) -> None:
    # When
    parsed = parse_song_request(typed)

    # Then
    assert parsed is None


# Matching titles


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("California Love - Original Version", "california love"),
        ("California Love", "california love"),
        ("Hit 'Em Up - Single Version", "hit em up"),
        ("Yesterday - Remastered 2009", "yesterday"),
        ("Hey Jude - 2015 Remaster", "hey jude"),
        ("Remember The Name (feat. Eminem & 50 Cent)", "remember the name"),
        ("Stay [with Justin Bieber]", "stay"),
        ("Halo (Live)", "halo"),
        ("Song feat. Someone Else", "song"),
        (
            'I Don\'t Want to Miss a Thing - From "Armageddon" Soundtrack',
            "i dont want to miss a thing",
        ),
        (
            "I'll Play The Blues For You - Album Version - (Parts 1 & 2)",
            "ill play the blues for you",
        ),
        ("Ob-La-Di, Ob-La-Da - Remastered 2009", "ob la di ob la da"),
        ("봄날 - Remix", "봄날"),
        # Brackets and dashes that belong to the song's name stay.
        ("Many Men (Wish Death)", "many men wish death"),
        ("(This Ain’t No) Drunk Dial", "this aint no drunk dial"),
        ("The Look Of Love - Pt. 1", "the look of love pt 1"),
        # A title that is nothing but a note keeps it.
        ("(Live)", "live"),
    ],
)
def test_titles_match_without_the_notes_about_one_recording(title: str, key: str) -> None:
    # When
    normalized = normalize_title(title)

    # Then
    assert normalized == key


# Cards


def test_cards_take_turns_across_artists_so_none_fills_the_carousel() -> None:
    # Given one artist with many tracks and two with a few
    seed = artist("seed", "2Pac", "hip hop")
    prolific, second, third = (
        artist("a", "Prolific"),
        artist("b", "Second"),
        artist("c", "Third"),
    )
    tracks = {"a": tracks_of("a", 10), "b": tracks_of("b", 2), "c": tracks_of("c", 1)}

    # When
    reply = song_cards(tracks, [prolific, second, third], seed)

    # Then every artist's best track comes before anyone's second
    titles = [card.title for card in reply.cards]
    assert titles[:3] == ["Song a-1", "Song b-1", "Song c-1"]
    assert titles[3:5] == ["Song a-2", "Song b-2"]
    assert titles[5:] == [f"Song a-{n}" for n in range(3, 8)]
    assert len(reply.cards) == CAROUSEL_LIMIT


def test_a_card_shows_the_track_its_artist_and_a_play_button() -> None:
    # Given
    seed = artist("seed", "2Pac", "hip hop")
    similar = artist("dre", "Dr. Dre", "hip hop")
    still = track("still", "dre", "Still D.R.E.")

    # When
    reply = song_cards({"dre": [still]}, [similar], seed, "en")

    # Then
    (card,) = reply.cards
    assert card.title == "Still D.R.E."
    assert card.subtitle == "Dr. Dre · similar to 2Pac"
    assert card.image_url == similar.image_url
    (button,) = card.buttons
    assert (button.kind, button.title, button.url) == (
        "web_url",
        "Play on Spotify",
        still.spotify_url,
    )


def test_korean_cards_speak_korean() -> None:
    # Given
    seed = artist("seed", "아이유", "k-pop")
    similar = artist("akmu", "AKMU", "k-pop")

    # When
    reply = song_cards({"akmu": tracks_of("akmu", 1)}, [similar], seed, "ko")

    # Then
    (card,) = reply.cards
    assert card.subtitle == "AKMU · 아이유와(과) 비슷한 아티스트"
    assert card.buttons[0].title == "Spotify에서 듣기"


def test_cards_keep_messengers_limits_however_long_the_names() -> None:
    # Given
    seed = artist("seed", "S" * 90)
    similar = [artist(f"s{n}", f"Artist with a very long name number {n} " * 3) for n in range(12)]
    tracks = {one.id: [track(f"{one.id}-t", one.id, "T" * 120)] for one in similar}

    # When
    reply = song_cards(tracks, similar, seed, "en", limit=50)

    # Then
    assert len(reply.cards) == CAROUSEL_LIMIT
    for card in reply.cards:
        assert len(card.title) <= TITLE_LIMIT
        assert card.title.endswith("…")
        assert len(card.subtitle) <= SUBTITLE_LIMIT
        assert all(len(button.title) <= BUTTON_TITLE_LIMIT for button in card.buttons)


def test_the_same_song_twice_is_shown_once() -> None:
    # Given a remaster next to the original, and a collaboration listed under both artists
    first, second = artist("a", "First"), artist("b", "Second")
    duet = track("duet", "a", "Together")
    tracks = {
        "a": [track("hit", "a", "Hit"), track("hit-2011", "a", "Hit - Remastered 2011"), duet],
        "b": [duet, track("solo", "b", "Solo")],
    }

    # When
    reply = song_cards(tracks, [first, second])

    # Then
    assert [card.title for card in reply.cards] == ["Hit", "Together", "Solo"]


def test_a_smaller_limit_shows_fewer_cards_and_artists_without_tracks_are_skipped() -> None:
    # Given
    quiet, busy = artist("quiet", "Quiet"), artist("busy", "Busy")

    # When
    reply = song_cards({"busy": tracks_of("busy", 5)}, [quiet, busy], limit=3)

    # Then
    assert [card.title for card in reply.cards] == ["Song busy-1", "Song busy-2", "Song busy-3"]
    assert {card.subtitle for card in reply.cards} == {"Busy"}


def test_no_tracks_at_all_give_no_cards() -> None:
    # When
    reply = song_cards({}, [artist("a", "Silent")], artist("seed", "Seed"))

    # Then
    assert reply.cards == ()
