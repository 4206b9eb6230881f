"""domain.ports.SimilarityStore on PostgreSQL with pgvector.

Writers of lists (ingestion's incremental updates, a rebuild's snapshot and switch) take one
transaction-scoped advisory lock, so they never interleave; a rebuild's shards share it, as
each writes artists of its own, and two writes of the same shard queue on its record.
Readers never wait for it. Each generation's lists and cell memberships live in partitions
of their own, created when the generation starts and dropped when it stops serving.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
from psycopg2 import errors, sql
from psycopg2.extras import execute_values

from adapters.postgres.pool import ConnectionPool
from domain.errors import WriteConflictError
from domain.models import Neighbour, ScoredArtist, SimilarityGeneration, SimilarityProfile
from domain.neighbour_search import Float32s, Ints, SearchPlan
from domain.similarity import AUDIO_FEATURE_NAMES, EMBEDDING_DIMENSIONS

_WRITERS_LOCK_KEY = int.from_bytes(b"similar!", "big") - (1 << 63)
_PARTITIONED = ("artist_similarity", "artist_cells")

_AUDIO_MEANS = ", ".join(f"avg(f.{name})" for name in AUDIO_FEATURE_NAMES)
# One statement for a few artists or for all of them: each aggregate is filtered inside,
# so asking for three artists reads three artists' rows.
_PROFILES = f"""
    WITH genres AS (
        SELECT artist_id, array_agg(genre ORDER BY position) AS genres
        FROM artist_genres
        WHERE %(everyone)s OR artist_id = ANY(%(ids)s)
        GROUP BY artist_id
    ), sound AS (
        SELECT t.artist_id, ARRAY[{_AUDIO_MEANS}] AS audio
        FROM tracks t JOIN audio_features f ON f.track_id = t.id
        WHERE %(everyone)s OR t.artist_id = ANY(%(ids)s)
        GROUP BY t.artist_id
    ), partners AS (
        SELECT mine.artist_id, array_agg(DISTINCT other.artist_id) AS co_credited
        FROM track_credits mine
        JOIN track_credits other
          ON other.track_id = mine.track_id AND other.artist_id <> mine.artist_id
        WHERE %(everyone)s OR mine.artist_id = ANY(%(ids)s)
        GROUP BY mine.artist_id
    )
    SELECT a.id, a.popularity, genres.genres, sound.audio, partners.co_credited
    FROM artists a
    LEFT JOIN genres ON genres.artist_id = a.id
    LEFT JOIN sound ON sound.artist_id = a.id
    LEFT JOIN partners ON partners.artist_id = a.id
    WHERE %(everyone)s OR a.id = ANY(%(ids)s)
    ORDER BY a.id
"""  # noqa: S608  # only constant column names are interpolated

_GENERATION_COLUMNS = """
    g.generation, g.state, g.started_at, g.snapshot_at, g.finished_at, g.artist_count,
    g.shard_count, (SELECT count(*) FROM similarity_shards s WHERE s.generation = g.generation),
    g.failure
