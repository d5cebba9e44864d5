//! `kanwamap import` end to end: the real Kumamoto data, another prefecture from the national files
//! with no code change, and broken inputs.

mod common;

use std::path::{Path, PathBuf};

use common::{data_dir, kumamoto_db, run};

fn summary() -> String {
    kumamoto_db();
    std::fs::read_to_string(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("kanwamap-tests/kumamoto.import-summary.txt"),
    )
    .expect("summary written by the shared import")
}

fn rejections() -> Vec<csv::StringRecord> {
    kumamoto_db();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kanwamap-tests/kumamoto.import-rejections.csv");
    let bytes = std::fs::read(&path).expect("rejection report");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the report has a BOM so Excel reads it as UTF-8");
    csv::Reader::from_reader(&bytes[3..]).records().map(|r| r.expect("valid CSV")).collect()
}

/// The 施設基準 join report of the shared Kumamoto import, written next to its rejection report.
fn join_report() -> Vec<csv::StringRecord> {
    kumamoto_db();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kanwamap-tests/kumamoto.import-join.csv");
    let bytes = std::fs::read(&path).expect("join report");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the report has a BOM so Excel reads it as UTF-8");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header = reader.headers().expect("a header").clone();
    assert_eq!(&header[0], "outcome");
    assert_eq!(header.len(), 25, "15 columns and 5 for each of the two nearest candidates");
    reader.records().map(|r| r.expect("valid CSV")).collect()
}

/// The registry of the shared Kumamoto import, as stored.
fn registry() -> kanwamap::store::Registry {
    use kanwamap::store::Store;
    let store = kanwamap::store::SqliteStore::open(kumamoto_db()).expect("open the database");
    store.load_registry().expect("load the registry")
}

