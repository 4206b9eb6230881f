-- How energetic, danceable and wordy each genre's top tracks are, over the artists fetched
-- on one day. The parameter, given twice, is that day as 'YYYY-MM-DD'. An artist fetched by
-- two batches on the same day (a user's request and the daily refresh) lands in two files:
-- DISTINCT counts each artist, genre and track once.
WITH artist_genres AS (
    SELECT DISTINCT a.id AS artist_id, g.genre
    FROM artists AS a
    CROSS JOIN UNNEST(a.genres) AS g (genre)
    WHERE a.dt = ?
),

track_features AS (
    SELECT DISTINCT f.artist_id, f.track_id, f.energy, f.danceability, f.speechiness
    FROM audio_features AS f
    WHERE f.dt = ?
)

SELECT
    ag.genre,
    COUNT(DISTINCT ag.artist_id) AS artists,
    COUNT(*) AS tracks,
    ROUND(AVG(tf.energy), 3) AS avg_energy,
    ROUND(AVG(tf.danceability), 3) AS avg_danceability,
    ROUND(AVG(tf.speechiness), 3) AS avg_speechiness
FROM artist_genres AS ag
INNER JOIN track_features AS tf ON ag.artist_id = tf.artist_id
GROUP BY ag.genre
ORDER BY artists DESC, avg_energy DESC, ag.genre
