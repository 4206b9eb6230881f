"""What the bot says, in the user's language, within Messenger's limits."""

from __future__ import annotations

from collections.abc import Sequence

from domain import payloads
from domain.models import (
    Artist,
    Button,
    Card,
    CarouselReply,
    Language,
    NameCandidate,
    QuickReply,
    TextReply,
)

# Messenger's limits for a generic template and its parts.
CAROUSEL_LIMIT = 10
TITLE_LIMIT = 80
SUBTITLE_LIMIT = 80
BUTTON_TITLE_LIMIT = 20
QUICK_REPLY_TITLE_LIMIT = 20
TEXT_LIMIT = 2000
_ELLIPSIS = "…"

_TEXTS: dict[str, dict[Language, str]] = {
    "looking_up": {
        "en": "I don't know {name} yet. I'm looking them up on Spotify and will message you "
        "with similar artists in a moment.",
        "ko": "{name}은(는) 아직 모르는 아티스트예요. Spotify에서 찾아보고 비슷한 아티스트를 "
        "곧 보내드릴게요.",
    },
    "looking_up_songs": {
        "en": "I don't know who sings {title} yet. I'm looking it up on Spotify and will "
        "message you with songs like it in a moment.",
        "ko": "{title}은(는) 아직 모르는 노래예요. Spotify에서 찾아보고 비슷한 노래를 곧 "
        "보내드릴게요.",
    },
    "spotify_busy": {
        "en": "Spotify isn't answering me right now, so I can't look up {name} yet. I'll "
        "message you with similar artists as soon as it does.",
        "ko": "지금 Spotify가 응답하지 않아서 {name}을(를) 바로 찾을 수 없어요. 응답이 오면 "
        "비슷한 아티스트를 바로 보내드릴게요.",
    },
    "spotify_busy_songs": {
        "en": "Spotify isn't answering me right now, so I can't look up {title} yet. I'll "
        "message you with songs like it as soon as it does.",
        "ko": "지금 Spotify가 응답하지 않아서 {title}을(를) 바로 찾을 수 없어요. 응답이 오면 "
        "비슷한 노래를 바로 보내드릴게요.",
    },
    "found": {
        "en": "Found {name}! Here are artists like them:",
        "ko": "{name}을(를) 찾았어요! 비슷한 아티스트예요:",
    },
    "found_alone": {
        "en": "Found {name}! Spotify tells me too little about how they sound to suggest "
        "similar artists yet.",
        "ko": "{name}을(를) 찾았어요! 아직 음악 정보가 부족해서 비슷한 아티스트를 추천하기 "
        "어려워요.",
    },
    "songs_found": {
        "en": "Songs like {title}, from artists similar to {name}:",
        "ko": "{title}와(과) 비슷한 노래예요. {name}와(과) 비슷한 아티스트들의 곡이에요:",
    },
    "not_found": {
        "en": 'I couldn\'t find an artist called "{query}" on Spotify. Check the spelling, '
        'or try another artist, like aespa or Drake. You can also ask for "songs like '
        'California Love".',
        "ko": '"{query}"(이)라는 아티스트를 Spotify에서 찾지 못했어요. 철자를 확인하거나 '
        '에스파, 아이유 같은 다른 아티스트를 입력해 보세요. "California Love 같은 노래"처럼 '
        "노래를 물어볼 수도 있어요.",
    },
    "song_not_found": {
        "en": 'I couldn\'t find a song called "{query}" on Spotify. Try the title as it '
        "appears on Spotify, or send me an artist's name instead.",
        "ko": '"{query}"(이)라는 노래를 Spotify에서 찾지 못했어요. Spotify에 나오는 제목으로 '
        "다시 입력하거나 아티스트 이름을 보내 주세요.",
    },
    "songs_unavailable": {
        "en": "Spotify isn't letting me read artists' top songs right now, so I can't suggest "
        "songs. Send me an artist's name and I'll find similar artists instead.",
        "ko": "지금은 Spotify에서 아티스트의 인기곡을 가져올 수 없어서 비슷한 노래를 추천해 "
        "드리기 어려워요. 아티스트 이름을 보내 주시면 비슷한 아티스트를 찾아드릴게요.",
    },
    "no_longer_found": {
        "en": "Sorry, Spotify has no details for {name} right now.",
        "ko": "죄송해요, 지금은 Spotify에 {name}에 대한 정보가 없어요.",
    },
    "no_similar_yet": {
        "en": "I don't know any artists similar to {name} yet: Spotify tells me too little "
        "about how they sound.",
        "ko": "아직 {name}와(과) 비슷한 아티스트를 몰라요. 음악 정보가 부족해요.",
    },
    "more_artists": {
        "en": "More artists like {name}:",
        "ko": "{name}와(과) 비슷한 아티스트를 더 보여드릴게요:",
    },
    "more_songs": {
        "en": "More songs from artists similar to {name}:",
        "ko": "{name}와(과) 비슷한 아티스트들의 곡을 더 보여드릴게요:",
    },
    "no_more": {
        "en": "That's every artist like {name} I know for now. Send me another artist to "
        "explore further.",
        "ko": "{name}와(과) 비슷한 아티스트는 지금은 여기까지예요. 다른 아티스트를 보내 주시면 "
        "더 찾아드릴게요.",
    },
    "nothing_before": {
        "en": "Tell me an artist first, like aespa or Drake, and I'll find similar ones. "
        'Then ask for "more like that" or "songs instead".',
        "ko": "먼저 에스파나 아이유처럼 아티스트를 알려 주세요. 비슷한 아티스트를 찾아드린 뒤 "
        '"다른 거"나 "노래로"라고 하시면 이어서 보여드릴게요.',
    },
    "did_you_mean": {
        "en": "Did you mean one of these?",
        "ko": "혹시 이 중에 찾는 아티스트가 있나요?",
    },
    "greeting": {
        "en": 'Hi! Tell me an artist you like, or ask for "artists like Drake", and I\'ll '
        'find similar ones. You can also ask for "songs like California Love".',
        "ko": '안녕하세요! 좋아하는 아티스트를 알려 주시거나 "아이유 같은 가수"처럼 물어보시면 '
        "비슷한 아티스트를 찾아드릴게요.",
    },
    "thanks": {
        "en": "You're welcome! Send me another artist whenever you like.",
        "ko": "천만에요! 다른 아티스트도 언제든 보내 주세요.",
    },
    "help": {
        "en": 'I find artists similar to the ones you like. Send a name ("aespa"), or ask '
        '"artists like Radiohead" or "songs like California Love".',
        "ko": '좋아하는 아티스트와 비슷한 아티스트를 찾아드려요. "에스파"처럼 이름을 보내거나 '
        '"아이유 같은 가수", "봄날 같은 노래"처럼 물어보세요.',
    },
    "no_artist_named": {
        "en": "I couldn't find an artist's name in that. Send me a name, like aespa or Drake, "
        'or ask for "artists like Queen".',
        "ko": '메시지에서 아티스트 이름을 찾지 못했어요. "에스파"처럼 이름을 보내거나 "아이유 '
        '같은 가수"처럼 물어보세요.',
    },
    "type_a_name": {
        "en": "Send me the name of an artist you like, and I'll find similar ones. You can "
        'also ask for "songs like California Love".',
        "ko": '좋아하는 아티스트 이름을 보내 주시면 비슷한 아티스트를 찾아드릴게요. "California '
        'Love 같은 노래"처럼 노래를 물어볼 수도 있어요.',
    },
    "song_by_similar_artist": {
        "en": "{artist} · similar to {seed}",
        "ko": "{artist} · {seed}와(과) 비슷한 아티스트",
    },
    "open_in_spotify": {"en": "Open in Spotify", "ko": "Spotify에서 열기"},
    "play_on_spotify": {"en": "Play on Spotify", "ko": "Spotify에서 듣기"},
    "more_like_this": {"en": "More like this", "ko": "비슷한 아티스트 더 보기"},
    "songs_like": {"en": "Songs like {name}", "ko": "{name} 같은 노래"},
    "more_like": {"en": "More like {name}", "ko": "{name} 같은 아티스트"},
    "show_more": {"en": "Show more", "ko": "더 보기"},
    "more_songs_button": {"en": "More songs", "ko": "노래 더 보기"},
    "artists_like": {"en": "Artists like {name}", "ko": "{name} 같은 가수"},
    "no_genres": {"en": "No genres on Spotify yet", "ko": "아직 장르 정보가 없어요"},
}


