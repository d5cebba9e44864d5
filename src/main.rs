//! The `kanwamap` command line: import the official data, serve the API and map, query nearest.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use kanwamap::analysis::coverage::{CoverageParams, ProviderSet};
use kanwamap::api::config::{Basemap, GSI_PALE_URL, WebConfig};
use kanwamap::api::dto::{HOME_VISIT_LIMIT_M, NearestResponse, NearestResult, Origin};
use kanwamap::api::rate_limit::RateLimiter;
use kanwamap::atlas::{Atlas, SharedAtlas};
use kanwamap::import::{
    ImportOptions, guard, run_import, summary_text, write_join_csv, write_rejections_csv,
};
use kanwamap::ingest::Manifest;
use kanwamap::model::{Capability, CapabilitySet, FacilityKind, parse_prefecture_selection};
use kanwamap::spatial::NearestQuery;
use kanwamap::store::{SqliteStore, Store};
use kanwamap::writer::{Refresh, StockWriter};

/// kanwamap — 地域緩和ケア resource mapping.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the database from the official files of a data directory.
    Import {
        /// The data directory (filled by scripts/fetch-data.sh).
        #[arg(long, env = "KANWAMAP_DATA_DIR")]
        data_dir: PathBuf,
        /// The prefectures of the registry: a code (43 for 熊本県), a list (11,43) or `all`. One
        /// registry holds them all; the import replaces the whole registry.
        #[arg(long, env = "KANWAMAP_PREFECTURE")]
        prefecture: String,
        /// The SQLite database to write.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// Dataset manifest (default: the built-in data/sources.toml).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Where to write the rejected rows (CSV); default: next to the database.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Replace the registry even when the import holds fewer facilities (a prefecture left
        /// out, a required source empty for a prefecture, a kind down by more than 10 %).
        #[arg(long)]
        allow_shrink: bool,
    },
    /// Serve the API and the web map.
    Serve {
        /// The SQLite database.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// Address to listen on (port 0 picks a free port; the bound address is printed).
        #[arg(long, env = "KANWAMAP_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Directory of the web page served at `/`.
        #[arg(long)]
        web_dir: Option<PathBuf>,
        /// Raster base map of the web page: an XYZ tile URL template with {z}, {x}, {y}, or `none`
        /// (default: 地理院タイル 淡色地図, the GSI pale map). The page leaves it out when unreachable.
        #[arg(long, env = "KANWAMAP_BASEMAP_URL")]
        basemap_url: Option<String>,
        /// Credit shown with a --basemap-url (HTML; the GSI map's own credit is built in).
        #[arg(long, env = "KANWAMAP_BASEMAP_ATTRIBUTION")]
        basemap_attribution: Option<String>,
        /// Stock writes allowed per pharmacy token and minute (bursts up to the same number); 0 = no limit.
        #[arg(long, env = "KANWAMAP_STOCK_WRITES_PER_MINUTE", default_value_t = 60)]
        stock_writes_per_minute: u32,
    },
    /// The nearest facilities to a point.
    Nearest {
        /// The SQLite database.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// Latitude.
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// Longitude.
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Facility kind.
        #[arg(long)]
        kind: Option<FacilityKind>,
        /// Required capabilities, comma-separated (all of them).
        #[arg(long, value_delimiter = ',')]
        needs: Vec<Capability>,
        /// Number of results (1..100).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
        k: u16,
        /// Only within this distance (km).
        #[arg(long)]
        max_km: Option<f64>,
        /// Print JSON (the same as GET /api/nearest).
        #[arg(long)]
        json: bool,
    },
    /// Bearer tokens that let a pharmacy write its own opioid stock.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Coverage of each secondary medical area by a provider set.
    Coverage {
        /// The SQLite database.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// Provider kind.
        #[arg(long)]
        kind: Option<FacilityKind>,
        /// Required capabilities, comma-separated (all of them).
        #[arg(long, value_delimiter = ',')]
        needs: Vec<Capability>,
        /// Reach in km (default 16: the home-visit limit).
        #[arg(long, default_value_t = 16.0)]
        radius_km: f64,
        /// Providers required within the radius.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=20))]
        min_providers: u16,
        /// Print CSV (UTF-8 with BOM, Japanese headers), as GET /api/coverage?format=csv.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Issue a token for a pharmacy; it is printed once and only its hash is stored.
    Issue {
        /// The SQLite database.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// The pharmacy's facility id (e.g. mhlw-4354300000486).
        #[arg(long)]
        facility: String,
        /// Who holds it (free text, shown by `token list`).
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke a token by id, or every token of a facility.
    Revoke {
        /// The SQLite database.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// Token id (from `token issue` or `token list`).
        #[arg(long, conflicts_with = "facility", required_unless_present = "facility")]
        id: Option<i64>,
        /// Revoke every active token of this facility.
        #[arg(long)]
        facility: Option<String>,
    },
    /// List tokens (never the secrets).
    List {
        /// The SQLite database.
        #[arg(long, env = "KANWAMAP_DB")]
        db: PathBuf,
        /// Only this facility.
        #[arg(long)]
        facility: Option<String>,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,kanwamap=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Import { data_dir, prefecture, db, manifest, report, allow_shrink } => {
            import(data_dir, prefecture, db, manifest, report, allow_shrink)
        }
        Command::Serve { db, addr, web_dir, basemap_url, basemap_attribution, stock_writes_per_minute } => {
            serve(db, addr, web_dir, web_config(basemap_url, basemap_attribution)?, stock_writes_per_minute)
        }
        Command::Token { action } => token(action),
        Command::Coverage { db, kind, needs, radius_km, min_providers, csv } => {
            coverage(db, kind, needs, radius_km, usize::from(min_providers), csv)
        }
        Command::Nearest { db, lat, lon, kind, needs, k, max_km, json } => nearest(
            db,
            NearestQuery {
                lat,
                lon,
                kind,
                needs: needs.into_iter().collect::<CapabilitySet>(),
                k: usize::from(k),
                max_m: max_km.map(|km| km * 1000.0),
            },
            json,
        ),
    }
}

fn import(
    data_dir: PathBuf,
    prefecture: String,
    db: PathBuf,
    manifest: Option<PathBuf>,
    report: Option<PathBuf>,
    allow_shrink: bool,
) -> Result<()> {
    let manifest = match manifest {
        Some(path) => Manifest::load(&path)?,
        None => Manifest::builtin(),
    };
    let prefectures = parse_prefecture_selection(&prefecture).context("--prefecture")?;
    let started_at = std::time::SystemTime::now();
    let options = ImportOptions {
        data_dir,
        prefectures,
        manifest: manifest.clone(),
        progress: std::io::stderr().is_terminal(),
    };
    let outcome = run_import(&options)?;
    let report_path = report.unwrap_or_else(|| db.with_extension("import-rejections.csv"));
    write_rejections_csv(&report_path, &outcome.report)
        .with_context(|| format!("writing the rejection report {}", report_path.display()))?;
    let join_path = join_report_path(&report_path);
    write_join_csv(&join_path, &outcome.report)
        .with_context(|| format!("writing the 施設基準 join report {}", join_path.display()))?;
    print!("{}", summary_text(&outcome.report));
    let mut store = SqliteStore::open(&db)?;
    if !allow_shrink {
        let mut previous = store.registry_census()?;
        if let Some(last) = store.last_import()? {
            previous.source_rows = guard::source_rows_of(&last.summary);
        }
        guard::check_shrink(&previous, &outcome.census(), &manifest)?;
    }
    let summary = outcome.report.summary_json();
    let finished_at = std::time::SystemTime::now();
    let run = kanwamap::store::ImportRunInput {
        prefecture: outcome.report.prefecture.clone(),
        started_at,
        finished_at,
        summary,
    };
    let version = store.replace_registry(&outcome.registry, &run)?;
    println!(
        "\nwrote {} facilities, {} areas, {} municipalities of {} prefecture(s) to {} (registry version {version})",
        outcome.registry.facilities.len(),
        outcome.registry.areas.len(),
        outcome.registry.municipalities.len(),
        outcome.report.prefectures.len(),
        db.display()
    );
    println!("rejections ({}) written to {}", outcome.report.rejections.len(), report_path.display());
    println!(
        "施設基準 join ({} facilities: matches, merges, additions with their nearest candidates) written to {}",
        outcome.report.kijun_join.len(),
        join_path.display()
    );
    Ok(())
}

/// The 施設基準 join report next to the rejection report: `x.import-rejections.csv` →
/// `x.import-join.csv`, any other `name.csv` → `name-join.csv`.
fn join_report_path(report: &Path) -> PathBuf {
    let name = report.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let joined = if name.contains("rejections") {
        name.replacen("rejections", "join", 1)
    } else {
        let stem = report.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        format!("{stem}-join.csv")
    };
    report.with_file_name(joined)
}

fn load_atlas(db: &Path) -> Result<Atlas> {
    if !db.exists() {
        bail!("database {} does not exist: run `kanwamap import` first", db.display());
    }
    let store = SqliteStore::open(db)?;
    if store.registry_version()? == 0 {
        bail!("database {} has no registry yet: run `kanwamap import` first", db.display());
    }
    Ok(kanwamap::writer::load_snapshot(&store)?)
}

/// The page's configuration from the serve flags: `none` switches the base map off; a URL must be
/// an http(s) or same-origin (`/...`) XYZ template, so a typo fails at start-up, not in the browser.
fn web_config(url: Option<String>, attribution: Option<String>) -> Result<WebConfig> {
    let basemap = match url.as_deref().map(str::trim) {
        None | Some("") => Some(Basemap::gsi_pale()),
        Some(none) if none.eq_ignore_ascii_case("none") => None,
        Some(url) => {
            if !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/')) {
                bail!("--basemap-url must start with http://, https:// or / (or be `none`): {url}");
            }
            if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
                bail!("--basemap-url must contain {{z}}, {{x}} and {{y}}: {url}");
            }
            let attribution = match attribution {
                Some(a) => a,
                None if url == GSI_PALE_URL => Basemap::gsi_pale().attribution,
                None => String::new(),
            };
            Some(Basemap { url: url.to_owned(), attribution })
        }
    };
    Ok(WebConfig { basemap })
}

