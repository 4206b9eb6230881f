-- Every artist Spotify credits on a stored track, in Spotify's order: artists who record
-- together are a similarity signal even when Spotify gives them no genres.
--
-- Rows belong to the track and are rewritten with it; tracks stored before this migration
-- get theirs at their artist's next ingestion (the daily refresh).

CREATE TABLE track_credits (
    track_id  text NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position  integer NOT NULL CHECK (position >= 1),
    -- Not a foreign key: a credited artist need not be stored yet.
    artist_id text NOT NULL,
    PRIMARY KEY (track_id, position)
);

-- Serves "who was credited with this artist", from either side of a collaboration.
CREATE INDEX track_credits_artist_id_idx ON track_credits (artist_id);
