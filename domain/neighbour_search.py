"""Every artist's nearest neighbours at catalog scale, without comparing every pair.

Comparing each of N artists with every other costs N² and stops fitting in a Lambda near
20,000 artists. Instead the embeddings are grouped into cells (spherical k-means), and an
artist is compared only with the members of the few cells nearest its own (an inverted-file
search). Within those cells scores are exact: the artists' real features are laid out over
the few hundred features the queried artists actually have, and multiplied. The only
approximation is which cells are searched; docs/similarity.md measures what it costs.

A catalog small enough to compare whole is searched exactly (one cell).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from domain.models import Neighbour
from domain.similarity import EMBEDDING_DIMENSIONS, NEIGHBOURS_KEPT, SCORE_DECIMALS, feature_slot

# Up to this many artists, every artist is compared with every other: exact, and cheap.
EXACT_UP_TO: Final = 3_000
# Cells grow with the square root of the catalog, so a cell and the number of cells grow
# alike; each artist searches PROBES of them. Chosen by measurement (docs/similarity.md).
CELLS_PER_ROOT: Final = 2.0
PROBES: Final = 16
# How many embedding-nearest artists an incremental update scores exactly.
CANDIDATES: Final = 50
# Queries scored at once: bounds the memory of one block of exact scores.
_QUERY_CHUNK = 256
# Queries whose per-cell lists are merged at once: bounds the memory of the merge.
_QUERIES_MERGED = 16_384
_KMEANS_SAMPLE = 30_000
_KMEANS_ROUNDS = 8

Floats = npt.NDArray[np.float64]
Float32s = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SearchPlan:
    """How a generation's lists are searched: into how many cells the catalog is split, how
    many of them each artist searches, and how many candidates an incremental update
    scores exactly."""

    cells: int
    probes: int
    candidates: int

    @classmethod
    def for_catalog(cls, artists: int) -> SearchPlan:
        if artists <= EXACT_UP_TO:
            return cls(cells=1, probes=1, candidates=EXACT_UP_TO)
        cells = max(PROBES, round(CELLS_PER_ROOT * math.sqrt(artists)))
        return cls(cells=cells, probes=PROBES, candidates=CANDIDATES)

    @property
    def exact(self) -> bool:
        return self.probes >= self.cells


@dataclass(frozen=True)
class FeatureMatrix:
    """Artists' exact features as a sparse matrix (compressed rows), one row per artist in
    artist-ID order, so that a row number also breaks ties the way IDs do."""

    artist_ids: npt.NDArray[np.str_]
    popularity: Ints
    row_starts: Ints
    feature_ids: Ints
    weights: Floats
    slots: Ints
    signs: Floats

    @classmethod
    def build(cls, rows: Iterable[tuple[str, int | None, Mapping[str, float]]]) -> FeatureMatrix:
        """From (artist ID, popularity, features); artists without features are left out."""
        kept = sorted((row for row in rows if row[2]), key=lambda row: row[0])
        vocabulary: dict[str, int] = {}
        feature_ids: list[int] = []
        weights: list[float] = []
        row_starts = [0]
        for _, _, features in kept:
            for feature, weight in features.items():
                feature_ids.append(vocabulary.setdefault(feature, len(vocabulary)))
                weights.append(weight)
            row_starts.append(len(feature_ids))
        slots = [feature_slot(feature) for feature in vocabulary]
        return cls(
            artist_ids=np.array([row[0] for row in kept], dtype=np.str_),
            popularity=np.array([-1 if row[1] is None else row[1] for row in kept], dtype=np.int64),
            row_starts=np.array(row_starts, dtype=np.int64),
            feature_ids=np.array(feature_ids, dtype=np.int64),
            weights=np.array(weights, dtype=np.float64),
            slots=np.array([slot for slot, _ in slots], dtype=np.int64),
            signs=np.array([sign for _, sign in slots], dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.artist_ids)

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Plain arrays, for storing the matrix where another process can load it."""
        return {
            "artist_ids": self.artist_ids,
            "popularity": self.popularity,
            "row_starts": self.row_starts,
            "feature_ids": self.feature_ids,
            "weights": self.weights,
            "slots": self.slots,
            "signs": self.signs,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> FeatureMatrix:
        return cls(
            artist_ids=np.asarray(arrays["artist_ids"], dtype=np.str_),
            popularity=np.asarray(arrays["popularity"], dtype=np.int64),
            row_starts=np.asarray(arrays["row_starts"], dtype=np.int64),
            feature_ids=np.asarray(arrays["feature_ids"], dtype=np.int64),
            weights=np.asarray(arrays["weights"], dtype=np.float64),
            slots=np.asarray(arrays["slots"], dtype=np.int64),
            signs=np.asarray(arrays["signs"], dtype=np.float64),
        )

    def embeddings(self) -> Float32s:
        """Every row folded into EMBEDDING_DIMENSIONS with unit length, as
        domain.similarity.embedding folds one artist."""
        owners, features, weights = self.entries(np.arange(len(self), dtype=np.int64))
        folded = np.zeros((len(self), EMBEDDING_DIMENSIONS), dtype=np.float64)
        np.add.at(folded, (owners, self.slots[features]), weights * self.signs[features])
        norms = np.linalg.norm(folded, axis=1, keepdims=True)
        return (folded / np.where(norms == 0, 1.0, norms)).astype(np.float32)

    def entries(self, rows: Ints) -> tuple[Ints, Ints, Floats]:
        """The non-zero features of the given rows: (position in rows, feature, weight)."""
        starts = self.row_starts[rows]
        counts = self.row_starts[rows + 1] - starts
        owners = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        positions = np.repeat(starts, counts) + offsets
        return owners, self.feature_ids[positions], self.weights[positions]


@dataclass(frozen=True)
class Cells:
    """The catalog split into cells: each cell's centre, the cell of each row, and how many
    of the cells nearest its embedding each artist searches."""

    centroids: Float32s
    of_row: Ints
    probes: int

    @classmethod
    def train(cls, vectors: Float32s, plan: SearchPlan, seed: int = 0) -> Cells:
        centroids = train_centroids(vectors, plan.cells, seed)
        return cls(
            centroids=centroids,
            of_row=nearest_cells(vectors, centroids),
            probes=min(plan.probes, len(centroids)),
        )

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Plain arrays, for storing the cells where another process can load them."""
        return {
            "centroids": self.centroids,
            "cell_of_row": self.of_row,
            "probes": np.array(self.probes),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Cells:
        return cls(
            centroids=np.asarray(arrays["centroids"], dtype=np.float32),
            of_row=np.asarray(arrays["cell_of_row"], dtype=np.int64),
            probes=int(arrays["probes"]),
        )

    def members(self) -> list[Ints]:
        """The rows of each cell, in row order."""
        order = np.argsort(self.of_row, kind="stable")
        bounds = np.searchsorted(self.of_row[order], np.arange(len(self.centroids) + 1))
        return [order[bounds[cell] : bounds[cell + 1]] for cell in range(len(self.centroids))]


def train_centroids(vectors: Float32s, count: int, seed: int = 0) -> Float32s:
    """Spherical k-means on a seeded sample: the same vectors always give the same cells."""
    if count <= 1 or len(vectors) <= count:
        mean = (
            vectors.mean(axis=0, keepdims=True)
            if len(vectors)
            else np.zeros((1, vectors.shape[1]), dtype=np.float32)
        )
        return _unit_rows(mean.astype(np.float32))
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), _KMEANS_SAMPLE), False))]
    centroids = sample[np.sort(rng.choice(len(sample), count, replace=False))].copy()
    for _ in range(_KMEANS_ROUNDS):
        assigned = nearest_cells(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assigned, sample)
        empty = np.flatnonzero(np.bincount(assigned, minlength=count) == 0)
        # An empty cell restarts from a sampled point, so no cell is wasted.
        sums[empty] = sample[rng.choice(len(sample), len(empty), replace=False)]
        centroids = _unit_rows(sums)
    return centroids


def nearest_cells(vectors: Float32s, centroids: Float32s) -> Ints:
    """The cell whose centre is closest in direction to each vector."""
    return nearest_cells_of(vectors, centroids, 1)[:, 0]


@dataclass(frozen=True)
class NeighbourRows:
    """Similar-artists lists as parallel arrays of rows of a FeatureMatrix."""

    artist: Ints
    similar: Ints
    rank: Ints
    score: Floats

    def neighbours(self, artist_ids: npt.NDArray[np.str_]) -> list[Neighbour]:
        """The rows as Neighbour models, given the matrix's artist IDs."""
        return [
            # Built by the hundred thousand from typed arrays: no validation needed.
            Neighbour.model_construct(artist_id=artist, similar_id=similar, rank=rank, score=score)
            for artist, similar, rank, score in zip(
                artist_ids[self.artist].tolist(),
                artist_ids[self.similar].tolist(),
                self.rank.tolist(),
                self.score.tolist(),
                strict=True,
            )
        ]

    def by_artist(self, artist_ids: npt.NDArray[np.str_]) -> dict[str, list[tuple[str, float]]]:
        """Each artist's list as (similar artist's ID, score), best first."""
        lists: dict[str, list[tuple[str, float]]] = {}
        for neighbour in sorted(self.neighbours(artist_ids), key=lambda n: (n.artist_id, n.rank)):
            lists.setdefault(neighbour.artist_id, []).append(
                (neighbour.similar_id, neighbour.score)
            )
        return lists

    @classmethod
    def concatenate(cls, parts: Iterable[NeighbourRows]) -> NeighbourRows:
        parts = list(parts)
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, np.zeros(0, dtype=np.float64))
        return cls(
            artist=np.concatenate([part.artist for part in parts]),
            similar=np.concatenate([part.similar for part in parts]),
            rank=np.concatenate([part.rank for part in parts]),
            score=np.concatenate([part.score for part in parts]),
        )