fn serve(
    db: PathBuf,
    addr: SocketAddr,
    web_dir: Option<PathBuf>,
    web_config: WebConfig,
    stock_writes_per_minute: u32,
) -> Result<()> {
    let atlas = load_atlas(&db)?;
    tracing::info!(
        facilities = atlas.facilities().len(),
        version = atlas.version(),
        stock_version = atlas.stock_version(),
        "registry loaded"
    );
    let atlas = SharedAtlas::new(atlas);
    let writer = Arc::new(StockWriter::new(SqliteStore::open(&db)?, atlas.clone()));
    let state = kanwamap::api::AppState {
        atlas,
        writer: Arc::clone(&writer),
        rate_limit: Arc::new(RateLimiter::new(stock_writes_per_minute)),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        tokio::spawn(watch_database(writer));
        kanwamap::api::serve(addr, state, web_dir, web_config).await
    })?;
    Ok(())
}

/// Picks up, within a second, what other processes write to the database: a new import (the
/// snapshot is rebuilt and swapped in) or stock written through another server.
async fn watch_database(writer: Arc<StockWriter>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let writer = Arc::clone(&writer);
        match tokio::task::spawn_blocking(move || writer.refresh()).await {
            Ok(Ok(Refresh::Unchanged)) => {}
            Ok(Ok(change)) => tracing::info!(?change, "database changed: new snapshot published"),
            Ok(Err(e)) => tracing::warn!(error = %e, "checking the database for changes failed"),
            Err(e) => tracing::warn!(error = %e, "the database check panicked"),
        }
    }
}

