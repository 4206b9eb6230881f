"""What a message asks for, measured on a table of messages as people write them to a chatbot,
in English and Korean, against the catalog's names: bare names, requests, small talk, songs,
two artists, nonsense. Accuracy over the table is printed at the end of the run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from domain.models import NameCandidate
from domain.resolution import Ambiguous, Found, Unknown
from domain.understanding import (
    ArtistsLike,
    FollowUp,
    SmallTalk,
    SongsLike,
    resolve_request,
    understand,
)
from tests.fakes_names import InMemoryNameIndex, catalog_shipped_names, catalog_store
from tests.summary import ACCURACY_LINES

CATALOG_INDEX = InMemoryNameIndex(catalog_store(), shipped=catalog_shipped_names())
# The share of the table understood as expected below which the table fails.
REQUIRED_ACCURACY = 0.95


@dataclass(frozen=True)
class Outcome:
    """What the bot does with a message: "artist" (that one's carousel), "among" (asks back
    among several), "search" (asks Spotify for a name), "no_artist" (says it found no name),
    "songs" (songs like a title), "follow" (more of the last answer, or its songs or artists
    instead), or a small-talk reply ("greeting", "thanks", "help")."""

    kind: str
    value: str = ""


def artist(name: str) -> Outcome:
    return Outcome("artist", name)


def among(*names: str) -> Outcome:
    return Outcome("among", " / ".join(sorted(names)))


def search(name: str) -> Outcome:
    return Outcome("search", name)


def songs(title: str) -> Outcome:
    return Outcome("songs", title)


def talk(kind: str) -> Outcome:
    return Outcome(kind)


def follow(wants: str) -> Outcome:
    """A follow-up to the last answer: "more" of it, or its "songs" or "artists" instead."""
    return Outcome("follow", wants)


NO_ARTIST = Outcome("no_artist")

TABLE: list[tuple[str, Outcome]] = [
    # Bare names, as typed
    ("aespa", artist("aespa")),
    ("Metallica", artist("Metallica")),
    ("queen", artist("Queen")),
    ("Yes", artist("Yes")),
    ("yes", artist("Yes")),
    ("Take That", artist("Take That")),
    ("take that", artist("Take That")),
    ("Genesis", artist("Genesis")),
    ("Heart", artist("Heart")),
    ("Lorde", artist("Lorde")),
    ("twice", artist("TWICE")),
    ("bts", artist("BTS")),
    ("IU", artist("IU")),
    ("Drake", artist("Drake")),
    ("the clash", artist("The Clash")),
    ("acdc", artist("AC/DC")),
    ("guns n roses", artist("Guns N' Roses")),
    ("Florence and the Machine", artist("Florence + The Machine")),
    ("beyonce", artist("Beyoncé")),
    ("taylor swift", artist("Taylor Swift")),
    ("nick drake", artist("Nick Drake")),
    ("the police", artist("The Police")),
    ("abba", artist("ABBA")),
    ("will.i.am", artist("will.i.am")),
    ("2pac", artist("2Pac")),
    ("eminem", artist("Eminem")),
    ("에스파", artist("aespa")),
    ("아이유", artist("IU")),
    ("방탄소년단", artist("BTS")),
    ("트와이스", artist("TWICE")),
    ("빅뱅", artist("BIGBANG")),
    ("블랙핑크", search("BLACKPINK")),
    ("샤이니", search("SHINee")),
    ("aespa!!", artist("aespa")),
    ("aespa 💖", artist("aespa")),
    ('"lorde"', artist("Lorde")),
    ("queen pls", artist("Queen")),
    ("metallica please", artist("Metallica")),
    ("Radiohead", search("Radiohead")),
    ("The The", search("The The")),
    ("Future", search("Future")),
    ("Muse", search("Muse")),
    ("(G)I-DLE", search("(G)I-DLE")),
    ("(G)I-DLE 같은 그룹", search("(G)I-DLE")),
    ("여자아이들 같은 그룹 추천", search("(G)I-DLE")),
    ("i love (G)I-DLE", search("(G)I-DLE")),
    ("bands like The The please", search("The The")),
    ("Coldplay", search("Coldplay")),
    # English requests
    ("can you recommend bands like metallica?", artist("Metallica")),
    ("can you recommend bands like radiohead?", search("radiohead")),
    ("i'm into twice lately", artist("TWICE")),
    ("anything similar to Drake pls", artist("Drake")),
    ("artists like taylor swift", artist("Taylor Swift")),
    ("similar to aespa", artist("aespa")),
    ("like twice", artist("TWICE")),
    ("I love Queen", artist("Queen")),
    ("i like yes", artist("Yes")),
    ("i like take that", artist("Take That")),
    ("more IU please", artist("IU")),
    ("more eminem", artist("Eminem")),
    ("recommend me something like Genesis!!", artist("Genesis")),
    ("hey, can you recommend some artists like the police?", artist("The Police")),
    ("who sounds like nick drake", artist("Nick Drake")),
    ("bands that sound like metallica", artist("Metallica")),
    ("I'm a huge fan of taylor swift", artist("Taylor Swift")),
    ("big fan of the clash", artist("The Clash")),
    ("i've been listening to nick drake a lot", artist("Nick Drake")),
    ("bands like acdc pls 🙏", artist("AC/DC")),
    ("can u recommend me artists similar to lorde", artist("Lorde")),
    ("any recommendations similar to the weeknd?", artist("The Weeknd")),
    ("i need more music like beyonce", artist("Beyoncé")),
    ("play something like abba", artist("ABBA")),
    ("singers like adele", search("adele")),
    ("rappers like eminem", artist("Eminem")),
    ("groups like bts please", artist("BTS")),
    ("who is similar to genesis?", artist("Genesis")),
    ("suggest artists similar to heart", artist("Heart")),
    ("could you suggest bands like yes", artist("Yes")),
    ("show me artists like queen", artist("Queen")),
    ("give me bands similar to megadeth", artist("Megadeth")),
    ("I'm really into lorde these days", artist("Lorde")),
    ("im obsessed with aespa", artist("aespa")),
    ("i really love the rolling stones", artist("The Rolling Stones")),
    ("i enjoy abba", artist("ABBA")),
    ("fan of 2pac", artist("2Pac")),
    ("recommend aespa", artist("aespa")),
    ("anything like metallica?", artist("Metallica")),
    ("something similar to the cranberries please", artist("The Cranberries")),
    ("bands like the the", search("the the")),
    ("artists like future", search("future")),
    ("music like muse", search("muse")),
    ("more like madonna please", artist("Madonna")),
    ("artists similar to john coltrane", artist("John Coltrane")),
    ("similar artists to slayer", artist("Slayer")),
    ("stuff like phil collins", artist("Phil Collins")),
    ("I've been into red hot chili peppers", artist("Red Hot Chili Peppers")),
    ("pls recommend singers like amy winehouse", artist("Amy Winehouse")),
    ("any bands like u2?", artist("U2")),
    ("i like maroon 5 a lot", artist("Maroon 5")),
    ("recommend me artists like ariana grande", artist("Ariana Grande")),
    ("artists like Beyonce!!!", artist("Beyoncé")),
    ("Can you find artists like Sting?", artist("Sting")),
    # Korean requests
    ("블랙핑크 같은 가수 추천 좀", search("BLACKPINK")),
    ("에스파 같은 가수", artist("aespa")),
    ("에스파랑 비슷한 아티스트", artist("aespa")),
    ("아이유랑 비슷한 가수 추천해줘", artist("IU")),
    ("방탄소년단 좋아해", artist("BTS")),
    ("트와이스 추천해줘", artist("TWICE")),
    ("요즘 아이유에 빠졌어", artist("IU")),
    ("빅뱅 같은 그룹 추천해 주세요", artist("BIGBANG")),
    ("aespa 같은 가수", artist("aespa")),
    ("metallica 같은 밴드 추천", artist("Metallica")),
    ("드레이크 같은 가수", search("드레이크")),
    ("퀸 같은 밴드", search("퀸")),
    ("taylor swift 비슷한 가수 추천해 주세요", artist("Taylor Swift")),
    ("아이유 좋아해요", artist("IU")),
    ("트와이스 같은 걸그룹", artist("TWICE")),
    ("에스파 스타일 아티스트 추천", artist("aespa")),
    ("방탄 같은 그룹", search("방탄")),
    ("나 요즘 BTS 듣고 있어", artist("BTS")),
    ("에스파 최고", artist("aespa")),
    ("빅뱅이랑 비슷한 가수", artist("BIGBANG")),
    # Two artists
    ("metallica or megadeth", among("Metallica", "Megadeth")),
    ("metallica vs megadeth", among("Metallica", "Megadeth")),
    ("something like metallica or slayer", among("Metallica", "Slayer")),
    ("트와이스나 에스파 같은 거", among("TWICE", "aespa")),
    ("에스파 아니면 아이유", among("aespa", "IU")),
    ("artists like queen or abba", among("Queen", "ABBA")),
    # Songs
    ("songs like California Love", songs("California Love")),
    ("tracks like Lose Yourself", songs("Lose Yourself")),
    ("something like Bohemian Rhapsody", songs("Bohemian Rhapsody")),
    ("songs like drake", songs("drake")),
    ("블랙핑크 같은 노래 추천 좀", songs("블랙핑크")),
    ("아이유 비슷한 노래", songs("아이유")),
    ("Dynamite 같은 노래", songs("Dynamite")),
    ("recommend songs similar to Hey Jude", songs("Hey Jude")),
    ("any tracks like Smells Like Teen Spirit?", songs("Smells Like Teen Spirit")),
    ("봄날 같은 곡", songs("봄날")),
    # Small talk
    ("hi", talk("greeting")),
    ("hello!", talk("greeting")),
    ("hey there", talk("greeting")),
    ("good morning", talk("greeting")),
    ("안녕", talk("greeting")),
    ("안녕하세요", talk("greeting")),
    ("thanks!", talk("thanks")),
    ("thank you so much", talk("thanks")),
    ("thx", talk("thanks")),
    ("고마워요", talk("thanks")),
    ("감사합니다", talk("thanks")),
    ("help", talk("help")),
    ("what can you do?", talk("help")),
    ("who are you", talk("help")),
    ("도와줘", talk("help")),
    ("ok", talk("help")),
    ("lol", talk("help")),
    ("i don't know", talk("help")),
    # Nonsense and sentences without an artist
    ("what's the weather like today", NO_ARTIST),
    ("how are you doing today?", NO_ARTIST),
    ("is this thing working", NO_ARTIST),
    ("i had a really long day at work and i am tired", NO_ARTIST),
    ("asdfghjkl", search("asdfghjkl")),
    # Follow-ups to what was last shown
    ("more like that", follow("more")),
    ("more please!", follow("more")),
    ("다른 거", follow("more")),
    ("더 보여줘", follow("more")),
    ("songs instead?", follow("songs")),
    ("노래로 추천해줘", follow("songs")),
    ("artists like them", follow("artists")),
    ("그거랑 비슷한 가수", follow("artists")),
    # Messages written apart from the patterns, by someone who had not read them
    # English, written apart: asking for artists like a catalog artist, phrased many ways
    ("who sounds like Led Zeppelin?", artist("Led Zeppelin")),
    ("i've had amy winehouse on repeat all week, who else should i try", artist("Amy Winehouse")),
    ("anything in the vein of Nick Drake?", artist("Nick Drake")),
    ("recommend me some bands like Yes", artist("Yes")),
    ("looking for stuff similar to Queen 👑", artist("Queen")),
    ("bands like heart?", artist("Heart")),
    ("I'm really into Genesis lately, who else should I check out", artist("Genesis")),
    ("big Take That fan here, give me boy bands like them", artist("Take That")),
    (
        "my dad loves creedence clearwater revival, what else would he like?",
        artist("Creedence Clearwater Revival"),
    ),
    ("need new music. huge fan of kendrick lamar", artist("Kendrick Lamar")),
    ("what should i listen to after the cure", artist("The Cure")),
    ("give me artists like Prince pls", artist("Prince")),
    ("similar artists to Florence + The Machine?", artist("Florence + The Machine")),
    ("bands like motley crue", artist("Mötley Crüe")),
    ("something like bjork, weird and pretty", artist("Björk")),
    # English, written apart: bare names typed casually
    ("queen!!", artist("Queen")),
    ("pink floyd?", artist("Pink Floyd")),
    ("metallica 🤘", artist("Metallica")),
    ("Eminem", artist("Eminem")),
    ("abba ❤️", artist("ABBA")),
    # English, written apart: songs like a song title (catalog top tracks)
    ("songs like Dancing Queen", songs("Dancing Queen")),
    ("any tracks similar to Dear Mama?", songs("Dear Mama")),
    ("i want songs that sound like in da club", songs("in da club")),
    ("songs like Dream On pls", songs("Dream On")),
    # English, written apart: two artists
    ("eagles or steely dan", among("Eagles", "Steely Dan")),
    ("something like Nas or Common", among("Nas", "Common")),
    ("madonna or cher?", among("Madonna", "Cher")),
    # English, written apart: artists not in the catalog, looked up on Spotify
    ("bands like muse", search("muse")),
    ("rappers similar to Future?", search("Future")),
    ("fleetwood mac", search("fleetwood mac")),
    # English, written apart: small talk
    ("how does this work", talk("help")),
    # English, written apart: follow-ups after a carousel
    ("more like that", follow("more")),
    ("another one", follow("more")),
    ("show me more", follow("more")),
    ("songs instead?", follow("songs")),
    ("what about songs", follow("songs")),
    ("artists instead", follow("artists")),
    ("can you show me artists instead of songs", follow("artists")),
    # English, written apart: no artist at all
    ("what's the weather", NO_ARTIST),
    ("lol ok whatever", NO_ARTIST),
    ("i'm bored", NO_ARTIST),
    # Korean, written apart: asking for artists like a catalog artist
    ("에스파 노래 많이 듣는데 비슷한 가수 있어?", artist("aespa")),
    ("아이유 같은 가수 추천해줘", artist("IU")),
    ("요즘 뉴진스만 듣는 중ㅋㅋ 비슷한 그룹 추천 좀", search("NewJeans")),
    ("방탄소년단이랑 비슷한 그룹 뭐 있어?", artist("BTS")),
    ("혁오 느낌 나는 밴드 있나요?", search("HYUKOH")),
    ("잔나비같은 밴드 추천 plz", search("JANNABI")),
    ("Queen 같은 밴드 알려줘", artist("Queen")),
    ("엄마가 임영웅 노래 좋아하시는데 비슷한 가수 있을까요?", search("Lim Young Woong")),
    ("악뮤 비슷한 가수 ㄱㄱ", search("AKMU")),
    ("Yes 같은 프로그레시브 록 밴드 추천해 주세요", artist("Yes")),
    ("Heart 비슷한 밴드 있어?", artist("Heart")),
    ("김광석 좋아하는데 비슷한 포크 가수 누구 있어요?", search("Kim Kwang Seok")),
    ("요즘 여자아이들에 빠졌어요 🥰 비슷한 그룹?", search("(G)I-DLE")),
    ("Take That 같은 옛날 보이밴드 또 없나", artist("Take That")),
    ("있지 비슷한 그룹 추천해줘", search("ITZY")),
    # Korean, written apart: bare names typed casually
    ("아이브", search("IVE")),
    ("세븐틴💎", search("SEVENTEEN")),
    ("태연?", search("TAEYEON")),
    ("싸이", search("PSY")),
    ("블랙핑크!!", search("BLACKPINK")),
    ("txt", search("TOMORROW X TOGETHER")),
    # Korean, written apart: songs like a song title (catalog top tracks)
    ("Dancing Queen 같은 노래 추천해줘", songs("Dancing Queen")),
    ("Mamma Mia 같은 노래 더 듣고 싶어", songs("Mamma Mia")),
    ("Candy Shop 비슷한 곡 있어?", songs("Candy Shop")),
    ("School's Out 느낌 나는 노래 찾아줘", songs("School's Out")),
    # Korean, written apart: two artists
    ("아이유 아니면 태연", among("IU", "TAEYEON")),
    ("빅뱅이나 투애니원 같은 거", among("BIGBANG", "2NE1")),
    ("트와이스나 레드벨벳 비슷한 걸로 추천해줘", among("TWICE", "Red Velvet")),
    # Korean, written apart: artists not in the catalog, looked up on Spotify
    ("데이식스 같은 밴드 있어?", search("데이식스")),
    ("검정치마 좋아하는데 비슷한 거 추천해줘", search("검정치마")),
    # Korean, written apart: small talk
    ("ㅎㅇㅎㅇ", talk("greeting")),
    ("고마워요 ㅎㅎ", talk("thanks")),
    ("이거 어떻게 쓰는 거야?", talk("help")),
    ("뭐 할 수 있어?", talk("help")),
    # Korean, written apart: follow-ups after a carousel
    ("다른 거", follow("more")),
    ("더 보여줘", follow("more")),
    ("다른 가수도", follow("more")),
    ("노래로 추천해줘", follow("songs")),
    ("가수로 보여줘", follow("artists")),
    ("노래 말고 가수 추천해줘", follow("artists")),
    # Korean, written apart: no artist at all
    ("ㅁㄴㅇㄹ", NO_ARTIST),
    ("오늘 날씨 어때?", NO_ARTIST),
    ("근데 있지 나 오늘 너무 피곤해", NO_ARTIST),
    ("배고프다ㅠㅠ", NO_ARTIST),
]


def outcome_of(message: str) -> Outcome:
    """What the bot does with the message, with the catalog's names stored."""
    request = understand(message)
    if isinstance(request, SmallTalk):
        return talk(request.kind)
    if isinstance(request, SongsLike):
        return songs(request.title)
    if isinstance(request, FollowUp):
        return follow(request.wants or "more")
    return _artists_outcome(request)


