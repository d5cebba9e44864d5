-- Migration 1: the registry, i.e. everything `kanwamap import` writes.
--
-- Every table here is replaced as a whole by one import (Store::replace_registry), except
-- `import_runs` (an append-only history) and `meta`. Tables that users write (stock, tokens,
-- audit; later migrations) must survive a re-import: they refer to facilities by their id TEXT with
-- NO foreign key to `facilities`. A foreign key, cascading or not, would either delete user data or
-- make a re-import fail when a facility disappears from the official lists; facility ids are stable
-- across imports (they are built from the publisher's own key), so the text key is enough.
--
-- Vocabulary columns (kind, precision, capability) hold the API strings of src/model and are
-- checked here so that a bug in an importer cannot store a value the loader would not understand.
-- Geometries are ISO WKB (little endian) MultiPolygons in JGD2011 lon/lat (see src/store/wkb.rs).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value ANY
) STRICT;

INSERT INTO meta (key, value) VALUES ('registry_version', 0);

-- Credits of each dataset, with the row counts of the import that read it (shown in the app).
CREATE TABLE sources (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
    -- Order of the manifest, which is the order credits are shown in.
    position    INTEGER NOT NULL UNIQUE CHECK (position >= 0),
    title       TEXT NOT NULL,
    publisher   TEXT NOT NULL,
    url         TEXT NOT NULL,
    licence     TEXT NOT NULL,
    attribution TEXT NOT NULL,
    as_of       TEXT,
    -- JSON array of file names relative to the data directory.
    files       TEXT NOT NULL CHECK (json_valid(files) AND json_type(files) = 'array'),
    read        INTEGER NOT NULL CHECK (read >= 0),
    accepted    INTEGER NOT NULL CHECK (accepted >= 0),
    rejected    INTEGER NOT NULL CHECK (rejected >= 0)
) STRICT;

-- 市区町村 (wards of designated cities separately). No foreign key to `areas`: the area table of a
-- prefecture may lack an area that a boundary file names, and that must not fail an import.
CREATE TABLE municipalities (
    code      TEXT PRIMARY KEY NOT NULL CHECK (length(code) > 0),
    name      TEXT NOT NULL,
    area_code TEXT,
    geometry  BLOB NOT NULL
) STRICT;

-- 二次医療圏 (secondary medical areas).
CREATE TABLE areas (
    code              TEXT PRIMARY KEY NOT NULL CHECK (length(code) > 0),
    name              TEXT NOT NULL,
    pref_code         TEXT NOT NULL,
    population        INTEGER CHECK (population >= 0),
    population_65plus INTEGER CHECK (population_65plus >= 0),
    geometry          BLOB NOT NULL
) STRICT;

-- Member municipalities of an area, in the order the import gave them.
CREATE TABLE area_municipalities (
    area_code         TEXT NOT NULL REFERENCES areas (code) ON DELETE CASCADE,
    position          INTEGER NOT NULL CHECK (position >= 0),
    municipality_code TEXT NOT NULL,
    PRIMARY KEY (area_code, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE facilities (
    id                 TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
    kind               TEXT NOT NULL CHECK (kind IN ('hospital', 'clinic', 'dental', 'pharmacy',
                                                     'visiting_nurse', 'salon', 'peer_support')),
    name               TEXT NOT NULL,
    name_kana          TEXT,
    address            TEXT,
    municipality_code  TEXT,
    area_code          TEXT,
    -- NOT NULL also rejects NaN, which SQLite stores as NULL.
    lat                REAL NOT NULL CHECK (lat BETWEEN -90.0 AND 90.0),
    lon                REAL NOT NULL CHECK (lon BETWEEN -180.0 AND 180.0),
    location_precision TEXT NOT NULL CHECK (location_precision IN ('exact', 'town', 'municipality')),
    phone              TEXT,
    url                TEXT,
    beds               INTEGER CHECK (beds >= 0),
    schedule           TEXT
) STRICT;

-- One row per capability of a facility (施設基準 filings and designations).
CREATE TABLE facility_capabilities (
    facility_id TEXT NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    capability  TEXT NOT NULL CHECK (capability IN ('home_care_support', 'home_palliative_enhanced',
                                                    'palliative_ward', 'palliative_consult',
                                                    'palliative_outpatient', 'home_cancer_care',
                                                    'cancer_pain', 'backup_bed', 'cancer_hub')),
    level       TEXT,
    filing      TEXT,
    ward_beds   INTEGER CHECK (ward_beds >= 0),
    since       TEXT,
    PRIMARY KEY (facility_id, capability)
) STRICT, WITHOUT ROWID;

-- Where each fact about a facility came from (source id of the manifest and line), in order.
CREATE TABLE facility_sources (
    facility_id TEXT NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 0),
    source      TEXT NOT NULL,
    line        INTEGER NOT NULL CHECK (line >= 0),
    PRIMARY KEY (facility_id, position)
) STRICT, WITHOUT ROWID;

-- One row per successful import; append-only history. AUTOINCREMENT so that an id is never reused.
CREATE TABLE import_runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    prefecture       TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT NOT NULL,
    summary          TEXT NOT NULL CHECK (json_valid(summary)),
    -- The registry version this import produced.
    registry_version INTEGER NOT NULL
) STRICT;
