"""Pages of artists like one: its own list, then the lists of those on it."""

from dataclasses import dataclass
from itertools import pairwise

from domain.models import Artist, Neighbour
from domain.pages import MAX_LISTS_READ, PAGE_SIZE, similar_page
from tests.fakes import InMemoryArtists, artist


@dataclass
class CountingArtists(InMemoryArtists):
    lists_read: int = 0

    def similar_artists(self, artist_id: str, limit: int) -> list[Artist]:
        self.lists_read += 1
        return super().similar_artists(artist_id, limit)


def neighbourhood(lists: dict[str, list[str]]) -> CountingArtists:
    ids = set(lists) | {similar for listed in lists.values() for similar in listed}
    return CountingArtists(
        artists={i: artist(i, i.upper()) for i in ids},
        neighbours={
            owner: [
                Neighbour(artist_id=owner, similar_id=similar, rank=rank, score=1 / rank)
                for rank, similar in enumerate(listed, start=1)
            ]
            for owner, listed in lists.items()
        },
    )


def ids(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{n:02}" for n in range(count)]


def test_the_first_page_is_the_artists_own_list_as_the_first_answer_shows_it() -> None:
    # Given an artist with ten similar artists
    own = ids(10, "a")
    repository = neighbourhood({"seed": own})
    # When its first page is read / Then it is the nine closest, closest first
    assert [a.id for a in similar_page("seed", 1, repository)] == own[:PAGE_SIZE]


def test_later_pages_go_on_with_the_lists_of_the_nearest_and_repeat_no_one() -> None:
    # Given an artist whose closest neighbours have lists of their own, overlapping it
    own = ids(10, "a")
    repository = neighbourhood(
        {"seed": own, "a00": ["seed", "a01", *ids(8, "b")], "a01": ["a00", *ids(6, "c")]}
    )
    # When pages two to four are read
    second, third, fourth = (
        [a.id for a in similar_page("seed", page, repository)] for page in (2, 3, 4)
    )
    # Then the tenth of the own list comes first, then the nearest one's list, then the
    # next one's; the seed and the artists already shown never come back
    assert second == ["a09", *ids(8, "b")]
    assert third == ids(6, "c")
    assert fourth == []


def test_past_the_last_artist_a_page_is_empty() -> None:
    # Given an artist with three similar artists and nothing further
    repository = neighbourhood({"seed": ids(3, "a")})
    # When a second page is read / Then it is empty
    assert similar_page("seed", 2, repository) == []


def test_a_page_reads_a_bounded_number_of_lists_however_far_it_is() -> None:
    # Given a long chain of artists, each with one neighbour
    chain = ids(100, "n")
    repository = neighbourhood({"seed": chain[:1], **{n: [after] for n, after in pairwise(chain)}})
    # When page 50 is read
    page = similar_page("seed", 50, repository)
    # Then at most MAX_LISTS_READ lists were read, and the page is empty rather than endless
    assert repository.lists_read <= MAX_LISTS_READ
    assert page == []
