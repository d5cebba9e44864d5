//! One registry for every prefecture (`kanwamap import --prefecture all`) on the real national
//! files, lists of prefectures, and the guard that keeps a registry from shrinking by accident.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::{data_dir, kumamoto_db, national_db, run};
use geo::{Distance, Geodesic, Point};
use kanwamap::model::{Capability, FacilityKind};
use kanwamap::store::{Registry, SqliteStore, Store};

const HOSPITALS: &str = "01_mhlw_facilities/01-1_hospital_facility_info_20250601_ALLJAPAN.csv";
const A38: &str = "02_secondary_medical_areas/municipality_to_iryoken2_A38-20_ALLJAPAN.csv";

fn registry(db: &Path) -> Registry {
    SqliteStore::open(db).expect("open").load_registry().expect("load")
}

fn national() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| registry(national_db()))
}

/// The rows of a CSV of the data directory, by column name.
fn rows(relative: &str) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(data_dir().join(relative)).expect("data file");
    let text = String::from_utf8(bytes).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            header.iter().cloned().zip(r.iter().map(str::to_owned)).collect()
        })
        .collect()
}

mod all_prefectures {
    use super::*;

    #[test]
    fn every_hospital_with_coordinates_lands_in_one_area_of_its_own_prefecture() {
        let registry = national();
        let by_id: HashMap<&str, &kanwamap::model::Facility> =
            registry.facilities.iter().map(|f| (f.id.as_str(), f)).collect();
        let area_pref: HashMap<&str, &str> =
            registry.areas.iter().map(|a| (a.code.as_str(), a.pref_code.as_str())).collect();
        let mut checked = 0;
        let mut inside_polygon = 0;
        for row in rows(HOSPITALS) {
            let (lat, lon): (f64, f64) =
                (row["所在地座標（緯度）"].parse().unwrap(), row["所在地座標（経度）"].parse().unwrap());
            if lat == 0.0 && lon == 0.0 {
                continue;
            }
            let pref = format!("{:0>2}", row["都道府県コード"]);
            let id = format!("mhlw-{}", row["ID"]);
            let facility =
                by_id.get(id.as_str()).unwrap_or_else(|| panic!("{id} {} missing", row["正式名称"]));
            assert_eq!(facility.kind, FacilityKind::Hospital, "{id}");
            assert_eq!(facility.pref_code, pref, "{id}");
            assert_eq!(
                (facility.location.lat, facility.location.lon),
                (lat, lon),
                "{id}: official point kept"
            );
            let area = facility.area_code.as_deref().unwrap_or_else(|| panic!("{id} has no area"));
            assert_eq!(
                area_pref.get(area).copied(),
                Some(pref.as_str()),
                "{id}: area {area} of another prefecture"
            );
            let polygon = &registry.areas.iter().find(|a| a.code == area).expect("area").geometry;
            inside_polygon += usize::from(geo::Contains::contains(polygon, &Point::new(lon, lat)));
            checked += 1;
        }
        assert_eq!(checked, 7_587 - 270, "every hospital with an official coordinate");
        // The national boundaries are simplified (0.1 %): a few coastal hospitals fall just outside
        // their area's outline, although their municipality code puts them in it.
        assert!(inside_polygon * 100 >= checked * 97, "{inside_polygon} of {checked} inside their area");
        // Exactly one facility per hospital row: ids are unique in the registry.
        let ids: BTreeSet<&str> = registry.facilities.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids.len(), registry.facilities.len());
    }

    #[test]
    fn every_a38_area_exists_with_its_census_population() {
        let registry = national();
        let expected: BTreeSet<String> = rows(A38).into_iter().map(|r| r["area_code"].clone()).collect();
        let got: BTreeSet<String> = registry.areas.iter().map(|a| a.code.clone()).collect();
        assert_eq!(got, expected);
        assert_eq!(got.len(), 339);
        let prefectures: BTreeSet<&str> = registry.areas.iter().map(|a| a.pref_code.as_str()).collect();
        assert_eq!(prefectures.len(), 47);
        assert!(registry.areas.iter().all(|a| a.population.is_some_and(|p| p > 0)), "census population");
        let japan: u64 = registry.areas.iter().filter_map(|a| a.population).sum();
        assert!((125_000_000..127_000_000).contains(&japan), "2020 census of Japan: {japan}");
    }

    #[test]
    fn areas_without_mesh_population_are_incomplete_never_a_silent_zero() {
        let registry = national();
        for area in &registry.areas {
            let cells = registry.cells.iter().filter(|c| c.area_code.as_deref() == Some(&area.code)).count();
            if cells == 0 {
                assert_eq!(area.population_complete, Some(false), "area {} has no cell", area.code);
            }
            if area.population_complete == Some(true) {
                let mesh = area.mesh_population.expect("a complete area has a mesh population");
                let census = area.population.expect("census");
                let off = (mesh as f64 - census as f64).abs() / census as f64;
                assert!(off < 0.02, "area {}: mesh {mesh} vs census {census}", area.code);
            }
        }
        let tokyo: Vec<_> = registry.areas.iter().filter(|a| a.pref_code == "13").collect();
        assert!(!tokyo.is_empty() && tokyo.iter().all(|a| a.population_complete == Some(false)));
    }

    #[test]
    fn kumamoto_is_the_same_in_the_national_registry() {
        let national = national();
        let kumamoto = registry(kumamoto_db());
        let of_43: Vec<_> = national.facilities.iter().filter(|f| f.pref_code == "43").collect();
        assert_eq!(of_43.len(), kumamoto.facilities.len());
        let official =
            of_43.iter().filter(|f| f.sources.iter().any(|s| s.source == "mhlw_hospitals")).count();
        assert_eq!(official, 199, "the official Kumamoto hospitals");
        let wards = of_43.iter().filter(|f| f.capability(Capability::PalliativeWard).is_some()).count();
        assert_eq!(wards, 15, "palliative-care wards");
        let home_care = of_43.iter().filter(|f| f.capability(Capability::HomeCareSupport).is_some()).count();
        assert_eq!(home_care, 302, "home-care support clinics and hospitals");
        // Facility by facility: the same ids, areas and places as the Kumamoto-only import.
        let national_43: BTreeMap<&str, _> = of_43.iter().map(|f| (f.id.as_str(), *f)).collect();
        for f in &kumamoto.facilities {
            let n = national_43.get(f.id.as_str()).unwrap_or_else(|| panic!("{} missing", f.id));
            assert_eq!(
                (&n.area_code, &n.location, &n.capabilities),
                (&f.area_code, &f.location, &f.capabilities)
            );
        }
        let cells_43: Vec<_> = national
            .cells
            .iter()
            .filter(|c| c.area_code.as_deref().is_some_and(|a| a.starts_with("43")))
            .collect();
        assert_eq!(cells_43.len(), kumamoto.cells.len());
        assert_eq!(
            cells_43.iter().map(|c| u64::from(c.population)).sum::<u64>(),
            kumamoto.cells.iter().map(|c| u64::from(c.population)).sum::<u64>()
        );
    }

    #[test]
    fn the_report_says_per_prefecture_which_sources_were_present() {
        let summary = std::fs::read_to_string(
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("kanwamap-tests/national.import-summary.txt"),
        )
        .expect("summary");
        assert!(summary.contains("Import of 47 prefectures (all) into one registry"), "{summary}");
        let line =
            |code: &str| summary.lines().find(|l| l.starts_with(code)).unwrap_or_else(|| panic!("{code}"));
        assert!(line("43 熊本県").ends_with("16 of 16"), "{}", line("43 熊本県"));
        assert!(line("13 東京都").ends_with("4 of 15"), "{}", line("13 東京都"));
        let store = SqliteStore::open(national_db()).unwrap();
        let run = store.last_import().unwrap().expect("an import run");
        assert_eq!(run.prefecture, "all");
        let prefectures = run.summary["prefectures"].as_array().expect("per prefecture");
        assert_eq!(prefectures.len(), 47);
        let tokyo = prefectures.iter().find(|p| p["code"] == "13").unwrap();
        assert!(tokyo["missing_sources"].as_array().unwrap().iter().any(|s| s == "kijun_ika"));
        assert_eq!(tokyo["accepted_by_source"]["mhlw_hospitals"], 583);
    }

    #[test]
    fn nearest_crosses_prefecture_borders() {
        // 荒尾市 (Kumamoto) on the border with 大牟田市 (Fukuoka): the nearest hospital is across it.
        let (lat, lon) = (33.0, 130.46);
        let (ok, stdout, stderr) = run(&[
            "nearest",
            "--db",
            national_db().to_str().unwrap(),
            "--lat",
            "33.0",
            "--lon",
            "130.46",
            "--kind",
            "hospital",
            "--k",
            "5",
            "--json",
        ]);
        assert!(ok, "{stderr}");
        let answer: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let results = answer["results"].as_array().unwrap();
        assert!(results[0]["municipality_code"].as_str().unwrap().starts_with("40"), "{:?}", results[0]);
        // Brute force over every hospital of the registry, Karney distances.
        let mut brute: Vec<(f64, &str)> = national()
            .facilities
            .iter()
            .filter(|f| f.kind == FacilityKind::Hospital)
            .map(|f| {
                (
                    Geodesic.distance(Point::new(lon, lat), Point::new(f.location.lon, f.location.lat)),
                    f.id.as_str(),
                )
            })
            .collect();
        brute.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (result, (distance, id)) in results.iter().zip(&brute) {
            assert_eq!(result["id"], *id);
            assert!((result["distance_m"].as_f64().unwrap() - distance).abs() < 0.5);
        }
    }
}