"""


class PostgresSimilarityStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        # A generation's cells never change once written: read once per process.
        self._centroids: dict[int, Float32s] = {}

    @contextmanager
    def updating(self, generation: int | None = None) -> Iterator[PostgresListsInWork]:
        try:
            with self._pool.transaction() as cursor:
                # Read committed (the server's default): each statement after the lock reads
                # what the writer before committed.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITERS_LOCK_KEY,))
                cursor.execute(
                    "SELECT generation, cells, probes, candidates FROM similarity_generations"
                    " WHERE CASE WHEN %(wanted)s::bigint IS NULL THEN state = 'serving'"
                    " ELSE generation = %(wanted)s END",
                    {"wanted": generation},
                )
                row = cursor.fetchone()
                if row is None:
                    raise LookupError(f"no similarity generation {generation or 'serving'}")
                held, cells, probes, candidates = row
                if held not in self._centroids:
                    self._centroids[held] = _read_centroids(cursor, held)
                yield PostgresListsInWork(
                    cursor, held, SearchPlan(cells, probes, candidates), self._centroids[held]
                )
        except (errors.DeadlockDetected, errors.SerializationFailure) as conflict:
            raise WriteConflictError(str(conflict).strip()) from conflict

    def begin_rebuild(self) -> tuple[int, list[SimilarityProfile]]:
        with self._pool.transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITERS_LOCK_KEY,))
            cursor.execute(
                "INSERT INTO similarity_generations"
                " (generation, state, snapshot_at, cells, probes, candidates)"
                " SELECT coalesce(max(generation), 0) + 1, 'building', clock_timestamp(), 1, 1, 1"
                " FROM similarity_generations RETURNING generation"
            )
            (generation,) = cursor.fetchone()
            create_partitions(cursor, generation)
            profiles = _profiles(cursor, None)
        return int(generation), profiles

    def save_rebuild_plan(
        self,
        generation: int,
        *,
        plan: SearchPlan,
        shard_count: int,
        artist_ids: Sequence[str],
        vectors: Float32s,
        cells: Ints,
        centroids: Float32s,
    ) -> None:
        with self._pool.transaction() as cursor:
            # The plan rewrites artist_vectors, which updates write too: taking the writers' lock
            # first, as they do, makes them take turns instead of deadlocking on those rows.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITERS_LOCK_KEY,))
            cursor.execute(
                "UPDATE similarity_generations SET cells = %s, probes = %s, candidates = %s,"
                " shard_count = %s, artist_count = %s WHERE generation = %s AND state = 'building'"
                " RETURNING snapshot_at",
                (
                    plan.cells,
                    plan.probes,
                    plan.candidates,
                    shard_count,
                    len(artist_ids),
                    generation,
                ),
            )
            found = cursor.fetchone()
            if found is None:
                raise LookupError(f"generation {generation} is not being built")
            execute_values(
                cursor,
                "INSERT INTO similarity_cells (generation, cell, centroid) VALUES %s",
                [(generation, cell, _vector_text(c)) for cell, c in enumerate(centroids)],
                template="(%s, %s, %s::vector)",
            )
            in_cell_order = np.argsort(cells, kind="stable")
            cursor.copy_expert(
                sql.SQL(
                    "COPY {} (generation, artist_id, cell, embedding) FROM STDIN (FORMAT binary)"
                )
                .format(sql.Identifier(_partition("artist_cells", generation)))
                .as_string(cursor),
                _binary_rows(
                    (
                        (_INT8, generation),
                        (_TEXT, artist_ids[row]),
                        (_INT4, int(cells[row])),
                        (_VECTOR, vectors[row]),
                    )
                    for row in in_cell_order.tolist()
                ),
            )
            _save_snapshot_vectors(cursor, artist_ids, vectors, found[0])

    def write_shard(
        self, generation: int, shard: int, artist_ids: Sequence[str], lists: Sequence[Neighbour]
    ) -> None:
        with self._pool.transaction() as cursor:
            # Shared: shards write side by side, but never beside an update or the switch,
            # which may rewrite the same artists' lists.
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", (_WRITERS_LOCK_KEY,))
            # Holds off an abandon (which drops the partition) until the shard is written.
            cursor.execute(
                "SELECT state FROM similarity_generations WHERE generation = %s FOR SHARE",
                (generation,),
            )
            state = cursor.fetchone()
            if state is None or state[0] != "building":
                raise LookupError(f"generation {generation} is not being built")
            # Recorded before the lists: another write of this shard (a retry while the
            # first attempt still runs) waits on the record until this one commits, then
            # deletes the rows it wrote instead of inserting beside them.
            cursor.execute(
                "INSERT INTO similarity_shards (generation, shard, artist_count)"
                " VALUES (%s, %s, %s)"
                " ON CONFLICT (generation, shard) DO UPDATE"
                " SET artist_count = excluded.artist_count, finished_at = clock_timestamp()",
                (generation, shard, len(artist_ids)),
            )
            cursor.execute(
                "DELETE FROM artist_similarity WHERE generation = %s AND artist_id = ANY(%s)",
                (generation, list(artist_ids)),
            )
            cursor.copy_expert(
                sql.SQL("COPY {} (generation, artist_id, similar_id, rank, score) FROM STDIN")
                .format(sql.Identifier(_partition("artist_similarity", generation)))
                .as_string(cursor),
                _tab_separated(
                    (generation, n.artist_id, n.similar_id, n.rank, repr(n.score)) for n in lists
                ),
            )

    def abandon(self, generation: int, reason: str) -> None:
        with self._pool.transaction() as cursor:
            cursor.execute(
                "UPDATE similarity_generations SET state = 'failed', failure = %s,"
                " finished_at = clock_timestamp() WHERE generation = %s AND state = 'building'",
                (reason, generation),
            )
        self.drop_unused()

    def drop_unused(self) -> list[int]:
        with self._pool.transaction() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT g.generation
                FROM pg_inherits i
                JOIN pg_class child ON child.oid = i.inhrelid
                JOIN pg_class parent ON parent.oid = i.inhparent
                JOIN similarity_generations g
                  ON child.relname = parent.relname || '_g' || g.generation
                WHERE parent.relname = ANY(%s) AND g.state IN ('retired', 'failed')
                ORDER BY g.generation
                """,
                (list(_PARTITIONED),),
            )
            unused = [generation for (generation,) in cursor.fetchall()]
            for generation in unused:
                for table in _PARTITIONED:
                    cursor.execute(
                        sql.SQL("DROP TABLE IF EXISTS {}").format(
                            sql.Identifier(_partition(table, generation))
                        )
                    )
                cursor.execute("DELETE FROM similarity_cells WHERE generation = %s", (generation,))
        for generation in unused:
            self._centroids.pop(generation, None)
        return unused

    def generation(self, generation: int) -> SimilarityGeneration | None:
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"SELECT {_GENERATION_COLUMNS} FROM similarity_generations g"  # noqa: S608  # constant columns
                " WHERE g.generation = %s",
                (generation,),
            )
            row = cursor.fetchone()
        return None if row is None else _generation(row)

    def generations(self, limit: int) -> list[SimilarityGeneration]:
        with self._pool.transaction() as cursor:
            cursor.execute(
                f"SELECT {_GENERATION_COLUMNS} FROM similarity_generations g"  # noqa: S608  # constant columns
                " ORDER BY g.generation DESC LIMIT %s",
                (limit,),
            )
            rows = cursor.fetchall()
        return [_generation(row) for row in rows]