def _artists_outcome(request: ArtistsLike) -> Outcome:
    resolution = resolve_request(request, CATALOG_INDEX)
    if isinstance(resolution, Found):
        return artist(resolution.artist_name)
    if isinstance(resolution, Ambiguous):
        return among(*(option.artist_name for option in resolution.options))
    assert isinstance(resolution, Unknown)
    if request.or_song:
        return songs(request.names[0])
    return search(resolution.search_as) if request.searchable or resolution.shipped else NO_ARTIST


def test_the_table_holds_enough_messages_in_both_languages() -> None:
    # Given the table / Then it has 150 messages or more, a fifth of them in Korean at least
    korean = [message for message, _ in TABLE if any("가" <= c <= "힣" for c in message)]
    assert len(TABLE) >= 150
    assert len(korean) >= len(TABLE) // 5


def test_messages_are_understood_as_people_mean_them(request: pytest.FixtureRequest) -> None:
    # Given the table of messages and what each means
    # When each is understood and resolved against the catalog's names
    missed = [
        (message, expected, outcome_of(message))
        for message, expected in TABLE
        if outcome_of(message) != expected
    ]
    # Then at least 95 % are understood as meant (printed, with every miss)
    accuracy = 1 - len(missed) / len(TABLE)
    ACCURACY_LINES.append(
        f"messages understood as meant: {len(TABLE) - len(missed)}/{len(TABLE)} "
        f"({accuracy:.1%}; required {REQUIRED_ACCURACY:.0%})"
    )
    ACCURACY_LINES.extend(f"  missed: {m!r}: expected {e}, got {g}" for m, e, g in missed)
    assert accuracy >= REQUIRED_ACCURACY, missed


