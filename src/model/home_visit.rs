//! The 16 km rule of insured home visits (訪問診療の16km規定): a home-care clinic may charge the
//! national health insurance for a home visit only when the patient's home lies within 16 km, in
//! a straight line, of the clinic (診療報酬 告示, 「往診料・在宅患者訪問診療料の16km規定」). The rule
//! decides which clinics can form a patient's care team, and it is the default radius of every
//! coverage analysis of home-care providers.

/// The straight-line distance within which a home visit is insured, in metres.
pub const HOME_VISIT_LIMIT_M: f64 = 16_000.0;

/// [`HOME_VISIT_LIMIT_M`] in kilometres, the unit of the analysis parameters (`radius_km`).
pub const HOME_VISIT_LIMIT_KM: f64 = HOME_VISIT_LIMIT_M / 1000.0;

/// Whether a home `distance_m` metres (geodesic, straight line) from a home-care clinic is within
/// the insured home-visit limit (the limit itself included).
///
/// ```
/// use kanwamap::model::within_home_visit_limit;
/// assert!(within_home_visit_limit(16_000.0));
/// assert!(!within_home_visit_limit(16_000.5));
/// ```
pub fn within_home_visit_limit(distance_m: f64) -> bool {
    distance_m <= HOME_VISIT_LIMIT_M
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_included_and_nothing_beyond() {
        assert!(within_home_visit_limit(0.0));
        assert!(within_home_visit_limit(HOME_VISIT_LIMIT_M));
        assert!(!within_home_visit_limit(HOME_VISIT_LIMIT_M + 0.001));
        assert!(!within_home_visit_limit(f64::NAN), "an unknown distance is not within");
        assert_eq!(HOME_VISIT_LIMIT_KM, 16.0);
    }
}