mod lists {
    use super::*;

    #[test]
    fn two_prefectures_in_one_registry() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("two.sqlite");
        let (ok, stdout, stderr) = run(&[
            "import",
            "--data-dir",
            data_dir().to_str().unwrap(),
            "--prefecture",
            "43,11",
            "--db",
            db.to_str().unwrap(),
        ]);
        assert!(ok, "{stdout}\n{stderr}");
        assert!(stdout.contains("Import of 2 prefectures (11,43)"), "{stdout}");
        let registry = registry(&db);
        let prefectures: BTreeSet<&str> = registry.facilities.iter().map(|f| f.pref_code.as_str()).collect();
        assert_eq!(prefectures, BTreeSet::from(["11", "43"]));
        assert_eq!(registry.areas.len(), 20);
        assert_eq!(registry.facilities.iter().filter(|f| f.pref_code == "11").count(), 327);
    }

    #[test]
    fn a_bad_selection_names_the_item() {
        let dir = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = run(&[
            "import",
            "--data-dir",
            data_dir().to_str().unwrap(),
            "--prefecture",
            "43,48",
            "--db",
            dir.path().join("x.sqlite").to_str().unwrap(),
        ]);
        assert!(!ok);
        assert!(stderr.contains("--prefecture") && stderr.contains("'48' is not a prefecture"), "{stderr}");
    }
}