@pytest.mark.parametrize(
    ("message", "names"),
    [
        ("bands like the police", ("the police",)),
        ("metallica or megadeth", ("metallica", "megadeth")),
        ("에스파랑 비슷한 가수", ("에스파",)),
    ],
)
def test_a_request_names_the_artist_and_keeps_the_whole_message(
    message: str, names: tuple[str, ...]
) -> None:
    # When a request is understood
    request = understand(message)
    # Then it names the artist, and keeps the message, which may be a name itself
    assert isinstance(request, ArtistsLike)
    assert (request.names, request.whole) == (names, message)


def test_two_artists_named_in_different_clauses_are_asked_back_between() -> None:
    # Given a request whose name is two, each in a clause of its own
    request = understand("bands like queen, abba, that kind of thing")
    # When it is resolved against the catalog
    assert isinstance(request, ArtistsLike)
    resolution = resolve_request(request, CATALOG_INDEX)
    # Then the bot asks which one was meant rather than picking one
    assert isinstance(resolution, Ambiguous)
    assert {option.artist_name for option in resolution.options} == {"Queen", "ABBA"}


def test_a_longer_name_holding_a_shorter_one_is_the_one_meant() -> None:
    # Given a sentence in which "nick drake" is found only where its clause ends
    request = understand("anything similar to nick drake, something calm pls")
    assert isinstance(request, ArtistsLike)
    # When it is resolved / Then it is Nick Drake, not Drake, whose name is inside his
    resolution = resolve_request(request, CATALOG_INDEX)
    assert isinstance(resolution, Found)
    assert resolution.artist_name == "Nick Drake"


