"""Each Messenger case the bot must handle, through the local gateway with real signatures."""

import json
from datetime import UTC, datetime
from typing import Any

import requests

from domain import payloads
from local.chat import ChatClient, messenger_event, postback_event, sign
from local.spotify_server import Endpoint, Fault
from local.stack import LocalStack
from tests.stack_probes import execution_count
from tests.swapped_adapters import restarted_functions

RAPPER_2PAC = "1ZwdS5xdxEREPySFridCfh"
KOREAN_IU = "gk0425vd9JBUKOlUa10zTd"
RAPPERS = {
    "1ZwdS5xdxEREPySFridCfh": "2Pac",
    "3q7HBObVc0L8jNeTe5Gofh": "50 Cent",
    "7dGJo4pcD2V6oG8kP0tJRR": "Eminem",
    "1HwM5zlC5qNWhJtM00yXzG": "DMX",
}
METALLICA = "2ye2Wgw4gimLv2eAKyk1NB"
JOHNNY_CASH = "6kACVPfCOnqzgfEF5ryl0x"
ROSANNE_CASH = "6lx6XS8umFqYRVbBErx9fE"
THE_CLASH = "3RGLhK1IP9jnYFH4BRFJBS"


def _post(stack: LocalStack, body: dict[str, Any]) -> requests.Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"X-Hub-Signature-256": sign(raw, stack.endpoints.app_secret)}
    return requests.post(stack.endpoints.webhook_url, data=raw, headers=headers, timeout=10)


def _texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r["body"]["message"].get("text", "") for r in replies]


def _titles(reply: dict[str, Any]) -> list[str]:
    return [e["title"] for e in reply["body"]["message"]["attachment"]["payload"]["elements"]]


def test_several_entries_and_messages_in_one_post_are_each_answered(
    clean_stack: LocalStack,
) -> None:
    # Given one POST carrying two entries, each with messages from two users
    clean_stack.ingest(list(RAPPERS), name="cases-several")
    one = clean_stack.messenger_user("2400000000000201")
    two = clean_stack.messenger_user("2400000000000202")
    page = clean_stack.endpoints.page_id
    first = messenger_event(page, one.user_id, "2pac")
    first["entry"][0]["messaging"] += messenger_event(page, one.user_id, "eminem")["entry"][0][
        "messaging"
    ]
    second = messenger_event(page, two.user_id, "2pac")
    body = {"object": "page", "entry": first["entry"] + second["entry"]}
    # When it is posted
    assert _post(clean_stack, body).status_code == 200
    # Then every message gets its own carousel
    assert sorted(_titles(r)[0] for r in one.replies(at_least=2)) == ["2Pac", "Eminem"]
    assert [_titles(r)[0] for r in two.replies(at_least=1)] == ["2Pac"]


def test_echoes_deliveries_and_reads_are_acknowledged_and_ignored(
    clean_stack: LocalStack,
) -> None:
    # Given a POST with only an echo of the page's own message, a delivery and a read
    page = clean_stack.endpoints.page_id
    user = "2400000000000203"
    watcher = clean_stack.messenger_user(user)
    echo = messenger_event(page, user, "hello")
    messaging = echo["entry"][0]["messaging"]
    messaging[0]["message"]["is_echo"] = True
    messaging.append(
        {"sender": {"id": user}, "recipient": {"id": page}, "delivery": {"watermark": 1}}
    )
    messaging.append({"sender": {"id": user}, "recipient": {"id": page}, "read": {"watermark": 1}})
    # When it is posted / Then Messenger gets its 200 and nobody gets a message
    assert _post(clean_stack, echo).status_code == 200
    assert watcher.replies(at_least=1, timeout_seconds=1) == []
    assert clean_stack.graph.sent() == []