class PostgresListsInWork:
    """domain.ports.ListsInWork inside the writers' locked transaction."""

    def __init__(self, cursor: Any, generation: int, plan: SearchPlan, centroids: Float32s) -> None:
        self._cursor = cursor
        self._generation = generation
        self._plan = plan
        self._centroids = centroids

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def plan(self) -> SearchPlan:
        return self._plan

    def centroids(self) -> Float32s:
        return self._centroids

    def profiles(self, artist_ids: Sequence[str]) -> list[SimilarityProfile]:
        return _profiles(self._cursor, artist_ids) if artist_ids else []

    def save_vectors(self, vectors: Mapping[str, tuple[Sequence[float], int] | None]) -> None:
        placed = sorted((a, found) for a, found in vectors.items() if found is not None)
        forgotten = sorted(a for a, found in vectors.items() if found is None)
        cursor = self._cursor
        if placed:
            texts = {a: _vector_text(vector) for a, (vector, _) in placed}
            # clock_timestamp(), not now(): the lock may have been waited for, and a rebuild's
            # snapshot taken meanwhile must see this change as after it.
            execute_values(
                cursor,
                "INSERT INTO artist_vectors (artist_id, embedding, updated_at) VALUES %s"
                " ON CONFLICT (artist_id) DO UPDATE"
                " SET embedding = excluded.embedding, updated_at = excluded.updated_at"
                " WHERE artist_vectors.embedding IS DISTINCT FROM excluded.embedding",
                [(a, texts[a]) for a, _ in placed],
                template="(%s, %s::vector, clock_timestamp())",
            )
            execute_values(
                cursor,
                "INSERT INTO artist_cells (generation, artist_id, cell, embedding) VALUES %s"
                " ON CONFLICT (generation, artist_id) DO UPDATE"
                " SET cell = excluded.cell, embedding = excluded.embedding",
                [(self._generation, a, cell, texts[a]) for a, (_, cell) in placed],
                template="(%s, %s, %s, %s::vector)",
            )
        if forgotten:
            cursor.execute("DELETE FROM artist_vectors WHERE artist_id = ANY(%s)", (forgotten,))
            cursor.execute(
                "DELETE FROM artist_cells WHERE generation = %s AND artist_id = ANY(%s)",
                (self._generation, forgotten),
            )

    def nearest(
        self, vector: Sequence[float], cells: Sequence[int], limit: int, excluding: Sequence[str]
    ) -> list[tuple[str, float]]:
        self._cursor.execute(
            """
            SELECT artist_id, 1 - (embedding <=> %(vector)s::vector)
            FROM artist_cells
            WHERE generation = %(generation)s AND cell = ANY(%(cells)s)
              AND NOT artist_id = ANY(%(excluding)s)
            ORDER BY embedding <=> %(vector)s::vector, artist_id
            LIMIT %(limit)s
            """,
            {
                "generation": self._generation,
                "cells": list(cells),
                "excluding": list(excluding),
                "vector": _vector_text(vector),
                "limit": limit,
            },
        )
        return [(artist_id, float(score)) for artist_id, score in self._cursor.fetchall()]

    def floors(self, artist_ids: Sequence[str]) -> dict[str, tuple[int, float]]:
        self._cursor.execute(
            "SELECT artist_id, count(*), min(score) FROM artist_similarity"
            " WHERE generation = %s AND artist_id = ANY(%s) GROUP BY artist_id",
            (self._generation, list(artist_ids)),
        )
        return {a: (int(count), float(floor)) for a, count, floor in self._cursor.fetchall()}

    def listing(self, artist_ids: Sequence[str]) -> list[str]:
        self._cursor.execute(
            "SELECT DISTINCT artist_id FROM artist_similarity"
            " WHERE generation = %s AND similar_id = ANY(%s) ORDER BY artist_id",
            (self._generation, list(artist_ids)),
        )
        return [artist_id for (artist_id,) in self._cursor.fetchall()]

    def current_lists(self, artist_ids: Sequence[str]) -> dict[str, list[ScoredArtist]]:
        if not artist_ids:
            return {}
        self._cursor.execute(
            """
            SELECT s.artist_id, s.similar_id, s.score, a.popularity
            FROM artist_similarity s JOIN artists a ON a.id = s.similar_id
            WHERE s.generation = %s AND s.artist_id = ANY(%s)
            ORDER BY s.artist_id, s.rank
            """,
            (self._generation, list(artist_ids)),
        )
        lists: dict[str, list[ScoredArtist]] = {}
        for artist_id, similar_id, score, popularity in self._cursor.fetchall():
            # Built by the thousand from typed columns: no validation.
            lists.setdefault(artist_id, []).append(
                ScoredArtist.model_construct(
                    artist_id=similar_id, score=score, popularity=popularity
                )
            )
        return lists

    def replace_lists(self, lists: Mapping[str, Sequence[Neighbour]]) -> None:
        if not lists:
            return
        strays = [
            n for artist_id, found in lists.items() for n in found if n.artist_id != artist_id
        ]
        if strays:
            raise ValueError(f"a neighbour of {strays[0].artist_id} is given in another list")
        self._cursor.execute(
            "DELETE FROM artist_similarity WHERE generation = %s AND artist_id = ANY(%s)",
            (self._generation, sorted(lists)),
        )
        rows = [
            (self._generation, n.artist_id, n.similar_id, n.rank, n.score)
            for artist_id in sorted(lists)
            for n in lists[artist_id]
        ]
        if rows:
            execute_values(
                self._cursor,
                "INSERT INTO artist_similarity (generation, artist_id, similar_id, rank, score)"
                " VALUES %s",
                rows,
            )

    def changed_since_snapshot(self) -> list[str]:
        self._cursor.execute(
            "SELECT v.artist_id FROM artist_vectors v, similarity_generations g"
            " WHERE g.generation = %s AND v.updated_at > g.snapshot_at ORDER BY v.artist_id",
            (self._generation,),
        )
        return [artist_id for (artist_id,) in self._cursor.fetchall()]

    def serve(self) -> None:
        # Older rebuilds still building (crashed, or overtaken by this one) can never serve.
        self._cursor.execute(
            "UPDATE similarity_generations SET state = 'failed', failure = 'superseded',"
            " finished_at = clock_timestamp() WHERE state = 'building' AND generation < %s",
            (self._generation,),
        )
        self._cursor.execute(
            "UPDATE similarity_generations SET state = 'retired'"
            " WHERE state = 'serving' AND generation <> %s",
            (self._generation,),
        )
        self._cursor.execute(
            "UPDATE similarity_generations SET state = 'serving', finished_at = clock_timestamp()"
            " WHERE generation = %s",
            (self._generation,),
        )