fn nearest(db: PathBuf, query: NearestQuery, json: bool) -> Result<()> {
    if !kanwamap::spatial::geodesy::valid_lat_lon(query.lat, query.lon) {
        bail!("--lat must be in -90..90 and --lon in -180..180");
    }
    let atlas = load_atlas(&db)?;
    let results: Vec<NearestResult> =
        atlas.nearest(&query).into_iter().map(|(f, d)| NearestResult::new(f, d)).collect();
    if json {
        let response = NearestResponse {
            origin: Origin { lat: query.lat, lon: query.lon },
            home_visit_limit_m: HOME_VISIT_LIMIT_M,
            results,
        };
        println!("{}", serde_json::to_string_pretty(&response)?);
        return Ok(());
    }
    if results.is_empty() {
        println!("no facility matches");
    }
    for (rank, r) in results.iter().enumerate() {
        let f = &r.facility;
        let limit = if r.within_home_visit_limit { "  ✓16km" } else { "" };
        println!(
            "{:>2}. {:>8.2} km  {:<14} {}  [{}] ({}){limit}\n              {}  {}",
            rank + 1,
            r.distance_m / 1000.0,
            f.kind,
            f.name,
            f.capabilities.join(","),
            f.location_precision,
            f.address.as_deref().unwrap_or(""),
            f.phone.as_deref().unwrap_or(""),
        );
    }
    Ok(())
}

