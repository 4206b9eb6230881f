"""What a message asks for: artists like one it names ("can you recommend bands like
radiohead?", "i'm into twice lately", "블랙핑크 비슷한 가수"), songs like a song, more of
what the bot last showed ("more like that", "songs instead", "다른 거"), or nothing musical
at all (a greeting, thanks, a question about the bot), in English or Korean.

The name inside a sentence is only a guess until the name resolution scores it: a request
names what to try, and `resolve_request` still takes the whole message when it is exactly a
stored name, so that "Take That", "Yes" or "Queen" work as a whole message and inside a
sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from domain.models import NameCandidate, Wants
from domain.names import normalize_name
from domain.ports import NameIndex
from domain.resolution import (
    EXACT_SCORE,
    MAX_OPTIONS,
    Ambiguous,
    Found,
    Resolution,
    Unknown,
    resolve,
    resolve_exactly,
)
from domain.songs import parse_song_request

SmallTalkKind = Literal["greeting", "thanks", "help"]


@dataclass(frozen=True)
class ArtistsLike:
    """Artists like the one the message names: `names` holds that name (several for "X or
    Y"), `whole` the message itself, which may be a name too ("Take That", "I Like Birds").
    `spans` are the other stretches of the message that may be a name (a clause's, the name
    cut where its clause ends, a Korean word without its particle), taken only when one is
    exactly a stored name. `searchable` is whether Spotify may be asked for the name when no
    stored one matches: not for a question or a sentence no request form explains, which
    names no artist but would find one. `or_song` when the message may mean a song by that
    name ("something like Hey Jude"): songs like it, when no artist is called so."""

    names: tuple[str, ...]
    whole: str
    spans: tuple[str, ...] = ()
    searchable: bool = True
    or_song: bool = False


@dataclass(frozen=True)
class SongsLike:
    """Songs like the song (or artist) titled so."""

    title: str


@dataclass(frozen=True)
class SmallTalk:
    """Nothing to look up: a greeting, thanks, or a question about what the bot does."""

    kind: SmallTalkKind


@dataclass(frozen=True)
class FollowUp:
    """About what the bot last showed: more of the same (`wants` None: "more", "another",
    "다른 거"), or its artist's songs or similar artists instead ("songs instead", "artists
    like that"). `named` is what to look up instead when nothing was shown yet and the
    message may name an artist after all ("more like HIM", not "more like him")."""

    wants: Wants | None = None
    named: ArtistsLike | None = None


Request = ArtistsLike | SongsLike | SmallTalk | FollowUp

# Compared once lowercased, without punctuation, emoji or repeated spaces.
_SMALL_TALK: dict[str, SmallTalkKind] = {
    **dict.fromkeys(
        (
            "hi", "hii", "hello", "hey", "hey there", "hi there", "hello there", "hiya", "yo",
            "sup", "good morning", "good afternoon", "good evening", "안녕", "안녕하세요",
            "하이", "헬로", "반가워", "반가워요", "안녕 반가워", "ㅎㅇ", "ㅎㅇㅎㅇ", "하이요",
            "안뇽",
        ),
        "greeting",
    ),
    **dict.fromkeys(
        (
            "thanks", "thank you", "thx", "ty", "thanks a lot", "thank you so much",
            "thanks so much", "cheers", "great thanks", "cool thanks", "nice thanks",
            "고마워", "고마워요", "감사합니다", "감사해요", "땡큐", "ㄱㅅ", "ㄳ",
        ),
        "thanks",
    ),
    **dict.fromkeys(
        (
            "help", "help me", "what can you do", "what do you do", "how does this work",
            "how do i use this", "who are you", "what are you", "menu", "start", "get started",
            "도움말", "도움", "도와줘", "도와주세요", "뭐 할 수 있어", "뭐 해줄 수 있어", "사용법",
            "너 뭐야", "누구야", "이거 어떻게 쓰는 거야", "어떻게 쓰는 거야", "어떻게 써",
            "어떻게 사용해", "how do i use you", "how to use this", "how does it work", "ok",
            "okay", "k", "lol", "cool", "nice", "great", "idk",
            "i don't know", "i dont know", "hmm", "no", "nope", "ㅇㅋ", "ㅋㅋ", "ㅋㅋㅋ", "응",
            "네", "몰라",
        ),
        "help",
    ),
}  # fmt: skip

# Compared as small talk is. None: more of what was last shown.
_FOLLOW_UPS: dict[str, Wants | None] = {
    **dict.fromkeys(
        (
            "more", "more please", "more pls", "more plz", "some more", "show more",
            "show me more", "give me more", "more like that", "more like this", "more like them",
            "more of that", "more of those", "more of the same", "more similar", "more artists",
            "more recommendations", "more suggestions", "another", "another one",
            "any more", "anymore", "others", "other ones", "any others", "what else",
            "anything else", "who else", "next", "next one", "next page", "keep going",
            "go on", "again", "more more", "moar", "ok more", "okay more", "yes more",
            "더", "더 보여줘", "더 보여 줘", "더 보여주세요", "더 추천해줘", "더 추천해 줘",
            "더 추천해주세요", "더 알려줘", "더 없어", "더 있어", "또", "또 없어", "또 추천해줘",
            "다른 거", "다른거", "다른 거 없어", "다른거 없어", "다른 거 더", "다른 거 추천해줘",
            "다른 가수", "다른 가수도", "다른 가수 추천해줘", "다른 사람", "다른 애들",
            "다음", "다음 거", "비슷한 거 더", "비슷한 가수 더", "더 비슷한 거", "계속",
        ),
        None,
    ),
    **dict.fromkeys(
        (
            "songs", "songs instead", "songs please", "songs pls", "the songs", "their songs",
            "what about songs", "how about songs", "any songs", "show me songs", "give me songs",
            "tracks", "tracks instead", "songs then", "just songs", "songs like that",
            "songs like this", "songs like them", "similar songs", "recommend songs",
            "노래", "노래로", "노래로 추천해줘", "노래로 보여줘", "노래로 알려줘", "노래 추천",
            "노래 추천해줘", "노래 추천해 줘", "노래는", "노래는요", "노래도", "노래도 추천해줘",
            "노래 보여줘", "곡", "곡 추천", "곡 추천해줘", "비슷한 노래", "비슷한 노래 추천해줘",
        ),
        "songs",
    ),
    **dict.fromkeys(
        (
            "artists", "artists instead", "artists please", "bands instead", "singers instead",
            "similar artists", "what about artists", "how about artists", "show me artists",
            "artists like that", "artists like this", "artists like them", "bands like that",
            "가수", "가수로", "가수로 추천해줘", "가수로 보여줘", "가수 추천", "가수 추천해줘",
            "아티스트", "아티스트로", "비슷한 가수", "비슷한 가수 추천해줘", "비슷한 아티스트",
        ),
        "artists",
    ),
}  # fmt: skip
# What a request may name instead of an artist: the one last shown.
_REFERENCES = frozenset(
    ("that", "this", "them", "it", "those", "these", "him", "her", "that one", "this one",
     "these ones", "those ones", "the last one", "the same", "the same one", "the same artist",
     "that artist", "this artist", "that band", "this band", "that song", "this song",
     "그거", "이거", "저거", "그것", "이것", "걔", "얘", "쟤", "걔네", "얘네", "그 가수", "이 가수",
     "그 사람", "그 그룹", "그 노래", "이 노래", "이런", "그런", "이런 거", "그런 거")
)  # fmt: skip
# Asks for more of what was shown rather than for it again.
_MORE = re.compile(r"\b(?:more|another|other|else|next)\b|더|다른|또", re.IGNORECASE)

# "artists instead of songs", "노래 말고 가수": the other kind, about what was last shown.
_INSTEAD: tuple[tuple[re.Pattern[str], Wants], ...] = (
    (
        re.compile(
            r"\b(?:artists?|bands?|singers?|groups?)\s+instead\b|\binstead\s+of\s+(?:the\s+)?"
            r"(?:songs?|tracks?)\b|(?:노래|곡)\s*(?:말고|대신)",
            re.IGNORECASE,
        ),
        "artists",
    ),
    (
        re.compile(
            r"\b(?:songs?|tracks?)\s+instead\b|\binstead\s+of\s+(?:the\s+)?"
            r"(?:artists?|bands?|singers?)\b|(?:가수|아티스트|그룹)\s*(?:말고|대신)",
            re.IGNORECASE,
        ),
        "songs",
    ),
)
_REFERENCE_WORDS = r"(?:that|this|them|it|those|these)(?:\s+ones?)?"
_KOREAN_REFERENCE_WORDS = r"(?:그거|이거|저거|그것|이것|걔|얘|쟤|걔네|얘네|이런|그런)"
# "anything similar to that?", "songs like this one", "이거랑 비슷한 노래 더".
_REFERENCE_REQUESTS = (
    re.compile(rf"(?:.*\s)?(?:like|similar\s+to|as)\s+{_REFERENCE_WORDS}", re.IGNORECASE),
    re.compile(
        rf"(?:.*\s)?{_KOREAN_REFERENCE_WORDS}\s*(?:이랑|랑|하고|와|과)?\s*(?:같은|비슷한|스타일|느낌)"
        r"(?:\s.*)?"
    ),
    re.compile(r"(?:이런|그런)\s*(?:노래|곡|가수|아티스트|거|음악)(?:\s.*)?"),
)

_NOT_WORDS = re.compile(r"[^\w\s'&.()/-]+")
_LAUGHTER = re.compile(r"[ㅋㅎㅠㅜ]+|(?:ha){2,}|lol|lmao")
# Where a clause ends: punctuation, or a word that opens another ("..., who else", "듣는데").
_CLAUSE_BREAK = re.compile(
    r"\s*[,.!?;~…]+\s*|\s+(?:but|and\s+i|so|who|what|which|because|cuz|since|any|anything"
    r"|can\s+you|could\s+you|give\s+me|pls|please|plz)\s+"
    r"|(?<=[는은]데)\s+|(?<=니까)\s+|(?<=[어아]서)\s+",
    re.IGNORECASE,
)
# What may end a Korean word after a name: a particle, "만" (only), "같은" (like).
_KOREAN_ENDING = re.compile(
    r"(?:이랑|랑|하고|와|과|를|을|이|가|은|는|도|에|에게|의|만|이나|나|처럼|같은|같이|같은거"
    r"|스타일|느낌|노래|곡)$"
)
_LONGEST_KOREAN_RUN = 3
# What follows a name in a Korean clause without being part of it: "(에스파) 노래 많이 듣는데",
# "(검정치마) 좋아하는데", "(뉴진스만) 듣는 중ㅋㅋ".
_KOREAN_TAIL_WORDS = re.compile(
    r"(?:\s+(?:노래|곡|음악|많이|자주|진짜|완전|너무|요즘|계속|맨날|매일|중|[가-힣]*(?:는데|은데|니까"
    r"|어서|아서|해서|하는|듣는|좋아해|좋아하는)|[ㅋㅎㅠㅜ]+))+$"
    r"|(?<=[가-힣])[ㅋㅎㅠㅜ]+$"
)
_HANGUL = re.compile(r"[가-힣]")
_ONLY_JAMO = re.compile(r"[ㄱ-ㅎㅏ-ㅣ\s]+")
# A Korean sentence's last word: 어때, 배고프다, 있어요, 할까.
_KOREAN_SENTENCE_END = re.compile(r"[가-힣](?:다|요|까|죠|줘|어때)[ㅠㅜㅋㅎ]*$")
# Openings of chat, not of a name ("i'm bored", "lol ok whatever").
_CHAT_OPENINGS = frozenset(
    ("i'm", "im", "i've", "i'd", "lol", "lmao", "haha", "ok", "okay", "it's")
)
# Politeness that may end a song title or a follow-up and is no part of either.
_POLITE_TAIL = re.compile(r"(?:[\s,]+(?:pls|plz|please|thanks|thx))+$", re.IGNORECASE)
# Words of the longest artist's name typed on its own that the bot asks Spotify about.
_LONGEST_BARE_NAME = 5
# What ends a message without being part of a name: punctuation, emoji.
_TRAILING_NOISE = re.compile(r"[^\w)]+$")
_QUESTION_WORDS = frozenset(
    ("what", "what's", "whats", "who", "who's", "how", "why", "when", "where", "is", "are",
     "do", "does", "did", "can", "could", "should", "would", "will")
)  # fmt: skip
# "something like Hey Jude" may name a song; "music like Muse" names an artist.
_SONG_OR_ARTIST = re.compile(r"\b(?:something|anything)\b|거|것", re.IGNORECASE)
# "X 좋아하는데 비슷한 거": what the person likes is an artist, not a song.
_ARTIST_SIGNALS = re.compile(
    r"좋아하|좋아해|듣는|빠졌|팬|\bfan\b|\bi\s+love\b|\binto\b", re.IGNORECASE
)
_EXPLICIT_SONGS = re.compile(r"\b(?:songs?|tracks?|tunes?)\b|노래|곡", re.IGNORECASE)
_QUOTES = "\"'“”‘’「」『』«»"

# English: what may come after the name and is not part of it.
_ENGLISH_TAIL = re.compile(
    r"(?:[\s,]+(?:pls|plz|please|lately|recently|these\s+days|right\s+now|now|a\s+lot|so\s+much"
    r"|too|today|thanks|thx|ty|then|maybe|again|'s\s+(?:music|songs|stuff)))+$",
    re.IGNORECASE,
)
_ENGLISH_LIKE = (
    r"(?:like|similar\s+to|such\s+as|(?:that\s+)?sound(?:s|ing)?\s+like|resembling|akin\s+to"
    r"|in\s+the\s+(?:vein|style|spirit)\s+of|along\s+the\s+lines\s+of|reminiscent\s+of"
    r"|comparable\s+to)"
)
_ENGLISH_ARTISTS = (
    r"(?:artists?|bands?|singers?|groups?|musicians?|rappers?|acts?|people|stuff|anything|who"
    r"|recommendations?|suggestions?|recs?"
    r"|something|someone|somebody|music|more|others?|similar(?:\s+ones)?)"
)
_ENGLISH_REQUESTS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "can you recommend bands like radiohead", "anything similar to Drake"
        rf".*?\b{_ENGLISH_ARTISTS}(?:\s+(?:is|are|that|which))?\s+{_ENGLISH_LIKE}\s+(?P<name>.+)",
        # "similar artists to slayer"
        rf"(?:.*?\s)?similar\s+{_ENGLISH_ARTISTS}\s+(?:to|like)\s+(?P<name>.+)",
        # "similar to aespa", "please, like twice", "can you find me similar to IU"
        r"(?:(?:please|pls|plz|can\s+you|could\s+you|would\s+you|recommend|suggest|show"
        rf"|give|find|send|play|get)\b[^.?!]*?\s)?{_ENGLISH_LIKE}\s+(?P<name>.+)",
        # "i'm into twice lately", "i've been listening to IU", "i love Queen"
        r"(?:.*?\b)?(?:i'?m|i\s+am|im)\s+(?:really\s+|so\s+|totally\s+|kinda\s+)?"
        r"(?:into|obsessed\s+with|a\s+(?:big\s+|huge\s+)?fan\s+of|listening\s+to)\s+(?P<name>.+)",
        r"(?:.*?\b)?i(?:'ve|\s+have)?\s+been\s+(?:listening\s+to|into|obsessed\s+with)\s+"
        r"(?P<name>.+)",
        r"(?:.*?\b)?i\s+(?:really\s+|just\s+|totally\s+)?(?:love|like|adore|enjoy|dig)\s+"
        r"(?P<name>.+)",
        r"(?:.*?\b)?(?:big\s+|huge\s+)?fan\s+of\s+(?P<name>.+)",
        # "big Take That fan here", "my dad loves CCR", "i've had amy winehouse on repeat"
        r"(?:.*?\b)?(?:a\s+)?(?:big|huge|massive|longtime|long\s+time|die\s*hard)\s+"
        r"(?P<name>.+?)\s+fan(?:\s+here)?",
        r"(?:.*?\b)?(?:loves|likes|adores|is\s+into|is\s+obsessed\s+with)\s+(?P<name>.+)",
        r"(?:.*?\b)?(?:i'?ve|i\s+have)\s+(?:had|got|been\s+playing|been\s+blasting)\s+"
        r"(?P<name>.+?)\s+on\s+repeat\b.*",
        r"(?:.*?\b)?(?:listen(?:ing)?(?:\s+to)?\s+after|if\s+i\s+(?:like|love)|for\s+fans?\s+of)"
        r"\s+(?P<name>.+)",
        # "recommend aespa", "could you suggest me IU"
        r"(?:can\s+you\s+|could\s+you\s+|please\s+|pls\s+)?(?:recommend|suggest)\s+(?:me\s+)?"
        r"(?P<name>.+)",
        # "more twice", "more IU please"
        r"more\s+(?:of\s+|by\s+)?(?P<name>.+)",
    )
)
# Spaced, so that "AC/DC" stays one name.
_ENGLISH_SPLIT = re.compile(r"\s+(?:or|/|vs\.?)\s+", re.IGNORECASE)

# Korean: "<name>(랑|이랑|와|과|하고) 같은/비슷한 (가수|아티스트|…) (추천 좀|추천해 줘…)",
# "<name> 추천해 줘", "<name> 좋아해", "요즘 <name>에 빠졌어".
_KOREAN_PARTICLE = r"(?:이랑|랑|하고|와|과|를|을|이|가|은|는|도|에)?"
_KOREAN_LEAD = r"(?:(?:요즘|최근|나|난|저|전|나는|저는)\s+)*"
_KOREAN_NOUN = r"(?:가수|아티스트|밴드|그룹|뮤지션|음악|거|것|애들|사람)(?:들)?"
_KOREAN_TAIL = r"(?:\s*[가-힣ㄱ-ㅎ\s]*)?"
_KOREAN_REQUESTS = tuple(
    re.compile(pattern)
    for pattern in (
        rf"{_KOREAN_LEAD}(?P<name>.+?)\s*{_KOREAN_PARTICLE}\s*"
        rf"(?:같은|비슷한|스타일|느낌)\s*(?:{_KOREAN_NOUN})?{_KOREAN_TAIL}",
        rf"{_KOREAN_LEAD}(?P<name>.+?)\s*{_KOREAN_PARTICLE}\s*"
        r"(?:추천|좋아|빠졌|듣고|최고|짱|사랑)[가-힣\s]*",
    )
)
_KOREAN_SPLIT = re.compile(r"\s*(?:아니면|이나|나|또는)\s+")


def understand(text: str) -> Request:
    """What `text` asks for. A bare name is a request for artists like it."""
    phrase = " ".join(text.split())
    small_talk = _SMALL_TALK.get(_key(phrase))
    if small_talk is not None:
        return SmallTalk(small_talk)
    key = _key(_POLITE_TAIL.sub("", _TRAILING_NOISE.sub("", phrase)) or phrase)
    if key in _FOLLOW_UPS:
        return FollowUp(_FOLLOW_UPS[key])
    for instead, wants in _INSTEAD:
        if instead.search(phrase):
            return FollowUp(wants)
    return _referring(_request(phrase), phrase)


def _key(text: str) -> str:
    """text as small talk and follow-ups are compared: lowercased, without punctuation,
    emoji or laughter ("고마워요 ㅎㅎ" is "고마워요"), unless that is all there is."""
    words = _NOT_WORDS.sub(" ", text).casefold().split()
    return " ".join([word for word in words if not _LAUGHTER.fullmatch(word)] or words)


def _request(phrase: str) -> ArtistsLike | SongsLike:
    title = parse_song_request(phrase)
    if title is not None and _EXPLICIT_SONGS.search(phrase):
        return SongsLike(_POLITE_TAIL.sub("", title) or title)
    if title is not None:
        name = _clean(title)
        return ArtistsLike(
            _split(name),
            phrase,
            spans=_spans(phrase, name),
            or_song=bool(_SONG_OR_ARTIST.search(phrase)) and not _ARTIST_SIGNALS.search(phrase),
        )
    return _named_in(phrase)


def _referring(request: ArtistsLike | SongsLike, phrase: str) -> Request:
    """A follow-up when the request names what was last shown ("songs like that one", "그거랑
    비슷한 가수") unless another clause names an artist ("big Take That fan here, give me bands
    like them"); else the request."""
    named = request.title if isinstance(request, SongsLike) else " ".join(request.names)
    trimmed = _TRAILING_NOISE.sub("", phrase)
    if _key(named) not in _REFERENCES and not any(
        pattern.fullmatch(trimmed) for pattern in _REFERENCE_REQUESTS
    ):
        return request
    for clause in _clauses(trimmed):
        other = _request_form_name(clause)
        if other is not None and _key(other) not in _REFERENCES:
            return ArtistsLike(_split(other), trimmed, spans=_spans(trimmed, other))
    if _MORE.search(phrase):
        wants: Wants | None = None
    else:
        wants = "songs" if _EXPLICIT_SONGS.search(phrase) else "artists"
    # Written with a capital, the word may be a band's name ("more like HIM", "Them").
    if isinstance(request, ArtistsLike) and named != named.lower():
        return FollowUp(wants, named=request)
    return FollowUp(wants)


def _named_in(phrase: str) -> ArtistsLike:
    """The name a request form gives, else the whole message."""
    trimmed = _TRAILING_NOISE.sub("", phrase).strip() or phrase
    name = _request_form_name(trimmed)
    if name is not None:
        return ArtistsLike(_split(name), trimmed, spans=_spans(trimmed, name))
    name = _clean(trimmed)
    name = name if normalize_name(name) else trimmed
    # A sentence that neither asks for artists nor may be a name is chat: a word in it that
    # happens to be a name ("근데 있지 나 오늘 너무 피곤해") is no request.
    searchable = _may_be_a_name(phrase)
    spans = _spans(trimmed, name) if searchable else ()
    return ArtistsLike(_split(name), trimmed, spans=spans, searchable=searchable)


def _request_form_name(text: str) -> str | None:
    """The name a request form gives in text ("bands like X", "X 같은 가수"), if one does."""
    for pattern in (*_KOREAN_REQUESTS, *_ENGLISH_REQUESTS):
        matched = pattern.fullmatch(text)
        if matched is None:
            continue
        name = _clean(matched["name"])
        if normalize_name(name) and name.casefold() != text.casefold():
            return name
    return None


def _may_be_a_name(phrase: str) -> bool:
    """Whether a message no request form explains may be an artist's name typed on its own:
    not a question, a sentence, Korean jamo or a message opening like chat ("i'm bored")."""
    words = phrase.split()
    return (
        len(words) <= _LONGEST_BARE_NAME
        and "?" not in phrase
        and words[0].casefold() not in _QUESTION_WORDS | _CHAT_OPENINGS
        and not _ONLY_JAMO.fullmatch(phrase)
        and not _KOREAN_SENTENCE_END.search(_TRAILING_NOISE.sub("", phrase))
    )


def _spans(phrase: str, name: str) -> tuple[str, ...]:
    """Where else in the message an artist may be named: each clause's request form or
    the clause itself, the name cut where its clause ends, and in Korean each run of up
    to three words, with and without the particle that ends it."""
    spans: list[str] = []
    for text in dict.fromkeys((name, phrase)):
        for clause in _clauses(text):
            spans += (_request_form_name(clause) or "", _clean(clause))
            if _HANGUL.search(clause):
                spans += _korean_word_runs(clause)
    return tuple(
        span for span in dict.fromkeys(spans) if normalize_name(span) and span not in (name, phrase)
    )


def _clauses(text: str) -> list[str]:
    return [clause for clause in _CLAUSE_BREAK.split(text) if clause and clause.strip()]


def _korean_word_runs(clause: str) -> list[str]:
    words = [_TRAILING_NOISE.sub("", word) for word in clause.split()]
    runs = [
        " ".join(words[start : start + length])
        for length in range(1, _LONGEST_KOREAN_RUN + 1)
        for start in range(len(words) - length + 1)
    ]
    return [form for run in runs for form in (run, _KOREAN_ENDING.sub("", run)) if form]


def _clean(name: str) -> str:
    name = _ENGLISH_TAIL.sub("", _TRAILING_NOISE.sub("", name)).strip()
    name = _TRAILING_NOISE.sub("", name.strip(_QUOTES)).strip(_QUOTES).strip()
    return _KOREAN_TAIL_WORDS.sub("", name) or name


def _split(name: str) -> tuple[str, ...]:
    """ "metallica or megadeth", "아이유 아니면 태연": each name; else the one."""
    for separator in (_ENGLISH_SPLIT, _KOREAN_SPLIT):
        parts = tuple(part for part in separator.split(name) if normalize_name(part))
        if len(parts) > 1:
            return parts
    return (name,)


def resolve_request(request: ArtistsLike, index: NameIndex) -> Resolution:
    """Whom the request means, never a guess. A bare name costs one index query, as ever.
    A sentence first asks, in one query, which of its stretches are exactly stored names:
    the name it gives, else the whole message ("I Like Birds"), else another stretch
    (several artists so named are asked back among). Only when none is exact are the name
    and the whole message resolved typos and all, the name first; else Spotify is asked for
    the name the request gives. Of "X or Y", the names that resolve are asked back among."""
    several = len(request.names) > 1
    if request.names == (request.whole,) and not request.spans:
        return resolve(request.whole, index)
    texts = (request.whole,) if several else (*request.names, request.whole)
    spans = () if several else request.spans
    exact = index.exact(list({normalize_name(text) for text in (*texts, *spans)} - {""}))
    for text in texts:
        found = resolve_exactly(text, exact)
        if isinstance(found, Found):
            return found
    spotted = _exactly_named(spans, exact)
    if spotted is not None:
        return spotted
    named = _resolve_several(request.names, index) if several else resolve(texts[0], index)
    if isinstance(named, Found | Ambiguous) or request.names == (request.whole,):
        return named
    whole = resolve(request.whole, index)
    return whole if isinstance(whole, Found | Ambiguous) else named


def _exactly_named(spans: tuple[str, ...], exact: Sequence[NameCandidate]) -> Resolution | None:
    """The artists stretches of the message name exactly (`exact`: the index's names for
    them), the longest stretch where one holds another ("nick drake", not "drake"); None
    when none does."""
    keys = {normalize_name(span) for span in spans}
    names = [name for name in exact if name.key in keys]
    longest = [
        name
        for name in names
        if not any(name.key != other.key and _within(name.key, other.key) for other in names)
    ]
    stored = {name.artist_id: name for name in longest if name.artist_id}
    if len(stored) == 1:
        [name] = stored.values()
        return Found(name.artist_id, name.artist_name, name.key, EXACT_SCORE, exact=True)
    if stored:
        return Ambiguous(options=tuple(stored.values())[:MAX_OPTIONS])
    if longest:
        return Unknown(search_as=longest[0].artist_name, shipped=True)
    return None


def _within(key: str, other: str) -> bool:
    return f" {key} " in f" {other} "


def _resolve_several(names: tuple[str, ...], index: NameIndex) -> Resolution:
    """ "X or Y": the one of them the bot knows, or those it does (stored, or by a name it
    ships) to ask back among; else what Spotify should be asked for, the first name."""
    known: dict[str, tuple[Resolution, NameCandidate]] = {}
    for resolution in (resolve(name, index) for name in names):
        if isinstance(resolution, Found):
            option = NameCandidate(
                key=resolution.key,
                artist_id=resolution.artist_id,
                artist_name=resolution.artist_name,
            )
            known.setdefault(resolution.artist_id, (resolution, option))
        elif isinstance(resolution, Unknown) and resolution.shipped:
            name = resolution.search_as
            option = NameCandidate(key=normalize_name(name), artist_id="", artist_name=name)
            known.setdefault(f"name:{name}", (resolution, option))
    if len(known) == 1:
        [(resolution, _)] = known.values()
        return resolution
    if known:
        return Ambiguous(options=tuple(option for _, option in known.values())[:MAX_OPTIONS])
    return Unknown(search_as=names[0])