def say(key: str, language: Language, **values: str) -> str:
    """A phrase in the user's language, its values clipped so the text stays readable."""
    return _TEXTS[key][language].format(**{k: clip(v, 100) for k, v in values.items()})


def language_of(text: str) -> Language:
    """Korean when the text has any Hangul, English otherwise."""
    return "ko" if any(_is_hangul(char) for char in text) else "en"


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def recommendation(
    artist: Artist,
    similar: Sequence[Artist],
    language: Language,
    *,
    songs_offered: bool,
    more_offered: bool = False,
) -> CarouselReply:
    """The artist's own card first, then the most similar artists, best first; quick replies
    to see more like the artist (only when more_offered), to ask for songs like it (only when
    songs_offered: songs come from top tracks), or for artists like the closest one."""
    cards = [artist_card(a, language) for a in [artist, *similar][:CAROUSEL_LIMIT]]
    quick = _artist_follow_ups(artist, 2, language, songs_offered, more_offered)
    if similar:
        closest = similar[0]
        quick.append(
            _quick_reply(
                say("more_like", language, name=closest.name),
                payloads.show_artist(closest.id, language),
            )
        )
    return CarouselReply(cards=tuple(cards), quick_replies=tuple(quick))


def more_artists(
    seed: Artist,
    page_artists: Sequence[Artist],
    page: int,
    language: Language,
    *,
    songs_offered: bool,
    more_offered: bool,
) -> CarouselReply:
    """A further page of artists like seed (page 2 and on): their cards, and quick replies
    to go on paging (only when more_offered) or to ask for songs like the seed."""
    return CarouselReply(
        cards=tuple(artist_card(a, language) for a in page_artists[:CAROUSEL_LIMIT]),
        quick_replies=tuple(
            _artist_follow_ups(seed, page + 1, language, songs_offered, more_offered)
        ),
    )