/// A data directory that links every file of the real one, except those replaced by `overrides`.
fn data_copy(overrides: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = data_dir();
    for entry in walk(&real) {
        let relative = entry.strip_prefix(&real).unwrap();
        let target = dir.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        match overrides.iter().find(|(name, _)| Path::new(name) == relative) {
            Some((_, text)) => std::fs::write(&target, text).unwrap(),
            None => std::os::unix::fs::symlink(&entry, &target).unwrap(),
        }
    }
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

mod kumamoto {
    use super::*;

    #[test]
    fn summary_counts_every_source() {
        let text = summary();
        for source in [
            "mhlw_hospitals",
            "mhlw_clinics",
            "kijun_ika",
            "municipality_boundaries",
            "visiting_nurses",
            "cancer_salons",
        ] {
            assert!(text.contains(source), "{source} missing from the summary:\n{text}");
        }
        assert!(text.contains("施設基準 join"), "{text}");
        assert!(text.contains("wrote "), "{text}");
    }

    #[test]
    fn the_registry_keeps_its_numbers() {
        use kanwamap::model::{Capability, FacilityKind, LocationPrecision};
        let registry = registry();
        let official_hospitals = registry
            .facilities
            .iter()
            .filter(|f| {
                f.kind == FacilityKind::Hospital
                    && f.id.as_str().starts_with("mhlw-")
                    && f.location.precision == LocationPrecision::Exact
            })
            .count();
        let with = |c: Capability| registry.facilities.iter().filter(|f| f.capability(c).is_some()).count();
        assert_eq!(official_hospitals, 199, "医療情報ネット hospitals of Kumamoto");
        assert_eq!(with(Capability::PalliativeWard), 15, "緩和ケア病棟");
        assert_eq!(with(Capability::HomeCareSupport), 302, "在宅療養支援診療所・病院");
    }

    #[test]
    fn no_two_hospitals_or_clinics_share_phone_and_address() {
        use kanwamap::import::join::normalize_address;
        use kanwamap::import::kijun_join::phone_digits;
        use kanwamap::model::FacilityKind;
        let registry = registry();
        let mut seen = std::collections::HashMap::new();
        let mut with_both = 0;
        for f in registry
            .facilities
            .iter()
            .filter(|f| matches!(f.kind, FacilityKind::Hospital | FacilityKind::Clinic))
        {
            let (Some(phone), Some(address)) =
                (f.phone.as_deref().and_then(phone_digits), f.address.as_deref().and_then(normalize_address))
            else {
                continue;
            };
            with_both += 1;
            if let Some(other) = seen.insert((phone, address), f.id.as_str()) {
                panic!("{other} and {} share phone and address", f.id);
            }
        }
        // Every matched or added 施設基準 facility brought its phone: the check is not vacuous.
        assert!(with_both > 1_000, "{with_both} facilities with phone and address");
    }

    #[test]
    fn the_join_report_accounts_for_every_kijun_facility() {
        let rows = join_report();
        assert_eq!(rows.len(), 1_324, "one row per 施設基準 facility");
        let count = |outcome: &str| rows.iter().filter(|r| &r[0] == outcome).count();
        // 2025-10-01 施設基準 × 2025-06-01 医療情報ネット: the numbers of the join before the
        // duplicate check existed (1,263 matched, 17 added, 44 skipped); nothing is listed twice.
        assert_eq!(
            [count("joined"), count("merged"), count("added"), count("skipped"), count("dropped")],
            [1_263, 0, 17, 44, 0]
        );
        for added in rows.iter().filter(|r| &r[0] == "added") {
            assert!(!added[6].is_empty(), "an added facility has a tracked filing: {added:?}");
            for nearest in [15, 20] {
                assert!(!added[nearest].is_empty() && !added[nearest + 4].is_empty(), "{added:?}");
            }
        }
        let summary = summary();
        assert!(summary.contains("1263 of 1324 facilities matched"), "{summary}");
        assert!(summary.contains("with a tracked filing 352 of 369"), "{summary}");
        assert!(summary.contains("0 merged into a facility already listed, 17 added"), "{summary}");
        assert!(summary.contains("施設基準 join (1324 facilities"), "{summary}");
    }

    #[test]
    fn far_away_visiting_nurse_points_are_replaced_from_their_address() {
        let rows = rejections();
        let replaced: Vec<&csv::StringRecord> = rows
            .iter()
            .filter(|r| &r[0] == "visiting_nurses" && &r[6] == "replaced" && r[5].contains("far outside"))
            .collect();
        assert_eq!(replaced.len(), 4, "{replaced:?}");
        for r in &replaced {
            assert_eq!(&r[3], "coordinate");
            assert!(r[2].parse::<u64>().unwrap() > 1, "a real line number");
        }
    }

    #[test]
    fn a_salon_placed_in_the_wrong_city_is_moved_and_reported() {
        let rows = rejections();
        assert!(
            rows.iter().any(|r| &r[0] == "cancer_salons" && &r[6] == "replaced" && r[5].contains("天草市")),
            "{rows:?}"
        );
    }
}

mod another_prefecture {
    use super::*;

    /// Saitama (11) has only national files here: hospitals (official layout), the simplified
    /// national boundaries, the national A38 table and area populations. The same binary imports it.
    #[test]
    fn saitama_imports_from_national_files() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("saitama.sqlite");
        let report = dir.path().join("saitama.csv");
        let (ok, stdout, stderr) = run(&[
            "import",
            "--data-dir",
            data_dir().to_str().unwrap(),
            "--prefecture",
            "11",
            "--db",
            db.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ]);
        assert!(ok, "{stdout}\n{stderr}");
        assert!(stdout.contains("Import of prefecture 11"), "{stdout}");
        let hospitals = stdout.lines().find(|l| l.starts_with("hospital ")).expect("hospital line");
        let total: usize = hospitals.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(total, 327, "{hospitals}");
        assert!(stdout.contains("10 areas"), "{stdout}");
        // The one hospital with a (0,0) placeholder is re-placed from its address.
        let report = std::fs::read_to_string(&report).unwrap();
        assert!(report.contains("placeholder coordinate (0,0)"), "{report}");
    }
}

mod bad_input {
    use super::*;