fn coverage(
    db: PathBuf,
    kind: Option<FacilityKind>,
    needs: Vec<Capability>,
    radius_km: f64,
    min_providers: usize,
    csv: bool,
) -> Result<()> {
    if !(radius_km > 0.0 && radius_km <= 200.0) {
        bail!("--radius-km must be in (0, 200]");
    }
    let atlas = load_atlas(&db)?;
    if atlas.cells().is_empty() {
        bail!("database {} has no population cells: import the mesh population first", db.display());
    }
    let params = CoverageParams {
        providers: ProviderSet::of_capabilities(kind, needs.into_iter().collect()),
        radius_m: radius_km * 1000.0,
        min_providers,
    };
    let coverage = kanwamap::analysis::snapshot::coverage(&atlas, &params);
    if csv {
        print!("{}", kanwamap::api::coverage::coverage_csv(&coverage));
        return Ok(());
    }
    let percent = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0));
    let km = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}", v / 1000.0));
    println!(
        "{:<6} {:<14} {:>10} {:>10} {:>8} {:>10} {:>8} {:>6} {:>8} {:>6} {:>6} {:>6} {:>6}",
        "code",
        "area",
        "mesh pop",
        "census",
        "covered",
        "65+",
        "covered",
        "prov",
        "/100k",
        "uncov",
        "p50km",
        "p90km",
        "maxkm"
    );
    for row in coverage.areas.iter().chain(std::iter::once(&coverage.total)) {
        println!(
            "{:<6} {:<14} {:>10} {:>10} {:>8} {:>10} {:>8} {:>6} {:>8} {:>6} {:>6} {:>6} {:>6}{}",
            row.code,
            row.name,
            row.population,
            row.census_population.map_or("-".to_owned(), |p| p.to_string()),
            percent(row.covered_share),
            row.population_65plus,
            percent(row.covered_65plus_share),
            row.providers,
            row.providers_per_100k.map_or("-".to_owned(), |v| format!("{v:.1}")),
            row.uncovered_cells,
            km(row.distance_p50_m),
            km(row.distance_p90_m),
            km(row.distance_max_m),
            if row.population_complete == Some(false) { "  (mesh incomplete)" } else { "" },
        );
    }
    Ok(())
}

fn token(action: TokenAction) -> Result<()> {
    let now = std::time::SystemTime::now();
    match action {
        TokenAction::Issue { db, facility, label } => {
            let atlas = load_atlas(&db)?;
            match atlas.facility(&facility) {
                Some(f) if f.kind == FacilityKind::Pharmacy => {}
                Some(f) => bail!("{facility} is a {}, not a pharmacy: tokens are for pharmacies", f.kind),
                None => bail!("no facility with id '{facility}' in {}", db.display()),
            }
            let mut store = SqliteStore::open(&db)?;
            let (id, secret) = store.issue_token(&facility, label.as_deref(), now)?;
            eprintln!("token {id} for {facility}; it is shown only now — hand it to the pharmacy:");
            println!("{secret}");
        }
        TokenAction::Revoke { db, id, facility } => {
            let mut store = SqliteStore::open(&db)?;
            match (id, facility) {
                (Some(id), _) => {
                    if !store.revoke_token(id, now)? {
                        bail!("no active token with id {id}");
                    }
                    println!("revoked token {id}");
                }
                (None, Some(facility)) => {
                    let n = store.revoke_tokens_of(&facility, now)?;
                    println!("revoked {n} token(s) of {facility}");
                }
                (None, None) => bail!("give --id or --facility"),
            }
        }
        TokenAction::List { db, facility } => {
            let store = SqliteStore::open(&db)?;
            for t in store.tokens(facility.as_deref())? {
                println!(
                    "{:>5}  {:<24} {:<20} issued {}  {}",
                    t.id,
                    t.facility_id,
                    t.label.as_deref().unwrap_or("-"),
                    t.created_at,
                    t.revoked_at.map_or("active".to_owned(), |r| format!("revoked {r}"))
                );
            }
        }
    }
    Ok(())
}