def exact_scores(matrix: FeatureMatrix, queries: Ints, candidates: Ints) -> Floats:
    """Exact cosine of every query row with every candidate row, rounded to SCORE_DECIMALS.

    Both sides are laid out densely over only the features they share: any other feature
    meets a zero on the other side and adds nothing.
    """
    vocabulary = np.intersect1d(
        matrix.entries(queries)[1], matrix.entries(candidates)[1], assume_unique=False
    )
    if len(vocabulary) == 0:
        return np.zeros((len(queries), len(candidates)))
    query_side = _laid_out(matrix, queries, vocabulary)
    return np.round(query_side @ _laid_out(matrix, candidates, vocabulary).T, SCORE_DECIMALS)


def _laid_out(matrix: FeatureMatrix, rows: Ints, vocabulary: Ints) -> Floats:
    owners, features, weights = matrix.entries(rows)
    places = np.minimum(np.searchsorted(vocabulary, features), len(vocabulary) - 1)
    shared = vocabulary[places] == features
    dense = np.zeros((len(rows), len(vocabulary)))
    dense[owners[shared], places[shared]] = weights[shared]
    return dense


def best_neighbours(
    matrix: FeatureMatrix, queries: Ints, candidates: Ints, scores: Floats
) -> NeighbourRows:
    """Each query's top NEIGHBOURS_KEPT among the candidates with a positive score, itself
    excluded, ranked by domain.similarity.ranking_key."""
    scores = np.where(queries[:, None] == candidates[None, :], 0.0, scores)
    kept = min(NEIGHBOURS_KEPT, len(candidates))
    if kept == 0:
        return NeighbourRows.concatenate([])
    # Everything tied with the kept-th best is considered, so ties are broken by rule,
    # never by where a candidate happened to sit.
    threshold = np.partition(scores, len(candidates) - kept, axis=1)[:, len(candidates) - kept]
    query_at, candidate_at = np.nonzero(scores >= threshold[:, None])
    return _best_pairs(
        matrix, queries[query_at], candidates[candidate_at], scores[query_at, candidate_at]
    )