@pytest.mark.parametrize(
    ("message", "artist_name"),
    [
        ("my friend loves the clash, what else would she like?", "The Clash"),
        ("can you recommend bands like metallica?", "Metallica"),
        ("아이유랑 비슷한 가수 추천해줘", "IU"),
    ],
)
def test_a_sentence_naming_a_stored_artist_costs_one_index_query(
    message: str, artist_name: str
) -> None:
    # Given an index that counts its queries, and a sentence naming a stored artist
    index = CountingNames(CATALOG_INDEX)
    request = understand(message)
    assert isinstance(request, ArtistsLike)
    # When it is resolved
    resolution = resolve_request(request, index)
    # Then the artist is found with one exact query for all its stretches, as a bare name is
    # found with one query
    assert isinstance(resolution, Found)
    assert resolution.artist_name == artist_name
    assert (index.fuzzy_queries, index.exact_queries) == (0, 1)


@pytest.mark.parametrize(
    ("message", "wants"),
    [
        ("more like that", None),
        ("another one pls", None),
        ("got anything similar to that?", "artists"),
        ("any songs like that one?", "songs"),
        ("이거랑 비슷한 노래 더", None),
        ("노래 말고 가수 추천해줘", "artists"),
        ("can i get songs instead of artists", "songs"),
    ],
)
def test_a_message_about_the_last_answer_is_a_follow_up(message: str, wants: str | None) -> None:
    # When a message refers to what was last shown
    request = understand(message)
    # Then it follows it up, with what was asked for instead if anything
    assert isinstance(request, FollowUp)
    assert request.wants == wants


class CountingNames:
    """A name index that counts its fuzzy and exact queries."""

    def __init__(self, inner: InMemoryNameIndex) -> None:
        self.inner = inner
        self.fuzzy_queries = self.exact_queries = 0

    def candidates(self, key: str, limit: int) -> list[NameCandidate]:
        self.fuzzy_queries += 1
        return self.inner.candidates(key, limit)

    def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
        self.exact_queries += 1
        return self.inner.exact(keys)
