-- Town points (大字・町丁目 representative points) of the imported prefecture, kept so that the server
-- can geocode addresses typed by users with the same gazetteer the import placed facilities with.
-- Part of the registry: replaced with it on every import.
CREATE TABLE town_points (
    id    INTEGER PRIMARY KEY,
    pref  TEXT NOT NULL,
    city  TEXT NOT NULL,
    town  TEXT NOT NULL,
    koaza TEXT,
    lat   REAL NOT NULL,
    lon   REAL NOT NULL
);