mod shrink_guard {
    use super::*;

    /// A data directory linking the real files, with the national hospital file replaced by its
    /// header and the first `rows` rows of other prefectures than Kumamoto (a partial download),
    /// cut `cut` bytes into the next row.
    fn partial_download(rows: usize, cut: Option<usize>) -> tempfile::TempDir {
        let text = std::fs::read_to_string(data_dir().join(HOSPITALS)).unwrap();
        let mut lines = text.split_inclusive('\n');
        let mut partial = lines.next().unwrap().to_owned();
        let mut others = lines.filter(|l| !l.contains(",\"43\",") && !l.contains(",43,"));
        for line in others.by_ref().take(rows) {
            partial.push_str(line);
        }
        if let Some(cut) = cut {
            let next = others.next().unwrap();
            let end = next.char_indices().nth(cut).map_or(next.len(), |(i, _)| i);
            partial.push_str(&next[..end]);
        }
        let dir = tempfile::tempdir().unwrap();
        link_tree(&data_dir(), dir.path(), &[(HOSPITALS, &partial)]);
        dir
    }

    fn link_tree(from: &Path, to: &Path, overrides: &[(&str, &str)]) {
        for entry in walk(from) {
            let relative = entry.strip_prefix(from).unwrap();
            let target = to.join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            match overrides.iter().find(|(name, _)| Path::new(name) == relative) {
                Some((_, text)) => std::fs::write(&target, text).unwrap(),
                None => std::os::unix::fs::symlink(&entry, &target).unwrap(),
            }
        }
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .flat_map(|e| {
                let path = e.unwrap().path();
                if path.is_dir() { walk(&path) } else { vec![path] }
            })
            .collect()
    }

