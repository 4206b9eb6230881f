import pytest

from domain.payloads import Command, parse_payload, show_artist, songs_like


def test_payloads_the_bot_makes_read_back_as_commands() -> None:
    assert parse_payload(show_artist("abc", "ko")) == Command(
        action="ARTIST", language="ko", artist_id="abc"
    )
    assert parse_payload(songs_like("abc", "en")) == Command(
        action="SONGS", language="en", artist_id="abc"
    )


@pytest.mark.parametrize(
    "payload", ["", "GET_STARTED", "ARTIST:en", "ARTIST:fr:abc", "PLAY:en:abc", "ARTIST:en:"]
)
def test_other_payloads_are_not_commands(payload: str) -> None:
    assert parse_payload(payload) is None
