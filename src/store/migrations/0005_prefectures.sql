-- Migration 5: one registry for several prefectures (issue #10). A prefecture is a filter, not a
-- deployment: every facility records the prefecture whose sources list it, so that listings,
-- tiles and analyses can be restricted to one prefecture and a re-import can be compared with the
-- registry it replaces, prefecture by prefecture and kind by kind.
--
-- Rows written before this migration get the prefecture of their municipality (or area): the
-- importer always set one of them for facilities of the one prefecture it imported.

ALTER TABLE facilities ADD COLUMN pref_code TEXT NOT NULL DEFAULT '';

UPDATE facilities SET pref_code = substr(municipality_code, 1, 2) WHERE municipality_code IS NOT NULL;
UPDATE facilities SET pref_code = substr(area_code, 1, 2) WHERE pref_code = '' AND area_code IS NOT NULL;

CREATE INDEX facilities_by_prefecture ON facilities (pref_code, kind);
