"""Song requests: recognising "songs like California Love", matching song titles however
Spotify decorates them, and answering with songs of similar artists."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from domain import replies
from domain.models import Artist, Button, Card, CarouselReply, Language, Track
from domain.names import normalize_name

# Words that mark a bracketed or dashed part of a title as a note about the recording rather
# than part of the song's name. The same patterns are spelled out in SQL by the migration
# that backfills tracks.normalized_title; change both together.
_VERSION_WORDS = (
    "remaster|remastered|version|mix|remix|edit|mono|stereo|demo|acoustic|instrumental"
    "|deluxe|anniversary|bonus|soundtrack|unplugged"
)
_CREDIT_WORDS = "feat|ft|featuring|with|prod|from|live"
_NOTE = rf"(?:(?:{_CREDIT_WORDS})\b|[^()\[\]]*?\b(?:{_VERSION_WORDS})\b|\d{{4}}\b)"
# "(feat. Eminem & 50 Cent)", "[Live]", "(Remastered 2011)"; "(Wish Death)" stays.
_BRACKETED_NOTE = re.compile(rf"\s*[(\[]\s*{_NOTE}[^()\[\]]*[)\]]", re.IGNORECASE)
# " - Original Version", " - Remastered 2011", ' - From "Armageddon" Soundtrack', and
# everything after it; " - Pt. 1" stays.
_DASHED_NOTE = re.compile(rf"\s+[-–—]\s+{_NOTE}.*$", re.IGNORECASE)
# "Song feat. Someone" without brackets.
_BARE_FEATURE = re.compile(r"\s+(?:feat\.?|ft\.|featuring)\s.*$", re.IGNORECASE)


def song_title(title: str) -> str:
    """The song's name without the notes Spotify adds about one recording:
    "California Love - Original Version" is "California Love"."""
    without_notes = _BRACKETED_NOTE.sub("", title)
    without_notes = _DASHED_NOTE.sub("", without_notes)
    return _BARE_FEATURE.sub("", without_notes).strip()


def normalize_title(title: str) -> str:
    """The key a song is looked up by, so "California Love - Original Version" and
    "california love" share one. A title that is nothing but a note keeps it."""
    return normalize_name(song_title(title)) or normalize_name(title)


# English: an optional lead-in ("can you recommend me some"), a noun, a connector, the title.
_LEAD_IN_WORD = (
    r"(?:please|pls|can|could|would|will|you|recommend|suggest|find|show|give|send|play|get"
    r"|me|i|i'd|i'm|want|need|like|looking|for|what|are|is|there|some|any|more|other|a|few"
    r"|good|new|great)"
)
_ENGLISH_NOUN = r"(?:songs?|tracks?|music|tunes?|something|anything)"
_ENGLISH_CONNECTOR = (
    r"(?:(?:that\s+)?(?:sounds?|sounding)\s+like|like|similar\s+to|such\s+as|resembling)"
)
_ENGLISH_REQUESTS = (
    re.compile(
        rf"(?:{_LEAD_IN_WORD}[,!]?\s+)*{_ENGLISH_NOUN}\s+{_ENGLISH_CONNECTOR}\s+"
        r"(?:the\s+(?:song|track)\s+)?(?P<title>.+?)(?:,?\s+please)?",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?:{_LEAD_IN_WORD}[,!]?\s+)*similar\s+{_ENGLISH_NOUN}\s+(?:to|like)\s+"
        r"(?:the\s+(?:song|track)\s+)?(?P<title>.+?)(?:,?\s+please)?",
        re.IGNORECASE,
    ),
)

# Korean: "<title>(랑) 같은/비슷한 노래 (좀 추천해 줘)", or "노래 추천(해 줘) <title>".
_KOREAN_NOUN = r"(?:노래|곡|음악|거|것)(?:들)?"
_KOREAN_TAIL = r"(?:[을를은는이가도]|\s*좀)?(?:\s+[가-힣][가-힣\s]*)?"
_KOREAN_REQUESTS = (
    re.compile(
        rf"(?P<title>.+?)\s*(?:같은|비슷한|스타일의?|느낌의?|느낌\s*나는|풍의?)\s*{_KOREAN_NOUN}{_KOREAN_TAIL}"
    ),
    re.compile(
        r"(?:비슷한\s*)?(?:노래|곡|음악)\s*추천(?:\s*좀)?(?:\s*해)?(?:\s*(?:줘|주세요|줄래|줄래요))?"
        r"\s*[:：]?\s+(?P<title>.+)"
    ),
)
# Particles that may end a Korean title before 같은/비슷한, with whether the syllable before
# them must end in a consonant ("봄날과", "아이유랑"); None: either. Checking that keeps
# "사과 같은 노래" about 사과 rather than 사.
_KOREAN_PARTICLES: tuple[tuple[str, bool | None], ...] = (
    ("이랑", True),
    ("하고", None),
    ("랑", False),
    ("과", True),
    ("와", False),
)
# Words whose last syllable looks like a particle; 사랑 (love) ends countless song titles.
_ENDS_LIKE_A_PARTICLE = ("사랑", "자랑", "파랑", "노랑")
_HANGUL_SYLLABLES = range(0xAC00, 0xD7A4)
_FINAL_CONSONANTS = 28

_QUOTES = "\"'“”‘’「」『』«»"
_TRAILING_PUNCTUATION = " ?!.,~…？！。"
# "songs like this": a reference to something the bot cannot see, not a title.
_NOT_TITLES = frozenset(
    {"this", "that", "it", "these", "those", "them", "this one", "that one", "이거", "그거"}
)


def parse_song_request(text: str) -> str | None:
    """The song title a message asks about ("songs like California Love", "California Love
    같은 노래"), as typed; None when the message is not a request for songs ("Drake",
    "Songs: Ohia", "The Songs").

    The title may be an artist's name ("songs like Drake"): callers try it as a song first,
    then as an artist.
    """
    phrase = " ".join(text.split()).rstrip(_TRAILING_PUNCTUATION)
    for pattern in _ENGLISH_REQUESTS:
        matched = pattern.fullmatch(phrase)
        if matched:
            return _title(matched["title"])
    for pattern in _KOREAN_REQUESTS:
        matched = pattern.fullmatch(phrase)
        if matched:
            return _title(_without_particle(matched["title"]))
    return None


def _title(raw: str) -> str | None:
    title = raw.strip().rstrip(_TRAILING_PUNCTUATION).strip(_QUOTES).strip()
    if not normalize_name(title) or title.casefold() in _NOT_TITLES:
        return None
    return title


def _without_particle(title: str) -> str:
    if title.endswith(_ENDS_LIKE_A_PARTICLE):
        return title
    for particle, after_consonant in _KOREAN_PARTICLES:
        stem = title[: -len(particle)]
        if not title.endswith(particle) or not stem.strip():
            continue
        last = stem[-1]
        if ord(last) in _HANGUL_SYLLABLES:
            ends_in_consonant = (ord(last) - _HANGUL_SYLLABLES.start) % _FINAL_CONSONANTS != 0
            if after_consonant is not None and ends_in_consonant != after_consonant:
                continue
        elif not last.isalnum():
            continue
        return stem
    return title


def song_cards(
    tracks_by_artist: Mapping[str, Sequence[Track]],
    artists: Sequence[Artist],
    seed: Artist | None = None,
    language: Language = "en",
    limit: int = replies.CAROUSEL_LIMIT,
) -> CarouselReply:
    """Cards of the artists' best tracks, taken in turns (every artist's best track, then
    every artist's second best, ...) so that no single artist fills the carousel.

    `artists` are in the order their tracks should be offered, each with its tracks best
    first in `tracks_by_artist`; `seed` is the artist they are similar to. A song that
    appears twice (another version, or a collaboration under both artists) is shown once.
    No artist with tracks gives a carousel without cards, which Messenger refuses: say
    something else then.
    """
    shown = max(0, min(limit, replies.CAROUSEL_LIMIT))
    cards: list[Card] = []
    seen: set[str] = set()
    for artist, track in _in_turns(tracks_by_artist, artists):
        if len(cards) == shown:
            break
        song_key = f"{artist.id}\x1f{normalize_title(track.name)}"
        if track.id in seen or song_key in seen:
            continue
        seen.update((track.id, song_key))
        cards.append(_track_card(track, artist, seed, language))
    return CarouselReply(cards=tuple(cards))


def _in_turns(
    tracks_by_artist: Mapping[str, Sequence[Track]], artists: Sequence[Artist]
) -> Iterator[tuple[Artist, Track]]:
    queues = [(artist, list(tracks_by_artist.get(artist.id, ()))) for artist in artists]
    depth = max((len(tracks) for _, tracks in queues), default=0)
    for position in range(depth):
        for artist, tracks in queues:
            if position < len(tracks):
                yield artist, tracks[position]


def _track_card(track: Track, artist: Artist, seed: Artist | None, language: Language) -> Card:
    if seed is None or seed.id == artist.id:
        subtitle = artist.name
    else:
        subtitle = replies.say(
            "song_by_similar_artist", language, artist=artist.name, seed=seed.name
        )
    return Card(
        title=replies.clip(track.name, replies.TITLE_LIMIT),
        subtitle=replies.clip(subtitle, replies.SUBTITLE_LIMIT),
        image_url=artist.image_url,
        buttons=(
            Button(
                kind="web_url",
                title=replies.clip(
                    replies.say("play_on_spotify", language), replies.BUTTON_TITLE_LIMIT
                ),
                url=track.spotify_url,
            ),
        ),
    )
