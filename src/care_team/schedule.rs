//! Meeting schedules of cancer salons (がんサロン) and peer-support rooms (ピアサポート) as
//! published in Japanese, e.g. `毎月第1・3金曜日 11:00-12:30` or `毎週月・木 9:30-12:00, 13:00-15:30`,
//! and the next session after a moment.
//!
//! The patterns understood are the ones that occur in the seed tables and their close relatives:
//! weekly days (毎週◯曜日, 毎週月・木), nth weekdays of the month (毎月第N◯曜日, 第1・3◯曜日, 第2・第4…),
//! fixed days of the month (毎月15日), a month filter (偶数月 even months, 奇数月 odd months) and
//! time ranges (13:30～15:30, 9:30-12:00, several separated by commas). Anything else is not
//! guessed at: [`Schedule::parse`] returns `None` and the caller shows the raw text.

use std::fmt;

/// A calendar day (jiff's civil date), with the few operations schedules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub jiff::civil::Date);

impl Day {
    /// The day of a calendar date; `None` when there is no such date (month 1..=12, day 1..=31 of
    /// that month, years -9999..=9999).
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Day> {
        let year = i16::try_from(year).ok()?;
        let (month, day) = (i8::try_from(month).ok()?, i8::try_from(day).ok()?);
        jiff::civil::Date::new(year, month, day).ok().map(Day)
    }

    /// The calendar date (year, month 1..=12, day 1..=31).
    pub fn ymd(self) -> (i64, u32, u32) {
        (i64::from(self.0.year()), self.0.month().unsigned_abs().into(), self.0.day().unsigned_abs().into())
    }

    /// Day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday(self) -> u32 {
        u32::from(self.0.weekday().to_monday_zero_offset().unsigned_abs())
    }

    /// The day `days` later, or `None` past the end of the calendar.
    pub fn plus_days(self, days: i32) -> Option<Day> {
        self.0.checked_add(jiff::Span::new().days(days)).ok().map(Day)
    }

    /// The day in Japan (Asia/Tokyo, from the time-zone database bundled into the binary) and the
    /// minute of that day, at a Unix time (clamped to the calendar jiff supports).
    pub fn tokyo(now_unix: i64) -> (Day, u32) {
        let instant = jiff::Timestamp::from_second(now_unix).unwrap_or(if now_unix < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        });
        let local = instant.to_zoned_datetime(tokyo_time_zone());
        let minute = u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
        (Day(local.date()), minute)
    }
}

/// Asia/Tokyo from the bundled time-zone database; UTC+9 should the database lack it (Japan has
/// kept UTC+9 without daylight saving time since 1951).
fn tokyo_time_zone() -> jiff::tz::TimeZone {
    static TOKYO: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    TOKYO
        .get_or_init(|| {
            jiff::tz::TimeZone::get("Asia/Tokyo")
                .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(9)))
        })
        .clone()
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Weekday names in Japanese, Monday first (the order of [`Day::weekday`]).
pub const WEEKDAYS_JA: [char; 7] = ['月', '火', '水', '木', '金', '土', '日'];

/// A time range within a day, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Start.
    pub start: u32,
    /// End (after the start).
    pub end: u32,
}

impl TimeRange {
    /// `HH:MM` of a minute of the day.
    pub fn format(minute: u32) -> String {
        format!("{:02}:{:02}", minute / 60, minute % 60)
    }
}

/// Which days of a month a schedule meets on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// Every week on these weekdays (bit i = weekday i).
    Weekly(u8),
    /// The nth occurrences (bit n-1 = nth) of these weekdays in the month.
    Nth { nths: u8, weekdays: u8 },
    /// These days of the month (bit d-1 = day d).
    Dates(u32),
}

/// Which months a schedule meets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Months {
    All,
    Even,
    Odd,
}

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    days: Days,
    months: Months,
    /// Sessions in a meeting day, in order; empty when the text gives no time.
    pub times: Vec<TimeRange>,
}

/// The next meeting of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The day.
    pub day: Day,
    /// The time of that session, when the schedule gives one.
    pub time: Option<TimeRange>,
}

/// How far ahead [`Schedule::next_session`] looks: a bit more than a year covers every pattern
/// understood (the sparsest is one day every other month).
const HORIZON_DAYS: i32 = 400;

