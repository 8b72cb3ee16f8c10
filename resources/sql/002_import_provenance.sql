-- Schema version 2: each import records the plugin version that wrote it, and a read-only summary view
-- lists what is stored per lab, compound and round (what an analyst checks before a survey run).
ALTER TABLE wbe.imports ADD COLUMN plugin_version text;

CREATE VIEW wbe.stored_rounds AS
SELECT lab, compound, round, medium,
       count(*) AS n_samples,
       count(*) FILTER (WHERE detected) AS n_detected,
       min(sample_date) AS first_date,
       max(sample_date) AS last_date
FROM wbe.samples
GROUP BY lab, compound, round, medium;
