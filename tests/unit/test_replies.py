from domain.replies import CAROUSEL_LIMIT, SUBTITLE_LIMIT, TITLE_LIMIT, recommendation
from tests.fakes import artist


def test_the_asked_artist_comes_first_then_similar_ones_within_messenger_limits() -> None:
    # Given an artist with many genres, a very long name, and twelve similar artists
    asked = artist("a", "A" * 120, *[f"genre number {i}" for i in range(12)])
    similar = [artist(f"s{i}", f"Similar {i}", "pop") for i in range(12)]
    # When the recommendation is built
    reply = recommendation(asked, similar)
    # Then it holds at most ten cards, the asked artist first, each within the limits
    assert len(reply.cards) == CAROUSEL_LIMIT
    assert reply.cards[0].title.startswith("AAA")
    assert [c.title for c in reply.cards[1:3]] == ["Similar 0", "Similar 1"]
    for card in reply.cards:
        assert len(card.title) <= TITLE_LIMIT
        assert len(card.subtitle) <= SUBTITLE_LIMIT
        assert card.buttons[0].title == "Open in Spotify"
        assert card.buttons[0].url
        assert card.buttons[0].url.startswith("https://open.spotify.com/")
    assert reply.cards[0].subtitle.endswith("…")
