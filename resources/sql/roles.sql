-- Suggested roles for a shared survey store (run once by the database owner, after the plugin has
-- created the schema; see docs/POSTGIS.md). Labs insert; analysts read; nobody but the owner updates
-- or deletes, so an import can never overwrite a value that is already stored.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wbe_lab') THEN
        CREATE ROLE wbe_lab NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wbe_analyst') THEN
        CREATE ROLE wbe_analyst NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA wbe TO wbe_lab, wbe_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA wbe TO wbe_lab, wbe_analyst;
-- Labs read samples too: an import compares against stored values to report changed ones.
GRANT INSERT ON wbe.samples, wbe.imports TO wbe_lab;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA wbe TO wbe_lab;
ALTER DEFAULT PRIVILEGES IN SCHEMA wbe GRANT SELECT ON TABLES TO wbe_lab, wbe_analyst;

-- Then one login per person, member of one of the two:
--   CREATE ROLE lab_zhang LOGIN PASSWORD '…' IN ROLE wbe_lab;
--   CREATE ROLE analyst_li LOGIN PASSWORD '…' IN ROLE wbe_analyst;