impl Schedule {
    /// Parses a published schedule; `None` when it is not one of the understood patterns.
    pub fn parse(text: &str) -> Option<Schedule> {
        let text = normalize(text);
        let mut rest = text.as_str();
        let mut months = Months::All;
        for (word, filter) in [("偶数月", Months::Even), ("奇数月", Months::Odd)] {
            if let Some(r) = rest.strip_prefix(word) {
                months = filter;
                rest = r.trim_start_matches(['の', ' ']);
            }
        }
        let (days, rest) = if let Some(r) = rest.strip_prefix("毎週") {
            let (weekdays, r) = weekday_list(r)?;
            (Days::Weekly(weekdays), r)
        } else {
            let r = rest.strip_prefix("毎月").unwrap_or(rest);
            if r.starts_with('第') {
                let (nths, r) = nth_list(r)?;
                let (weekdays, r) = weekday_list(r)?;
                (Days::Nth { nths, weekdays }, r)
            } else {
                date_list(r)?
            }
        };
        let times = time_list(rest)?;
        Some(Schedule { days, months, times })
    }

    /// Whether the schedule meets on a day.
    pub fn meets_on(&self, day: Day) -> bool {
        let (_, month, date) = day.ymd();
        let month_ok = match self.months {
            Months::All => true,
            Months::Even => month % 2 == 0,
            Months::Odd => month % 2 == 1,
        };
        let weekday_bit = 1u8 << day.weekday();
        month_ok
            && match self.days {
                Days::Weekly(weekdays) => weekdays & weekday_bit != 0,
                Days::Nth { nths, weekdays } => {
                    weekdays & weekday_bit != 0 && nths & (1 << ((date - 1) / 7)) != 0
                }
                Days::Dates(dates) => dates & (1 << (date - 1)) != 0,
            }
    }

    /// The first session not yet over at `minute` of `today` (a session that has started but not
    /// ended counts: one can still join). `None` only if nothing falls within about a year.
    pub fn next_session(&self, today: Day, minute: u32) -> Option<Session> {
        (0..HORIZON_DAYS).filter_map(|i| today.plus_days(i)).filter(|d| self.meets_on(*d)).find_map(|day| {
            if self.times.is_empty() {
                return Some(Session { day, time: None });
            }
            self.times
                .iter()
                .find(|t| day != today || t.end > minute)
                .map(|t| Session { day, time: Some(*t) })
        })
    }
}

/// Full-width digits, colons and tildes to ASCII, and the dashes and waves of ranges to '-', so the
/// parsers see one spelling.
fn normalize(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '：' => ':',
            '～' | '〜' | '~' | '－' | '‐' | '−' | 'ー' | '–' | '—' => '-',
            '、' | '，' | '､' => ',',
            '　' => ' ',
            '･' | '·' | '/' | '／' => '・',
            other => other,
        })
        .collect()
}

/// `月・木`, `金曜日`, `月曜・木曜`, `第1・3金曜日`'s weekday part: a set of weekdays and the rest.
fn weekday_list(text: &str) -> Option<(u8, &str)> {
    let mut set = 0u8;
    let mut rest = text;
    loop {
        let c = rest.chars().next()?;
        let index = WEEKDAYS_JA.iter().position(|w| *w == c)?;
        set |= 1 << index;
        rest = &rest[c.len_utf8()..];
        rest = rest.strip_prefix("曜日").or_else(|| rest.strip_prefix("曜")).unwrap_or(rest);
        match rest.strip_prefix('・') {
            Some(r) => rest = r,
            None => return Some((set, rest)),
        }
    }
}

/// `第1・3`, `第2・第4`, `第2`: a set of nths (1..=5) and the rest.
fn nth_list(text: &str) -> Option<(u8, &str)> {
    let mut set = 0u8;
    let mut rest = text;
    loop {
        rest = rest.strip_prefix('第').unwrap_or(rest);
        let (n, r) = number(rest)?;
        if !(1..=5).contains(&n) {
            return None;
        }
        set |= 1 << (n - 1);
        match r.strip_prefix('・') {
            Some(r) => rest = r,
            None => return Some((set, r)),
        }
    }
}

