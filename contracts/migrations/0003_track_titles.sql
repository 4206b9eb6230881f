-- Songs are looked up by title: tracks get the key domain.songs.normalize_title gives their
-- name ("California Love - Original Version" -> "california love").
--
-- The repository writes that key from Python whenever it stores an artist's top tracks. Rows
-- stored before this migration get it from the SQL below, a transcription of normalize_title
-- that gives the same key for Latin, Hangul and kana titles; any row where the two differ
-- is rewritten with the Python key at its artist's next ingestion (the daily refresh).

ALTER TABLE tracks ADD COLUMN normalized_title text;

-- domain.names.normalize_name: NFKC and case folding, accents dropped, separators turned
-- into spaces, "&" into "and", other punctuation dropped, spacing collapsed.
CREATE FUNCTION pg_temp.normalized_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT btrim(regexp_replace(
        regexp_replace(
            regexp_replace(
                replace(
                    normalize(
                        regexp_replace(
                            normalize(replace(lower(normalize(name, NFKC)), 'ß', 'ss'), NFKD),
                            '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f]',
                            '', 'g'),
                        NFC),
                    '&', ' and '),
                '[[:space:]_/.,·・-]+', ' ', 'g'),
            '[^[:alnum:][:space:]]', '', 'g'),
        '[[:space:]]+', ' ', 'g'))
$$;

-- domain.songs.normalize_title: bracketed notes ("(feat. X)", "[Live]", "(Remastered
-- 2011)"), then a dashed note with everything after it (" - Original Version"), then a
-- bare "feat. X" are dropped before normalizing; a title that is nothing but a note keeps it.
CREATE FUNCTION pg_temp.normalized_title(title text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(
        nullif(pg_temp.normalized_name(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        title,
                        '\s*[(\[]\s*(?:(?:feat|ft|featuring|with|prod|from|live)\y|[^()\[\]]*?\y(?:remaster|remastered|version|mix|remix|edit|mono|stereo|demo|acoustic|instrumental|deluxe|anniversary|bonus|soundtrack|unplugged)\y|\d{4}\y)[^()\[\]]*[)\]]',
                        '', 'gi'),
                    '\s+[-–—]\s+(?:(?:feat|ft|featuring|with|prod|from|live)\y|[^()\[\]]*?\y(?:remaster|remastered|version|mix|remix|edit|mono|stereo|demo|acoustic|instrumental|deluxe|anniversary|bonus|soundtrack|unplugged)\y|\d{4}\y).*$',
                    '', 'i'),
                '\s+(?:feat\.?|ft\.|featuring)\s.*$',
                '', 'i')), ''),
        pg_temp.normalized_name(title))
$$;

UPDATE tracks SET normalized_title = pg_temp.normalized_title(name);

DROP FUNCTION pg_temp.normalized_title(text);
DROP FUNCTION pg_temp.normalized_name(text);

ALTER TABLE tracks ALTER COLUMN normalized_title SET NOT NULL;

-- Serves "songs titled ...".
CREATE INDEX tracks_normalized_title_idx ON tracks (normalized_title);
