//! Dates as webmasters write them, read in the site's timezone.
//!
//! Accepted: `2024-03-28`, `2024-03-28 15:46`, `2024-03-28 15:46:00`, the same with `T`, and
//! RFC 3339 with an offset (`2024-03-28T15:46:00+08:00`). A date without an offset is local time
//! in the site's timezone (Asia/Shanghai unless `site.toml` says otherwise), as on the paper
//! original; a date without a time is midnight.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// A point in time, plus whether the author gave the time of day (templates show it only then).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// The instant.
    pub timestamp: Timestamp,
    /// False for `2024-03-28`, true for `2024-03-28 15:46`.
    pub has_time: bool,
}

impl Date {
    /// Parses one of the accepted forms; `None` if it is none of them.
    pub fn parse(text: &str, tz: &TimeZone) -> Option<Date> {
        let text = text.trim();
        if let Ok(timestamp) = text.parse::<Timestamp>() {
            return Some(Date {
                timestamp,
                has_time: true,
            });
        }
        let normalized = text.replacen(' ', "T", 1);
        let has_time = normalized.contains('T');
        let civil: DateTime = if has_time {
            normalized.parse().ok()?
        } else {
            normalized
                .parse::<jiff::civil::Date>()
                .ok()?
                .to_datetime(jiff::civil::Time::midnight())
        };
        let timestamp = civil.to_zoned_datetime(tz.clone()).ok()?.timestamp();
        Some(Date {
            timestamp,
            has_time,
        })
    }

    /// The date in `tz`.
    pub fn zoned(&self, tz: &TimeZone) -> ZonedDateTime {
        self.timestamp.to_zoned_datetime(tz.clone())
    }

    /// RFC 3339 in `tz`, the form templates receive (`2024-03-28T15:46:00+08:00`).
    pub fn rfc3339(&self, tz: &TimeZone) -> String {
        self.zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    #[test]
    fn local_forms_are_read_in_the_site_timezone() {
        let tz = shanghai();
        let date = Date::parse("2024-03-28 15:46", &tz).unwrap();
        assert!(date.has_time);
        assert_eq!(date.rfc3339(&tz), "2024-03-28T15:46:00+08:00");
        assert_eq!(date.timestamp.to_string(), "2024-03-28T07:46:00Z");
        let day = Date::parse("2024-03-28", &tz).unwrap();
        assert!(!day.has_time);
        assert_eq!(day.rfc3339(&tz), "2024-03-28T00:00:00+08:00");
    }

    #[test]
    fn offsets_are_respected() {
        let tz = shanghai();
        let date = Date::parse("2024-03-28T00:00:00Z", &tz).unwrap();
        assert_eq!(date.rfc3339(&tz), "2024-03-28T08:00:00+08:00");
    }

    #[test]
    fn nonsense_is_rejected() {
        let tz = shanghai();
        assert_eq!(Date::parse("2024-13-01", &tz), None);
        assert_eq!(Date::parse("昨天", &tz), None);
        assert_eq!(Date::parse("2024/03/28", &tz), None);
    }
}
