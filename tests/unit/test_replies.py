from domain import payloads
from domain.models import NameCandidate
from domain.replies import (
    BUTTON_TITLE_LIMIT,
    CAROUSEL_LIMIT,
    QUICK_REPLY_TITLE_LIMIT,
    SUBTITLE_LIMIT,
    TITLE_LIMIT,
    did_you_mean,
    language_of,
    more_artists,
    recommendation,
    song_follow_ups,
)
from tests.fakes import artist


def test_the_asked_artist_comes_first_then_similar_ones_within_messenger_limits() -> None:
    # Given an artist with many genres, a very long name, and twelve similar artists
    asked = artist("a", "A" * 120, *[f"genre number {i}" for i in range(12)])
    similar = [artist(f"s{i}", f"Similar artist with a long name {i}", "pop") for i in range(12)]
    # When the recommendation is built, in either language
    for language in ("en", "ko"):
        reply = recommendation(asked, similar, language, songs_offered=True)
        # Then it holds at most ten cards, the asked artist first, each within the limits
        assert len(reply.cards) == CAROUSEL_LIMIT
        assert reply.cards[0].title.startswith("AAA")
        assert reply.cards[1].title == "Similar artist with a long name 0"
        for card in reply.cards:
            assert len(card.title) <= TITLE_LIMIT
            assert len(card.subtitle) <= SUBTITLE_LIMIT
            assert all(len(button.title) <= BUTTON_TITLE_LIMIT for button in card.buttons)
            assert card.buttons[0].url
            assert card.buttons[0].url.startswith("https://open.spotify.com/")
        assert all(len(q.title) <= QUICK_REPLY_TITLE_LIMIT for q in reply.quick_replies)
        assert reply.cards[0].subtitle.endswith("…")


def test_korean_users_get_korean_buttons() -> None:
    reply = recommendation(artist("a", "아이유", "k-pop"), [], "ko", songs_offered=True)
    assert [b.title for b in reply.cards[0].buttons] == [
        "Spotify에서 열기",
        "비슷한 아티스트 더 보기",
    ]
    assert reply.quick_replies[0].payload == payloads.songs_like("a", "ko")


def test_songs_are_not_offered_when_they_cannot_be_found() -> None:
    # Given an artist with a similar one, whose songs cannot be read
    asked, similar = artist("a", "Drake", "rap"), artist("s", "Future", "trap")

    # When the recommendation is built without songs
    reply = recommendation(asked, [similar], "en", songs_offered=False)

    # Then the only quick reply asks for more like the closest artist
    assert [q.payload for q in reply.quick_replies] == [payloads.show_artist("s", "en")]


def test_did_you_mean_offers_each_option_as_a_quick_reply() -> None:
    # Given two stored artists and one the bot knows only by the name it ships
    options = [
        NameCandidate(key="nick drake", artist_id="n", artist_name="Nick Drake"),
        NameCandidate(key="drake", artist_id="d", artist_name="Drake"),
        NameCandidate(key="taeyeon", artist_id="", artist_name="TAEYEON"),
    ]
    # When the bot asks back / Then each stored one is shown by ID, the other looked up by name
    reply = did_you_mean(options, "en")
    assert reply.text == "Did you mean one of these?"
    assert [(q.title, q.payload) for q in reply.quick_replies] == [
        ("Nick Drake", payloads.show_artist("n", "en")),
        ("Drake", payloads.show_artist("d", "en")),
        ("TAEYEON", payloads.look_up("TAEYEON", "en")),
    ]


def test_hangul_anywhere_means_korean() -> None:
    assert language_of("에스파") == "ko"
    assert language_of("songs like 아이유") == "ko"
    assert language_of("ㅋㅋ") == "ko"
    assert language_of("Beyoncé") == "en"
    assert language_of("Ｄｒａｋｅ") == "en"


def test_later_pages_and_songs_offer_the_next_page_and_the_other_kind() -> None:
    # Given an artist with a long Korean name and a full second page of similar artists
    seed = artist("seed", "아주 아주 긴 이름의 밴드와 그 친구들", "k-indie")
    page = [artist(f"s{i}", f"Similar {i}", "k-indie") for i in range(9)]
    # When the second page and the songs' follow-ups are built in Korean
    more = more_artists(seed, page, 2, "ko", songs_offered=True, more_offered=True)
    songs = song_follow_ups(seed, 2, "ko", more_offered=True)
    last_songs = song_follow_ups(seed, 3, "ko", more_offered=False)
    # Then the second page offers the third and songs, the songs the next songs and artists,
    # each title within Messenger's limit; past the last page no "more" is offered
    assert [c.title for c in more.cards] == [a.name for a in page]
    assert [q.payload for q in more.quick_replies] == [
        payloads.show_artist("seed", "ko", page=3),
        payloads.songs_like("seed", "ko"),
    ]
    assert [q.payload for q in songs] == [
        payloads.songs_like("seed", "ko", page=3),
        payloads.show_artist("seed", "ko"),
    ]
    assert [q.payload for q in last_songs] == [payloads.show_artist("seed", "ko")]
    assert all(len(q.title) <= QUICK_REPLY_TITLE_LIMIT for q in (*more.quick_replies, *songs))
