-- Fuzzy lookup of artist names with no pg_trgm (the embedded PostgreSQL has no contrib
-- extensions): every name the bot recognises an artist by is split into character trigrams
-- kept in name_trigrams, and a lookup counts the trigrams a typed key shares with each
-- stored key. name_match_words and name_key_trigrams mirror domain.names.match_words and
-- domain.names.name_trigrams exactly; tests/integration/test_name_index.py holds them to it.

-- Both in PL/pgSQL rather than SQL: the triggers below call them once per row, and
-- PL/pgSQL keeps its plans for the session where a SQL function would be planned each time.
CREATE FUNCTION name_match_words(name_key text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    words text[] := string_to_array(name_key, ' ');
    kept text[] := '{}';
    word text;
BEGIN
    -- Filler words ("the", "and", the "n" of Guns N' Roses) dropped, unless nothing else
    -- is left.
    FOREACH word IN ARRAY words LOOP
        IF word <> ALL (ARRAY['the', 'and', 'n']) THEN
            kept := kept || word;
        END IF;
    END LOOP;
    IF cardinality(kept) > 0 THEN
        RETURN kept;
    END IF;
    RETURN words;
END
$$;

CREATE FUNCTION name_key_trigrams(name_key text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    words text[] := name_match_words(name_key);
    piece text;
    padded text;
    trigram text;
    trigrams text[] := '{}';
BEGIN
    IF cardinality(words) = 0 THEN
        RETURN trigrams;
    END IF;
    -- Trigrams of each match word and of all of them run together, each padded with two
    -- spaces in front and one behind, each trigram once.
    FOREACH piece IN ARRAY words || array_to_string(words, '') LOOP
        padded := '  ' || piece || ' ';
        FOR start IN 1 .. length(piece) + 1 LOOP
            trigram := substr(padded, start, 3);
            IF trigram <> ALL (trigrams) THEN
                trigrams := trigrams || trigram;
            END IF;
        END LOOP;
    END LOOP;
    RETURN trigrams;
END
$$;

-- Names shipped with the product for artists that have no Spotify ID in our data yet
-- (from the catalog's kpop_artists.tsv, keys made by domain.names.normalize_name): the
-- artist's own name and the other names people type for it. Once an artist whose name has
-- canonical_key is stored, each key finds that artist; until then it tells resolution
-- which name to search Spotify for.
CREATE TABLE shipped_names (
    key            text NOT NULL,
    canonical_key  text NOT NULL,
    canonical_name text NOT NULL,
    PRIMARY KEY (key, canonical_key)
);

CREATE INDEX shipped_names_canonical_key_idx ON shipped_names (canonical_key);

-- One row per trigram of every key in use: an artist's normalized name, an alias, a
-- shipped name. Triggers keep it current.
CREATE TABLE name_trigrams (
    trigram      text NOT NULL,
    key          text NOT NULL,
    -- How many trigrams the key has in all: of two keys sharing as many trigrams with a
    -- query, the one with fewer others is closer.
    key_trigrams integer NOT NULL CHECK (key_trigrams > 0),
    PRIMARY KEY (trigram, key)
);

CREATE INDEX name_trigrams_key_idx ON name_trigrams (key);

-- A key's trigrams serve every name that uses it. Forgetting a key holds a per-key lock
-- until commit, and so does adding a name whose key was indexed already: either the adding
-- waits for the forgetting to commit and then writes the trigrams back, or the forgetting
-- waits for the new name to commit and then sees it and keeps them. A key new to the index
-- has nothing to forget, so most new names take no lock at all.
CREATE FUNCTION index_name_key(name_key text) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    trigrams text[] := name_key_trigrams(name_key);
    added integer;
BEGIN
    INSERT INTO name_trigrams (trigram, key, key_trigrams)
    SELECT trigram, name_key, cardinality(trigrams) FROM unnest(trigrams) AS trigram
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added < cardinality(trigrams) THEN
        PERFORM pg_advisory_xact_lock(hashtext('name_trigrams'), hashtext(name_key));
        -- A new statement after the lock: it sees what a forgetting that held it committed.
        INSERT INTO name_trigrams (trigram, key, key_trigrams)
        SELECT trigram, name_key, cardinality(trigrams) FROM unnest(trigrams) AS trigram
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;

CREATE FUNCTION forget_name_key_if_unused(name_key text) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('name_trigrams'), hashtext(name_key));
    DELETE FROM name_trigrams
    WHERE key = name_key
      AND NOT EXISTS (SELECT 1 FROM artists WHERE normalized_name = name_key)
      AND NOT EXISTS (SELECT 1 FROM artist_aliases WHERE alias = name_key)
      AND NOT EXISTS (SELECT 1 FROM shipped_names WHERE key = name_key);
END
$$;

-- Row trigger of a table whose column TG_ARGV[0] holds a name key.
CREATE FUNCTION keep_name_trigrams() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM index_name_key(to_jsonb(NEW) ->> TG_ARGV[0]);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM forget_name_key_if_unused(to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

-- TRUNCATE fires no row triggers. It empties a table for a reset (tests, maintenance), not
-- next to writers, so one statement clears every key left unused.
CREATE FUNCTION forget_unused_name_keys() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM name_trigrams t
    WHERE NOT EXISTS (SELECT 1 FROM artists WHERE normalized_name = t.key)
      AND NOT EXISTS (SELECT 1 FROM artist_aliases WHERE alias = t.key)
      AND NOT EXISTS (SELECT 1 FROM shipped_names WHERE key = t.key);
    RETURN NULL;
END
$$;

CREATE TRIGGER artists_name_added AFTER INSERT ON artists
    FOR EACH ROW EXECUTE FUNCTION keep_name_trigrams('normalized_name');
CREATE TRIGGER artists_name_changed AFTER UPDATE OF normalized_name ON artists
    FOR EACH ROW WHEN (OLD.normalized_name IS DISTINCT FROM NEW.normalized_name)
    EXECUTE FUNCTION keep_name_trigrams('normalized_name');
CREATE TRIGGER artists_name_removed AFTER DELETE ON artists
    FOR EACH ROW EXECUTE FUNCTION keep_name_trigrams('normalized_name');
CREATE TRIGGER artists_names_emptied AFTER TRUNCATE ON artists
    FOR EACH STATEMENT EXECUTE FUNCTION forget_unused_name_keys();

CREATE TRIGGER artist_aliases_name_added AFTER INSERT ON artist_aliases
    FOR EACH ROW EXECUTE FUNCTION keep_name_trigrams('alias');
CREATE TRIGGER artist_aliases_name_changed AFTER UPDATE OF alias ON artist_aliases
    FOR EACH ROW WHEN (OLD.alias IS DISTINCT FROM NEW.alias)
    EXECUTE FUNCTION keep_name_trigrams('alias');
CREATE TRIGGER artist_aliases_name_removed AFTER DELETE ON artist_aliases
    FOR EACH ROW EXECUTE FUNCTION keep_name_trigrams('alias');
CREATE TRIGGER artist_aliases_names_emptied AFTER TRUNCATE ON artist_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION forget_unused_name_keys();

CREATE TRIGGER shipped_names_name_added AFTER INSERT ON shipped_names
    FOR EACH ROW EXECUTE FUNCTION keep_name_trigrams('key');
CREATE TRIGGER shipped_names_name_changed AFTER UPDATE OF key ON shipped_names
    FOR EACH ROW WHEN (OLD.key IS DISTINCT FROM NEW.key)
    EXECUTE FUNCTION keep_name_trigrams('key');
CREATE TRIGGER shipped_names_name_removed AFTER DELETE ON shipped_names
    FOR EACH ROW EXECUTE FUNCTION keep_name_trigrams('key');
CREATE TRIGGER shipped_names_names_emptied AFTER TRUNCATE ON shipped_names
    FOR EACH STATEMENT EXECUTE FUNCTION forget_unused_name_keys();

-- Names stored before this migration, in one statement: the migration runs alone.
INSERT INTO name_trigrams (trigram, key, key_trigrams)
SELECT DISTINCT trigram, used.key, cardinality(name_key_trigrams(used.key))
FROM (
    SELECT normalized_name AS key FROM artists
    UNION
    SELECT alias FROM artist_aliases
) AS used,
LATERAL unnest(name_key_trigrams(used.key)) AS trigram;

-- The catalog's kpop_artists.tsv, every name and alias keyed by domain.names.normalize_name;
-- tests/integration/test_name_index.py checks that the two still agree. Later changes to the
-- list belong in a new migration.
INSERT INTO shipped_names (key, canonical_key, canonical_name) VALUES
    ('10cm', '10cm', '10CM'),
    ('십센치', '10cm', '10CM'),
    ('2ne1', '2ne1', '2NE1'),
    ('투애니원', '2ne1', '2NE1'),
    ('aespa', 'aespa', 'aespa'),
    ('에스파', 'aespa', 'aespa'),
    ('akdong musician', 'akmu', 'AKMU'),
    ('akmu', 'akmu', 'AKMU'),
    ('악동뮤지션', 'akmu', 'AKMU'),
    ('악뮤', 'akmu', 'AKMU'),
    ('ateez', 'ateez', 'ATEEZ'),
    ('에이티즈', 'ateez', 'ATEEZ'),
    ('big bang', 'bigbang', 'BIGBANG'),
    ('bigbang', 'bigbang', 'BIGBANG'),
    ('빅뱅', 'bigbang', 'BIGBANG'),
    ('blackpink', 'blackpink', 'BLACKPINK'),
    ('블랙핑크', 'blackpink', 'BLACKPINK'),
    ('bol4', 'bol4', 'BOL4'),
    ('bolbbalgan4', 'bol4', 'BOL4'),
    ('볼빨간사춘기', 'bol4', 'BOL4'),
    ('bangtan boys', 'bts', 'BTS'),
    ('bangtan sonyeondan', 'bts', 'BTS'),
    ('bts', 'bts', 'BTS'),
    ('방탄소년단', 'bts', 'BTS'),
    ('cho yong pil', 'cho yong pil', 'Cho Yong Pil'),
    ('조용필', 'cho yong pil', 'Cho Yong Pil'),
    ('chung ha', 'chung ha', 'CHUNG HA'),
    ('청하', 'chung ha', 'CHUNG HA'),
    ('crush', 'crush', 'Crush'),
    ('크러쉬', 'crush', 'Crush'),
    ('dean', 'dean', 'DEAN'),
    ('딘', 'dean', 'DEAN'),
    ('dynamic duo', 'dynamic duo', 'Dynamic Duo'),
    ('다이나믹 듀오', 'dynamic duo', 'Dynamic Duo'),
    ('enhypen', 'enhypen', 'ENHYPEN'),
    ('엔하이픈', 'enhypen', 'ENHYPEN'),
    ('epik high', 'epik high', 'Epik High'),
    ('에픽하이', 'epik high', 'Epik High'),
    ('exo', 'exo', 'EXO'),
    ('엑소', 'exo', 'EXO'),
    ('gi dle', 'gi dle', '(G)I-DLE'),
    ('gidle', 'gi dle', '(G)I-DLE'),
    ('여자아이들', 'gi dle', '(G)I-DLE'),
    ('girls generation', 'girls generation', 'Girls'' Generation'),
    ('snsd', 'girls generation', 'Girls'' Generation'),
    ('소녀시대', 'girls generation', 'Girls'' Generation'),
    ('hyukoh', 'hyukoh', 'HYUKOH'),
    ('혁오', 'hyukoh', 'HYUKOH'),
    ('itzy', 'itzy', 'ITZY'),
    ('있지', 'itzy', 'ITZY'),
    ('iu', 'iu', 'IU'),
    ('lee ji eun', 'iu', 'IU'),
    ('아이유', 'iu', 'IU'),
    ('이지은', 'iu', 'IU'),
    ('ive', 'ive', 'IVE'),
    ('아이브', 'ive', 'IVE'),
    ('jang yoon jeong', 'jang yoon jeong', 'Jang Yoon Jeong'),
    ('장윤정', 'jang yoon jeong', 'Jang Yoon Jeong'),
    ('jannabi', 'jannabi', 'JANNABI'),
    ('잔나비', 'jannabi', 'JANNABI'),
    ('jay park', 'jay park', 'Jay Park'),
    ('박재범', 'jay park', 'Jay Park'),
    ('kim kwang seok', 'kim kwang seok', 'Kim Kwang Seok'),
    ('김광석', 'kim kwang seok', 'Kim Kwang Seok'),
    ('le sserafim', 'le sserafim', 'LE SSERAFIM'),
    ('르세라핌', 'le sserafim', 'LE SSERAFIM'),
    ('lim young woong', 'lim young woong', 'Lim Young Woong'),
    ('임영웅', 'lim young woong', 'Lim Young Woong'),
    ('mamamoo', 'mamamoo', 'MAMAMOO'),
    ('마마무', 'mamamoo', 'MAMAMOO'),
    ('na hoon a', 'na hoon a', 'Na Hoon-a'),
    ('나훈아', 'na hoon a', 'Na Hoon-a'),
    ('nct 127', 'nct 127', 'NCT 127'),
    ('엔시티 127', 'nct 127', 'NCT 127'),
    ('newjeans', 'newjeans', 'NewJeans'),
    ('뉴진스', 'newjeans', 'NewJeans'),
    ('psy', 'psy', 'PSY'),
    ('싸이', 'psy', 'PSY'),
    ('red velvet', 'red velvet', 'Red Velvet'),
    ('레드벨벳', 'red velvet', 'Red Velvet'),
    ('seo taiji and boys', 'seo taiji and boys', 'Seo Taiji and Boys'),
    ('서태지와 아이들', 'seo taiji and boys', 'Seo Taiji and Boys'),
    ('seventeen', 'seventeen', 'SEVENTEEN'),
    ('세븐틴', 'seventeen', 'SEVENTEEN'),
    ('shinee', 'shinee', 'SHINee'),
    ('샤이니', 'shinee', 'SHINee'),
    ('song ga in', 'song ga in', 'Song Ga In'),
    ('송가인', 'song ga in', 'Song Ga In'),
    ('stray kids', 'stray kids', 'Stray Kids'),
    ('스키즈', 'stray kids', 'Stray Kids'),
    ('스트레이 키즈', 'stray kids', 'Stray Kids'),
    ('sunmi', 'sunmi', 'SUNMI'),
    ('선미', 'sunmi', 'SUNMI'),
    ('super junior', 'super junior', 'Super Junior'),
    ('슈퍼주니어', 'super junior', 'Super Junior'),
    ('taeyeon', 'taeyeon', 'TAEYEON'),
    ('태연', 'taeyeon', 'TAEYEON'),
    ('tomorrow x together', 'tomorrow x together', 'TOMORROW X TOGETHER'),
    ('txt', 'tomorrow x together', 'TOMORROW X TOGETHER'),
    ('투모로우바이투게더', 'tomorrow x together', 'TOMORROW X TOGETHER'),
    ('tvxq', 'tvxq', 'TVXQ!'),
    ('동방신기', 'tvxq', 'TVXQ!'),
    ('twice', 'twice', 'TWICE'),
    ('트와이스', 'twice', 'TWICE'),
    ('younha', 'younha', 'Younha'),
    ('윤하', 'younha', 'Younha'),
    ('zico', 'zico', 'ZICO'),
    ('지코', 'zico', 'ZICO'),
    ('zion t', 'zion t', 'Zion.T'),
    ('자이언티', 'zion t', 'Zion.T');
