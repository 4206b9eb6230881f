from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from domain import payloads, replies
from domain.conversation import (
    MAX_QUEUE_DELAY_SECONDS,
    REFUSED_SEARCH_DELAY_SECONDS,
    ConversationPorts,
    converse,
)
from domain.errors import (
    MessengerDeliveryError,
    SpotifyPremiumLapsedError,
    SpotifyQuotaExceededError,
    SpotifyRateLimitedError,
    SpotifyRefusedError,
    SpotifyUnavailableError,
)
from domain.models import (
    CarouselReply,
    IncomingAttachment,
    IncomingEvent,
    IncomingPostback,
    IncomingText,
    Language,
    Neighbour,
    Reply,
    TextReply,
)
from tests.fakes import (
    FakeSpotify,
    InMemoryArtists,
    InMemoryConversationMemory,
    InMemoryProcessed,
    InMemoryTracks,
    InMemoryWaiters,
    RecordingMeasurements,
    RecordingMessenger,
    RecordingQueue,
    artist,
    track,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DRAKE = artist("3TVXtAsR1Inumwj472S9r4", "Drake", "hip hop", "rap", popularity=95)
FUTURE = artist("1RyvyyTE3xzB2ZywiAwp0i", "Future", "hip hop", "trap", popularity=90)
TUPAC = artist("1ZwdS5xdxEREPySFridCfh", "2Pac", "hip hop", "west coast rap", popularity=80)
AESPA = artist("6YVMFz59CuY7ngCxTxjpxE", "aespa", "k-pop", popularity=85)
CALIFORNIA_LOVE = track("3ia3dJETSOllPsv3LJkE35", TUPAC.id, "California Love - Original Version")
MASK_OFF = track("0VgkVdmE4gld66l8iyGjgx", FUTURE.id, "Mask Off", popularity=80)
HOTLINE_BLING = track("0wwPcA6wtMf6HUMpIRdeP7", DRAKE.id, "Hotline Bling", popularity=85)


@dataclass
class World:
    repository: InMemoryArtists = field(
        default_factory=lambda: InMemoryArtists(
            artists={a.id: a for a in (FUTURE, TUPAC, AESPA)},
            neighbours={
                TUPAC.id: [Neighbour(artist_id=TUPAC.id, similar_id=FUTURE.id, rank=1, score=0.5)]
            },
        )
    )
    tracks: InMemoryTracks = field(
        default_factory=lambda: InMemoryTracks(tracks=[CALIFORNIA_LOVE, MASK_OFF])
    )
    spotify: FakeSpotify = field(
        default_factory=lambda: FakeSpotify(
            catalog={a.id: a for a in (DRAKE, FUTURE, TUPAC, AESPA)},
            other_names={"에스파": AESPA.id},
            tracks=[CALIFORNIA_LOVE, MASK_OFF, HOTLINE_BLING],
        )
    )
    waiters: InMemoryWaiters = field(default_factory=InMemoryWaiters)
    queue: RecordingQueue = field(default_factory=RecordingQueue)
    messenger: RecordingMessenger = field(default_factory=RecordingMessenger)
    processed: InMemoryProcessed = field(default_factory=InMemoryProcessed)
    memory: InMemoryConversationMemory = field(default_factory=InMemoryConversationMemory)
    measurements: RecordingMeasurements = field(default_factory=RecordingMeasurements)

    def receive(self, event: IncomingEvent) -> None:
        ports = ConversationPorts(
            repository=self.repository,
            names=self.repository,
            tracks=self.tracks,
            spotify=self.spotify,
            waiters=self.waiters,
            queue=self.queue,
            messenger=self.messenger,
            processed=self.processed,
            memory=self.memory,
            measurements=self.measurements,
        )
        converse(event, NOW, ports)

    def says(self, text: str, user_id: str = "user-1", mid: str | None = None) -> None:
        message_id = mid or f"m_{len(self.processed.seen)}"
        self.receive(IncomingText(user_id=user_id, message_id=message_id, text=text))

    def taps(self, payload: str) -> None:
        message_id = f"p_{len(self.processed.seen)}"
        self.receive(IncomingPostback(user_id="user-1", message_id=message_id, payload=payload))

    def replies(self) -> list[Reply]:
        return [reply for _, reply in self.messenger.sent]

    def carousel_titles(self) -> list[list[str]]:
        return [
            [card.title for card in r.cards] for r in self.replies() if isinstance(r, CarouselReply)
        ]


@pytest.fixture
def world() -> World:
    return World()


def test_a_known_artist_is_answered_with_a_carousel_and_no_spotify_call(world: World) -> None:
    # Given 2Pac is known, with Future as a similar artist / When a user types "2PAC"
    world.says("2PAC")
    # Then the bot shows it is typing, then 2Pac's card and Future's, without asking Spotify
    assert world.messenger.typing == ["user-1"]
    assert world.carousel_titles() == [["2Pac", "Future"]]
    assert world.spotify.searches == []


def test_the_carousel_offers_follow_ups(world: World) -> None:
    # When a known artist is asked for
    world.says("2pac")
    # Then each card can be opened or followed, and quick replies offer songs and more
    [reply] = world.replies()
    assert isinstance(reply, CarouselReply)
    assert [b.title for b in reply.cards[0].buttons] == ["Open in Spotify", "More like this"]
    assert reply.cards[1].buttons[1].payload == payloads.show_artist(FUTURE.id, "en")
    assert [q.payload for q in reply.quick_replies] == [
        payloads.songs_like(TUPAC.id, "en"),
        payloads.show_artist(FUTURE.id, "en"),
    ]


def test_an_unknown_artist_is_queued_and_the_user_waits_for_it(world: World) -> None:
    # Given Drake is not known yet / When a user types "drake"
    world.says("drake")
    # Then Drake's ID is queued, the user is waiting, and told so
    assert world.queue.enqueued == [(DRAKE.id, NOW)]
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert (waiter.user_id, waiter.query, waiter.wants) == ("user-1", "drake", "artists")
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "Drake" in reply.text
    assert "message you" in reply.text


def test_another_name_for_a_known_artist_is_learned_from_spotify_once(world: World) -> None:
    # Given aespa is known but nobody typed "에스파" before
    # When two users type it
    world.says("에스파", user_id="user-1")
    world.says("에스파", user_id="user-2")
    # Then both get aespa's carousel; Spotify was asked once, nothing was queued
    assert world.carousel_titles() == [["aespa"], ["aespa"]]
    assert world.spotify.searches == ["에스파"]
    assert world.queue.enqueued == []


def test_korean_text_gets_korean_answers(world: World) -> None:
    # When a user writes in Hangul about an artist nobody knows
    world.says("없는가수")
    # Then the bot answers in Korean
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "찾지 못했어요" in reply.text


def test_a_typo_of_a_known_artist_is_forgiven(world: World) -> None:
    # When a user misspells Future
    world.says("Futrue")
    # Then Future is shown, without asking Spotify
    assert world.carousel_titles() == [["Future"]]
    assert world.spotify.searches == []


def test_a_name_nobody_knows_gets_a_helpful_answer(world: World) -> None:
    # When a user types a name Spotify does not know
    world.says("Zzyzx Quartet")
    # Then the bot says so, suggests what to type, and nothing is queued
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "couldn't find" in reply.text
    assert "Zzyzx Quartet" in reply.text
    assert "songs like" in reply.text
    assert world.queue.enqueued == []


def test_a_redelivered_message_gets_no_second_reply(world: World) -> None:
    # Given a message was answered / When Messenger delivers it again
    world.says("Future", mid="m_same")
    answered = len(world.replies())
    world.says("Future", mid="m_same")
    # Then the second delivery added nothing
    assert answered >= 1
    assert len(world.replies()) == answered


@dataclass
class MessengerDownOnce(RecordingMessenger):
    failures_left: int = 1

    def send(self, user_id: str, reply: Reply) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise MessengerDeliveryError("Send API answered 500")
        super().send(user_id, reply)


def test_an_answer_that_failed_is_given_when_the_event_is_retried(world: World) -> None:
    # Given the Send API fails the first answer to a message
    world.messenger = MessengerDownOnce()
    with pytest.raises(MessengerDeliveryError):
        world.says("Future", mid="m_retried")
    # When the same event is delivered again (Lambda's retry of the failed invocation)
    world.says("Future", mid="m_retried")
    # Then the retry answers instead of being taken for a redelivery
    assert world.carousel_titles()[0][0] == "Future"


@pytest.mark.parametrize("text", ["  ?! ", ""])
def test_an_empty_or_punctuation_only_text_gets_a_hint(world: World, text: str) -> None:
    # When a user sends only punctuation
    world.says(text)
    # Then the bot asks for an artist's name
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "name of an artist" in reply.text


def test_a_sticker_gets_a_friendly_hint(world: World) -> None:
    # When a user sends a sticker
    world.receive(IncomingAttachment(user_id="user-1", message_id="m_sticker"))
    # Then the bot explains what it can do
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "name of an artist" in reply.text


def test_a_very_long_text_is_answered_without_error(world: World) -> None:
    # When a user pastes far more than Messenger's 2,000 characters
    world.says("Zzyzx " * 1000)
    # Then the bot answers once, within Messenger's limit
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert len(reply.text) <= 2000


def test_more_like_this_shows_that_artist(world: World) -> None:
    # When a user taps "More like this" on Future's card
    world.taps(payloads.show_artist(FUTURE.id, "en"))
    # Then Future's carousel comes back
    assert world.carousel_titles() == [["Future"]]


def test_a_payload_the_bot_did_not_make_gets_a_hint(world: World) -> None:
    world.taps("GET_STARTED")
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "name of an artist" in reply.text


def test_songs_like_a_known_song_come_from_similar_artists(world: World) -> None:
    # Given California Love is 2Pac's, and Future is like 2Pac
    # When a user asks for songs like it
    world.says("songs like California Love")
    # Then the bot answers with Future's songs
    intro, cards = world.replies()
    assert isinstance(intro, TextReply)
    assert "California Love" in intro.text
    assert isinstance(cards, CarouselReply)
    assert [card.title for card in cards.cards] == ["Mask Off"]


def test_songs_like_a_song_by_an_unknown_artist_wait_for_that_artist(world: World) -> None:
    # When a user asks for songs like a song by Drake, whom the bot does not know
    world.says("songs like hotline bling")
    # Then Drake is queued and the user waits for songs
    assert world.queue.enqueued == [(DRAKE.id, NOW)]
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert waiter.wants == "songs"
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert "Hotline Bling" in reply.text


def test_an_artist_with_no_similar_artists_known_gets_its_card_and_a_sentence(
    world: World,
) -> None:
    # When a user asks for a stored artist nobody is similar to yet
    world.says("Future")
    # Then the card comes with a sentence saying so, never a carousel that looks empty
    carousel, sentence = world.replies()
    assert isinstance(carousel, CarouselReply)
    assert [card.title for card in carousel.cards] == ["Future"]
    assert isinstance(sentence, TextReply)
    assert "similar to Future" in sentence.text


def test_songs_are_not_offered_when_spotify_closes_top_tracks(world: World) -> None:
    # Given Spotify lets the app read no top tracks
    world.spotify.top_tracks_readable = False
    # When a known artist is asked for
    world.says("2pac")
    # Then the carousel offers more like the closest artist, and no songs
    [reply] = world.replies()
    assert isinstance(reply, CarouselReply)
    assert [q.payload for q in reply.quick_replies] == [payloads.show_artist(FUTURE.id, "en")]


@pytest.mark.parametrize(
    ("language", "request_text", "because"),
    [
        ("en", "songs like California Love", "can't suggest songs"),
        ("ko", "California Love 같은 노래", "비슷한 노래를 추천해 드리기 어려워요"),
    ],
)
def test_songs_asked_for_while_top_tracks_are_closed_get_an_honest_sentence(
    world: World, language: Language, request_text: str, because: str
) -> None:
    # Given Spotify lets the app read no top tracks
    world.spotify.top_tracks_readable = False
    # When a user asks for songs like a known song, and taps an earlier "Songs like 2Pac"
    world.says(request_text)
    world.taps(payloads.songs_like(TUPAC.id, language))
    # Then both answers say why no songs come, in the user's language
    honest = replies.text("songs_unavailable", language)
    assert world.replies() == [honest, honest]
    assert because in honest.text


def test_songs_like_a_song_by_an_unknown_artist_are_not_waited_for_without_top_tracks(
    world: World,
) -> None:
    # Given Spotify lets the app read no top tracks
    world.spotify.top_tracks_readable = False
    # When a user asks for songs like a song by Drake, whom the bot does not know
    world.says("songs like hotline bling")
    # Then nobody waits for Drake, and the user hears why
    assert world.queue.enqueued == []
    assert world.waiters.waiting_for(DRAKE.id) == []
    assert world.replies() == [replies.text("songs_unavailable", "en")]


@pytest.mark.parametrize(
    ("refusal", "delay_seconds"),
    [
        (SpotifyRateLimitedError(30), 30),
        (SpotifyQuotaExceededError(NOW + timedelta(hours=6), 6 * 3600), MAX_QUEUE_DELAY_SECONDS),
        (SpotifyUnavailableError("HTTP 503"), REFUSED_SEARCH_DELAY_SECONDS),
        (SpotifyPremiumLapsedError("HTTP 403"), REFUSED_SEARCH_DELAY_SECONDS),
    ],
)
def test_a_search_spotify_refuses_is_queued_as_a_lookup_and_the_user_told_so(
    world: World, refusal: SpotifyRefusedError, delay_seconds: int
) -> None:
    # Given Spotify refuses every search / When a user types an unknown artist
    world.spotify.search_refusal = refusal
    world.says("Drake")
    # Then the search waits on the queue for as long as Spotify asks (at most the queue's
    # limit), the user waits under it, and hears at once that the answer will come
    [(lookup, delay)] = world.queue.lookups
    assert (lookup.query, lookup.wants, delay) == ("Drake", "artists", delay_seconds)
    [waiter] = world.waiters.waiting_for(lookup.waiter_key)
    assert (waiter.user_id, waiter.query) == ("user-1", "Drake")
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert reply.text == replies.say("spotify_busy", "en", name="Drake")


def test_a_refused_lookup_is_answered_once_when_the_message_comes_again(world: World) -> None:
    # Given a search Spotify refused was answered with "Spotify is busy"
    world.spotify.search_refusal = SpotifyUnavailableError("HTTP 503")
    world.says("Drake", mid="m_drake")
    # When Messenger delivers the same message again
    world.says("Drake", mid="m_drake")
    # Then it gets no second answer and no second lookup
    assert len(world.replies()) == 1
    assert len(world.queue.lookups) == 1


def test_a_song_title_spotify_refuses_to_search_waits_for_songs(world: World) -> None:
    # Given Spotify refuses searches / When a user asks for songs like an unknown title
    world.spotify.search_refusal = SpotifyRateLimitedError(5)
    world.says("songs like Hotline Bling", user_id="user-2")
    # Then the title is looked up later for songs, and the user is told so
    [(lookup, delay)] = world.queue.lookups
    assert (lookup.query, lookup.wants, delay) == ("Hotline Bling", "songs", 5)
    [waiter] = world.waiters.waiting_for(lookup.waiter_key)
    assert waiter.wants == "songs"
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert reply.text == replies.say("spotify_busy_songs", "en", title="Hotline Bling")


def test_a_miss_carries_the_message_it_came_in_to_the_queue_and_the_waiter(
    world: World,
) -> None:
    # Given Drake is not known yet / When a user asks for him in message "m_drake"
    world.says("drake", mid="m_drake")
    # Then the queued request and the waiter both name the message, for the logs to follow,
    # and the miss is counted
    assert world.queue.enqueued_message_ids == ["m_drake"]
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert waiter.message_id == "m_drake"
    assert world.measurements.misses_queued == 1


def test_a_refused_search_carries_the_message_it_came_in_to_the_lookup(world: World) -> None:
    # Given Spotify refuses every search / When a user asks in message "m_refused"
    world.spotify.search_refusal = SpotifyPremiumLapsedError("HTTP 403")
    world.says("Drake", mid="m_refused")
    # Then the queued lookup and the user waiting under it name the message, and the miss
    # is counted
    [(lookup, _)] = world.queue.lookups
    [waiter] = world.waiters.waiting_for(lookup.waiter_key)
    assert (lookup.message_id, waiter.message_id) == ("m_refused", "m_refused")
    assert world.measurements.misses_queued == 1


def test_a_waiter_is_kept_from_when_the_user_wrote_not_from_when_it_was_worked_out(
    world: World,
) -> None:
    # Given a message Messenger stamped ten minutes ago, worked out only now
    sent_at = NOW - timedelta(minutes=10)
    event = IncomingText(user_id="user-1", message_id="m_late", text="drake", sent_at=sent_at)
    # When the bot answers it with a wait for Drake
    world.receive(event)
    # Then the user's 24-hour window is counted from the message, as Messenger counts it
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert waiter.requested_at == sent_at
    assert world.queue.enqueued == [(DRAKE.id, sent_at)]


def test_a_message_stamped_ahead_of_the_clock_waits_from_now(world: World) -> None:
    # Given a message stamped by a clock an hour ahead / When it asks for Drake
    event = IncomingText(
        user_id="user-1", message_id="m_ahead", text="drake", sent_at=NOW + timedelta(hours=1)
    )
    world.receive(event)
    # Then the window is not stretched past now
    [waiter] = world.waiters.waiting_for(DRAKE.id)
    assert waiter.requested_at == NOW


RAPPERS = [artist(f"rapper{n:02}", f"Rapper {n:02}", "hip hop") for n in range(20)]


@pytest.fixture
def paged_world() -> World:
    """2Pac with ten similar rappers, the closest of whom has ten of its own; tracks for all."""
    world = World()
    world.repository.artists.update({a.id: a for a in RAPPERS})
    world.spotify.catalog.update({a.id: a for a in RAPPERS})
    for owner, listed in ((TUPAC, RAPPERS[:10]), (RAPPERS[0], [TUPAC, *RAPPERS[10:19]])):
        world.repository.neighbours[owner.id] = [
            Neighbour(artist_id=owner.id, similar_id=a.id, rank=rank, score=1 / rank)
            for rank, a in enumerate(listed, start=1)
        ]
    world.tracks.tracks += [track(f"song-{a.id}", a.id, f"Song of {a.name}") for a in RAPPERS]
    return world


def test_more_like_that_after_a_carousel_shows_the_next_artists_like_it(
    paged_world: World,
) -> None:
    # Given the user was shown 2Pac and his nine closest
    paged_world.says("2pac")
    # When they ask for more like that
    paged_world.says("more like that")
    # Then they see the next ones like 2Pac, none of those already shown, with a way on
    first, intro, more = paged_world.replies()
    assert isinstance(intro, TextReply)
    assert intro.text == "More artists like 2Pac:"
    assert isinstance(first, CarouselReply)
    assert isinstance(more, CarouselReply)
    assert [c.title for c in more.cards] == ["Rapper 09", *(a.name for a in RAPPERS[10:18])]
    assert not {c.title for c in first.cards} & {c.title for c in more.cards}
    assert more.quick_replies[0].payload == payloads.show_artist(TUPAC.id, "en", page=3)


def test_another_after_the_last_page_says_there_are_no_more(paged_world: World) -> None:
    # Given the user paged through every rapper like 2Pac
    paged_world.says("2pac")
    paged_world.says("more")
    paged_world.says("another")
    assert paged_world.carousel_titles()[-1] == ["Rapper 18"]
    # When they ask for another
    paged_world.says("another one")
    # Then they hear that was every artist like 2Pac the bot knows
    last = paged_world.replies()[-1]
    assert isinstance(last, TextReply)
    assert last.text == replies.say("no_more", "en", name="2Pac")


def test_songs_instead_answers_with_songs_like_the_last_artist(paged_world: World) -> None:
    # Given the user was shown artists like 2Pac
    paged_world.says("2pac")
    # When they ask for songs instead
    paged_world.says("songs instead?")
    # Then they get songs of the rappers like 2Pac, with more songs and artists a tap away
    intro, songs = paged_world.replies()[1:]
    assert isinstance(intro, TextReply)
    assert "2Pac" in intro.text
    assert isinstance(songs, CarouselReply)
    assert songs.cards[0].title == "Song of Rapper 00"
    assert [q.payload for q in songs.quick_replies] == [
        payloads.songs_like(TUPAC.id, "en", page=2),
        payloads.show_artist(TUPAC.id, "en"),
    ]


def test_more_after_songs_is_more_songs_and_artists_instead_goes_back(
    paged_world: World,
) -> None:
    # Given the user asked for songs like 2Pac
    paged_world.taps(payloads.songs_like(TUPAC.id, "en"))
    # When they ask for more, then for artists instead
    paged_world.says("more")
    paged_world.says("artists instead")
    # Then the second page of songs comes from the next rappers, then 2Pac's carousel
    more_songs = paged_world.carousel_titles()[1]
    assert more_songs[0] == "Song of Rapper 09"
    assert paged_world.carousel_titles()[2][0] == "2Pac"


def test_a_korean_follow_up_is_answered_in_korean(paged_world: World) -> None:
    # Given a Korean conversation about 2Pac / When the user asks for another
    paged_world.says("2pac 같은 가수")
    paged_world.says("다른 거")
    # Then the next page is introduced in Korean
    intro = paged_world.replies()[1]
    assert isinstance(intro, TextReply)
    assert intro.text == replies.say("more_artists", "ko", name="2Pac")


@pytest.mark.parametrize(
    ("text", "language"),
    [("more like that", "en"), ("more like him", "en"), ("그거랑 비슷한 가수", "ko")],
)
def test_a_follow_up_with_nothing_shown_before_gets_a_hint(
    world: World, text: str, language: Language
) -> None:
    # Given a user the bot never answered / When they ask for more like what they saw
    world.says(text)
    # Then they are told to name an artist first, in their language, and nothing is looked up
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert reply.text == replies.say("nothing_before", language)
    assert world.spotify.searches == []


def test_a_follow_up_that_may_name_an_artist_looks_it_up_when_nothing_was_shown(
    world: World,
) -> None:
    # Given a user the bot never answered / When they ask for "more like HIM"
    world.says("more like HIM")
    # Then HIM is searched for as a name, not taken for the last answer
    assert world.spotify.searches == ["HIM"]


def test_a_follow_up_a_day_later_starts_over(paged_world: World) -> None:
    # Given the user was shown 2Pac over a day ago
    paged_world.receive(
        IncomingText(
            user_id="user-1", message_id="m_old", text="2pac", sent_at=NOW - timedelta(hours=25)
        )
    )
    # When they ask for more now
    paged_world.says("more")
    # Then the old answer is not followed: they are asked for an artist
    last = paged_world.replies()[-1]
    assert isinstance(last, TextReply)
    assert last.text == replies.say("nothing_before", "en")


def test_the_show_more_tap_pages_on_with_nothing_remembered(paged_world: World) -> None:
    # Given the first carousel offers "Show more" / When it is tapped, nothing remembered
    paged_world.says("2pac")
    [first] = paged_world.replies()
    assert isinstance(first, CarouselReply)
    show_more = first.quick_replies[0]
    paged_world.memory.last.clear()
    paged_world.taps(show_more.payload)
    # Then the tap alone says which page: the second page of artists like 2Pac
    assert show_more.title == "Show more"
    assert paged_world.carousel_titles()[1][0] == "Rapper 09"


def test_each_user_follows_their_own_last_answer(paged_world: World) -> None:
    # Given two users asked about different artists
    paged_world.says("2pac", user_id="user-1")
    paged_world.says("future", user_id="user-2")
    # When the second asks for songs instead
    paged_world.says("songs instead", user_id="user-2")
    # Then their answer is about Future, not 2Pac
    last_to_second = [reply for user, reply in paged_world.messenger.sent if user == "user-2"][-1]
    assert isinstance(last_to_second, TextReply)
    assert last_to_second.text == replies.say("no_similar_yet", "en", name="Future")
    assert paged_world.memory.last["user-1"].artist_id == TUPAC.id


def test_tapping_an_option_known_only_by_name_looks_the_name_up(world: World) -> None:
    # Given an option offered by name, Drake not stored / When the user taps it
    world.taps(payloads.look_up("Drake", "en"))
    # Then Spotify is searched for the name, and the user waits for Drake like any miss
    assert world.spotify.searches == ["Drake"]
    assert world.queue.enqueued == [(DRAKE.id, NOW)]
    [reply] = world.replies()
    assert isinstance(reply, TextReply)
    assert reply.text.startswith("I don't know Drake yet.")
