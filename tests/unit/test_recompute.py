"""How an incremental update answers a store that rolls it back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest

from domain.errors import WriteConflictError
from domain.ports import ListsInWork, SimilarityStore
from domain.recompute import UPDATE_ATTEMPTS, recompute_similarity


class RefusingStore:
    """A store whose every update fails on entry with the given error."""

    def __init__(self, error: Exception) -> None:
        self._error = error
        self.updates = 0

    @contextmanager
    def updating(self, generation: int | None = None) -> Iterator[ListsInWork]:
        self.updates += 1
        raise self._error
        yield  # a generator, as contextmanager needs


def test_an_update_that_keeps_colliding_is_given_up_after_its_attempts() -> None:
    # Given a store that rolls every update back as a collision
    store = RefusingStore(WriteConflictError("deadlock detected"))
    # When the update runs / Then it tries UPDATE_ATTEMPTS times and raises the collision
    with pytest.raises(WriteConflictError, match="deadlock detected"):
        recompute_similarity(["a"], cast(SimilarityStore, store))
    assert store.updates == UPDATE_ATTEMPTS


def test_an_update_that_fails_otherwise_is_not_tried_again() -> None:
    # Given a store that cannot be reached
    store = RefusingStore(OSError("the similarity store is unavailable"))
    # When the update runs / Then it fails at once; the workflow decides about retries
    with pytest.raises(OSError, match="unavailable"):
        recompute_similarity(["a"], cast(SimilarityStore, store))
    assert store.updates == 1
