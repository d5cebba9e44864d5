-- Migration 3: what pharmacies write — bearer tokens, opioid stock, service flags — and the audit log.
-- USER tables: re-imports never touch them. They refer to facilities by id text WITHOUT a foreign key,
-- so a facility that drops out of one import keeps its stock for when it comes back.

CREATE TABLE pharmacy_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id TEXT NOT NULL CHECK (length(facility_id) > 0),
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash  BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    label       TEXT,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

CREATE INDEX pharmacy_tokens_facility ON pharmacy_tokens (facility_id);

CREATE TABLE pharmacy_stock (
    facility_id    TEXT NOT NULL,
    product        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('in_stock', 'orderable', 'none')),
    orderable_days INTEGER CHECK (orderable_days BETWEEN 0 AND 365),
    -- Seconds since the Unix epoch: staleness is a comparison, the RFC 3339 text is derived.
    updated_unix   INTEGER NOT NULL,
    PRIMARY KEY (facility_id, product)
) STRICT, WITHOUT ROWID;

CREATE TABLE pharmacy_services (
    facility_id         TEXT PRIMARY KEY NOT NULL,
    sterile_compounding INTEGER CHECK (sterile_compounding IN (0, 1)),
    open_24h            INTEGER CHECK (open_24h IN (0, 1)),
    home_visits         INTEGER CHECK (home_visits IN (0, 1)),
    narcotics_licence   INTEGER CHECK (narcotics_licence IN (0, 1)),
    updated_unix        INTEGER NOT NULL
) STRICT;

CREATE TABLE stock_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id TEXT NOT NULL,
    token_id    INTEGER NOT NULL,
    at_unix     INTEGER NOT NULL,
    before      TEXT NOT NULL CHECK (json_valid(before)),
    after       TEXT NOT NULL CHECK (json_valid(after))
) STRICT;

CREATE INDEX stock_audit_facility ON stock_audit (facility_id, id);

-- Bumped by every stock write, so that servers (and other processes) can tell the snapshot is stale.
INSERT INTO meta (key, value) VALUES ('stock_version', 0);
