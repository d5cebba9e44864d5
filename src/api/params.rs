//! Reading query parameters with errors that name the parameter and the allowed values. Unknown
//! parameters are errors too: a typo such as `lng` must not silently fall back to a default.

use std::collections::HashMap;
use std::str::FromStr;

use super::problem::Problem;
use crate::analysis::coverage::ProviderSet;
use crate::model::{
    FacilityKind, Needs, OpioidCatalogue, PharmacyService, PrefectureSet, parse_prefecture_selection,
    prefecture_number,
};

/// OpenAPI description of a `needs` parameter.
pub const NEEDS_DOC: &str = "Comma-separated, all required: capabilities (home_care_support, home_palliative_enhanced, palliative_ward, palliative_consult, palliative_outpatient, home_cancer_care, cancer_pain, backup_bed, cancer_hub), pharmacy services (sterile_compounding, open_24h, home_visits, narcotics_licence) and opioids in stock (opioid:<ingredient> or opioid:<ingredient>_<form>, see /api/opioids); services and opioids imply kind=pharmacy";

/// OpenAPI description of `include_stale`.
pub const INCLUDE_STALE_DOC: &str = "Count stock entries not updated for 30 days as in stock (default false: stale entries are shown but not counted)";

/// OpenAPI description of a `prefecture` parameter.
pub const PREFECTURE_DOC: &str = "Only these prefectures (都道府県): a 2-digit JIS code (43), a comma-separated list (11,43) or names (熊本県); each must be in the registry (see /api/prefectures). Omitted: every imported prefecture";

/// The query string of one request, checked against the parameters an endpoint accepts.
#[derive(Debug)]
pub struct Params {
    values: HashMap<String, String>,
}

impl Params {
    /// Parses `pairs`, rejecting parameters not in `allowed` and parameters given twice.
    pub fn new(pairs: Vec<(String, String)>, allowed: &[&str]) -> Result<Self, Problem> {
        let mut values = HashMap::new();
        for (key, value) in pairs {
            if !allowed.contains(&key.as_str()) {
                return Err(Problem::invalid_parameter(
                    &key,
                    format!("unknown parameter '{key}'"),
                    format!("parameters: {}", allowed.join(", ")),
                ));
            }
            if values.insert(key.clone(), value).is_some() {
                return Err(Problem::invalid_parameter(
                    &key,
                    format!("parameter '{key}' given more than once"),
                    "once; list values are comma-separated",
                ));
            }
        }
        Ok(Params { values })
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A required number within an inclusive range.
    pub fn f64_in(&self, name: &str, min: f64, max: f64) -> Result<f64, Problem> {
        let allowed = format!("a number from {min} to {max}");
        let raw = self.raw(name).ok_or_else(|| {
            Problem::invalid_parameter(name, format!("parameter '{name}' is required"), allowed.clone())
        })?;
        self.check_f64(name, raw, min, max, allowed)
    }

    /// An optional number within an inclusive range.
    pub fn optional_f64_in(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, Problem> {
        self.raw(name)
            .map(|raw| self.check_f64(name, raw, min, max, format!("a number from {min} to {max}")))
            .transpose()
    }

    fn check_f64(&self, name: &str, raw: &str, min: f64, max: f64, allowed: String) -> Result<f64, Problem> {
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
            Ok(_) => Err(Problem::invalid_parameter(name, format!("{name}={raw} is out of range"), allowed)),
            Err(_) => Err(Problem::invalid_parameter(name, format!("{name}={raw} is not a number"), allowed)),
        }
    }

    /// An optional whole number within an inclusive range, with a default.
    pub fn usize_in(&self, name: &str, min: usize, max: usize, default: usize) -> Result<usize, Problem> {
        let Some(raw) = self.raw(name) else { return Ok(default) };
        let allowed = format!("a whole number from {min} to {max}");
        match raw.parse::<usize>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            Ok(_) => Err(Problem::invalid_parameter(name, format!("{name}={raw} is out of range"), allowed)),
            Err(_) => {
                Err(Problem::invalid_parameter(name, format!("{name}={raw} is not a whole number"), allowed))
            }
        }
    }

