"""A Messenger user and the whole local stack: a miss becomes data and a pushed answer."""

from local.chat import ChatClient
from local.stack import LocalStack
from tests.stack_probes import item_count, lake_objects, table_rows

DRAKE = "3TVXtAsR1Inumwj472S9r4"
RAPPERS = {
    "1ZwdS5xdxEREPySFridCfh": "2Pac",
    "3q7HBObVc0L8jNeTe5Gofh": "50 Cent",
    "7dGJo4pcD2V6oG8kP0tJRR": "Eminem",
    "1HwM5zlC5qNWhJtM00yXzG": "DMX",
    "58oPVy7oihAEXE0Ott6JOf": "Eve",
}
FOLK = {"5c3GLXai8YOMid29ZEuR9y": "Nick Drake"}


def _carousel_titles(send: dict[str, object]) -> list[str]:
    message = send["message"]
    assert isinstance(message, dict)
    return [e["title"] for e in message["attachment"]["payload"]["elements"]]


def test_a_miss_is_answered_on_its_own_then_becomes_a_hit(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given the bot knows a few rappers and a folk singer, but not Drake
    clean_stack.ingest([*RAPPERS, *FOLK], name="e2e-known-artists")

    # When the user asks for Drake
    assert messenger_user.say("Drake").status_code == 200

    # Then the bot says it is looking, and later pushes Drake's card and similar rappers
    looking, found, carousel = (m["body"] for m in messenger_user.replies(at_least=3))
    assert "looking them up" in looking["message"]["text"]
    assert "Found Drake" in found["message"]["text"]
    titles = _carousel_titles(carousel)
    assert titles[0] == "Drake"
    assert set(titles[1:]) == set(RAPPERS.values())
    assert "Nick Drake" not in titles

    # And Drake is now stored everywhere: PostgreSQL, the lake, DynamoDB; nobody waits
    assert DRAKE in {row[0] for row in table_rows(clean_stack, "artists")}
    assert any(key.endswith(f"/{DRAKE}.json") for key in lake_objects(clean_stack))
    assert item_count(clean_stack, clean_stack.resources.genres_table) == 7
    assert item_count(clean_stack, clean_stack.resources.waiters_table) == 0

    # When the user types the name again, differently
    assert messenger_user.say("  DRAKE ").status_code == 200

    # Then it is a hit: the carousel is the one reply, with nothing queued
    [hit] = messenger_user.replies(at_least=1, timeout_seconds=10)
    assert _carousel_titles(hit["body"]) == titles
