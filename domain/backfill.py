"""Backfilling the store from a list of artist names: which names the bot already knows,
which Spotify does not have, which are new and go to the ingest workflow, and what became
of each one once the workflow ran.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import SpotifyRateLimitedError, SpotifyUnavailableError
from domain.names import normalize_name
from domain.ports import ArtistRepository, NameIndex, SpotifyCatalog
from domain.resolution import Found, Unknown, resolve

# A name whose search Spotify rate-limits this many times in a row stops the searching,
# however short each Retry-After: Spotify is not recovering.
RATE_LIMITS_IN_A_ROW = 3


class Outcome(StrEnum):
    """What became of one name, as the summary names it."""

    INGESTED = "ingested"
    ALREADY_KNOWN = "already known"
    NOT_FOUND = "not found"
    FAILED = "failed"


@dataclass(frozen=True)
class NameOutcome:
    """One name of the list and what became of it; reason says why a name failed."""

    name: str
    outcome: Outcome
    artist_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Lookup:
    """The names settled without ingesting anything, and the names Spotify found an artist
    for that the store does not hold yet, each with that artist's ID."""

    settled: tuple[NameOutcome, ...]
    new: tuple[tuple[str, str], ...]

    @property
    def artist_ids(self) -> tuple[str, ...]:
        """The IDs to ingest, each once, in the order the names came."""
        return tuple(dict.fromkeys(artist_id for _, artist_id in self.new))


@dataclass(frozen=True)
class LookupPorts:
    names: NameIndex
    repository: ArtistRepository
    spotify: SpotifyCatalog
    sleep: Callable[[float], None]


@dataclass(frozen=True)
class BackfillReport:
    """Every name of the list once, in the order it came, with its outcome."""

    outcomes: tuple[NameOutcome, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for one in self.outcomes if one.outcome == outcome)

    def with_outcome(self, outcome: Outcome) -> list[NameOutcome]:
        return [one for one in self.outcomes if one.outcome == outcome]


def names_in(lines: Iterable[str]) -> tuple[str, ...]:
    """The names of a names file: one a line, blank lines and `#` comments skipped, and a
    name typed again (in any case or spacing) kept once, as first typed."""
    names: dict[str, str] = {}
    for line in lines:
        name = " ".join(line.split())
        if not name or name.startswith("#"):
            continue
        names.setdefault(normalize_name(name) or name, name)
    return tuple(names.values())


def look_up(
    names: Sequence[str],
    ports: LookupPorts,
    longest_wait_seconds: int,
    on_progress: Callable[[int], None] = lambda _: None,
) -> Lookup:
    """Sort the names into already known, not found, failed and new, searching Spotify
    for every name the bot does not know exactly.

    A 429 whose Retry-After is at most longest_wait_seconds is waited out and the search
    asked again; a longer one stops the searching, and the names not searched yet fail
    with the reason. on_progress hears how many names are done after each one.
    """
    settled: dict[str, NameOutcome] = {}
    found: dict[str, str] = {}
    for position, name in enumerate(names):
        resolution = resolve(name, ports.names)
        if isinstance(resolution, Found) and resolution.exact:
            settled[name] = NameOutcome(name, Outcome.ALREADY_KNOWN, resolution.artist_id)
        else:
            query = resolution.search_as if isinstance(resolution, Unknown) else name
            try:
                artist_id = _search(query, ports, longest_wait_seconds)
            except SpotifyRateLimitedError as limited:
                reason = f"not searched: {limited}"
                for unsearched in names[position:]:
                    settled[unsearched] = NameOutcome(unsearched, Outcome.FAILED, reason=reason)
                on_progress(len(names))
                break
            except SpotifyUnavailableError as failure:
                settled[name] = NameOutcome(name, Outcome.FAILED, reason=str(failure))
            else:
                if artist_id is None:
                    settled[name] = NameOutcome(name, Outcome.NOT_FOUND)
                else:
                    found[name] = artist_id
        on_progress(position + 1)
    candidates = list(dict.fromkeys(found.values()))
    stored = {artist.id for artist in ports.repository.get_artists(candidates)}
    for name, artist_id in found.items():
        if artist_id in stored:
            settled[name] = NameOutcome(name, Outcome.ALREADY_KNOWN, artist_id)
    return Lookup(
        settled=tuple(settled[name] for name in names if name in settled),
        new=tuple((name, found[name]) for name in names if name in found and name not in settled),
    )


def settle(
    names: Sequence[str],
    lookup: Lookup,
    ingested: Collection[str],
    failures: Mapping[str, str],
) -> BackfillReport:
    """The report, once the workflow ran over lookup.artist_ids: each new name is
    ingested when its artist was, else failed with the workflow's reason for the ID."""
    outcomes = {one.name: one for one in lookup.settled}
    for name, artist_id in lookup.new:
        if artist_id in ingested:
            outcomes[name] = NameOutcome(name, Outcome.INGESTED, artist_id)
        else:
            reason = failures.get(artist_id, "the ingest workflow did not ingest it")
            outcomes[name] = NameOutcome(name, Outcome.FAILED, artist_id, reason)
    return BackfillReport(tuple(outcomes[name] for name in names))


def _search(query: str, ports: LookupPorts, longest_wait_seconds: int) -> str | None:
    """Spotify's artist ID for the query, waiting out short rate limits."""
    limited_in_a_row = 0
    while True:
        try:
            artist = ports.spotify.search_artist(query)
        except SpotifyRateLimitedError as limited:
            limited_in_a_row += 1
            if (
                limited.retry_after_seconds > longest_wait_seconds
                or limited_in_a_row >= RATE_LIMITS_IN_A_ROW
            ):
                raise
            ports.sleep(limited.retry_after_seconds)
            continue
        return None if artist is None else artist.id
