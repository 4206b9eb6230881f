-- Similar-artist lists in generations: a full rebuild writes a whole new generation beside
-- the one being served and switches to it in one transaction, so a reader sees the old
-- lists or the new ones, never a half-written mix; a rebuild that fails leaves the old
-- generation serving. Ingestion keeps the serving generation current in between.

CREATE TABLE similarity_generations (
    generation   bigint PRIMARY KEY,
    state        text NOT NULL CHECK (state IN ('building', 'serving', 'retired', 'failed')),
    started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- When the rebuild read the catalog: what changed after it is caught up at the switch.
    snapshot_at  timestamptz,
    finished_at  timestamptz,
    -- Artists the rebuild computed lists for (those with any similarity signal).
    artist_count integer CHECK (artist_count >= 0),
    shard_count  integer CHECK (shard_count >= 1),
    -- The search plan every list of the generation was computed with.
    cells        integer NOT NULL CHECK (cells >= 1),
    probes       integer NOT NULL CHECK (probes >= 1),
    candidates   integer NOT NULL CHECK (candidates >= 1),
    failure      text
);

-- Exactly one generation answers readers at a time.
CREATE UNIQUE INDEX similarity_generations_serving_idx
    ON similarity_generations ((true)) WHERE state = 'serving';

-- Each generation's cell centres: the catalog is searched cell by cell.
CREATE TABLE similarity_cells (
    generation bigint NOT NULL REFERENCES similarity_generations (generation) ON DELETE CASCADE,
    cell       integer NOT NULL CHECK (cell >= 0),
    centroid   vector(256) NOT NULL,
    PRIMARY KEY (generation, cell)
);

-- A shard of a rebuild is recorded when its lists are written; the switch checks that
-- every shard is.
CREATE TABLE similarity_shards (
    generation  bigint NOT NULL REFERENCES similarity_generations (generation) ON DELETE CASCADE,
    shard       integer NOT NULL CHECK (shard >= 0),
    artist_count integer NOT NULL CHECK (artist_count >= 0),
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (generation, shard)
);

-- Lists and cell memberships are partitioned by generation: a generation is written into
-- its own partitions and retired by dropping them, never by deleting a million rows.
-- Neither refers to artists by foreign key, which would check every row of a bulk load;
-- readers join artists, so a list never shows an artist that is not stored.
CREATE TABLE artist_similarity_by_generation (
    generation bigint NOT NULL,
    artist_id  text NOT NULL,
    similar_id text NOT NULL,
    rank       integer NOT NULL CHECK (rank BETWEEN 1 AND 50),
    score      double precision NOT NULL,
    PRIMARY KEY (generation, artist_id, rank),
    CHECK (artist_id <> similar_id)
) PARTITION BY LIST (generation);

-- Serves "whose lists hold this artist", which an ingest revises when the artist changes.
CREATE INDEX artist_similarity_generation_similar_id_idx ON artist_similarity_by_generation
    (generation, similar_id);

-- Each artist's cell, with a copy of its embedding: a rebuild writes a generation's rows in
-- cell order, so searching a few cells reads a few runs of pages instead of a row here and
-- a row there.
CREATE TABLE artist_cells (
    generation bigint NOT NULL,
    artist_id  text NOT NULL,
    cell       integer NOT NULL CHECK (cell >= 0),
    embedding  vector(256) NOT NULL,
    PRIMARY KEY (generation, artist_id)
) PARTITION BY LIST (generation);

-- Serves "the members of these cells" when an ingest searches for candidates.
CREATE INDEX artist_cells_cell_idx ON artist_cells (generation, cell);

-- Generation 1 serves the lists computed before generations existed, searched as one cell
-- until the first rebuild trains real ones.
INSERT INTO similarity_generations
    (generation, state, snapshot_at, finished_at, shard_count, cells, probes, candidates)
VALUES (1, 'serving', clock_timestamp(), clock_timestamp(), 1, 1, 1, 3000);
INSERT INTO similarity_cells (generation, cell, centroid)
VALUES (1, 0, array_fill(0, ARRAY[256])::vector);
CREATE TABLE artist_similarity_g1 PARTITION OF artist_similarity_by_generation FOR VALUES IN (1);
CREATE TABLE artist_cells_g1 PARTITION OF artist_cells FOR VALUES IN (1);

INSERT INTO artist_similarity_by_generation (generation, artist_id, similar_id, rank, score)
SELECT 1, artist_id, similar_id, rank, score FROM artist_similarity;
DROP TABLE artist_similarity;
ALTER TABLE artist_similarity_by_generation RENAME TO artist_similarity;

-- Embeddings shrink from 1,024 hashed dimensions to 256 (docs/similarity.md says why); the
-- old ones cannot be converted, so ingestion and the next rebuild compute them anew.
DROP TABLE artist_vectors;
CREATE TABLE artist_vectors (
    artist_id  text PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    embedding  vector(256) NOT NULL,
    -- When ingestion last changed it; a rebuild stamps its snapshot time instead.
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX artist_vectors_updated_at_idx ON artist_vectors (updated_at);
