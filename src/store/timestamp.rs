//! RFC 3339 UTC timestamps for the import history, without a date-time dependency: the store only
//! ever formats an instant, it never parses or does calendar arithmetic.

use std::time::{SystemTime, UNIX_EPOCH};

/// Formats an instant as an RFC 3339 UTC timestamp with whole seconds, e.g.
/// `2025-06-01T09:30:00Z` (sub-second parts are truncated towards the past).
pub fn format_rfc3339_utc(instant: SystemTime) -> String {
    let seconds: i64 = match instant.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            // Floor, so 0.5 s before the epoch is 1969-12-31T23:59:59Z.
            -whole - i64::from(before.subsec_nanos() > 0)
        }
    };
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, which works in 400-year eras of 146,097 days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so that the leap day is the last day of a "year".
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(seconds: u64) -> String {
        format_rfc3339_utc(UNIX_EPOCH + Duration::from_secs(seconds))
    }

    #[test]
    fn epoch() {
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn known_instants() {
        // `date -u -d @1748770200`
        assert_eq!(at(1_748_770_200), "2025-06-01T09:30:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn sub_seconds_are_truncated() {
        let t = UNIX_EPOCH + Duration::from_millis(1_999);
        assert_eq!(format_rfc3339_utc(t), "1970-01-01T00:00:01Z");
    }

    #[test]
    fn before_the_epoch() {
        let t = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(format_rfc3339_utc(t), "1969-12-31T23:59:59Z");
        let t = UNIX_EPOCH - Duration::from_secs(86_400 * 365);
        assert_eq!(format_rfc3339_utc(t), "1969-01-01T00:00:00Z");
    }

    #[test]
    fn every_day_of_a_leap_cycle_is_consecutive() {
        // Walk 1600-03-01 .. 2400 day by day and check that dates advance by exactly one day.
        let mut previous = civil_from_days(-135_080 - 1);
        for days in -135_080..157_000 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month = d == 1 && ((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12));
            assert!(next_day || next_month, "{previous:?} -> {:?}", (y, m, d));
            previous = (y, m, d);
        }
    }
}