def test_stickers_images_and_empty_texts_get_a_friendly_hint(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    page = clean_stack.endpoints.page_id
    sticker = messenger_event(page, messenger_user.user_id, "")
    message = sticker["entry"][0]["messaging"][0]["message"]
    del message["text"]
    message.update(sticker_id=369239263222822, attachments=[{"type": "image", "payload": {}}])
    # When a sticker and a blank text arrive
    assert _post(clean_stack, sticker).status_code == 200
    assert messenger_user.say("   ").status_code == 200
    # Then each gets a hint about what to send
    hints = _texts(messenger_user.replies(at_least=2))
    assert len(hints) == 2
    assert all("name of an artist" in hint for hint in hints)


def test_a_text_over_2000_characters_is_answered_without_error(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # When a user pastes 5,000 characters
    assert messenger_user.say("Zzyzx Quartet " * 360).status_code == 200
    # Then the answer is a normal one that Messenger accepts
    [reply] = _texts(messenger_user.replies(at_least=1))
    assert "couldn't find" in reply
    assert len(reply) <= 2000


def test_more_like_this_and_quick_replies_answer_with_that_artist(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given known rappers
    clean_stack.ingest(list(RAPPERS), name="cases-taps")
    eminem = "7dGJo4pcD2V6oG8kP0tJRR"
    # When the user taps a card's "More like this", then a quick reply
    assert messenger_user.tap_button("More like this", payloads.show_artist(eminem, "en")).ok
    [card] = messenger_user.replies(at_least=1)
    assert messenger_user.tap_quick_reply("Songs like Eminem", payloads.songs_like(eminem, "en")).ok
    intro, songs = messenger_user.replies(at_least=2)
    # Then the first is Eminem's carousel, the second songs of artists like Eminem
    assert _titles(card)[0] == "Eminem"
    assert "Eminem" in _texts([intro])[0]
    assert len(_titles(songs)) >= 3


def test_korean_text_gets_korean_answers(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # When a user writes in Hangul for an artist Spotify does not know
    assert messenger_user.say("없는가수이름").status_code == 200
    # Then the answer is Korean
    [reply] = _texts(messenger_user.replies(at_least=1))
    assert "찾지 못했어요" in reply


def test_an_ambiguous_name_is_asked_back_and_the_tap_answers(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given Johnny Cash, Rosanne Cash and The Clash are known
    clean_stack.ingest([JOHNNY_CASH, ROSANNE_CASH, THE_CLASH], name="cases-cash")
    # When the user types "cash"
    assert messenger_user.say("cash").status_code == 200
    [question] = messenger_user.replies(at_least=1)
    # Then the bot asks which one, with a quick reply for each
    message = question["body"]["message"]
    assert message["text"] == "Did you mean one of these?"
    options = {q["title"]: q["payload"] for q in message["quick_replies"]}
    assert {"Johnny Cash", "Rosanne Cash"} <= set(options)
    # When the user taps Rosanne Cash / Then her carousel comes
    assert messenger_user.tap_quick_reply("Rosanne Cash", options["Rosanne Cash"]).ok
    [answer] = messenger_user.replies(at_least=1)
    assert _titles(answer)[0] == "Rosanne Cash"


def test_a_typo_with_one_close_artist_is_simply_answered(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    clean_stack.ingest([METALLICA, THE_CLASH], name="cases-typo")
    assert messenger_user.say("Metalica").status_code == 200
    [typo] = messenger_user.replies(at_least=1)
    assert _titles(typo)[0] == "Metallica"


def test_a_slow_spotify_never_delays_messengers_200(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given Spotify's search takes two seconds to answer
    clean_stack.spotify.inject_fault(Endpoint.SEARCH, Fault(delay_seconds=2.0))
    executions = execution_count(clean_stack)
    try:
        # When a user asks for an artist the bot must search for
        asked = datetime.now(UTC)
        response = messenger_user.say("Zzyzx Quartet")
        acknowledged = datetime.now(UTC)
        # Then Messenger had its 200 before the answer was sent
        assert response.status_code == 200
        [reply] = messenger_user.replies(at_least=1, timeout_seconds=10)
        answered = datetime.fromisoformat(reply["received_at"])
        assert asked < acknowledged < answered
        assert "couldn't find" in _texts([reply])[0]
        assert execution_count(clean_stack) == executions
    finally:
        clean_stack.spotify.clear_faults()


def test_a_song_request_is_answered_with_songs_of_similar_artists(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given 2Pac (California Love) and similar rappers are known
    clean_stack.ingest(list(RAPPERS), name="cases-songs")
    # When the user asks for songs like California Love
    assert messenger_user.say("songs like california love").status_code == 200
    intro, songs = messenger_user.replies(at_least=2)
    # Then the songs come from the similar rappers, not from 2Pac
    assert "California Love" in _texts([intro])[0]
    subtitles = [
        e["subtitle"] for e in songs["body"]["message"]["attachment"]["payload"]["elements"]
    ]
    assert subtitles
    assert all("similar to 2Pac" in subtitle for subtitle in subtitles)


def test_a_postback_of_an_older_client_without_mid_is_answered_once(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given a postback without a mid, delivered twice
    clean_stack.ingest(list(RAPPERS), name="cases-old-postback")
    event = postback_event(
        clean_stack.endpoints.page_id,
        messenger_user.user_id,
        "More like this",
        payloads.show_artist("1ZwdS5xdxEREPySFridCfh", "en"),
    )
    del event["entry"][0]["messaging"][0]["postback"]["mid"]
    assert _post(clean_stack, event).status_code == 200
    assert _post(clean_stack, event).status_code == 200
    # Then the user got one carousel
    replies = messenger_user.replies(at_least=2, timeout_seconds=2)
    assert len(replies) == 1
    assert _titles(replies[0])[0] == "2Pac"


def test_a_sentence_miss_is_looked_up_and_pushed_like_a_bare_name(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # When a user asks in a sentence for an artist the bot does not know yet
    assert messenger_user.say("can you recommend bands like drake?").status_code == 200
    # Then they hear the artist is being looked up, by its name, not the sentence
    looking, found, pushed = messenger_user.replies(at_least=3, timeout_seconds=60)
    assert _texts([looking])[0].startswith("I don't know Drake yet.")
    # And the answer comes on its own once the pipeline fetched Drake
    assert _texts([found])[0].startswith("Found Drake!")
    assert _titles(pushed)[0] == "Drake"


def test_artists_like_and_songs_like_are_told_apart(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given 2Pac and similar rappers are known
    clean_stack.ingest(list(RAPPERS), name="cases-artists-or-songs")
    # When the user asks for artists like 2pac, then for songs like one of his songs
    assert messenger_user.say("any artists similar to 2pac pls").status_code == 200
    [artists] = messenger_user.replies(at_least=1)
    assert messenger_user.say("songs like california love").status_code == 200
    intro, songs = messenger_user.replies(at_least=2)
    # Then the first is 2Pac's carousel of artists, the second songs of similar rappers
    assert _titles(artists)[0] == "2Pac"
    assert "California Love" in _texts([intro])[0]
    assert all(
        "similar to 2Pac" in element["subtitle"]
        for element in songs["body"]["message"]["attachment"]["payload"]["elements"]
    )


def test_small_talk_gets_a_friendly_reply_in_the_users_language_and_no_lookup(
    clean_stack: LocalStack,
) -> None:
    # Given a user writing in English and one writing in Korean
    english = clean_stack.messenger_user("2400000000000301")
    korean = clean_stack.messenger_user("2400000000000302")
    executions = execution_count(clean_stack)
    # When they greet the bot, and write a sentence that names no artist
    assert english.say("hi!").status_code == 200
    assert korean.say("안녕하세요").status_code == 200
    [hello] = _texts(english.replies(at_least=1))
    [annyeong] = _texts(korean.replies(at_least=1))
    assert english.say("what's the weather like today").status_code == 200
    [no_artist] = _texts(english.replies(at_least=1))
    # Then each hears what the bot does, in their language, and nothing is looked up
    assert hello.startswith("Hi!")
    assert annyeong.startswith("안녕하세요!")
    assert no_artist.startswith("I couldn't find an artist's name in that.")
    assert execution_count(clean_stack) == executions


def _quick_replies(reply: dict[str, Any]) -> list[tuple[str, str]]:
    return [(q["title"], q["payload"]) for q in reply["body"]["message"].get("quick_replies", [])]


def _shown_2pac(stack: LocalStack, user: ChatClient, text: str, ingest: str) -> dict[str, Any]:
    """Two dozen of the catalog's rappers known, and the user shown 2Pac's carousel."""
    rappers = [
        artist.id
        for artist in stack.catalog.artists.values()
        if not artist.generated and any("rap" in genre for genre in artist.genres)
    ]
    stack.ingest(rappers[:24], name=ingest)
    assert user.say(text).status_code == 200
    [carousel] = user.replies(at_least=1)
    assert _titles(carousel)[0] == "2Pac"
    return carousel


def test_more_like_that_after_a_carousel_pages_on_after_the_function_restarts(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given a user shown 2Pac's carousel
    first = _shown_2pac(clean_stack, messenger_user, "2pac", "cases-more-like-that")
    # When the function starts cold, nothing in its memory, and the user asks for more
    with restarted_functions():
        assert messenger_user.say("more like that").status_code == 200
        intro, more = messenger_user.replies(at_least=2)
    # Then the next artists like 2Pac come, none of those already shown
    assert _texts([intro])[0] == "More artists like 2Pac:"
    assert _titles(more)
    assert not set(_titles(first)) & set(_titles(more))
    assert ("Songs like 2Pac", payloads.songs_like(RAPPER_2PAC, "en")) in _quick_replies(more)


def test_songs_instead_and_a_tap_after_a_restart_follow_the_last_answer(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given a user shown 2Pac's carousel with its "Show more" quick reply
    first = _shown_2pac(clean_stack, messenger_user, "artists like 2pac", "cases-songs-instead")
    show_more = dict(_quick_replies(first))["Show more"]
    # When the user asks for songs instead
    assert messenger_user.say("songs instead").status_code == 200
    intro, songs = messenger_user.replies(at_least=2)
    # Then they get songs of artists like 2Pac
    assert "2Pac" in _texts([intro])[0]
    assert len(_titles(songs)) >= 3
    # And tapping the older "Show more" after a restart still shows the second page
    with restarted_functions():
        assert messenger_user.tap_quick_reply("Show more", show_more).status_code == 200
        _, more = messenger_user.replies(at_least=2)
    assert not set(_titles(first)) & set(_titles(more))


def test_two_names_one_not_stored_yet_are_both_offered_and_the_tap_looks_it_up(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given IU stored, and TAEYEON known only by the names the product ships
    clean_stack.ingest([KOREAN_IU], name="cases-two-names")
    # When a user asks for one or the other
    assert messenger_user.say("아이유 아니면 태연").status_code == 200
    [question] = messenger_user.replies(at_least=1)
    options = dict(_quick_replies(question))
    # Then both are offered, and tapping TAEYEON looks her up and answers once she is fetched
    assert set(options) == {"IU", "TAEYEON"}
    assert messenger_user.tap_quick_reply("TAEYEON", options["TAEYEON"]).status_code == 200
    looking, found, pushed = messenger_user.replies(at_least=3, timeout_seconds=60)
    assert "TAEYEON" in _texts([looking])[0]
    assert _texts([found])[0].startswith("TAEYEON을(를) 찾았어요!")
    assert _titles(pushed)[0] == "TAEYEON"
