"""Pages of artists like one, for "more like that": its own list first, then the lists of
the artists on it, nearest first, each artist once.

An artist's list holds its ten closest, fewer than two pages; the artists close to those are
the next closest the bot knows, so "more" keeps finding artists like the one asked about.
"""

from __future__ import annotations

from collections import deque

from domain import replies
from domain.models import Artist
from domain.ports import ArtistRepository
from domain.similarity import NEIGHBOURS_KEPT

# A first answer's carousel: the artist's own card and the most similar ones.
PAGE_SIZE = replies.CAROUSEL_LIMIT - 1
# The most lists one page reads (each a short indexed query): enough for many pages of even
# a sparse neighbourhood, and a bound on a page's work however far someone pages.
MAX_LISTS_READ = 40


def similar_page(seed_id: str, page: int, repository: ArtistRepository) -> list[Artist]:
    """Page `page` (from 1) of the artists like seed_id; empty past the last one.

    The first page is the artist's own list, as the first answer shows it; later pages go on
    from where the first ended, PAGE_SIZE at a time.
    """
    if page == 1:
        return repository.similar_artists(seed_id, PAGE_SIZE)
    own = repository.similar_artists(seed_id, NEIGHBOURS_KEPT)
    first_page = {artist.id for artist in own[:PAGE_SIZE]}
    wanted = (page - 1) * PAGE_SIZE
    further: dict[str, Artist] = {a.id: a for a in own[PAGE_SIZE:]}
    sources = deque(artist.id for artist in own)
    lists_read = 1
    while sources and len(further) < wanted and lists_read < MAX_LISTS_READ:
        lists_read += 1
        for artist in repository.similar_artists(sources.popleft(), NEIGHBOURS_KEPT):
            if artist.id != seed_id and artist.id not in first_page and artist.id not in further:
                further[artist.id] = artist
                sources.append(artist.id)
    return list(further.values())[wanted - PAGE_SIZE : wanted]
