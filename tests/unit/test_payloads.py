import pytest

from domain.payloads import (
    MAX_NAME_CHARS,
    MAX_PAGE,
    Command,
    LookUp,
    look_up,
    parse_payload,
    show_artist,
    songs_like,
)


def test_payloads_the_bot_makes_read_back_as_commands() -> None:
    # Given the payloads of a first answer and of later pages / When read back
    # Then each is the command it was made for
    assert parse_payload(show_artist("abc", "ko")) == Command(
        action="ARTIST", language="ko", artist_id="abc"
    )
    assert parse_payload(songs_like("abc", "en")) == Command(
        action="SONGS", language="en", artist_id="abc"
    )
    assert parse_payload(show_artist("abc", "en", page=3)) == Command(
        action="ARTIST", language="en", artist_id="abc", page=3
    )


def test_a_first_page_payload_is_the_one_older_replies_carry() -> None:
    # Given a payload the bot sent before pages existed / When the first page is made
    # Then it is the same, so that taps on older replies still work
    assert show_artist("abc", "en", page=1) == "ARTIST:en:abc"
    assert songs_like("abc", "ko") == "SONGS:ko:abc"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "GET_STARTED",
        "ARTIST:en",
        "ARTIST:fr:abc",
        "PLAY:en:abc",
        "ARTIST:en:",
        "ARTIST:en:abc:0",
        "ARTIST:en:abc:two",
        f"ARTIST:en:abc:{MAX_PAGE + 1}",
        "ARTIST:en:abc:٣",
        "ARTIST:en:abc:2:extra",
        "ARTIST:en:äbc",
    ],
)
def test_other_payloads_are_not_commands(payload: str) -> None:
    # Given a payload the bot did not make / When read / Then it is no command
    assert parse_payload(payload) is None


def test_a_name_to_look_up_reads_back_whole_colons_and_hangul_included() -> None:
    # Given payloads naming artists the bot knows only by name / When read back
    # Then each is the name, as it was
    assert parse_payload(look_up("TAEYEON", "ko")) == LookUp(language="ko", name="TAEYEON")
    assert parse_payload(look_up("Sunn O))): live", "en")) == LookUp(
        language="en", name="Sunn O))): live"
    )


@pytest.mark.parametrize(
    "payload",
    ["LOOKUP:en", "LOOKUP:en:", "LOOKUP:fr:IU", f"LOOKUP:en:{'x' * (MAX_NAME_CHARS + 1)}"],
)
def test_a_malformed_look_up_is_no_command(payload: str) -> None:
    # Given a look-up payload the bot did not make / When read / Then it is no command
    assert parse_payload(payload) is None
