"""What a message asks for: artists like one it names ("can you recommend bands like
radiohead?", "i'm into twice lately", "블랙핑크 비슷한 가수"), songs like a song, or nothing
musical at all (a greeting, thanks, a question about the bot), in English or Korean.

The name inside a sentence is only a guess until the name resolution scores it: a request
names what to try, and `resolve_request` still takes the whole message when it is exactly a
stored name, so that "Take That", "Yes" or "Queen" work as a whole message and inside a
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from domain.models import NameCandidate
from domain.names import normalize_name
from domain.ports import NameIndex
from domain.resolution import Ambiguous, Found, Resolution, Unknown, resolve
from domain.songs import parse_song_request

SmallTalkKind = Literal["greeting", "thanks", "help"]


@dataclass(frozen=True)
class ArtistsLike:
    """Artists like the one the message names: `names` holds that name (several for "X or
    Y"), `whole` the message itself, which may be a name too ("Take That", "I Like Birds").
    `or_song` when the message may mean a song by that name ("something like Hey Jude"):
    songs like it, when no artist is called so."""

    names: tuple[str, ...]
    whole: str
    request_form: bool = True
    or_song: bool = False

    @property
    def searchable(self) -> bool:
        """Whether Spotify may be asked for the name when no stored one matches: not for a
        question or a sentence that no request form explains, which names no artist but
        would find one."""
        if self.request_form:
            return True
        words = self.whole.split()
        return (
            len(words) <= _LONGEST_BARE_NAME
            and "?" not in self.whole
            and words[0].casefold() not in _QUESTION_WORDS
        )


@dataclass(frozen=True)
class SongsLike:
    """Songs like the song (or artist) titled so."""

    title: str


@dataclass(frozen=True)
class SmallTalk:
    """Nothing to look up: a greeting, thanks, or a question about what the bot does."""

    kind: SmallTalkKind


Request = ArtistsLike | SongsLike | SmallTalk

# Compared once lowercased, without punctuation, emoji or repeated spaces.
_SMALL_TALK: dict[str, SmallTalkKind] = {
    **dict.fromkeys(
        (
            "hi", "hii", "hello", "hey", "hey there", "hi there", "hello there", "hiya", "yo",
            "sup", "good morning", "good afternoon", "good evening", "안녕", "안녕하세요",
            "하이", "헬로", "반가워", "반가워요", "안녕 반가워",
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
            "너 뭐야", "누구야", "ok", "okay", "k", "lol", "cool", "nice", "great", "idk",
            "i don't know", "i dont know", "hmm", "no", "nope", "ㅇㅋ", "ㅋㅋ", "ㅋㅋㅋ", "응",
            "네", "몰라",
        ),
        "help",
    ),
}  # fmt: skip

_NOT_WORDS = re.compile(r"[^\w\s'&.()/-]+")
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
_EXPLICIT_SONGS = re.compile(r"\b(?:songs?|tracks?|tunes?)\b|노래|곡", re.IGNORECASE)
_QUOTES = "\"'“”‘’「」『』«»"

# English: what may come after the name and is not part of it.
_ENGLISH_TAIL = re.compile(
    r"(?:[\s,]+(?:pls|plz|please|lately|recently|these\s+days|right\s+now|now|a\s+lot|so\s+much"
    r"|too|today|thanks|thx|ty|then|maybe|again|'s\s+(?:music|songs|stuff)))+$",
    re.IGNORECASE,
)
_ENGLISH_LIKE = (
    r"(?:like|similar\s+to|such\s+as|(?:that\s+)?sound(?:s|ing)?\s+like|resembling|akin\s+to)"
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
    small_talk = _SMALL_TALK.get(" ".join(_NOT_WORDS.sub(" ", phrase).casefold().split()))
    if small_talk is not None:
        return SmallTalk(small_talk)
    title = parse_song_request(phrase)
    if title is not None and _EXPLICIT_SONGS.search(phrase):
        return SongsLike(title)
    if title is not None:
        return ArtistsLike(
            _split(_clean(title)), phrase, or_song=bool(_SONG_OR_ARTIST.search(phrase))
        )
    return _named_in(phrase)


def _named_in(phrase: str) -> ArtistsLike:
    """The name a request form gives, else the whole message."""
    trimmed = _TRAILING_NOISE.sub("", phrase).strip() or phrase
    for pattern in (*_KOREAN_REQUESTS, *_ENGLISH_REQUESTS):
        matched = pattern.fullmatch(trimmed)
        if matched is None:
            continue
        name = _clean(matched["name"])
        if normalize_name(name) and name.casefold() != trimmed.casefold():
            return ArtistsLike(_split(name), trimmed)
    name = _clean(trimmed)
    return ArtistsLike(
        _split(name if normalize_name(name) else trimmed), trimmed, request_form=False
    )


def _clean(name: str) -> str:
    name = _ENGLISH_TAIL.sub("", _TRAILING_NOISE.sub("", name)).strip()
    return _TRAILING_NOISE.sub("", name.strip(_QUOTES)).strip(_QUOTES).strip()


def _split(name: str) -> tuple[str, ...]:
    """ "metallica or megadeth", "아이유 아니면 태연": each name; else the one."""
    for separator in (_ENGLISH_SPLIT, _KOREAN_SPLIT):
        parts = tuple(part for part in separator.split(name) if normalize_name(part))
        if len(parts) > 1:
            return parts
    return (name,)


def resolve_request(request: ArtistsLike, index: NameIndex) -> Resolution:
    """Whom the request means, never a guess: the name it gives when that is exactly a
    stored name (one index query, as for a bare name); else the whole message when it is
    exactly one ("I Like Birds"); else the name it gives, typos and all (several named,
    those that each resolve to one artist are asked back among); else the whole message so;
    else what Spotify should be asked for, the name the request gives."""
    named = _resolve_named(request.names, index)
    if (isinstance(named, Found) and named.exact) or request.names == (request.whole,):
        return named
    whole = resolve(request.whole, index)
    if isinstance(whole, Found) and whole.exact:
        return whole
    if isinstance(named, Found | Ambiguous) or not isinstance(whole, Found | Ambiguous):
        return named
    return whole


def _resolve_named(names: tuple[str, ...], index: NameIndex) -> Resolution:
    resolutions = [resolve(name, index) for name in names]
    if len(resolutions) == 1:
        return resolutions[0]
    found = {r.artist_id: r for r in resolutions if isinstance(r, Found)}
    if len(found) == 1:
        return next(iter(found.values()))
    if found:
        return Ambiguous(
            options=tuple(
                NameCandidate(key=f.key, artist_id=f.artist_id, artist_name=f.artist_name)
                for f in found.values()
            )
        )
    return Unknown(search_as=names[0])