def create_partitions(cursor: Any, generation: int) -> None:
    """The generation's own partitions of the lists and the cell memberships."""
    for table in _PARTITIONED:
        cursor.execute(
            sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({})").format(
                sql.Identifier(_partition(table, generation)),
                sql.Identifier(table),
                sql.Literal(generation),
            )
        )


def _profiles(cursor: Any, artist_ids: Sequence[str] | None) -> list[SimilarityProfile]:
    cursor.execute(_PROFILES, {"everyone": artist_ids is None, "ids": list(artist_ids or [])})
    return [
        SimilarityProfile.model_construct(
            artist_id=artist_id,
            popularity=popularity,
            genres=tuple(genres or ()),
            audio=None if not audio or audio[0] is None else tuple(float(v) for v in audio),
            co_credited=tuple(sorted(partners or ())),
        )
        for artist_id, popularity, genres, audio, partners in cursor.fetchall()
    ]


def _save_snapshot_vectors(
    cursor: Any, artist_ids: Sequence[str], vectors: Float32s, snapshot_at: datetime
) -> None:
    """Every embedding the rebuild computed, stamped with its snapshot time, written only
    where it changed and where ingestion has not written a newer one since."""
    cursor.execute(
        "CREATE TEMPORARY TABLE rebuilt_vectors"
        " (artist_id text PRIMARY KEY, embedding vector) ON COMMIT DROP"
    )
    cursor.copy_expert(
        "COPY rebuilt_vectors (artist_id, embedding) FROM STDIN WITH (FORMAT binary)",
        _binary_rows(
            ((_TEXT, artist_id), (_VECTOR, vectors[row]))
            for row, artist_id in enumerate(artist_ids)
        ),
    )
    cursor.execute(
        """
        INSERT INTO artist_vectors (artist_id, embedding, updated_at)
        SELECT r.artist_id, r.embedding, %(snapshot_at)s
        FROM rebuilt_vectors r JOIN artists a ON a.id = r.artist_id
        ON CONFLICT (artist_id) DO UPDATE
        SET embedding = excluded.embedding, updated_at = excluded.updated_at
        WHERE artist_vectors.embedding IS DISTINCT FROM excluded.embedding
          AND artist_vectors.updated_at <= excluded.updated_at
        """,
        {"snapshot_at": snapshot_at},
    )
    cursor.execute(
        "DELETE FROM artist_vectors v WHERE v.updated_at <= %s"
        " AND NOT EXISTS (SELECT 1 FROM rebuilt_vectors r WHERE r.artist_id = v.artist_id)",
        (snapshot_at,),
    )