def search(matrix: FeatureMatrix, cells: Cells, vectors: Float32s, queries: Ints) -> NeighbourRows:
    """The lists of the given rows, each searched over the cells nearest its own embedding.

    Each cell keeps its best NEIGHBOURS_KEPT for each query that probes it; since the
    ranking is a total order, the best of those per-cell lists is the best overall.
    """
    probes = nearest_cells_of(vectors[queries], cells.centroids, cells.probes)
    # Queries of the same cell share most features, which keeps each block's shared
    # vocabulary small.
    by_own_cell = np.argsort(probes[:, 0], kind="stable")
    queries, probes = queries[by_own_cell], probes[by_own_cell]
    members = cells.members()
    parts = []
    for start in range(0, len(queries), _QUERIES_MERGED):
        chunk = queries[start : start + _QUERIES_MERGED]
        chunk_probes = probes[start : start + _QUERIES_MERGED]
        per_cell = NeighbourRows.concatenate(
            best_neighbours(
                matrix, block, members[cell], exact_scores(matrix, block, members[cell])
            )
            for cell, block in _queries_by_cell(chunk, chunk_probes)
        )
        parts.append(_best_pairs(matrix, per_cell.artist, per_cell.similar, per_cell.score))
    return NeighbourRows.concatenate(parts)


