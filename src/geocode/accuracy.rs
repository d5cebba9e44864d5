//! Accuracy of the town-level geocoder on real Kumamoto addresses: the 199 hospitals with official
//! MHLW coordinates give the error; the clinic, dental, pharmacy and 施設基準 lists give the share
//! placed at town and at municipality level. Run with `--nocapture` to see the numbers.

use geo::{Distance, Geodesic, Point};

use super::{GeocodeMatch, kumamoto_gazetteer};
use crate::ingest::CsvTable;
use crate::model::LocationPrecision;

/// The addresses of one column of a real file, in file order, with duplicates kept.
fn addresses(relative: &str, column: &str) -> Vec<String> {
    let table = CsvTable::open(&crate::test_data_dir().join(relative)).expect("file is readable");
    let column = table.column(column).expect("column exists");
    table.rows.iter().map(|r| r.get(column).to_owned()).collect()
}

/// The value at quantile `q` (nearest rank) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Counts of (town, municipality, unmatched), and the unmatched addresses.
fn precision_counts<'a>(
    results: impl Iterator<Item = (&'a str, Option<GeocodeMatch>)>,
) -> (usize, usize, Vec<String>) {
    let (mut town, mut municipality, mut unmatched) = (0, 0, Vec::new());
    for (address, found) in results {
        match found.map(|m| m.precision) {
            Some(LocationPrecision::Town) => town += 1,
            Some(_) => municipality += 1,
            None => unmatched.push(address.to_owned()),
        }
    }
    (town, municipality, unmatched)
}

#[test]
fn hospitals_are_placed_near_their_official_coordinates() {
    let gazetteer = kumamoto_gazetteer();
    let path = crate::test_data_dir().join("01_mhlw_facilities/hospital_facility_20250601_43_kumamoto.csv");
    let table = CsvTable::open(&path).expect("hospital file is readable");
    let (address, lat, lon) = (
        table.column("所在地").unwrap(),
        table.column("所在地座標（緯度）").unwrap(),
        table.column("所在地座標（経度）").unwrap(),
    );
    assert_eq!(table.rows.len(), 199);
    let mut errors_km = Vec::new();
    let (mut town, mut municipality) = (0, 0);
    let mut worst: Vec<(f64, String, String)> = Vec::new();
    for row in &table.rows {
        let official = Point::new(row.get(lon).parse::<f64>().unwrap(), row.get(lat).parse::<f64>().unwrap());
        let found = gazetteer
            .geocode(row.get(address))
            .unwrap_or_else(|| panic!("line {}: {} did not geocode", row.line, row.get(address)));
        match found.precision {
            LocationPrecision::Town => town += 1,
            _ => municipality += 1,
        }
        let km = Geodesic.distance(official, Point::new(found.lon, found.lat)) / 1000.0;
        errors_km.push(km);
        let place =
            format!("{} {:?} {:?} {:.2}", found.municipality_name, found.town, found.koaza, found.score);
        worst.push((km, row.get(address).to_owned(), place));
    }
    errors_km.sort_by(f64::total_cmp);
    let (median, p90, max) =
        (quantile(&errors_km, 0.5), quantile(&errors_km, 0.9), errors_km[errors_km.len() - 1]);
    let mean = errors_km.iter().sum::<f64>() / errors_km.len() as f64;
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (km, address, place) in worst.iter().take(8) {
        println!("  {km:6.2} km  {address}  → {place}");
    }
    println!(
        "hospitals: n={} town={town} municipality={municipality} median={median:.3} km p90={p90:.3} km \
         mean={mean:.3} km max={max:.3} km",
        errors_km.len()
    );
    assert_eq!(town + municipality, 199, "every hospital address geocodes");
    assert!(median < 0.6, "median error {median:.3} km");
    assert!(p90 < 3.0, "p90 error {p90:.3} km");
}

#[test]
fn facility_lists_geocode_at_town_or_municipality() {
    let gazetteer = kumamoto_gazetteer();
    let lists = [
        ("01_mhlw_facilities/mhlw_derived_clinic_20250601_43_kumamoto_NO_OFFICIAL_COORDS.csv", "address"),
        ("01_mhlw_facilities/mhlw_derived_dental_20250601_43_kumamoto_NO_OFFICIAL_COORDS.csv", "address"),
        ("01_mhlw_facilities/mhlw_derived_pharmacy_20250601_43_kumamoto_NO_OFFICIAL_COORDS.csv", "address"),
        ("05_palliative_lists/shisetsu_kijun_ika_43_kumamoto_full.csv", "医療機関所在地（住所）"),
    ];
    let mut all_unmatched = Vec::new();
    for (file, column) in lists {
        let mut unique = addresses(file, column);
        unique.sort();
        unique.dedup();
        let results: Vec<(&str, Option<GeocodeMatch>)> =
            unique.iter().map(|a| (a.as_str(), gazetteer.geocode(a))).collect();
        for (address, found) in &results {
            if let Some(m) = found.as_ref().filter(|m| m.score <= 0.6) {
                println!("  score {:.1}: {address} → {} {:?}", m.score, m.municipality_name, m.town);
            }
        }
        let (town, municipality, unmatched) = precision_counts(results.into_iter());
        let n = unique.len() as f64;
        println!(
            "{file}: {} unique addresses, town {town} ({:.1}%), municipality {municipality} ({:.1}%), \
             unmatched {} ({:.1}%)",
            unique.len(),
            100.0 * town as f64 / n,
            100.0 * municipality as f64 / n,
            unmatched.len(),
            100.0 * unmatched.len() as f64 / n
        );
        all_unmatched.extend(unmatched);
    }
    assert!(all_unmatched.is_empty(), "unmatched Kumamoto addresses: {all_unmatched:?}");
}

#[test]
fn five_thousand_addresses_are_a_small_job() {
    // Not a timing assertion (CONTRIBUTING: speed is measured with benches); this only exercises
    // the whole 施設基準 list, duplicates included, through the prebuilt maps.
    let gazetteer = kumamoto_gazetteer();
    let all =
        addresses("05_palliative_lists/shisetsu_kijun_ika_43_kumamoto_full.csv", "医療機関所在地（住所）");
    assert!(all.len() > 5_000);
    let placed = all.iter().take(5_000).filter(|a| gazetteer.geocode(a).is_some()).count();
    assert_eq!(placed, 5_000);
}
