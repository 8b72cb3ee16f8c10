-- wbe_surveillance survey store, schema version 1.
-- Applied by the plugin on first use (inside one transaction, under an advisory lock); never edit a
-- released migration: add NNN_<what>.sql with the next number instead.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS wbe;

-- One row: the schema version this database is at, and the plugin version that wrote it.
CREATE TABLE wbe.schema_info (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version integer NOT NULL,
    plugin_version text,
    migrated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per import: who sent what, when, and what it did.
CREATE TABLE wbe.imports (
    import_id bigserial PRIMARY KEY,
    lab text NOT NULL CHECK (lab <> ''),
    source_file text,
    imported_by text NOT NULL DEFAULT current_user,
    imported_at timestamptz NOT NULL DEFAULT now(),
    rows_offered integer NOT NULL DEFAULT 0,
    rows_inserted integer NOT NULL DEFAULT 0,
    rows_unchanged integer NOT NULL DEFAULT 0,
    rows_changed integer NOT NULL DEFAULT 0
);

-- One row per sample × compound, as wbe:importlabresults writes them.
CREATE TABLE wbe.samples (
    sample_pk bigserial PRIMARY KEY,
    lab text NOT NULL CHECK (lab <> ''),
    site_id text NOT NULL CHECK (site_id <> ''),
    sample_date date,
    round text NOT NULL CHECK (round <> ''),
    medium text NOT NULL CHECK (medium <> ''),
    compound text NOT NULL CHECK (compound <> ''),
    concentration double precision CHECK (concentration IS NULL OR concentration >= 0),
    detected boolean NOT NULL,
    lod double precision CHECK (lod IS NULL OR lod >= 0),
    raw_value text,
    unit text,
    lab_township text,
    source_row integer,
    import_id bigint NOT NULL REFERENCES wbe.imports (import_id) DEFERRABLE INITIALLY DEFERRED,
    geom geometry(Point, 4326) NOT NULL
);

-- The sample × compound key: one site, one day (or the round when the lab gave no date), one medium, one compound.
-- An expression index so that a missing date still takes part (NULLs would otherwise never collide).
CREATE UNIQUE INDEX samples_sample_compound_key ON wbe.samples
    (site_id, round, (COALESCE(sample_date, '-infinity'::date)), medium, compound);
CREATE INDEX samples_geom_gist ON wbe.samples USING gist (geom);
CREATE INDEX samples_compound_round ON wbe.samples (compound, round);
CREATE INDEX samples_import ON wbe.samples (import_id);