def song_follow_ups(
    seed: Artist, page: int, language: Language, *, more_offered: bool
) -> tuple[QuickReply, ...]:
    """Under songs like seed's: more songs (only when more_offered), or artists like seed."""
    more = _quick_reply(
        say("more_songs_button", language), payloads.songs_like(seed.id, language, page + 1)
    )
    artists = _quick_reply(
        say("artists_like", language, name=seed.name), payloads.show_artist(seed.id, language)
    )
    return (more, artists) if more_offered else (artists,)


def _artist_follow_ups(
    seed: Artist, next_page: int, language: Language, songs_offered: bool, more_offered: bool
) -> list[QuickReply]:
    quick = []
    if more_offered:
        quick.append(
            _quick_reply(
                say("show_more", language), payloads.show_artist(seed.id, language, next_page)
            )
        )
    if songs_offered:
        quick.append(
            _quick_reply(
                say("songs_like", language, name=seed.name), payloads.songs_like(seed.id, language)
            )
        )
    return quick


def _quick_reply(title: str, payload: str) -> QuickReply:
    return QuickReply(title=clip(title, QUICK_REPLY_TITLE_LIMIT), payload=payload)


def artist_card(artist: Artist, language: Language) -> Card:
    genres = ", ".join(artist.genres) or say("no_genres", language)
    return Card(
        title=clip(artist.name, TITLE_LIMIT),
        subtitle=clip(genres, SUBTITLE_LIMIT),
        image_url=artist.image_url,
        buttons=(
            Button(
                kind="web_url",
                title=clip(say("open_in_spotify", language), BUTTON_TITLE_LIMIT),
                url=artist.spotify_url,
            ),
            Button(
                kind="postback",
                title=clip(say("more_like_this", language), BUTTON_TITLE_LIMIT),
                payload=payloads.show_artist(artist.id, language),
            ),
        ),
    )


def did_you_mean(options: Sequence[NameCandidate], language: Language) -> TextReply:
    return TextReply(
        text=say("did_you_mean", language),
        quick_replies=tuple(
            _quick_reply(
                option.artist_name,
                payloads.show_artist(option.artist_id, language)
                if option.artist_id
                else payloads.look_up(option.artist_name, language),
            )
            for option in options
        ),
    )


def text(key: str, language: Language, **values: str) -> TextReply:
    return TextReply(text=clip(say(key, language, **values), TEXT_LIMIT))


def clip(text: str, limit: int) -> str:
    """text cut to limit characters, with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
