import math

import pytest

from domain.models import ScoredArtist, SimilarityProfile
from domain.recompute import revise_list
from domain.similarity import (
    AUDIO_FEATURE_NAMES,
    EMBEDDING_DIMENSIONS,
    NEIGHBOURS_KEPT,
    audio_features,
    credit_features,
    embedding,
    genre_similarity,
    profile_features,
    ranking_key,
    similarity,
)

DRAKE = ("canadian hip hop", "hip hop", "rap", "pop rap")
FUTURE = ("atl hip hop", "hip hop", "rap", "trap")
NICK_DRAKE = ("british folk", "chamber folk", "singer-songwriter")
# Mean audio features in AUDIO_FEATURE_NAMES order.
CLUB = (0.85, 0.9, 0.1, 0.05, 0.2, 0.8, 126.0)
BALLAD = (0.3, 0.2, 0.04, 0.9, 0.01, 0.2, 72.0)


def profile(artist_id: str, *genres: str, **signals: object) -> SimilarityProfile:
    return SimilarityProfile.model_validate({"artist_id": artist_id, "genres": genres, **signals})


def test_artists_sharing_genres_are_similar_and_artists_sharing_none_are_not() -> None:
    # Given two rappers and a folk singer / When compared exactly
    # Then the rappers are close and the folk singer shares nothing with them
    assert genre_similarity(DRAKE, FUTURE) > 0.5
    assert genre_similarity(DRAKE, NICK_DRAKE) == 0.0
    assert genre_similarity(DRAKE, DRAKE) == 1.0


def test_a_shared_word_counts_even_without_a_shared_tag() -> None:
    # Given two artists whose tags differ but share the word "k-pop"
    girl_group, boy_group, rock = ["k-pop girl group"], ["k-pop boy group"], ["album rock"]
    # Then they are related, and more than either is to rock
    assert genre_similarity(girl_group, boy_group) > 0
    assert genre_similarity(girl_group, rock) == 0.0


def test_sound_relates_artists_who_sound_alike_and_separates_opposites() -> None:
    # Given two club tracks' means and a ballad's
    club, other_club, ballad = (
        audio_features(CLUB),
        audio_features(tuple(v * 1.02 for v in CLUB)),
        audio_features(BALLAD),
    )
    # Then the clubs are nearly the same and the ballad points away from them
    assert similarity(club, other_club) > 0.95
    assert similarity(club, ballad) < 0
    assert audio_features(None) == {}


def test_audio_features_must_come_in_the_documented_order_and_count() -> None:
    # When a mean of the wrong length is given / Then it is refused, not guessed at
    with pytest.raises(ValueError, match=str(len(AUDIO_FEATURE_NAMES))):
        audio_features((0.5, 0.5))


def test_artists_who_record_together_are_related_through_their_credits() -> None:
    # Given A who recorded with B, B who recorded with A and C, and D with E only
    a, b, d = (
        credit_features("A", ["B"]),
        credit_features("B", ["A", "C"]),
        credit_features("D", ["E"]),
    )
    # Then A and B are related, D is a stranger to both, and no one recording alone counts
    assert similarity(a, b) > 0.5
    assert similarity(a, d) == 0.0
    assert credit_features("A", ["A"]) == {}


def test_an_artist_without_genres_still_has_features_from_its_other_signals() -> None:
    # Given artists with only sound, only collaborators, and nothing at all
    sound_only = profile("s", audio=CLUB)
    credits_only = profile("c", co_credited=("x",))
    nothing = profile("n")
    # Then the first two have unit-length features and the last has none
    for found in (profile_features(sound_only), profile_features(credits_only)):
        assert math.isclose(math.sqrt(sum(v * v for v in found.values())), 1.0)
    assert profile_features(nothing) == {}


def test_blending_keeps_genres_dominant_over_sound() -> None:
    # Given two rappers who sound opposite, and a rapper and a folk singer who sound alike
    rapper_club = profile("r1", *DRAKE, audio=CLUB)
    rapper_ballad = profile("r2", *FUTURE, audio=BALLAD)
    folk_club = profile("f", *NICK_DRAKE, audio=CLUB)
    # Then shared genres still outweigh a shared sound
    rappers = similarity(profile_features(rapper_club), profile_features(rapper_ballad))
    across = similarity(profile_features(rapper_club), profile_features(folk_club))
    assert rappers > across > 0


def test_the_embedding_is_unit_length_order_free_and_ranks_like_the_exact_features() -> None:
    # Given three artists' embeddings, one with its genres in another order
    drake = embedding(profile_features(profile("d", *DRAKE)))
    drake_again = embedding(profile_features(profile("d", *reversed(DRAKE), "Rap ")))
    future = embedding(profile_features(profile("f", *FUTURE)))
    folk = embedding(profile_features(profile("n", *NICK_DRAKE)))
    assert drake is not None
    assert future is not None
    assert folk is not None
    # Then they have the fixed size and unit length, and put the rappers nearer each other
    assert len(drake) == EMBEDDING_DIMENSIONS
    assert drake == drake_again
    assert math.isclose(sum(v * v for v in drake), 1.0)
    dot = sum(a * b for a, b in zip(drake, future, strict=True))
    assert dot > sum(a * b for a, b in zip(drake, folk, strict=True))
    assert embedding({}) is None


