-- The relational store the bot reads: artists, how people type them, what they sound
-- like, and who resembles whom.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE artists (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    normalized_name text NOT NULL,
    -- Absent for apps in Spotify's Development Mode.
    popularity      integer CHECK (popularity BETWEEN 0 AND 100),
    followers       bigint CHECK (followers >= 0),
    image_url       text,
    spotify_url     text NOT NULL,
    -- When Spotify answered: an older answer never overwrites a newer one.
    fetched_at      timestamptz NOT NULL
);

CREATE INDEX artists_normalized_name_idx ON artists (normalized_name);

CREATE TABLE artist_aliases (
    alias      text NOT NULL,
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    source     text NOT NULL CHECK (source IN ('spotify-search', 'catalog', 'user')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alias, artist_id)
);

-- Cascading deletes from artists look aliases up by artist.
CREATE INDEX artist_aliases_artist_id_idx ON artist_aliases (artist_id);

CREATE TABLE artist_genres (
    artist_id text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    genre     text NOT NULL,
    -- Spotify lists genres in an order worth keeping; 1 is the first.
    position  integer NOT NULL CHECK (position >= 1),
    PRIMARY KEY (artist_id, genre),
    UNIQUE (artist_id, position)
);

CREATE TABLE tracks (
    id          text PRIMARY KEY,
    artist_id   text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    name        text NOT NULL,
    popularity  integer CHECK (popularity BETWEEN 0 AND 100),
    spotify_url text NOT NULL,
    -- Place in the artist's top tracks; 1 is the most played.
    rank        integer NOT NULL CHECK (rank >= 1),
    UNIQUE (artist_id, rank)
);

CREATE TABLE audio_features (
    track_id         text PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    danceability     double precision NOT NULL,
    energy           double precision NOT NULL,
    key              integer NOT NULL,
    loudness         double precision NOT NULL,
    mode             integer NOT NULL,
    speechiness      double precision NOT NULL,
    acousticness     double precision NOT NULL,
    instrumentalness double precision NOT NULL,
    liveness         double precision NOT NULL,
    valence          double precision NOT NULL,
    tempo            double precision NOT NULL,
    duration_ms      integer NOT NULL CHECK (duration_ms >= 0),
    time_signature   integer NOT NULL
);

CREATE TABLE artist_vectors (
    artist_id  text PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    embedding  vector(1024) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE artist_similarity (
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    similar_id text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    rank       integer NOT NULL CHECK (rank BETWEEN 1 AND 50),
    score      double precision NOT NULL,
    PRIMARY KEY (artist_id, similar_id),
    CHECK (artist_id <> similar_id)
);

-- Serves "neighbours by rank" and keeps one neighbour per place.
CREATE UNIQUE INDEX artist_similarity_artist_id_rank_idx ON artist_similarity (artist_id, rank);

-- Cascading deletes from artists look neighbours up by the similar side too.
CREATE INDEX artist_similarity_similar_id_idx ON artist_similarity (similar_id);
