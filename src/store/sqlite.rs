//! The embedded [`Store`]: one SQLite file in WAL mode.
//!
//! Durability: `synchronous=FULL` makes a commit wait for the WAL to reach the disk, so an
//! acknowledged write (an import now, a pharmacy's stock update later) survives a power cut.
//! Concurrency: WAL lets the server read while an import writes; writers wait up to 5 s for the
//! lock (`busy_timeout`) before failing with "database is locked".

use std::path::Path;
use std::time::Duration;

use geo::MultiPolygon;
use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::migrations::migrate;
use super::wkb::{decode_multi_polygon, encode_multi_polygon};
use super::{ImportRun, ImportRunInput, Registry, SourceRecord, Store, StoreError, format_rfc3339_utc};
use crate::geocode::TownPoint;
use crate::model::{
    Area, Capability, CapabilityEntry, Facility, FacilityId, FacilityKind, Location, LocationPrecision,
    Municipality, PopulationCell, RegistryCensus, SourceRef,
};

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Store`] backed by one SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating it and its parent directory if missing) the database at `path`, sets the
    /// connection up and brings the schema up to date.
    ///
    /// Fails with [`StoreError::SchemaTooNew`] when the file comes from a newer kanwamap.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| StoreError::CreateDir { path: parent.to_owned(), source })?;
        }
        let conn =
            Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        Self::set_up(conn, path)
    }

    /// A fresh database in memory, for tests: the same schema and settings, except that SQLite
    /// keeps an in-memory database's journal in memory rather than in WAL mode.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory()
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        Self::set_up(conn, path)
    }

    /// Applies the connection settings (they are per connection, so on every open) and migrates.
    fn set_up(mut conn: Connection, path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open { path: path.to_owned(), source };
        // First, so that switching the journal mode below also waits for other connections.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        // `journal_mode` answers with the mode in force: "memory" for an in-memory database, and the
        // old mode where the file system cannot do WAL (network file systems). Both still work,
        // with readers blocking writers, so that is a warning rather than an error.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") && path != Path::new(":memory:") {
            tracing::warn!(path = %path.display(), mode, "SQLite could not switch to WAL mode");
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_error)?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn })
    }
}

mod stock;

/// Maps a SQLite error to [`StoreError::Sqlite`] saying what was being done.
fn sql(what: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite { what: what.to_owned(), source }
}

/// Reads one column, naming the table in the error.
fn column<T: FromSql>(row: &Row<'_>, index: usize, table: &str) -> Result<T, StoreError> {
    row.get(index).map_err(|source| StoreError::Sqlite { what: format!("reading {table}"), source })
}

/// A count as SQLite's signed 64-bit integer.
fn to_i64(value: u64, what: impl FnOnce() -> String) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::InvalidValue { what: what(), reason: format!("{value} exceeds 2^63 - 1") })
}

/// A stored integer as a count.
fn to_u64(value: i64, what: impl FnOnce() -> String) -> Result<u64, StoreError> {
    u64::try_from(value)
        .map_err(|_| StoreError::Corrupt { what: what(), reason: format!("negative count {value}") })
}

/// Decodes a stored boundary.
fn geometry(bytes: &[u8], what: impl FnOnce() -> String) -> Result<MultiPolygon<f64>, StoreError> {
    decode_multi_polygon(bytes).map_err(|e| StoreError::Corrupt { what: what(), reason: e.to_string() })
}

impl Store for SqliteStore {
    fn replace_registry(&mut self, registry: &Registry, run: &ImportRunInput) -> Result<i64, StoreError> {
        // IMMEDIATE takes the write lock at once: a deferred transaction that upgrades from read to
        // write can fail with SQLITE_BUSY without waiting for busy_timeout.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("starting the registry transaction"))?;
        // Children first: explicit deletes are much faster than one cascade per facility row.
        // Only registry tables are listed; user tables (later migrations) are left alone.
        tx.execute_batch(
            "DELETE FROM facility_capabilities;
             DELETE FROM facility_sources;
             DELETE FROM facilities;
             DELETE FROM area_municipalities;
             DELETE FROM areas;
             DELETE FROM municipalities;
             DELETE FROM sources;
             DELETE FROM population_cells;
             DELETE FROM town_points;",
        )
        .map_err(sql("deleting the previous registry"))?;
        insert_sources(&tx, &registry.sources)?;
        insert_municipalities(&tx, &registry.municipalities)?;
        insert_areas(&tx, &registry.areas)?;
        insert_facilities(&tx, &registry.facilities)?;
        insert_cells(&tx, &registry.cells)?;
        insert_towns(&tx, &registry.towns)?;
        let version: i64 = tx
            .query_row(
                "UPDATE meta SET value = value + 1 WHERE key = 'registry_version' RETURNING value",
                [],
                |row| row.get(0),
            )
            .map_err(sql("incrementing the registry version"))?;
        tx.execute(
            "INSERT INTO import_runs (prefecture, started_at, finished_at, summary, registry_version)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run.prefecture,
                format_rfc3339_utc(run.started_at),
                format_rfc3339_utc(run.finished_at),
                run.summary.to_string(),
                version
            ],
        )
        .map_err(sql("recording the import run"))?;
        let run_id = tx.last_insert_rowid();
        tx.commit().map_err(sql("committing the registry"))?;
        Ok(run_id)
    }

    fn load_registry(&self) -> Result<Registry, StoreError> {
        // One read transaction, so that every table comes from the same committed registry even
        // while another process replaces it (WAL gives readers a snapshot).
        let tx = self.conn.unchecked_transaction().map_err(sql("starting a read transaction"))?;
        let facilities = load_facilities(&tx)?;
        let municipalities = load_municipalities(&tx)?;
        let areas = load_areas(&tx)?;
        let sources = load_sources(&tx)?;
        let cells = load_cells(&tx)?;
        let towns = load_towns(&tx)?;
        tx.finish().map_err(sql("ending the read transaction"))?;
        Ok(Registry { facilities, areas, municipalities, sources, cells, towns })
    }

    fn last_import(&self) -> Result<Option<ImportRun>, StoreError> {
        let raw = self
            .conn
            .query_row(
                "SELECT id, prefecture, started_at, finished_at, summary, registry_version
                 FROM import_runs ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, i64>(5)?,
                    ))
                },
            )
            .optional()
            .map_err(sql("reading the last import run"))?;
        let Some((id, prefecture, started_at, finished_at, summary, registry_version)) = raw else {
            return Ok(None);
        };
        let summary = serde_json::from_str(&summary).map_err(|e| StoreError::Corrupt {
            what: format!("import run {id}, summary"),
            reason: e.to_string(),
        })?;
        Ok(Some(ImportRun { id, prefecture, started_at, finished_at, summary, registry_version }))
    }

    fn registry_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'registry_version'", [], |row| row.get(0))
            .map_err(sql("reading the registry version"))
    }

    fn registry_census(&self) -> Result<RegistryCensus, StoreError> {
        let mut census = RegistryCensus::default();
        let mut select = self
            .conn
            .prepare("SELECT pref_code, kind, count(*) FROM facilities GROUP BY pref_code, kind")
            .map_err(sql("preparing the census query"))?;
        let rows = select
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
            })
            .map_err(sql("counting facilities"))?;
        for row in rows {
            let (pref, kind, n) = row.map_err(sql("counting facilities"))?;
            if !pref.is_empty() {
                census.prefectures.insert(pref.clone());
            }
            census.facilities.entry(pref).or_default().insert(kind, n.max(0) as u64);
        }
        let mut select = self
            .conn
            .prepare("SELECT DISTINCT pref_code FROM areas")
            .map_err(sql("preparing the area census query"))?;
        let prefs =
            select.query_map([], |row| row.get::<_, String>(0)).map_err(sql("listing prefectures"))?;
        for pref in prefs {
            census.prefectures.insert(pref.map_err(sql("listing prefectures"))?);
        }
        Ok(census)
    }
}

fn insert_sources(tx: &Transaction<'_>, sources: &[SourceRecord]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare(
            "INSERT INTO sources (id, position, title, publisher, url, licence, attribution, as_of, files,
                                  read, accepted, rejected)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(sql("preparing the source insert"))?;
    for (position, s) in sources.iter().enumerate() {
        let what = || format!("source {}", s.id);
        let files = serde_json::to_string(&s.files).map_err(|e| StoreError::InvalidValue {
            what: format!("source {}, files", s.id),
            reason: e.to_string(),
        })?;
        insert
            .execute(params![
                s.id,
                position as i64,
                s.title,
                s.publisher,
                s.url,
                s.licence,
                s.attribution,
                s.as_of,
                files,
                to_i64(s.read, || format!("{}, read", what()))?,
                to_i64(s.accepted, || format!("{}, accepted", what()))?,
                to_i64(s.rejected, || format!("{}, rejected", what()))?,
            ])
            .map_err(|source| StoreError::Sqlite { what: format!("inserting {}", what()), source })?;
    }
    Ok(())
}

fn insert_municipalities(tx: &Transaction<'_>, municipalities: &[Municipality]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare("INSERT INTO municipalities (code, name, area_code, geometry) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql("preparing the municipality insert"))?;
    for m in municipalities {
        insert.execute(params![m.code, m.name, m.area_code, encode_multi_polygon(&m.geometry)]).map_err(
            |source| StoreError::Sqlite { what: format!("inserting municipality {}", m.code), source },
        )?;
    }
    Ok(())
}

fn insert_areas(tx: &Transaction<'_>, areas: &[Area]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare(
            "INSERT INTO areas (code, name, pref_code, population, population_65plus, geometry,
                                mesh_population, mesh_population_65plus, population_complete)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(sql("preparing the area insert"))?;
    let mut insert_member = tx
        .prepare(
            "INSERT INTO area_municipalities (area_code, position, municipality_code) VALUES (?1, ?2, ?3)",
        )
        .map_err(sql("preparing the area member insert"))?;
    for a in areas {
        let population =
            a.population.map(|p| to_i64(p, || format!("area {}, population", a.code))).transpose()?;
        let population_65plus = a
            .population_65plus
            .map(|p| to_i64(p, || format!("area {}, population_65plus", a.code)))
            .transpose()?;
        let mesh_population = a
            .mesh_population
            .map(|p| to_i64(p, || format!("area {}, mesh_population", a.code)))
            .transpose()?;
        let mesh_population_65plus = a
            .mesh_population_65plus
            .map(|p| to_i64(p, || format!("area {}, mesh_population_65plus", a.code)))
            .transpose()?;
        insert
            .execute(params![
                a.code,
                a.name,
                a.pref_code,
                population,
                population_65plus,
                encode_multi_polygon(&a.geometry),
                mesh_population,
                mesh_population_65plus,
                a.population_complete,
            ])
            .map_err(|source| StoreError::Sqlite { what: format!("inserting area {}", a.code), source })?;
        for (position, code) in a.municipality_codes.iter().enumerate() {
            insert_member.execute(params![a.code, position as i64, code]).map_err(|source| {
                StoreError::Sqlite {
                    what: format!("inserting municipality {code} of area {}", a.code),
                    source,
                }
            })?;
        }
    }
    Ok(())
}

fn insert_facilities(tx: &Transaction<'_>, facilities: &[Facility]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare(
            "INSERT INTO facilities (id, kind, name, name_kana, address, municipality_code, area_code,
                                     lat, lon, location_precision, phone, url, beds, schedule, pref_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .map_err(sql("preparing the facility insert"))?;
    let mut insert_capability = tx
        .prepare(
            "INSERT INTO facility_capabilities (facility_id, capability, level, filing, ward_beds, since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(sql("preparing the capability insert"))?;
    let mut insert_source = tx
        .prepare("INSERT INTO facility_sources (facility_id, position, source, line) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql("preparing the facility source insert"))?;
    for f in facilities {
        let id = f.id.as_str();
        insert
            .execute(params![
                id,
                f.kind.as_str(),
                f.name,
                f.name_kana,
                f.address,
                f.municipality_code,
                f.area_code,
                f.location.lat,
                f.location.lon,
                f.location.precision.as_str(),
                f.phone,
                f.url,
                f.beds,
                f.schedule,
                f.pref_code,
            ])
            .map_err(|source| StoreError::Sqlite { what: format!("inserting facility {id}"), source })?;
        for c in &f.capabilities {
            insert_capability
                .execute(params![id, c.capability.as_str(), c.level, c.filing, c.ward_beds, c.since])
                .map_err(|source| StoreError::Sqlite {
                    what: format!("inserting capability {} of facility {id}", c.capability),
                    source,
                })?;
        }
        for (position, s) in f.sources.iter().enumerate() {
            let line = to_i64(s.line, || format!("facility {id}, source {}, line", s.source))?;
            insert_source.execute(params![id, position as i64, s.source, line]).map_err(|source| {
                StoreError::Sqlite { what: format!("inserting source {} of facility {id}", s.source), source }
            })?;
        }
    }
    Ok(())
}

/// The index of the record with `key` in a slice sorted by key, or a corruption error (a child
/// row whose parent is missing, which the foreign keys should make impossible).
fn parent_index<T>(
    sorted: &[T],
    key: &str,
    key_of: impl Fn(&T) -> &str,
    what: impl FnOnce() -> String,
) -> Result<usize, StoreError> {
    // SQLite's BINARY collation compares UTF-8 bytes, as `str::cmp` does, so `ORDER BY` order is
    // the slice's order.
    sorted.binary_search_by(|item| key_of(item).cmp(key)).map_err(|_| StoreError::Corrupt {
        what: what(),
        reason: format!("refers to '{key}', which does not exist"),
    })
}

fn load_facilities(tx: &Transaction<'_>) -> Result<Vec<Facility>, StoreError> {
    const TABLE: &str = "facilities";
    let mut facilities = Vec::new();
    let mut select = tx
        .prepare(
            "SELECT id, kind, name, name_kana, address, municipality_code, area_code, lat, lon,
                    location_precision, phone, url, beds, schedule, pref_code
             FROM facilities ORDER BY id",
        )
        .map_err(sql("preparing the facility query"))?;
    let mut rows = select.query([]).map_err(sql("reading facilities"))?;
    while let Some(row) = rows.next().map_err(sql("reading facilities"))? {
        let id: String = column(row, 0, TABLE)?;
        let kind: String = column(row, 1, TABLE)?;
        let kind = kind.parse::<FacilityKind>().map_err(|e| StoreError::Corrupt {
            what: format!("facility {id}, kind"),
            reason: e.to_string(),
        })?;
        let precision: String = column(row, 9, TABLE)?;
        let precision = LocationPrecision::parse(&precision).ok_or_else(|| StoreError::Corrupt {
            what: format!("facility {id}, location_precision"),
            reason: format!("unknown precision '{precision}'"),
        })?;
        facilities.push(Facility {
            kind,
            name: column(row, 2, TABLE)?,
            name_kana: column(row, 3, TABLE)?,
            address: column(row, 4, TABLE)?,
            municipality_code: column(row, 5, TABLE)?,
            area_code: column(row, 6, TABLE)?,
            pref_code: column(row, 14, TABLE)?,
            location: Location::new(column(row, 7, TABLE)?, column(row, 8, TABLE)?, precision),
            phone: column(row, 10, TABLE)?,
            url: column(row, 11, TABLE)?,
            beds: column(row, 12, TABLE)?,
            schedule: column(row, 13, TABLE)?,
            capabilities: Vec::new(),
            sources: Vec::new(),
            id: FacilityId(id),
        });
    }

    const CAPABILITIES: &str = "facility_capabilities";
    let mut select = tx
        .prepare("SELECT facility_id, capability, level, filing, ward_beds, since FROM facility_capabilities")
        .map_err(sql("preparing the capability query"))?;
    let mut rows = select.query([]).map_err(sql("reading facility capabilities"))?;
    while let Some(row) = rows.next().map_err(sql("reading facility capabilities"))? {
        let facility_id: String = column(row, 0, CAPABILITIES)?;
        let capability: String = column(row, 1, CAPABILITIES)?;
        let what = || format!("capability {capability} of facility {facility_id}");
        let index = parent_index(&facilities, &facility_id, |f| f.id.as_str(), what)?;
        let capability = capability
            .parse::<Capability>()
            .map_err(|e| StoreError::Corrupt { what: what(), reason: e.to_string() })?;
        facilities[index].capabilities.push(CapabilityEntry {
            capability,
            level: column(row, 2, CAPABILITIES)?,
            filing: column(row, 3, CAPABILITIES)?,
            ward_beds: column(row, 4, CAPABILITIES)?,
            since: column(row, 5, CAPABILITIES)?,
        });
    }
    // The model's order (Capability's declaration order, as `Facility::add_capability` keeps it),
    // not the alphabetical order of the API strings that SQL would give.
    for f in &mut facilities {
        f.capabilities.sort_by_key(|c| c.capability);
    }

    const SOURCES: &str = "facility_sources";
    let mut select = tx
        .prepare("SELECT facility_id, source, line FROM facility_sources ORDER BY facility_id, position")
        .map_err(sql("preparing the facility source query"))?;
    let mut rows = select.query([]).map_err(sql("reading facility sources"))?;
    while let Some(row) = rows.next().map_err(sql("reading facility sources"))? {
        let facility_id: String = column(row, 0, SOURCES)?;
        let source: String = column(row, 1, SOURCES)?;
        let what = || format!("source {source} of facility {facility_id}");
        let index = parent_index(&facilities, &facility_id, |f| f.id.as_str(), what)?;
        let line =
            to_u64(column(row, 2, SOURCES)?, || format!("source {source} of facility {facility_id}, line"))?;
        facilities[index].sources.push(SourceRef { source, line });
    }
    Ok(facilities)
}

fn load_municipalities(tx: &Transaction<'_>) -> Result<Vec<Municipality>, StoreError> {
    const TABLE: &str = "municipalities";
    let mut municipalities = Vec::new();
    let mut select = tx
        .prepare("SELECT code, name, area_code, geometry FROM municipalities ORDER BY code")
        .map_err(sql("preparing the municipality query"))?;
    let mut rows = select.query([]).map_err(sql("reading municipalities"))?;
    while let Some(row) = rows.next().map_err(sql("reading municipalities"))? {
        let code: String = column(row, 0, TABLE)?;
        // Borrowed straight from SQLite's row buffer: no copy of the blob.
        let bytes = row.get_ref(3).and_then(|v| Ok(v.as_blob()?)).map_err(sql("reading municipalities"))?;
        let geometry = geometry(bytes, || format!("municipality {code}, geometry"))?;
        municipalities.push(Municipality {
            name: column(row, 1, TABLE)?,
            area_code: column(row, 2, TABLE)?,
            geometry,
            code,
        });
    }
    Ok(municipalities)
}

fn load_areas(tx: &Transaction<'_>) -> Result<Vec<Area>, StoreError> {
    const TABLE: &str = "areas";
    let mut areas = Vec::new();
    let mut select = tx
        .prepare(
            "SELECT code, name, pref_code, population, population_65plus, geometry,
                    mesh_population, mesh_population_65plus, population_complete
             FROM areas ORDER BY code",
        )
        .map_err(sql("preparing the area query"))?;
    let mut rows = select.query([]).map_err(sql("reading areas"))?;
    while let Some(row) = rows.next().map_err(sql("reading areas"))? {
        let code: String = column(row, 0, TABLE)?;
        let population: Option<i64> = column(row, 3, TABLE)?;
        let population_65plus: Option<i64> = column(row, 4, TABLE)?;
        let mesh_population: Option<i64> = column(row, 6, TABLE)?;
        let mesh_population_65plus: Option<i64> = column(row, 7, TABLE)?;
        let population_complete: Option<bool> = column(row, 8, TABLE)?;
        let bytes = row.get_ref(5).and_then(|v| Ok(v.as_blob()?)).map_err(sql("reading areas"))?;
        areas.push(Area {
            mesh_population: mesh_population
                .map(|p| to_u64(p, || format!("area {code}, mesh_population")))
                .transpose()?,
            mesh_population_65plus: mesh_population_65plus
                .map(|p| to_u64(p, || format!("area {code}, mesh_population_65plus")))
                .transpose()?,
            population_complete,
            name: column(row, 1, TABLE)?,
            pref_code: column(row, 2, TABLE)?,
            municipality_codes: Vec::new(),
            population: population.map(|p| to_u64(p, || format!("area {code}, population"))).transpose()?,
            population_65plus: population_65plus
                .map(|p| to_u64(p, || format!("area {code}, population_65plus")))
                .transpose()?,
            geometry: geometry(bytes, || format!("area {code}, geometry"))?,
            code,
        });
    }

    const MEMBERS: &str = "area_municipalities";
    let mut select = tx
        .prepare("SELECT area_code, municipality_code FROM area_municipalities ORDER BY area_code, position")
        .map_err(sql("preparing the area member query"))?;
    let mut rows = select.query([]).map_err(sql("reading area municipalities"))?;
    while let Some(row) = rows.next().map_err(sql("reading area municipalities"))? {
        let area_code: String = column(row, 0, MEMBERS)?;
        let municipality_code: String = column(row, 1, MEMBERS)?;
        let index = parent_index(
            &areas,
            &area_code,
            |a| a.code.as_str(),
            || format!("municipality {municipality_code} of area {area_code}"),
        )?;
        areas[index].municipality_codes.push(municipality_code);
    }
    Ok(areas)
}

fn insert_cells(tx: &Transaction<'_>, cells: &[PopulationCell]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare(
            "INSERT INTO population_cells (code, lat, lon, population, population_65plus, population_75plus,
                                           municipality_code, area_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(sql("preparing the population cell insert"))?;
    for c in cells {
        insert
            .execute(params![
                c.code,
                c.lat,
                c.lon,
                c.population,
                c.population_65plus,
                c.population_75plus,
                c.municipality_code,
                c.area_code
            ])
            .map_err(|source| StoreError::Sqlite {
                what: format!("inserting population cell {}", c.code),
                source,
            })?;
    }
    Ok(())
}

fn load_cells(tx: &Transaction<'_>) -> Result<Vec<PopulationCell>, StoreError> {
    const TABLE: &str = "population_cells";
    let mut select = tx
        .prepare(
            "SELECT code, lat, lon, population, population_65plus, population_75plus, municipality_code, area_code
             FROM population_cells ORDER BY code",
        )
        .map_err(sql("preparing the population cell query"))?;
    let mut rows = select.query([]).map_err(sql("reading population cells"))?;
    let mut cells = Vec::new();
    while let Some(row) = rows.next().map_err(sql("reading population cells"))? {
        cells.push(PopulationCell {
            code: column(row, 0, TABLE)?,
            lat: column(row, 1, TABLE)?,
            lon: column(row, 2, TABLE)?,
            population: column(row, 3, TABLE)?,
            population_65plus: column(row, 4, TABLE)?,
            population_75plus: column(row, 5, TABLE)?,
            municipality_code: column(row, 6, TABLE)?,
            area_code: column(row, 7, TABLE)?,
        });
    }
    Ok(cells)
}

fn insert_towns(tx: &Transaction<'_>, towns: &[TownPoint]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare(
            "INSERT INTO town_points (pref, city, town, koaza, lat, lon) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(sql("preparing the town point insert"))?;
    for t in towns {
        insert.execute(params![t.pref, t.city, t.town, t.koaza, t.lat, t.lon]).map_err(|source| {
            StoreError::Sqlite { what: format!("inserting town point {}{}", t.city, t.town), source }
        })?;
    }
    Ok(())
}

fn load_towns(tx: &Transaction<'_>) -> Result<Vec<TownPoint>, StoreError> {
    const TABLE: &str = "town_points";
    let mut select = tx
        .prepare("SELECT pref, city, town, koaza, lat, lon FROM town_points ORDER BY id")
        .map_err(sql("preparing the town point query"))?;
    let mut rows = select.query([]).map_err(sql("reading town points"))?;
    let mut towns = Vec::new();
    while let Some(row) = rows.next().map_err(sql("reading town points"))? {
        towns.push(TownPoint {
            pref: column(row, 0, TABLE)?,
            city: column(row, 1, TABLE)?,
            town: column(row, 2, TABLE)?,
            koaza: column(row, 3, TABLE)?,
            lat: column(row, 4, TABLE)?,
            lon: column(row, 5, TABLE)?,
        });
    }
    Ok(towns)
}

fn load_sources(tx: &Transaction<'_>) -> Result<Vec<SourceRecord>, StoreError> {
    const TABLE: &str = "sources";
    let mut sources = Vec::new();
    let mut select = tx
        .prepare(
            "SELECT id, title, publisher, url, licence, attribution, as_of, files, read, accepted, rejected
             FROM sources ORDER BY position",
        )
        .map_err(sql("preparing the source query"))?;
    let mut rows = select.query([]).map_err(sql("reading sources"))?;
    while let Some(row) = rows.next().map_err(sql("reading sources"))? {
        let id: String = column(row, 0, TABLE)?;
        let files: String = column(row, 7, TABLE)?;
        let files = serde_json::from_str(&files).map_err(|e| StoreError::Corrupt {
            what: format!("source {id}, files"),
            reason: e.to_string(),
        })?;
        sources.push(SourceRecord {
            title: column(row, 1, TABLE)?,
            publisher: column(row, 2, TABLE)?,
            url: column(row, 3, TABLE)?,
            licence: column(row, 4, TABLE)?,
            attribution: column(row, 5, TABLE)?,
            as_of: column(row, 6, TABLE)?,
            files,
            read: to_u64(column(row, 8, TABLE)?, || format!("source {id}, read"))?,
            accepted: to_u64(column(row, 9, TABLE)?, || format!("source {id}, accepted"))?,
            rejected: to_u64(column(row, 10, TABLE)?, || format!("source {id}, rejected"))?,
            id,
        });
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use geo::{MultiPolygon, polygon};
    use serde_json::json;

    use super::*;
    use crate::store::SCHEMA_VERSION;

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + 0.1, y: y), (x: x + 0.1, y: y + 0.1), (x: x, y: y + 0.1)],
        ])
    }

    /// A facility with only the required fields.
    fn bare_facility(id: &str) -> Facility {
        Facility {
            id: FacilityId(id.into()),
            kind: FacilityKind::Pharmacy,
            name: format!("薬局 {id}"),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: None,
            pref_code: String::new(),
            location: Location::new(32.8, 130.7, LocationPrecision::Town),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: vec![],
            sources: vec![],
        }
    }

    /// A registry with every field of every record set.
    fn full_registry() -> Registry {
        let with_hole = polygon!(
            exterior: [(x: 130.0, y: 32.0), (x: 131.0, y: 32.0), (x: 131.0, y: 33.0), (x: 130.0, y: 33.0)],
            interiors: [[(x: 130.4, y: 32.4), (x: 130.6, y: 32.4), (x: 130.6, y: 32.6)]],
        );
        let island = polygon![(x: 130.123_456_789_012_3, y: 32.1), (x: 130.2, y: 32.1), (x: 130.2, y: 32.2)];
        Registry {
            facilities: vec![
                Facility {
                    id: FacilityId("kijun-430116399".into()),
                    kind: FacilityKind::Hospital,
                    name: "くまもと緩和ケア病院".into(),
                    name_kana: Some("クマモトカンワケアビョウイン".into()),
                    address: Some("熊本県熊本市中央区水前寺1丁目1-1".into()),
                    municipality_code: Some("43101".into()),
                    area_code: Some("4312".into()),
                    pref_code: "43".into(),
                    location: Location::new(
                        32.803_120_456_789,
                        130.741_234_567_891,
                        LocationPrecision::Exact,
                    ),
                    phone: Some("096-000-0000".into()),
                    url: Some("https://example.org/".into()),
                    beds: Some(312),
                    schedule: Some("月〜金 9:00-17:00".into()),
                    capabilities: vec![
                        CapabilityEntry {
                            capability: Capability::HomeCareSupport,
                            level: Some("1".into()),
                            filing: Some("支援病１".into()),
                            ward_beds: Some(0),
                            since: Some("令和 4年 6月 1日".into()),
                        },
                        CapabilityEntry {
                            capability: Capability::PalliativeWard,
                            level: Some("2".into()),
                            filing: Some("緩２".into()),
                            ward_beds: Some(20),
                            since: Some("平成30年 4月 1日".into()),
                        },
                        CapabilityEntry {
                            capability: Capability::CancerHub,
                            level: Some("regional".into()),
                            filing: Some("がん拠点".into()),
                            ward_beds: Some(u32::MAX),
                            since: Some("2023-04-01".into()),
                        },
                    ],
                    sources: vec![
                        SourceRef { source: "shisetsu_kijun".into(), line: 12_345 },
                        SourceRef { source: "mhlw_hospitals".into(), line: 7 },
                        SourceRef { source: "shisetsu_kijun".into(), line: 3 },
                    ],
                },
                Facility {
                    location: Location::new(-90.0, -180.0, LocationPrecision::Municipality),
                    ..bare_facility("z-last")
                },
            ],
            areas: vec![Area {
                code: "4312".into(),
                name: "熊本・上益城".into(),
                pref_code: "43".into(),
                municipality_codes: vec!["43105".into(), "43101".into(), "43441".into()],
                population: Some(u64::try_from(i64::MAX).unwrap()),
                population_65plus: Some(0),
                mesh_population: Some(1_738_025),
                mesh_population_65plus: Some(0),
                population_complete: Some(false),
                geometry: MultiPolygon(vec![with_hole.clone(), island.clone()]),
            }],
            municipalities: vec![
                Municipality {
                    code: "43101".into(),
                    name: "熊本市中央区".into(),
                    area_code: Some("4312".into()),
                    geometry: MultiPolygon(vec![with_hole, island]),
                },
                Municipality {
                    code: "43105".into(),
                    name: "熊本市北区".into(),
                    area_code: Some("4312".into()),
                    geometry: square(130.7, 32.9),
                },
            ],
            sources: vec![
                SourceRecord {
                    id: "shisetsu_kijun".into(),
                    title: "届出受理医療機関名簿".into(),
                    publisher: "九州厚生局".into(),
                    url: "https://example.org/kijun".into(),
                    licence: "PDL1.0".into(),
                    attribution: "「届出受理医療機関名簿」（九州厚生局）を加工して作成".into(),
                    as_of: Some("2025-05-01".into()),
                    files: vec!["05_palliative_lists/a.csv".into(), "05_palliative_lists/b.csv".into()],
                    read: 40_000,
                    accepted: 39_990,
                    rejected: 10,
                },
                SourceRecord {
                    id: "mhlw_hospitals".into(),
                    title: "医療情報ネット".into(),
                    publisher: "厚生労働省".into(),
                    url: "https://example.org/mhlw".into(),
                    licence: "PDL1.0".into(),
                    attribution: "「医療情報ネットのオープンデータ」（厚生労働省）を加工して作成".into(),
                    as_of: Some("2025-06-01".into()),
                    files: vec!["01_mhlw_facilities/h.csv".into()],
                    read: 200,
                    accepted: 199,
                    rejected: 1,
                },
            ],
            cells: vec![
                PopulationCell {
                    code: "493001002".into(),
                    lat: 32.672_916_666_666_67,
                    lon: 130.015_625,
                    population: 130,
                    population_65plus: 46,
                    population_75plus: 30,
                    municipality_code: Some("43101".into()),
                    area_code: Some("4312".into()),
                },
                PopulationCell {
                    code: "493001003".into(),
                    lat: 32.672_916_666_666_67,
                    lon: 130.021_875,
                    population: u32::MAX,
                    population_65plus: 0,
                    population_75plus: 0,
                    municipality_code: None,
                    area_code: None,
                },
            ],
            towns: vec![
                TownPoint {
                    pref: "熊本県".into(),
                    city: "熊本市中央区".into(),
                    town: "水前寺六丁目".into(),
                    koaza: None,
                    lat: 32.790_503,
                    lon: 130.741_553,
                },
                TownPoint {
                    pref: "熊本県".into(),
                    city: "上益城郡山都町".into(),
                    town: "三ケ".into(),
                    koaza: Some("字上".into()),
                    lat: 32.6753,
                    lon: 130.912_379,
                },
            ],
        }
    }

    /// A registry whose every optional field is `None` and every list empty.
    fn empty_fields_registry() -> Registry {
        Registry {
            facilities: vec![bare_facility("a"), bare_facility("b")],
            areas: vec![Area {
                code: "9999".into(),
                name: String::new(),
                pref_code: String::new(),
                municipality_codes: vec![],
                population: None,
                population_65plus: None,
                mesh_population: None,
                mesh_population_65plus: None,
                population_complete: None,
                geometry: MultiPolygon(vec![]),
            }],
            municipalities: vec![Municipality {
                code: "99999".into(),
                name: String::new(),
                area_code: None,
                geometry: MultiPolygon(vec![]),
            }],
            sources: vec![SourceRecord { id: "s".into(), ..SourceRecord::default() }],
            cells: vec![],
            towns: vec![],
        }
    }

    fn run(prefecture: &str, started: u64) -> ImportRunInput {
        ImportRunInput {
            prefecture: prefecture.into(),
            started_at: UNIX_EPOCH + Duration::from_secs(started),
            finished_at: UNIX_EPOCH + Duration::from_secs(started + 75),
            summary: json!({ "facilities": 2, "rejections": { "mhlw_hospitals": 1 } }),
        }
    }

    fn pragma_text(store: &SqliteStore, name: &str) -> String {
        store.conn.pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0)).map_or_else(
            |e| panic!("PRAGMA {name}: {e}"),
            |v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            },
        )
    }

    mod round_trip {
        use super::*;

        #[test]
        fn every_field_set() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let registry = full_registry();
            store.replace_registry(&registry, &run("43", 1_748_770_200)).unwrap();
            assert_eq!(store.load_registry().unwrap(), registry);
        }

        #[test]
        fn every_field_empty() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let registry = empty_fields_registry();
            store.replace_registry(&registry, &run("43", 0)).unwrap();
            assert_eq!(store.load_registry().unwrap(), registry);
        }

        #[test]
        fn empty_registry() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            assert_eq!(store.load_registry().unwrap(), Registry::default());
            store.replace_registry(&Registry::default(), &run("43", 0)).unwrap();
            assert_eq!(store.load_registry().unwrap(), Registry::default());
            assert_eq!(store.registry_version().unwrap(), 1);
        }

        #[test]
        fn loads_in_documented_order() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let mut registry = full_registry();
            registry.facilities.reverse();
            registry.municipalities.reverse();
            // Capabilities given out of the model's order come back sorted by capability.
            registry.facilities[1].capabilities.reverse();
            registry.areas.insert(0, Area { code: "4399".into(), ..empty_fields_registry().areas.remove(0) });
            store.replace_registry(&registry, &run("43", 0)).unwrap();
            let loaded = store.load_registry().unwrap();
            let ids: Vec<&str> = loaded.facilities.iter().map(|f| f.id.as_str()).collect();
            assert_eq!(ids, ["kijun-430116399", "z-last"]);
            let caps: Vec<Capability> =
                loaded.facilities[0].capabilities.iter().map(|c| c.capability).collect();
            assert_eq!(
                caps,
                [Capability::HomeCareSupport, Capability::PalliativeWard, Capability::CancerHub]
            );
            let codes: Vec<&str> = loaded.municipalities.iter().map(|m| m.code.as_str()).collect();
            assert_eq!(codes, ["43101", "43105"]);
            let areas: Vec<&str> = loaded.areas.iter().map(|a| a.code.as_str()).collect();
            assert_eq!(areas, ["4312", "4399"]);
            // Sources keep the order given (the manifest's), not id order.
            let sources: Vec<&str> = loaded.sources.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(sources, ["shisetsu_kijun", "mhlw_hospitals"]);
        }
    }

    mod versions_and_runs {
        use super::*;

        #[test]
        fn fresh_store_has_version_zero_and_no_run() {
            let store = SqliteStore::open_in_memory().unwrap();
            assert_eq!(store.registry_version().unwrap(), 0);
            assert_eq!(store.last_import().unwrap(), None);
        }

        #[test]
        fn replacing_twice_keeps_only_the_second_registry() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let first_id = store.replace_registry(&full_registry(), &run("43", 100)).unwrap();
            assert_eq!(store.registry_version().unwrap(), 1);
            let second = empty_fields_registry();
            let second_id = store.replace_registry(&second, &run("11", 200)).unwrap();
            assert!(second_id > first_id);
            assert_eq!(store.registry_version().unwrap(), 2);
            assert_eq!(store.load_registry().unwrap(), second);
            let last = store.last_import().unwrap().unwrap();
            assert_eq!(last.id, second_id);
            assert_eq!(last.prefecture, "11");
            assert_eq!(last.registry_version, 2);
            // Capabilities and sources of the first registry's facilities are gone too.
            let orphans: i64 = store
                .conn
                .query_row(
                    "SELECT (SELECT count(*) FROM facility_capabilities) + (SELECT count(*) FROM facility_sources)
                          + (SELECT count(*) FROM area_municipalities)",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(orphans, 0);
        }

        #[test]
        fn last_import_has_rfc3339_times_and_summary() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let input = run("43", 1_748_770_200);
            let id = store.replace_registry(&full_registry(), &input).unwrap();
            let last = store.last_import().unwrap().unwrap();
            assert_eq!(
                last,
                ImportRun {
                    id,
                    prefecture: "43".into(),
                    started_at: "2025-06-01T09:30:00Z".into(),
                    finished_at: "2025-06-01T09:31:15Z".into(),
                    summary: input.summary,
                    registry_version: 1,
                }
            );
        }
    }

    mod failed_replace {
        use super::*;

        /// Replaces with `bad` after a good registry and checks that nothing changed.
        fn assert_rejected(bad: Registry, expected_in_message: &str) {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let good = full_registry();
            let run_id = store.replace_registry(&good, &run("43", 100)).unwrap();
            let err = store.replace_registry(&bad, &run("43", 200)).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(expected_in_message), "{message}");
            assert_eq!(store.registry_version().unwrap(), 1);
            assert_eq!(store.load_registry().unwrap(), good);
            assert_eq!(store.last_import().unwrap().map(|r| r.id), Some(run_id));
            // The connection is usable again afterwards.
            store.replace_registry(&empty_fields_registry(), &run("43", 300)).unwrap();
            assert_eq!(store.registry_version().unwrap(), 2);
        }

        #[test]
        fn latitude_out_of_range() {
            let mut bad = empty_fields_registry();
            bad.facilities[1].location.lat = 91.0;
            assert_rejected(bad, "inserting facility b: CHECK constraint failed");
        }

        #[test]
        fn longitude_out_of_range() {
            let mut bad = empty_fields_registry();
            bad.facilities[0].location.lon = f64::INFINITY;
            assert_rejected(bad, "inserting facility a");
        }

        #[test]
        fn latitude_nan() {
            let mut bad = empty_fields_registry();
            bad.facilities[0].location.lat = f64::NAN;
            assert_rejected(bad, "inserting facility a: NOT NULL constraint failed: facilities.lat");
        }

        #[test]
        fn duplicate_facility_id() {
            let mut bad = empty_fields_registry();
            bad.facilities[1].id = FacilityId("a".into());
            assert_rejected(bad, "inserting facility a: UNIQUE constraint failed: facilities.id");
        }

        #[test]
        fn duplicate_capability() {
            let mut bad = empty_fields_registry();
            bad.facilities[0].capabilities = vec![
                CapabilityEntry::bare(Capability::CancerPain),
                CapabilityEntry::bare(Capability::CancerPain),
            ];
            assert_rejected(bad, "inserting capability cancer_pain of facility a");
        }

        #[test]
        fn empty_facility_id() {
            let mut bad = empty_fields_registry();
            bad.facilities[0].id = FacilityId(String::new());
            assert_rejected(bad, "CHECK constraint failed");
        }

        #[test]
        fn count_beyond_sqlite_integers() {
            let mut bad = empty_fields_registry();
            bad.facilities[0].sources = vec![SourceRef { source: "x".into(), line: u64::MAX }];
            assert_rejected(bad, "cannot store facility a, source x, line");
        }

        #[test]
        fn duplicate_municipality_code() {
            let mut bad = empty_fields_registry();
            bad.municipalities.push(bad.municipalities[0].clone());
            assert_rejected(bad, "inserting municipality 99999: UNIQUE constraint failed");
        }

        #[test]
        fn kind_outside_the_vocabulary_cannot_be_written_behind_the_loader() {
            let store = SqliteStore::open_in_memory().unwrap();
            let err = store
                .conn
                .execute(
                    "INSERT INTO facilities (id, kind, name, lat, lon, location_precision)
                     VALUES ('x', 'hospice', 'n', 0, 0, 'exact')",
                    [],
                )
                .unwrap_err();
            assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
        }
    }

    mod corrupt_data {
        use super::*;

        #[test]
        fn bad_geometry_is_an_error_naming_the_record() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            store.replace_registry(&full_registry(), &run("43", 0)).unwrap();
            store
                .conn
                .execute("UPDATE municipalities SET geometry = x'0102' WHERE code = '43105'", [])
                .unwrap();
            let message = store.load_registry().unwrap_err().to_string();
            assert!(message.contains("municipality 43105, geometry"), "{message}");
        }

        #[test]
        fn bad_summary_is_an_error() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            store.replace_registry(&full_registry(), &run("43", 0)).unwrap();
            // Bypass the CHECK as a hand edit with an old sqlite3 could.
            store.conn.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
            store.conn.execute("UPDATE import_runs SET summary = '{'", []).unwrap();
            let err = store.last_import().unwrap_err();
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        }
    }

    mod file_database {
        use super::*;

        #[test]
        fn creates_parent_directories_and_reopens_with_everything() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("nested/deeper/kanwamap.sqlite");
            let registry = full_registry();
            {
                let mut store = SqliteStore::open(&path).unwrap();
                store.replace_registry(&registry, &run("43", 1_748_770_200)).unwrap();
            }
            assert!(path.is_file());
            let store = SqliteStore::open(&path).unwrap();
            assert_eq!(store.load_registry().unwrap(), registry);
            assert_eq!(store.registry_version().unwrap(), 1);
            assert_eq!(store.last_import().unwrap().unwrap().started_at, "2025-06-01T09:30:00Z");
        }

        #[test]
        fn reopening_keeps_the_schema_version() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("k.sqlite");
            for _ in 0..3 {
                let store = SqliteStore::open(&path).unwrap();
                assert_eq!(pragma_text(&store, "user_version"), SCHEMA_VERSION.to_string());
                assert_eq!(store.registry_version().unwrap(), 0);
            }
        }

        #[test]
        fn connection_settings_are_in_force() {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(&dir.path().join("k.sqlite")).unwrap();
            assert_eq!(pragma_text(&store, "journal_mode"), "wal");
            assert_eq!(pragma_text(&store, "synchronous"), "2", "2 is FULL");
            assert_eq!(pragma_text(&store, "foreign_keys"), "1");
            assert_eq!(pragma_text(&store, "busy_timeout"), "5000");
        }

        #[test]
        fn future_schema_version_is_a_clear_error() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("k.sqlite");
            {
                let conn = Connection::open(&path).unwrap();
                conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
            }
            let err = SqliteStore::open(&path).unwrap_err();
            assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
            assert!(err.to_string().contains("newer than this kanwamap supports"), "{err}");
        }

        #[test]
        fn a_file_that_is_not_sqlite_is_an_open_error() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("k.sqlite");
            std::fs::write(&path, vec![b'x'; 4096]).unwrap();
            let err = SqliteStore::open(&path).unwrap_err();
            assert!(matches!(err, StoreError::Open { .. }), "{err}");
            assert!(err.to_string().contains("k.sqlite"), "{err}");
        }

        #[test]
        fn a_reader_sees_the_new_registry_after_a_replace() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("k.sqlite");
            let reader = SqliteStore::open(&path).unwrap();
            let mut writer = SqliteStore::open(&path).unwrap();
            writer.replace_registry(&full_registry(), &run("43", 0)).unwrap();
            assert_eq!(reader.registry_version().unwrap(), 1);
            assert_eq!(reader.load_registry().unwrap(), full_registry());
        }
    }

    mod user_data {
        use super::*;

        /// Stands in for the user tables of later migrations (stock, tokens, audit): keyed by the
        /// facility id text, with no foreign key to `facilities`.
        #[test]
        fn survives_a_reimport_even_for_a_facility_that_disappeared() {
            let mut store = SqliteStore::open_in_memory().unwrap();
            store
                .conn
                .execute_batch("CREATE TABLE stock (facility_id TEXT NOT NULL, amount INTEGER) STRICT")
                .unwrap();
            store.replace_registry(&full_registry(), &run("43", 0)).unwrap();
            store.conn.execute("INSERT INTO stock VALUES ('kijun-430116399', 3), ('z-last', 1)", []).unwrap();
            store.replace_registry(&empty_fields_registry(), &run("43", 10)).unwrap();
            store.replace_registry(&full_registry(), &run("43", 20)).unwrap();
            let rows: i64 = store.conn.query_row("SELECT count(*) FROM stock", [], |r| r.get(0)).unwrap();
            assert_eq!(rows, 2);
        }
    }

    /// The real Kumamoto boundaries (49 municipalities, 262k points, 天草市 in 1,506 parts) and 5,000
    /// facilities survive a file round trip bit for bit. (Speed: `benches/store.rs`.)
    #[test]
    fn real_kumamoto_boundaries_round_trip_bit_for_bit() {
        let path = crate::test_data_dir()
            .join("03_municipality_boundaries/N03-22_220101_43_kumamoto_municipalities.geojson");
        let text = std::fs::read_to_string(&path).unwrap();
        let collection: geojson::FeatureCollection = text.parse().unwrap();
        let mut municipalities: Vec<Municipality> = collection
            .features
            .into_iter()
            .map(|feature| {
                let code = feature.property("N03_007").and_then(|v| v.as_str()).unwrap().to_owned();
                let name = feature.property("name").and_then(|v| v.as_str()).unwrap().to_owned();
                let geometry = MultiPolygon::<f64>::try_from(feature.geometry.unwrap()).unwrap();
                Municipality { code, name, area_code: None, geometry }
            })
            .collect();
        municipalities.sort_by(|a, b| a.code.cmp(&b.code));
        assert_eq!(municipalities.len(), 49);
        let amakusa = municipalities.iter().find(|m| m.code == "43215").unwrap();
        assert_eq!(amakusa.geometry.0.len(), 1_506);

        let facilities: Vec<Facility> = (0..5_000)
            .map(|i| Facility {
                kind: FacilityKind::ALL[i % FacilityKind::ALL.len()],
                address: Some(format!("熊本県熊本市中央区{i}丁目")),
                municipality_code: Some(municipalities[i % 49].code.clone()),
                capabilities: Capability::ALL
                    .iter()
                    .take(i % 4)
                    .map(|c| CapabilityEntry { level: Some("1".into()), ..CapabilityEntry::bare(*c) })
                    .collect(),
                sources: vec![SourceRef { source: "mhlw_pharmacies".into(), line: i as u64 + 2 }],
                ..bare_facility(&format!("mhlw-{i:06}"))
            })
            .collect();
        let registry = Registry {
            facilities,
            areas: vec![],
            municipalities,
            sources: vec![],
            cells: vec![],
            towns: vec![],
        };

        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kanwamap.sqlite");
        let mut store = SqliteStore::open(&db).unwrap();
        store.replace_registry(&registry, &run("43", 0)).unwrap();
        drop(store);
        let store = SqliteStore::open(&db).unwrap();
        assert_eq!(store.load_registry().unwrap(), registry, "the real boundaries round-trip bit for bit");
    }
}
