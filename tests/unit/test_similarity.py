from domain.models import Neighbour
from domain.similarity import (
    NEIGHBOURS_KEPT,
    VECTOR_DIMENSIONS,
    affected_artists,
    cosine,
    genre_similarity,
    genre_vector,
    rank_neighbours,
    rescore,
)
from tests.fakes import artist

DRAKE = ("canadian hip hop", "hip hop", "rap", "pop rap")
FUTURE = ("atl hip hop", "hip hop", "rap", "trap")
NICK_DRAKE = ("british folk", "chamber folk", "singer-songwriter")


def test_artists_sharing_genres_are_similar_and_artists_sharing_none_are_not() -> None:
    # Given two rappers and a folk singer / When compared exactly
    # Then the rappers are close and the folk singer shares nothing with them
    assert genre_similarity(DRAKE, FUTURE) > 0.5
    assert genre_similarity(DRAKE, NICK_DRAKE) == 0.0
    assert abs(genre_similarity(DRAKE, DRAKE) - 1.0) < 1e-9


def test_the_hashed_vector_ranks_like_the_exact_similarity() -> None:
    # Given the hashed vectors the store indexes
    drake, future, nick_drake = (genre_vector(g) for g in (DRAKE, FUTURE, NICK_DRAKE))
    assert drake
    assert future
    assert nick_drake
    # Then they put the rappers nearer each other than the folk singer
    assert cosine(drake, future) > cosine(drake, nick_drake)
    assert abs(cosine(drake, future) - genre_similarity(DRAKE, FUTURE)) < 0.2


def test_a_shared_word_counts_even_without_a_shared_tag() -> None:
    # Given two artists whose tags differ but share the word "k-pop"
    # Then they are related, and more than either is to rock
    girl_group, boy_group, rock = ["k-pop girl group"], ["k-pop boy group"], ["album rock"]
    assert genre_similarity(girl_group, boy_group) > 0
    assert genre_similarity(girl_group, rock) == 0.0


def test_rescoring_puts_exact_matches_first_and_breaks_ties_by_popularity() -> None:
    # Given candidates in a noisy order, two of them equally similar
    me = artist("me", "Me", *DRAKE)
    candidates = [
        artist("folk", "Folk", *NICK_DRAKE, popularity=99),
        artist("quiet", "Quiet twin", *DRAKE, popularity=10),
        artist("loud", "Loud twin", *DRAKE, popularity=90),
        artist("future", "Future", *FUTURE),
        me,
    ]
    # When rescored / Then the twins lead (the popular one first), then Future; never itself
    scored = rescore(me, candidates)
    assert [artist_id for artist_id, _ in scored] == ["loud", "quiet", "future", "folk"]
    assert scored[-1][1] == 0.0


def test_vectors_are_unit_length_and_order_free() -> None:
    # Given the same genres in two orders, one repeated
    one = genre_vector(["rap", "hip hop"])
    two = genre_vector(["hip hop", "rap", "Rap "])
    # Then both are the same unit vector of the fixed size
    assert one is not None
    assert two is not None
    assert len(one) == VECTOR_DIMENSIONS
    assert abs(cosine(one, one) - 1.0) < 1e-9
    assert one == two


def test_no_genres_means_no_vector() -> None:
    assert genre_vector([]) is None
    assert genre_vector(["  "]) is None


def test_ranking_keeps_the_best_ten_and_drops_self_and_unrelated() -> None:
    # Given candidates best first, including the artist itself and a zero score
    candidates = [("self", 1.0)] + [(f"a{i}", 1 - i / 100) for i in range(12)] + [("z", 0.0)]
    # When ranked
    ranked = rank_neighbours("self", candidates)
    # Then ranks 1..10 follow the order given
    assert [n.similar_id for n in ranked] == [f"a{i}" for i in range(NEIGHBOURS_KEPT)]
    assert [n.rank for n in ranked] == list(range(1, NEIGHBOURS_KEPT + 1))


def test_a_newcomer_enters_lists_it_beats_or_that_have_room() -> None:
    # Given a new artist N close to M (full list, weak floor), P (full, strong) and Q (room)
    fresh = {
        "N": [
            Neighbour(artist_id="N", similar_id="M", rank=1, score=0.9),
            Neighbour(artist_id="N", similar_id="P", rank=2, score=0.5),
            Neighbour(artist_id="N", similar_id="Q", rank=3, score=0.2),
        ]
    }
    floors = {"M": (NEIGHBOURS_KEPT, 0.4), "P": (NEIGHBOURS_KEPT, 0.8), "Q": (3, 0.6)}
    # When the affected artists are worked out
    affected = affected_artists(fresh, floors)
    # Then M (beaten floor) and Q (room left) are recomputed, P is not
    assert affected == {"M", "Q"}