/// `15日`, `1日・15日`, `1・15日`: days of the month, as [`Days::Dates`], and the rest. The list must
/// end with 日: a bare number is not a date.
fn date_list(text: &str) -> Option<(Days, &str)> {
    let mut set = 0u32;
    let mut rest = text;
    loop {
        let (n, r) = number(rest)?;
        if !(1..=31).contains(&n) {
            return None;
        }
        set |= 1 << (n - 1);
        let (had_day, r) = match r.strip_prefix('日') {
            Some(r) => (true, r),
            None => (false, r),
        };
        match r.strip_prefix('・') {
            Some(r) => rest = r,
            None => return had_day.then_some((Days::Dates(set), r)),
        }
    }
}

/// Leading ASCII digits as a number, and the rest.
fn number(text: &str) -> Option<(u32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    Some((text[..digits].parse().ok()?, &text[digits..]))
}

/// `13:30-15:30`, `9:30-12:00, 13:00-15:30`, or nothing: the sessions of a day. Anything else
/// (a note we do not understand) makes the whole schedule unparsed rather than half-read.
fn time_list(text: &str) -> Option<Vec<TimeRange>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(Vec::new());
    }
    let mut times = Vec::new();
    for part in text.split(',').map(str::trim) {
        let (start, end) = part.split_once('-')?;
        let range = TimeRange { start: clock(start.trim())?, end: clock(end.trim())? };
        if range.end <= range.start {
            return None;
        }
        times.push(range);
    }
    times.sort_by_key(|t| t.start);
    Some(times)
}