    /// An optional boolean (`true`/`false`/`1`/`0`).
    pub fn bool(&self, name: &str) -> Result<bool, Problem> {
        match self.raw(name) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(other) => Err(Problem::invalid_parameter(
                name,
                format!("{name}={other} is not a boolean"),
                "true, false",
            )),
        }
    }

    /// An optional facility kind.
    pub fn kind(&self, name: &str) -> Result<Option<FacilityKind>, Problem> {
        self.raw(name)
            .map(|raw| {
                FacilityKind::from_str(raw).map_err(|e| {
                    Problem::invalid_parameter(name, e.to_string(), crate::model::allowed_kinds())
                })
            })
            .transpose()
    }

    /// A comma-separated list of needs, all required: capabilities, pharmacy services and
    /// `opioid:<ingredient>[_<form>]` products in stock.
    pub fn needs(&self, name: &str) -> Result<Needs, Problem> {
        let Some(raw) = self.raw(name) else { return Ok(Needs::default()) };
        Needs::parse(raw, OpioidCatalogue::builtin()).map_err(|detail| {
            Problem::invalid_parameter(
                name,
                detail,
                format!(
                    "capabilities ({}), pharmacy services ({}), opioid:<ingredient>[_<form>] (see /api/opioids)",
                    crate::model::allowed_capabilities(),
                    PharmacyService::ALL.map(PharmacyService::as_str).join(", ")
                ),
            )
        })
    }

    /// The provider set of a request: `kind`, `needs` and `include_stale`. Stock and service needs
    /// only pharmacies can meet, so they imply `kind=pharmacy` and conflict with any other kind.
    pub fn providers(&self) -> Result<ProviderSet, Problem> {
        let mut kind = self.kind("kind")?;
        let needs = self.needs("needs")?;
        if needs.concerns_stock() {
            match kind {
                None => kind = Some(FacilityKind::Pharmacy),
                Some(FacilityKind::Pharmacy) => {}
                Some(other) => {
                    return Err(Problem::invalid_parameter(
                        "needs",
                        format!(
                            "opioid stock and pharmacy services are registered by pharmacies only, not by kind={}",
                            other.as_str()
                        ),
                        "kind=pharmacy (or no kind) with opioid:… or service needs",
                    ));
                }
            }
        }
        Ok(ProviderSet { kind, needs, include_stale: self.bool("include_stale")? })
    }

    /// An optional string.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.raw(name)
    }

    /// An optional selection of prefectures among those the registry holds (`imported`): 2-digit
    /// codes (`43`) or names (`熊本県`), comma-separated (`11,43`). Stricter than the import's
    /// `--prefecture`: `all` is refused (omitting the parameter means every imported prefecture;
    /// `all` would name prefectures the registry may not hold), and so are codes of one digit (`4`
    /// is more likely a slip than 04).
    pub fn prefectures(&self, name: &str, imported: PrefectureSet) -> Result<Option<PrefectureSet>, Problem> {
        let Some(raw) = self.raw(name) else { return Ok(None) };
        let allowed = || {
            format!(
                "prefectures in the registry: {} (2-digit codes or names, comma-separated, e.g. {})",
                imported.describe(),
                imported.codes().next().unwrap_or_else(|| "43".to_owned())
            )
        };
        let mut set = PrefectureSet::EMPTY;
        for item in raw.split([',', '、']).map(str::trim).filter(|i| !i.is_empty()) {
            let refuse = |detail: String| Problem::invalid_parameter(name, detail, allowed());
            if item.eq_ignore_ascii_case("all") {
                return Err(refuse(format!(
                    "{name}=all is not accepted: omit {name} for every prefecture in the registry"
                )));
            }
            if item.chars().all(|c| c.is_ascii_digit()) && item.len() != 2 {
                return Err(refuse(format!("'{item}' is not a 2-digit prefecture code")));
            }
            let code = match parse_prefecture_selection(item).as_deref() {
                Ok([code]) => code.clone(),
                _ => return Err(refuse(format!("'{item}' is not a prefecture"))),
            };
            let Some(n) = prefecture_number(&code).filter(|n| imported.contains(*n)) else {
                let label = PrefectureSet::from_codes([code.as_str()]).map_or(code.clone(), |p| p.describe());
                return Err(refuse(format!("prefecture {label} is not in the registry")));
            };
            set.insert(n);
        }
        if set.is_empty() {
            return Err(Problem::invalid_parameter(name, format!("{name} names no prefecture"), allowed()));
        }
        Ok(Some(set))
    }

    /// An optional bounding box `min_lon,min_lat,max_lon,max_lat`.
    pub fn bbox(&self, name: &str) -> Result<Option<[f64; 4]>, Problem> {
        let Some(raw) = self.raw(name) else { return Ok(None) };
        let allowed = "min_lon,min_lat,max_lon,max_lat in degrees, min < max";
        let numbers: Vec<f64> =
            raw.split(',').map(|s| s.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                Problem::invalid_parameter(
                    name,
                    format!("{name}={raw} has a value that is not a number"),
                    allowed,
                )
            })?;
        let [x0, y0, x1, y1] = numbers[..] else {
            return Err(Problem::invalid_parameter(
                name,
                format!("{name} needs 4 numbers, got {}", numbers.len()),
                allowed,
            ));
        };
        let ok = crate::spatial::geodesy::valid_lat_lon(y0, x0)
            && crate::spatial::geodesy::valid_lat_lon(y1, x1)
            && x0 < x1
            && y0 < y1;
        if !ok {
            return Err(Problem::invalid_parameter(
                name,
                format!("{name}={raw} is not a valid box"),
                allowed,
            ));
        }
        Ok(Some([x0, y0, x1, y1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Capability;

    fn params(q: &[(&str, &str)], allowed: &[&str]) -> Result<Params, Problem> {
        Params::new(q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), allowed)
    }

    #[test]
    fn unknown_and_repeated_parameters_are_rejected() {
        let err = params(&[("lng", "130")], &["lat", "lon"]).unwrap_err();
        assert_eq!(err.parameter.as_deref(), Some("lng"));
        assert!(err.allowed.unwrap().contains("lat, lon"));
        let err = params(&[("lat", "1"), ("lat", "2")], &["lat"]).unwrap_err();
        assert!(err.detail.contains("more than once"));
    }

    #[test]
    fn numbers_with_ranges() {
        let p = params(&[("lat", "91"), ("lon", "abc"), ("k", "0")], &["lat", "lon", "k"]).unwrap();
        assert!(p.f64_in("lat", -90.0, 90.0).unwrap_err().detail.contains("out of range"));
        assert!(p.f64_in("lon", -180.0, 180.0).unwrap_err().detail.contains("not a number"));
        assert!(p.usize_in("k", 1, 100, 5).unwrap_err().allowed.unwrap().contains("1 to 100"));
        let p = params(&[], &["lat", "k"]).unwrap();
        assert!(p.f64_in("lat", -90.0, 90.0).unwrap_err().detail.contains("required"));
        assert_eq!(p.usize_in("k", 1, 100, 5).unwrap(), 5);
        let p = params(&[("lat", "NaN")], &["lat"]).unwrap();
        assert!(p.f64_in("lat", -90.0, 90.0).is_err());
    }

    #[test]
    fn vocabulary() {
        let p = params(
            &[("kind", "hospice"), ("needs", "home_care_support,cancer_pain"), ("bad", "x,nope")],
            &["kind", "needs", "bad"],
        )
        .unwrap();
        assert!(p.kind("kind").unwrap_err().allowed.unwrap().contains("visiting_nurse"));
        let needs = p.needs("needs").unwrap().capabilities;
        assert!(needs.contains(Capability::HomeCareSupport) && needs.contains(Capability::CancerPain));
        assert_eq!(p.needs("bad").unwrap_err().parameter.as_deref(), Some("bad"));
    }

    #[test]
    fn stock_needs_imply_pharmacies() {
        let allowed = ["kind", "needs", "include_stale"];
        let p =
            params(&[("needs", "opioid:fentanyl_patch_3day,open_24h"), ("include_stale", "true")], &allowed)
                .unwrap();
        let set = p.providers().unwrap();
        assert_eq!(set.kind, Some(FacilityKind::Pharmacy));
        assert!(set.include_stale && set.concerns_stock());
        let p = params(&[("needs", "opioid:fentanyl"), ("kind", "clinic")], &allowed).unwrap();
        assert_eq!(p.providers().unwrap_err().parameter.as_deref(), Some("needs"));
        let p = params(&[("needs", "opioid:codeine")], &allowed).unwrap();
        let err = p.providers().unwrap_err();
        assert!(err.detail.contains("codeine") && err.allowed.unwrap().contains("/api/opioids"));
        let p = params(&[("needs", "home_care_support")], &allowed).unwrap();
        assert_eq!(p.providers().unwrap().kind, None);
    }

    #[test]
    fn bbox() {
        let p = params(&[("a", "130,32,131,33"), ("b", "131,32,130,33"), ("c", "1,2,3")], &["a", "b", "c"])
            .unwrap();
        assert_eq!(p.bbox("a").unwrap(), Some([130.0, 32.0, 131.0, 33.0]));
        assert!(p.bbox("b").is_err());
        assert!(p.bbox("c").unwrap_err().detail.contains("4 numbers"));
    }

    #[test]
    fn prefectures() {
        let imported = PrefectureSet::from_codes(["11", "43"]).unwrap();
        let p =
            params(&[("a", "43"), ("b", "熊本県, 11,43"), ("c", ""), ("d", " , ")], &["a", "b", "c", "d"])
                .unwrap();
        assert_eq!(p.prefectures("a", imported).unwrap(), PrefectureSet::from_codes(["43"]));
        assert_eq!(p.prefectures("b", imported).unwrap(), Some(imported));
        assert_eq!(p.prefectures("c", imported).unwrap(), None, "empty is absent");
        assert!(p.prefectures("d", imported).unwrap_err().detail.contains("names no prefecture"));
        for (value, detail) in [
            ("13", "13 東京都 is not in the registry"),
            ("all", "omit prefecture"),
            ("4", "not a 2-digit"),
            ("043", "not a 2-digit"),
            ("48", "'48' is not a prefecture"),
            ("熊本", "'熊本' is not a prefecture"),
            ("43,東京都", "13 東京都 is not in the registry"),
        ] {
            let p = params(&[("prefecture", value)], &["prefecture"]).unwrap();
            let err = p.prefectures("prefecture", imported).unwrap_err();
            assert_eq!((err.status, err.parameter.as_deref()), (400, Some("prefecture")));
            assert!(err.detail.contains(detail), "{value}: {}", err.detail);
            assert!(err.allowed.unwrap().contains("11 埼玉県, 43 熊本県"), "{value}");
        }
    }
}
