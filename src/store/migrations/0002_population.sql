-- Migration 2: population on the 500 m grid (2020 census 地域メッシュ統計), and per area the mesh
-- population next to the census population, with whether the imported mesh covers the area.
-- Registry tables: replaced as a whole by every import, like those of migration 1.

ALTER TABLE areas ADD COLUMN mesh_population INTEGER CHECK (mesh_population >= 0);
ALTER TABLE areas ADD COLUMN mesh_population_65plus INTEGER CHECK (mesh_population_65plus >= 0);
ALTER TABLE areas ADD COLUMN population_complete INTEGER CHECK (population_complete IN (0, 1));

CREATE TABLE population_cells (
    code              TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 9),
    lat               REAL NOT NULL CHECK (lat BETWEEN -90.0 AND 90.0),
    lon               REAL NOT NULL CHECK (lon BETWEEN -180.0 AND 180.0),
    population        INTEGER NOT NULL CHECK (population >= 0),
    population_65plus INTEGER NOT NULL CHECK (population_65plus >= 0),
    population_75plus INTEGER NOT NULL CHECK (population_75plus >= 0),
    municipality_code TEXT,
    area_code         TEXT
) STRICT, WITHOUT ROWID;
