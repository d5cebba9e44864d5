//! A published coordinate pair, as read: present, absent or unreadable.

/// The latitude/longitude fields of a row, before validation against the prefecture.
#[derive(Debug, Clone, PartialEq)]
pub enum PublishedCoordinate {
    /// Both fields empty.
    Missing,
    /// A field could not be read as a number; the raw text is kept for the report.
    Unreadable {
        /// Raw latitude text.
        lat: String,
        /// Raw longitude text.
        lon: String,
    },
    /// Two numbers (not yet checked for range or plausibility).
    Value {
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lon: f64,
    },
}

impl PublishedCoordinate {
    /// Reads two text fields. Full-width digits are accepted.
    pub fn parse(lat: &str, lon: &str) -> Self {
        let (lat, lon) = (lat.trim(), lon.trim());
        if lat.is_empty() && lon.is_empty() {
            return PublishedCoordinate::Missing;
        }
        match (parse_number(lat), parse_number(lon)) {
            (Some(lat), Some(lon)) => PublishedCoordinate::Value { lat, lon },
            _ => PublishedCoordinate::Unreadable { lat: lat.to_owned(), lon: lon.to_owned() },
        }
    }

    /// The raw text for reports ("lat,lon").
    pub fn describe(&self) -> String {
        match self {
            PublishedCoordinate::Missing => String::new(),
            PublishedCoordinate::Unreadable { lat, lon } => format!("{lat},{lon}"),
            PublishedCoordinate::Value { lat, lon } => format!("{lat},{lon}"),
        }
    }
}

/// Parses a decimal number, accepting full-width digits, signs and points.
pub fn parse_number(s: &str) -> Option<f64> {
    let ascii: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' | '−' => '-',
            other => other,
        })
        .collect();
    ascii.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses a non-negative whole number (beds, counts), accepting full-width digits and thousands
/// separators.
pub fn parse_count(s: &str) -> Option<u32> {
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            other => other,
        })
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_in_either_width() {
        assert_eq!(parse_number("32.794724"), Some(32.794724));
        assert_eq!(parse_number("３２．５"), Some(32.5));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_count("１，２３４"), Some(1234));
        assert_eq!(parse_count("-3"), None);
        assert_eq!(parse_count(""), None);
    }

    #[test]
    fn coordinate_states() {
        assert_eq!(PublishedCoordinate::parse("", " "), PublishedCoordinate::Missing);
        assert_eq!(
            PublishedCoordinate::parse("0.0", "0.0"),
            PublishedCoordinate::Value { lat: 0.0, lon: 0.0 }
        );
        assert!(matches!(PublishedCoordinate::parse("32.1", "x"), PublishedCoordinate::Unreadable { .. }));
    }
}