    fn kumamoto_copy(dir: &Path) -> PathBuf {
        let db = dir.join("registry.sqlite");
        std::fs::copy(kumamoto_db(), &db).unwrap();
        db
    }

    fn hospitals_of_43(db: &Path) -> usize {
        registry(db).facilities.iter().filter(|f| f.kind == FacilityKind::Hospital).count()
    }

    #[test]
    fn a_partial_hospital_file_does_not_replace_a_good_registry() {
        let data = partial_download(470, None);
        let out = tempfile::tempdir().unwrap();
        let db = kumamoto_copy(out.path());
        let version = SqliteStore::open(&db).unwrap().registry_version().unwrap();
        let args = [
            "import",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--prefecture",
            "43",
            "--db",
            db.to_str().unwrap(),
        ];
        let (ok, stdout, stderr) = run(&args);
        assert!(!ok, "{stdout}");
        // Without 医療情報ネット, only hospitals of the 施設基準 list remain (placed from their address).
        for part in [
            "mhlw_hospitals",
            "yields 0 rows for prefecture 43 熊本県",
            "(last import: 199 rows)",
            "hospital 201 → ",
            "--allow-shrink",
        ] {
            assert!(stderr.contains(part), "{part} missing from:\n{stderr}");
        }
        assert_eq!(SqliteStore::open(&db).unwrap().registry_version().unwrap(), version, "nothing written");
        assert_eq!(hospitals_of_43(&db), 201);
        // Said to be intended, it goes through.
        let mut intended = args.to_vec();
        intended.push("--allow-shrink");
        let (ok, stdout, stderr) = run(&intended);
        assert!(ok, "{stdout}\n{stderr}");
        let official = registry(&db)
            .facilities
            .iter()
            .filter(|f| f.sources.iter().any(|s| s.source == "mhlw_hospitals"))
            .count();
        assert_eq!(official, 0, "none of the 199 official hospitals");
        assert!(hospitals_of_43(&db) < 199);
    }

    #[test]
    fn a_file_that_ends_mid_row_is_reported_as_truncated() {
        let data = partial_download(470, Some(40));
        let out = tempfile::tempdir().unwrap();
        let db = kumamoto_copy(out.path());
        let (ok, stdout, stderr) = run(&[
            "import",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--prefecture",
            "43",
            "--db",
            db.to_str().unwrap(),
            "--allow-shrink",
        ]);
        assert!(!ok, "{stdout}");
        assert!(stderr.contains("01-1_hospital_facility_info_20250601_ALLJAPAN.csv:472"), "{stderr}");
        assert!(stderr.contains("truncated"), "{stderr}");
        assert_eq!(hospitals_of_43(&db), 201);
    }

    #[test]
    fn leaving_a_prefecture_out_needs_to_be_said() {
        let out = tempfile::tempdir().unwrap();
        let db = out.path().join("two.sqlite");
        let data = data_dir();
        let import = |prefecture: &str, extra: Option<&str>| {
            let mut args = vec![
                "import",
                "--data-dir",
                data.to_str().unwrap(),
                "--prefecture",
                prefecture,
                "--db",
                db.to_str().unwrap(),
            ];
            args.extend(extra);
            run(&args)
        };
        assert!(import("11,43", None).0);
        let (ok, _, stderr) = import("43", None);
        assert!(!ok);
        assert!(
            stderr
                .contains("prefecture 11 埼玉県 is in the registry (327 facilities) but not in this import"),
            "{stderr}"
        );
        assert!(import("43,11", None).0, "the same prefectures again");
        let (ok, _, stderr) = import("43", Some("--allow-shrink"));
        assert!(ok, "{stderr}");
        let prefectures: BTreeSet<String> =
            registry(&db).facilities.iter().map(|f| f.pref_code.clone()).collect();
        assert_eq!(prefectures, BTreeSet::from(["43".to_owned()]));
    }
}