def test_ties_go_to_the_more_popular_then_the_lower_id_and_unknown_popularity_last() -> None:
    # Given equal scores with different popularity, one unknown
    entries = [("b", 50), ("a", 50), ("c", 90), ("d", None)]
    # When ordered by the ranking rule
    ordered = sorted(entries, key=lambda e: ranking_key(0.8, e[1], e[0]))
    # Then the popular one leads, equal popularity goes by ID, unknown comes last
    assert [artist_id for artist_id, _ in ordered] == ["c", "a", "b", "d"]


def listed(*scores: float) -> list[ScoredArtist]:
    return [ScoredArtist(artist_id=f"m{i}", score=s, popularity=50) for i, s in enumerate(scores)]


POPULARITY = {name: 50 for name in ("new", "m1", "me")}


def test_a_newcomer_that_beats_the_weakest_of_a_full_list_takes_its_place() -> None:
    # Given a full list whose weakest entry scores 0.1
    current = listed(*(1 - i / 10 for i in range(NEIGHBOURS_KEPT)))
    # When a newcomer scoring 0.55 competes
    revised = revise_list("me", current, {"new": 0.55}, {"new"}, POPULARITY)
    # Then it ranks by its score and the weakest leaves
    assert isinstance(revised, list)
    assert [n.similar_id for n in revised][4:7] == ["m4", "new", "m5"]
    assert len(revised) == NEIGHBOURS_KEPT
    assert "m9" not in {n.similar_id for n in revised}


def test_a_newcomer_below_a_full_list_changes_nothing_but_fills_a_list_with_room() -> None:
    # Given a full list with floor 0.1 and a short list
    full, short = listed(*(1 - i / 10 for i in range(NEIGHBOURS_KEPT))), listed(0.9, 0.8)
    # Then the full list is unchanged and the short one gains the newcomer last
    assert revise_list("me", full, {"new": 0.05}, {"new"}, POPULARITY) is None
    grown = revise_list("me", short, {"new": 0.05}, {"new"}, POPULARITY)
    assert isinstance(grown, list)
    assert [n.similar_id for n in grown] == ["m0", "m1", "new"]


def test_a_listed_artist_that_grows_stronger_moves_up_and_the_owner_is_never_listed() -> None:
    # Given a list holding m1 at 0.8
    current = listed(0.9, 0.8, 0.7)
    # When m1 changed and now scores 0.95, and the owner itself is among the changed
    revised = revise_list("me", current, {"m1": 0.95, "me": 1.0}, {"m1", "me"}, POPULARITY)
    # Then m1 moves up once and the owner is not listed
    assert isinstance(revised, list)
    assert [(n.similar_id, n.score) for n in revised] == [("m1", 0.95), ("m0", 0.9), ("m2", 0.7)]
    assert [n.rank for n in revised] == [1, 2, 3]


def test_a_full_list_whose_entry_falls_below_its_floor_is_searched_again() -> None:
    # Given a full list with floor 0.1 holding m1 at 0.9, and a short list holding m1
    full, short = listed(*(1 - i / 10 for i in range(NEIGHBOURS_KEPT))), listed(0.9, 0.8)
    # When m1 changed: slightly weaker, or no longer related at all
    slightly = revise_list("me", full, {"m1": 0.5}, {"m1"}, POPULARITY)
    gone_from_full = revise_list("me", full, {}, {"m1"}, POPULARITY)
    gone_from_short = revise_list("me", short, {}, {"m1"}, POPULARITY)
    # Then above the floor it just moves; below it the full list must be searched again,
    # while the short list, which held every related artist, simply loses it
    assert isinstance(slightly, list)
    assert [n.similar_id for n in slightly][3:5] == ["m4", "m1"]
    assert gone_from_full is not None
    assert not isinstance(gone_from_full, list)
    assert isinstance(gone_from_short, list)
    assert [n.similar_id for n in gone_from_short] == ["m0"]


def test_at_catalog_scale_a_list_keeps_what_it_knows_instead_of_searching_again() -> None:
    # Given a full list holding m1, in a generation that is not searched exactly
    full = listed(*(1 - i / 10 for i in range(NEIGHBOURS_KEPT)))
    # When m1 changed and no longer relates to the owner
    revised = revise_list("me", full, {}, {"m1"}, POPULARITY, exact=False)
    # Then m1 leaves and the list is one short until the next rebuild
    assert isinstance(revised, list)
    assert [n.similar_id for n in revised] == [f"m{i}" for i in range(NEIGHBOURS_KEPT) if i != 1]