    #[test]
    fn a_missing_data_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = run(&[
            "import",
            "--data-dir",
            dir.path().join("nothing").to_str().unwrap(),
            "--prefecture",
            "43",
            "--db",
            dir.path().join("x.sqlite").to_str().unwrap(),
        ]);
        assert!(!ok);
        assert!(stderr.contains("municipality_boundaries") && stderr.contains("fetch-data"), "{stderr}");
    }

    #[test]
    fn an_unknown_prefecture_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = run(&[
            "import",
            "--data-dir",
            data_dir().to_str().unwrap(),
            "--prefecture",
            "99",
            "--db",
            dir.path().join("x.sqlite").to_str().unwrap(),
        ]);
        assert!(!ok);
        assert!(stderr.contains("'99' is not a prefecture"), "{stderr}");
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_the_rest_imported() {
        let hospitals = "\u{feff}\"ID\",\"正式名称\",\"都道府県コード\",\"市区町村コード\",\"所在地\",\"所在地座標（緯度）\",\"所在地座標（経度）\",\"合計病床数\"\n\
            \"431143310114\",\"熊本大学病院\",\"43\",\"101\",\"熊本県熊本市中央区本荘１丁目１番１号\",32.797198,130.71263,\"８４５\"\n\
            \"431100000001\",\"座標なし病院\",\"43\",\"202\",\"熊本県八代市大手町２丁目１－１\",0.0,0.0,\"50\"\n\
            \"431100000002\",\"\",\"43\",\"202\",\"熊本県八代市\",32.5,130.6,\"50\"\n\
            \"431100000003\",\"遠すぎる病院\",\"43\",\"202\",\"東京都千代田区\",35.68,139.76,\"50\"\n";
        let data =
            data_copy(&[("01_mhlw_facilities/01-1_hospital_facility_info_20250601_ALLJAPAN.csv", hospitals)]);
        let out = tempfile::tempdir().unwrap();
        let report = out.path().join("r.csv");
        let (ok, stdout, stderr) = run(&[
            "import",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--prefecture",
            "43",
            "--db",
            out.path().join("x.sqlite").to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ]);
        assert!(ok, "{stdout}\n{stderr}");
        let line = stdout.lines().find(|l| l.starts_with("mhlw_hospitals")).expect("hospital source line");
        let numbers: Vec<u64> = line.split_whitespace().skip(1).take(3).map(|n| n.parse().unwrap()).collect();
        assert_eq!(numbers, [4, 2, 2], "read, accepted, rejected: {line}");
        let report = std::fs::read_to_string(&report).unwrap();
        assert!(
            report.contains(",3,coordinate,\"0,0\",\"placeholder coordinate (0,0); placed from the address"),
            "{report}"
        );
        assert!(report.contains(",4,正式名称,,empty facility name,dropped"), "{report}");
        assert!(report.contains(",5,coordinate,"), "{report}");
    }

    #[test]
    fn a_missing_column_names_the_file_and_the_column() {
        let data = data_copy(&[(
            "07_care_services/kaigo_houmonkango_130_43_kumamoto.csv",
            "事業所番号,事業所名\n4360000001,x\n",
        )]);
        let out = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = run(&[
            "import",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--prefecture",
            "43",
            "--db",
            out.path().join("x.sqlite").to_str().unwrap(),
        ]);
        assert!(!ok);
        assert!(
            stderr.contains("kaigo_houmonkango_130_43_kumamoto.csv") && stderr.contains("住所"),
            "{stderr}"
        );
    }

    #[test]
    fn a_failed_import_keeps_the_previous_registry() {
        let out = tempfile::tempdir().unwrap();
        let db = out.path().join("keep.sqlite");
        std::fs::copy(kumamoto_db(), &db).unwrap();
        let data = data_copy(&[("07_care_services/kaigo_houmonkango_130_43_kumamoto.csv", "broken\n")]);
        let (ok, _, _) = run(&[
            "import",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--prefecture",
            "43",
            "--db",
            db.to_str().unwrap(),
        ]);
        assert!(!ok);
        let (ok, stdout, stderr) =
            run(&["nearest", "--db", db.to_str().unwrap(), "--lat", "32.8", "--lon", "130.7", "--json"]);
        assert!(ok, "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(json["results"].as_array().unwrap().len(), 5);
    }
}
