"""The name index on PostgreSQL: trigram candidates without pg_trgm (migration 0002)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.postgres.pool import ConnectionPool
from domain.models import NameCandidate

# Ranks keys first (the few that share the most trigrams with the query), then expands them
# into the names that use them, in the order domain.names.rank_candidates defines. Every key
# in name_trigrams is in use, so the best `limit` keys hold the best `limit` names.
# COLLATE "C" orders text by code point, as Python does.
_CANDIDATES = """
WITH best_keys AS (
    SELECT key, count(*) AS shared_trigrams, min(key_trigrams) AS key_trigrams
    FROM name_trigrams
    WHERE trigram = ANY (name_key_trigrams(%(key)s))
    GROUP BY key
    ORDER BY shared_trigrams DESC, key_trigrams, key COLLATE "C"
    LIMIT %(limit)s
), names AS (
    SELECT a.normalized_name AS key, a.id AS artist_id, a.name AS artist_name, a.popularity
    FROM best_keys b
    JOIN artists a ON a.normalized_name = b.key
    UNION
    SELECT al.alias, a.id, a.name, a.popularity
    FROM best_keys b
    JOIN artist_aliases al ON al.alias = b.key
    JOIN artists a ON a.id = al.artist_id
    UNION
    SELECT s.key, a.id, a.name, a.popularity
    FROM best_keys b
    JOIN shipped_names s ON s.key = b.key
    JOIN artists a ON a.normalized_name = s.canonical_key
    UNION
    SELECT s.key, NULL, s.canonical_name, NULL
    FROM best_keys b
    JOIN shipped_names s ON s.key = b.key
    WHERE NOT EXISTS (SELECT 1 FROM artists a WHERE a.normalized_name = s.canonical_key)
)
SELECT n.key, n.artist_id, n.artist_name, n.popularity
FROM names n
JOIN best_keys b ON b.key = n.key
ORDER BY b.shared_trigrams DESC, b.key_trigrams, n.key COLLATE "C",
    n.popularity DESC NULLS LAST, n.artist_id COLLATE "C" NULLS LAST, n.artist_name COLLATE "C"
LIMIT %(limit)s
"""


# The names stored under any of the keys: the same four kinds as above, each by its index.
_EXACT = """
SELECT a.normalized_name, a.id, a.name, a.popularity
FROM artists a
WHERE a.normalized_name = ANY (%(keys)s)
UNION
SELECT al.alias, a.id, a.name, a.popularity
FROM artist_aliases al
JOIN artists a ON a.id = al.artist_id
WHERE al.alias = ANY (%(keys)s)
UNION
SELECT s.key, a.id, a.name, a.popularity
FROM shipped_names s
JOIN artists a ON a.normalized_name = s.canonical_key
WHERE s.key = ANY (%(keys)s)
UNION
SELECT s.key, NULL, s.canonical_name, NULL
FROM shipped_names s
WHERE s.key = ANY (%(keys)s)
  AND NOT EXISTS (SELECT 1 FROM artists a WHERE a.normalized_name = s.canonical_key)
"""


class PostgresNameIndex:
    """domain.ports.NameIndex over the name_trigrams table and a psycopg2 connection pool.

    One query per lookup. Safe to share between threads, like PostgresArtistRepository:
    each call borrows one connection and gives it back.
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def candidates(self, key: str, limit: int) -> list[NameCandidate]:
        """Up to limit stored names sharing the most trigrams with key, best first; a
        shipped name whose artist is not stored yet comes with an empty artist_id."""
        if limit <= 0:
            return []
        return self._names(_CANDIDATES, {"key": key, "limit": limit})

    def exact(self, keys: Sequence[str]) -> list[NameCandidate]:
        if not keys:
            return []
        return self._names(_EXACT, {"keys": list(keys)})

    def _names(self, query: str, parameters: Mapping[str, object]) -> list[NameCandidate]:
        with self._pool.transaction() as cursor:
            cursor.execute(query, parameters)
            rows = cursor.fetchall()
        return [
            NameCandidate(
                key=name_key,
                artist_id=artist_id or "",
                artist_name=artist_name,
                popularity=popularity,
            )
            for name_key, artist_id, artist_name, popularity in rows
        ]
