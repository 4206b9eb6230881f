"""The web chat in a real headless Chromium: a Messenger conversation with the local stack,
pushed answers arriving on the open page. Screenshots land in test-artifacts/web-chat/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from local.stack import LocalStack
from tests.summary import ARTIFACT_LINES

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web-chat"
USER_ID = "2400000000000088"
RAPPERS = ("2Pac", "50 Cent", "Eminem", "DMX", "Eve")
KPOP = ("TWICE", "ITZY", "Red Velvet", "IVE")
# "cash" is close to all three: the bot asks which one is meant.
CASH_AND_CLASH = ("Johnny Cash", "Rosanne Cash", "The Clash")
# Long enough for a miss to be looked up on Spotify, ingested and pushed on a busy machine.
PUSHED_WITHIN_MS = 45_000
# Every other expectation waits this long for the page, the bot answering from what it knows.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Debian's Chromium: the browsers Playwright would download are out of reach.
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("no chromium on PATH: `make e2e` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def chat_page(clean_stack: LocalStack, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 480, "height": 860}, locale="en-US")
    page = context.new_page()
    page.goto(f"{clean_stack.endpoints.chat_url}?user={USER_ID}")
    expect(page.locator("body")).to_have_attribute("data-connected", "true")
    yield page
    context.close()


def test_a_conversation_in_the_browser_with_pushed_answers_taps_and_hangul(
    clean_stack: LocalStack, chat_page: Page
) -> None:
    # Given the bot knows some rappers, K-pop groups, two Cashes and The Clash, but neither
    # Drake nor aespa
    clean_stack.ingest(_catalog_ids(clean_stack, RAPPERS + KPOP + CASH_AND_CLASH), name="web-chat")
    chat_page.evaluate("window.sameDocument = true")

    # When the user types Drake in the page
    _type(chat_page, "Drake")

    # Then the bot says it is looking, and the pushed carousel arrives on the same page:
    # Drake and similar rappers, with pictures the Spotify stand-in drew
    expect(_bot_texts(chat_page).first).to_contain_text("looking them up")
    carousel = chat_page.locator(".carousel").last
    expect(carousel.locator(".title").first).to_have_text("Drake", timeout=PUSHED_WITHIN_MS)
    titles = carousel.locator(".title").all_inner_texts()
    assert set(titles[1 : 1 + len(RAPPERS)]) == set(RAPPERS)
    assert chat_page.evaluate("window.sameDocument") is True
    _expect_pictures_shown(carousel, clean_stack.spotify.base_url)
    _screenshot(chat_page, "1-pushed-carousel.png", "the pushed carousel with pictures")

    # When the user taps "More like this" on the second card
    second_card = carousel.locator(".card").nth(1)
    rapper = second_card.locator(".title").inner_text()
    _watch_for_typing(chat_page)
    second_card.get_by_role("button", name="More like this").click()

    # Then the bot is seen typing, and a carousel of that rapper and artists like them follows
    expect(chat_page.locator(".row.user .bubble").last).to_have_text("More like this")
    expect(chat_page.locator(".carousel")).to_have_count(2)
    expect(chat_page.locator(".carousel").last.locator(".title").first).to_have_text(rapper)
    assert chat_page.evaluate("window.typingSeen") is True

    # When the user taps the quick reply for more like the closest artist
    chip = chat_page.locator(".chip", has_text="More like").first
    chip_title = chip.inner_text()
    _screenshot(chat_page, "2-quick-replies.png", "quick replies under a carousel")
    chip.click()

    # Then the tap shows as the user's message, and the closest artist's carousel follows
    expect(chat_page.locator(".row.user .bubble").last).to_have_text(chip_title)
    expect(chat_page.locator(".carousel")).to_have_count(3)
    closest = chip_title.removeprefix("More like").strip()
    expect(chat_page.locator(".carousel").last.locator(".title").first).to_have_text(closest)

    # When the user writes in Hangul
    _type(chat_page, "에스파")

    # Then the answers are in Korean: the bot looks aespa up, and pushes aespa's card with
    # Korean buttons and quick replies
    expect(_bot_texts(chat_page).filter(has_text="아직 모르는 아티스트")).to_be_visible()
    korean = chat_page.locator(".carousel").nth(3)
    expect(korean.locator(".title").first).to_have_text("aespa", timeout=PUSHED_WITHIN_MS)
    expect(korean.get_by_role("button", name="비슷한 아티스트 더 보기").first).to_be_visible()
    expect(_bot_texts(chat_page).last).to_contain_text("찾았어요")
    _screenshot(chat_page, "3-korean-answer.png", "an answer in Korean")

    # When the user types a name two artists share, and taps one of the names offered
    _type(chat_page, "cash")
    expect(_bot_texts(chat_page).last).to_have_text("Did you mean one of these?")
    expect(chat_page.locator(".chip", has_text="Rosanne Cash")).to_be_visible()
    assert "Johnny Cash" in chat_page.locator(".chip").all_inner_texts()
    chat_page.locator(".chip", has_text="Rosanne Cash").click()

    # Then the tap shows as the user's message, and Rosanne Cash's carousel follows
    expect(chat_page.locator(".row.user .bubble").last).to_have_text("Rosanne Cash")
    expect(chat_page.locator(".carousel").last.locator(".title").first).to_have_text("Rosanne Cash")
    _screenshot(chat_page, "4-chosen-artist.png", "an ambiguous name answered by a tap")


def _catalog_ids(stack: LocalStack, names: tuple[str, ...]) -> list[str]:
    by_name = {artist.name: artist.id for artist in stack.catalog.artists.values()}
    return [by_name[name] for name in names]


def _type(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_label("Message").press("Enter")
    expect(page.locator(".row.user .bubble").last).to_have_text(text)


def _bot_texts(page: Page) -> Locator:
    return page.locator(".row.bot:not(.typing) > .bubble")


def _watch_for_typing(page: Page) -> None:
    """window.typingSeen turns true once a typing indicator shows, however briefly."""
    page.evaluate(
        """() => {
            window.typingSeen = false;
            new MutationObserver((changes) => {
                window.typingSeen ||= changes.some((change) =>
                    [...change.addedNodes].some((node) => node.classList.contains("typing")));
            }).observe(document.getElementById("thread"), { childList: true });
        }"""
    )


def _expect_pictures_shown(carousel: Locator, picture_server: str) -> None:
    pictures = carousel.locator("img")
    expect(pictures.first).to_be_visible()
    sources = pictures.evaluate_all("images => images.map(image => image.src)")
    assert sources
    assert all(source.startswith(picture_server) for source in sources)
    # Every picture loaded and decoded, not a broken-image icon.
    carousel.page.wait_for_function(
        """() => [...document.querySelectorAll(".carousel img")]
            .every(image => image.complete && image.naturalWidth > 0)"""
    )


def _screenshot(page: Page, name: str, what: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=path)
    ARTIFACT_LINES.append(f"{path}: {what}")