def exhaustive_search(matrix: FeatureMatrix, queries: Ints, chunk: int = 25) -> NeighbourRows:
    """The exact lists of the given rows, each compared with every artist: the reference a
    cell search is measured against, affordable for a sample."""
    everyone = np.arange(len(matrix), dtype=np.int64)
    return NeighbourRows.concatenate(
        best_neighbours(matrix, block, everyone, exact_scores(matrix, block, everyone))
        for block in (queries[start : start + chunk] for start in range(0, len(queries), chunk))
    )


def nearest_cells_of(vectors: Float32s, centroids: Float32s, count: int) -> Ints:
    """The `count` cells whose centres are closest to each vector, closest first."""
    count = min(count, len(centroids))
    nearest = np.empty((len(vectors), count), dtype=np.int64)
    for start in range(0, len(vectors), 8192):
        closeness = vectors[start : start + 8192] @ centroids.T
        if count < len(centroids):
            top = np.argpartition(-closeness, count - 1, axis=1)[:, :count]
        else:
            top = np.tile(np.arange(len(centroids)), (len(closeness), 1))
        order = np.argsort(-np.take_along_axis(closeness, top, axis=1), axis=1, kind="stable")
        nearest[start : start + 8192] = np.take_along_axis(top, order, axis=1)
    return nearest


def _queries_by_cell(queries: Ints, probes: Ints) -> Iterator[tuple[int, Ints]]:
    query = np.repeat(queries, probes.shape[1])
    cell = probes.ravel()
    order = np.argsort(cell, kind="stable")
    query, cell = query[order], cell[order]
    bounds = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1], True])
    for start, end in itertools.pairwise(bounds):
        for block in range(start, end, _QUERY_CHUNK):
            yield int(cell[start]), query[block : min(end, block + _QUERY_CHUNK)]


def recall_at_ten(
    found: Mapping[str, Sequence[float]], exact: Mapping[str, Sequence[tuple[str, float]]]
) -> float:
    """Share of the exact top ten that a search found, given each artist's found scores and
    exact ranking. An artist tied with the tenth counts as the tenth: a tie broken
    differently is not a miss."""
    hits = wanted = 0
    for artist_id, best in exact.items():
        expected = min(NEIGHBOURS_KEPT, len(best))
        if expected == 0:
            continue
        tenth = best[expected - 1][1]
        hits += min(expected, sum(1 for score in found.get(artist_id, ()) if score >= tenth))
        wanted += expected
    return hits / wanted if wanted else 1.0


def _rank_within_groups(groups: Ints) -> Ints:
    """1, 2, 3 … within each run of equal values of a sorted array."""
    if len(groups) == 0:
        return groups
    positions = np.arange(len(groups), dtype=np.int64)
    starts = np.where(np.r_[True, groups[1:] != groups[:-1]], positions, 0)
    return positions - np.maximum.accumulate(starts) + 1


def _unit_rows(vectors: npt.NDArray[np.floating]) -> Float32s:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _best_pairs(
    matrix: FeatureMatrix, queries: Ints, similar: Ints, score: Floats
) -> NeighbourRows:
    positive = score > 0
    queries, similar, score = queries[positive], similar[positive], score[positive]
    order = np.lexsort((similar, -matrix.popularity[similar], -score, queries))
    queries, similar, score = queries[order], similar[order], score[order]
    rank = _rank_within_groups(queries)
    keep = rank <= NEIGHBOURS_KEPT
    return NeighbourRows(
        artist=queries[keep], similar=similar[keep], rank=rank[keep], score=score[keep]
    )