/// `9:30`, `13:00`, `13時30分`, `13時` as minutes after midnight.
fn clock(text: &str) -> Option<u32> {
    let (hours, rest) = number(text)?;
    let (minutes, rest) = if let Some(r) = rest.strip_prefix(':') {
        number(r)?
    } else if let Some(r) = rest.strip_prefix('時') {
        match number(r) {
            Some((m, r)) => (m, r.strip_prefix('分')?),
            None => (0, r),
        }
    } else {
        return None;
    };
    (rest.is_empty() && hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i64, m: u32, d: u32) -> Day {
        Day::from_ymd(y, m, d).expect("a real date")
    }

    fn next(text: &str, today: Day, minute: u32) -> Option<(String, Option<(u32, u32)>)> {
        let session =
            Schedule::parse(text).unwrap_or_else(|| panic!("{text} parses")).next_session(today, minute)?;
        Some((session.day.to_string(), session.time.map(|t| (t.start, t.end))))
    }

    mod calendar {
        use super::*;

        #[test]
        fn days_round_trip_and_weekdays() {
            assert_eq!(day(1970, 1, 1).weekday(), 3, "Thursday");
            assert_eq!(day(2025, 6, 13).weekday(), 4, "a Friday");
            assert_eq!(day(2000, 2, 29).to_string(), "2000-02-29");
            assert_eq!(day(2024, 12, 31).plus_days(1), Some(day(2025, 1, 1)));
            let mut d = day(-400, 1, 1);
            while d < day(2400, 1, 1) {
                let (y, m, dd) = d.ymd();
                assert_eq!(Day::from_ymd(y, m, dd), Some(d));
                d = d.plus_days(1).expect("within the calendar");
            }
        }

        #[test]
        fn impossible_dates_are_none() {
            assert_eq!(Day::from_ymd(2025, 2, 29), None);
            assert_eq!(Day::from_ymd(2025, 13, 1), None);
            assert_eq!(Day::from_ymd(2025, 0, 1), None);
            assert_eq!(Day::from_ymd(100_000, 1, 1), None);
            assert_eq!(day(9999, 12, 31).plus_days(1), None);
        }

        #[test]
        fn tokyo_is_nine_hours_ahead() {
            // 2025-06-12T15:30:00Z is 2025-06-13 00:30 in Tokyo.
            assert_eq!(Day::tokyo(1_749_742_200), (day(2025, 6, 13), 30));
            assert_eq!(Day::tokyo(0), (day(1970, 1, 1), 9 * 60));
            assert_eq!(Day::tokyo(i64::MAX).0.ymd().0, 9999, "clamped, not a panic");
        }
    }

    /// Every schedule string of the real seed table `peer_support_43.csv` (the salons publish none).
    mod real_strings {
        use super::*;

        #[test]
        fn red_cross_first_and_third_friday() {
            let s = "毎月第1・3金曜日 11:00-12:30";
            // June 2025: Fridays 6, 13, 20, 27 → 1st is 6th, 3rd is 20th.
            assert_eq!(next(s, day(2025, 6, 1), 0), Some(("2025-06-06".into(), Some((660, 750)))));
            assert_eq!(next(s, day(2025, 6, 7), 0).unwrap().0, "2025-06-20");
            // During the session it is still the next one; after it, the next is in July (4th).
            assert_eq!(next(s, day(2025, 6, 20), 700).unwrap().0, "2025-06-20");
            assert_eq!(next(s, day(2025, 6, 20), 750).unwrap().0, "2025-07-04");
        }

        #[test]
        fn medical_centre_second_tuesday() {
            let s = "毎月第2火曜日 11:00-13:00";
            assert_eq!(next(s, day(2025, 6, 1), 0), Some(("2025-06-10".into(), Some((660, 780)))));
            assert_eq!(next(s, day(2025, 6, 11), 0).unwrap().0, "2025-07-08");
            assert_eq!(next(s, day(2025, 12, 31), 0).unwrap().0, "2026-01-13");
        }

        #[test]
        fn university_hospital_third_thursday() {
            let s = "毎月第3木曜日 13:00-15:30";
            assert_eq!(next(s, day(2025, 6, 1), 0), Some(("2025-06-19".into(), Some((780, 930)))));
        }

        #[test]
        fn hotline_monday_and_thursday_two_sessions() {
            let s = "毎週月・木 9:30-12:00, 13:00-15:30";
            let parsed = Schedule::parse(s).unwrap();
            assert_eq!(parsed.times.len(), 2);
            // 2025-06-12 is a Thursday.
            assert_eq!(next(s, day(2025, 6, 12), 0), Some(("2025-06-12".into(), Some((570, 720)))));
            assert_eq!(next(s, day(2025, 6, 12), 12 * 60), Some(("2025-06-12".into(), Some((780, 930)))));
            assert_eq!(next(s, day(2025, 6, 12), 16 * 60), Some(("2025-06-16".into(), Some((570, 720)))));
        }
    }

    mod other_patterns {
        use super::*;

        #[test]
        fn weekly_with_full_width_and_wave_dash() {
            let s = "毎週水曜日　１３：３０～１５：３０";
            assert_eq!(next(s, day(2025, 6, 12), 0), Some(("2025-06-18".into(), Some((810, 930)))));
        }

        #[test]
        fn nth_without_monthly_prefix_and_repeated_dai() {
            assert_eq!(next("第2・第4土曜日 10:00-12:00", day(2025, 6, 1), 0).unwrap().0, "2025-06-14");
            assert_eq!(next("第1・3水曜 14時-16時", day(2025, 6, 2), 0).unwrap().0, "2025-06-04");
        }

        #[test]
        fn even_and_odd_months() {
            let s = "偶数月の第3土曜日 13:30～15:30";
            assert_eq!(next(s, day(2025, 7, 1), 0).unwrap().0, "2025-08-16");
            assert_eq!(next("奇数月第1月曜日", day(2025, 6, 1), 0), Some(("2025-07-07".into(), None)));
        }

        #[test]
        fn dates_of_the_month() {
            assert_eq!(next("毎月15日 10:00-11:00", day(2025, 6, 16), 0).unwrap().0, "2025-07-15");
            // The 31st skips short months.
            assert_eq!(next("毎月31日", day(2025, 6, 1), 0).unwrap().0, "2025-07-31");
        }

        #[test]
        fn fifth_weekday_is_rare_but_found() {
            // The first month after June 2025 with a fifth Monday is June 30 itself.
            assert_eq!(next("毎月第5月曜日", day(2025, 6, 1), 0).unwrap().0, "2025-06-30");
        }
    }

    mod not_understood {
        use super::*;

        #[test]
        fn vague_or_empty_text_is_not_guessed() {
            for text in [
                "",
                "不定期",
                "要予約",
                "毎月第2火曜日 午後",
                "毎月第6火曜日",
                "毎週",
                "毎月第2火曜日 15:00-13:00",
                "毎月 15",
                "毎月32日",
                "月1回程度",
            ] {
                assert_eq!(Schedule::parse(text), None, "{text:?}");
            }
        }
    }
}
