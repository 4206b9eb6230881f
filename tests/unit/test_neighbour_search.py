import numpy as np
import pytest

from domain.neighbour_search import (
    EXACT_UP_TO,
    Cells,
    FeatureMatrix,
    SearchPlan,
    best_neighbours,
    exact_scores,
    recall_at_ten,
    search,
)
from domain.similarity import genre_features, profile_features
from tests.similarity_profiles import (
    brute_force_scores,
    profiles_of,
    synthetic_fetched,
)


@pytest.fixture(scope="module")
def catalog() -> tuple[FeatureMatrix, dict[str, list[tuple[str, float]]]]:
    profiles = profiles_of(synthetic_fetched(600, seed=3))
    matrix = FeatureMatrix.build((p.artist_id, p.popularity, profile_features(p)) for p in profiles)
    return matrix, brute_force_scores(profiles)


def test_a_small_catalog_is_searched_exactly_and_ranks_like_the_obvious_search(
    catalog: tuple[FeatureMatrix, dict[str, list[tuple[str, float]]]],
) -> None:
    # Given a catalog smaller than EXACT_UP_TO and its brute-force lists
    matrix, exact = catalog
    plan = SearchPlan.for_catalog(len(matrix))
    assert len(matrix) <= EXACT_UP_TO
    assert plan.cells == 1
    # When every artist is searched
    vectors = matrix.embeddings()
    found = search(matrix, Cells.train(vectors, plan), vectors, np.arange(len(matrix)))
    # Then every list is the exact top ten, in the same order, with the same scores
    assert found.by_artist(matrix.artist_ids) == {
        artist_id: best[:10] for artist_id, best in exact.items() if best
    }


def test_searching_a_few_cells_finds_nearly_all_of_the_exact_top_ten(
    catalog: tuple[FeatureMatrix, dict[str, list[tuple[str, float]]]],
) -> None:
    # Given the catalog split into 24 cells, each artist searching the 8 nearest its own
    matrix, exact = catalog
    vectors = matrix.embeddings()
    cells = Cells.train(vectors, SearchPlan(cells=24, probes=8, candidates=100))
    # When every artist is searched
    found = search(matrix, cells, vectors, np.arange(len(matrix))).by_artist(matrix.artist_ids)
    # Then recall against the exact lists stays high though only a third is compared
    scores = {artist_id: [score for _, score in best] for artist_id, best in found.items()}
    assert recall_at_ten(scores, exact) >= 0.9


def test_cells_are_the_same_for_the_same_vectors(
    catalog: tuple[FeatureMatrix, dict[str, list[tuple[str, float]]]],
) -> None:
    # Given the same embeddings trained twice
    matrix, _ = catalog
    vectors = matrix.embeddings()
    plan = SearchPlan(cells=12, probes=3, candidates=50)
    # Then the centres and memberships agree to the bit
    first, second = Cells.train(vectors, plan), Cells.train(vectors, plan)
    assert np.array_equal(first.centroids, second.centroids)
    assert np.array_equal(first.of_row, second.of_row)
    assert sum(len(members) for members in first.members()) == len(matrix)


def test_a_list_leaves_out_the_artist_itself_and_strangers_and_breaks_ties_by_rule() -> None:
    # Given an artist, three twins with different popularity, and a stranger
    matrix = FeatureMatrix.build(
        [
            ("me", 50, genre_features(["k-pop"])),
            ("twin-b", 40, genre_features(["k-pop"])),
            ("twin-a", 40, genre_features(["k-pop"])),
            ("twin-popular", 90, genre_features(["k-pop"])),
            ("stranger", 99, genre_features(["opera"])),
            ("silent", 99, {}),
        ]
    )
    rows = np.arange(len(matrix))
    me = np.array([list(matrix.artist_ids).index("me")])
    # When its list is chosen from everyone
    found = best_neighbours(matrix, me, rows, exact_scores(matrix, me, rows))
    # Then the twins come by popularity, then ID; no self, no stranger, no featureless artist
    assert [str(matrix.artist_ids[row]) for row in found.similar] == [
        "twin-popular",
        "twin-a",
        "twin-b",
    ]
    assert found.rank.tolist() == [1, 2, 3]
    assert found.score.tolist() == [1.0, 1.0, 1.0]
    assert len(matrix) == 5


def test_a_matrix_survives_the_round_trip_through_plain_arrays(
    catalog: tuple[FeatureMatrix, dict[str, list[tuple[str, float]]]],
) -> None:
    # Given a matrix stored as arrays and loaded back
    matrix, _ = catalog
    loaded = FeatureMatrix.from_arrays(matrix.arrays())
    # Then it scores exactly as the original
    rows = np.arange(20)
    assert np.array_equal(exact_scores(loaded, rows, rows), exact_scores(matrix, rows, rows))
    assert np.array_equal(loaded.embeddings(), matrix.embeddings())
