-- Artists Spotify answered "not found" for: deleted, merged into another artist, or an ID
-- that never existed. The daily refresh skips them instead of asking Spotify again every day;
-- a later fetch that finds the artist lifts its tombstone. Not tied to artists: an ID a user
-- asked for may never have been stored.

CREATE TABLE artist_tombstones (
    artist_id    text PRIMARY KEY,
    -- The as-of time of the fetch that did not find the artist: a fetch as of a later time
    -- that finds it wins, an older replay does not bring the tombstone back.
    not_found_at timestamptz NOT NULL
);
