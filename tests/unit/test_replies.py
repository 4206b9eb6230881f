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
    recommendation,
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
    options = [
        NameCandidate(key="nick drake", artist_id="n", artist_name="Nick Drake"),
        NameCandidate(key="drake", artist_id="d", artist_name="Drake"),
    ]
    reply = did_you_mean(options, "en")
    assert reply.text == "Did you mean one of these?"
    assert [(q.title, q.payload) for q in reply.quick_replies] == [
        ("Nick Drake", payloads.show_artist("n", "en")),
        ("Drake", payloads.show_artist("d", "en")),
    ]


def test_hangul_anywhere_means_korean() -> None:
    assert language_of("에스파") == "ko"
    assert language_of("songs like 아이유") == "ko"
    assert language_of("ㅋㅋ") == "ko"
    assert language_of("Beyoncé") == "en"
    assert language_of("Ｄｒａｋｅ") == "en"