_INT4, _INT8, _TEXT, _VECTOR = "int4", "int8", "text", "vector"


def _binary_rows(rows: Iterable[Iterable[tuple[str, Any]]]) -> io.BytesIO:
    """Rows in COPY's binary format: integers big-endian, text as UTF-8, and vectors in
    pgvector's own wire form (dimensions, a reserved word, big-endian floats), which skips
    formatting and parsing millions of numbers as text."""
    parts = [b"PGCOPY\n\xff\r\n\x00", struct.pack("!ii", 0, 0)]
    for row in rows:
        fields = list(row)
        parts.append(struct.pack("!h", len(fields)))
        for kind, value in fields:
            parts.append(_binary_field(kind, value))
    parts.append(struct.pack("!h", -1))
    return io.BytesIO(b"".join(parts))


def _binary_field(kind: str, value: Any) -> bytes:
    if kind == _INT8:
        return struct.pack("!iq", 8, value)
    if kind == _INT4:
        return struct.pack("!ii", 4, value)
    if kind == _TEXT:
        encoded = str(value).encode("utf-8")
        return struct.pack("!i", len(encoded)) + encoded
    floats = np.ascontiguousarray(value, dtype=">f4")
    return struct.pack("!ihh", 4 + 4 * len(floats), len(floats), 0) + bytes(floats.tobytes())


def _tab_separated(rows: Iterator[tuple[Any, ...]] | Any) -> io.StringIO:
    # IDs and numbers never hold tabs, newlines or backslashes; COPY's text format then
    # needs no escaping.
    return io.StringIO("".join("\t".join(str(value) for value in row) + "\n" for row in rows))


def _read_centroids(cursor: Any, generation: int) -> Float32s:
    cursor.execute(
        "SELECT centroid::text FROM similarity_cells WHERE generation = %s ORDER BY cell",
        (generation,),
    )
    return np.array(
        [[float(v) for v in text.strip("[]").split(",")] for (text,) in cursor.fetchall()],
        dtype=np.float32,
    ).reshape(-1, EMBEDDING_DIMENSIONS)


def _generation(row: tuple[Any, ...]) -> SimilarityGeneration:
    generation, state, started, snapshot, finished, artists, shards, done, failure = row
    return SimilarityGeneration(
        generation=generation,
        state=state,
        started_at=started,
        snapshot_at=snapshot,
        finished_at=finished,
        artist_count=artists,
        shard_count=shards,
        shards_done=done,
        failure=failure,
    )


def _partition(table: str, generation: int) -> str:
    return f"{table}_g{int(generation)}"


def _vector_text(vector: Sequence[float] | Float32s) -> str:
    return "[" + ",".join(repr(float(value)) for value in vector) + "]"
