//! Counting time toward a deadline: calendar time, or business days in an IANA time zone with
//! weekends and listed holidays; and showing a UTC time in a user's time zone.
//!
//! Business-day rules (the clock "stops" outside business days):
//! * a target in days lands on the Nth business day after the start, at the start's local time
//!   of day; a start on a non-business day counts from 00:00 of the next business day;
//! * a target in hours (and any paused time pushed onto a due time) counts only the time that
//!   falls on business days, local midnight to local midnight, so a 23 h or 25 h DST day counts
//!   its real length.
//!
//! Calendar mode: hours are elapsed hours; days keep the local time of day in the policy's zone
//! (so "30 d" from 10:00 Berlin ends at 10:00 Berlin even across a DST change).
//!
//! The tz database is bundled with `jiff` (feature `tzdb-bundle-always`): results do not depend
//! on the host's /usr/share/zoneinfo.

use std::collections::BTreeSet;

use jiff::civil;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::policy::SlaDuration;
use super::ClockError;
use crate::case::named_enum;
use crate::{DomainError, FieldError};

/// Upper bound on days walked in one computation (about 30 years): far beyond any valid target
/// (at most ten years) plus pauses, so absurd input ends in an error instead of a hang.
const MAX_DAYS_WALKED: u32 = 3_660 * 3;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountingMode {
    /// Every hour counts (GitLab's SLAs are in calendar days).
    #[default]
    Calendar,
    /// Only time on business days counts.
    BusinessDays,
}
named_enum!(CountingMode, "counting mode" {
    Calendar => "calendar", BusinessDays => "business_days",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOfWeek {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}
named_enum!(DayOfWeek, "day of week" {
    Monday => "monday", Tuesday => "tuesday", Wednesday => "wednesday", Thursday => "thursday",
    Friday => "friday", Saturday => "saturday", Sunday => "sunday",
});

impl DayOfWeek {
    fn index(self) -> usize {
        self as usize
    }
}

/// The business calendar as an admin edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessCalendar {
    /// IANA name, e.g. `Europe/Berlin`; also the zone in which calendar days are counted.
    pub time_zone: String,
    /// Days that never count (default Saturday and Sunday).
    pub weekend: Vec<DayOfWeek>,
    /// Local dates that do not count, written `YYYY-MM-DD`.
    #[serde(with = "iso_dates")]
    pub holidays: Vec<Date>,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self {
            time_zone: "UTC".to_owned(),
            weekend: vec![DayOfWeek::Saturday, DayOfWeek::Sunday],
            holidays: Vec::new(),
        }
    }
}

impl BusinessCalendar {
    /// Field errors, with `prefix` naming where the calendar sits in the input.
    pub fn check(&self, prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if TimeZone::get(&self.time_zone).is_err() {
            errors.push(FieldError::new(
                format!("{prefix}time_zone"),
                format!("unknown IANA time zone `{}`", self.time_zone),
            ));
        }
        let weekend: BTreeSet<_> = self.weekend.iter().collect();
        if weekend.len() >= 7 {
            errors.push(FieldError::new(
                format!("{prefix}weekend"),
                "at least one day of the week must be a business day",
            ));
        }
        errors
    }
}

/// A validated, ready-to-use way of counting: a mode plus the calendar's zone and days off.
#[derive(Debug, Clone)]
pub struct Counting {
    mode: CountingMode,
    tz: TimeZone,
    weekend: [bool; 7],
    holidays: BTreeSet<civil::Date>,
}

impl Counting {
    pub fn new(mode: CountingMode, calendar: &BusinessCalendar) -> Result<Self, ClockError> {
        let errors = calendar.check("");
        if !errors.is_empty() {
            return Err(ClockError::Invalid(errors));
        }
        let tz = TimeZone::get(&calendar.time_zone)
            .map_err(|_| ClockError::UnknownTimeZone(calendar.time_zone.clone()))?;
        let mut weekend = [false; 7];
        for d in &calendar.weekend {
            weekend[d.index()] = true;
        }
        let holidays = calendar
            .holidays
            .iter()
            .map(|d| to_civil(*d))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            mode,
            tz,
            weekend,
            holidays,
        })
    }

    /// Elapsed time in UTC: what regulatory deadlines use (the law counts real hours).
    pub fn exact() -> Self {
        Self {
            mode: CountingMode::Calendar,
            tz: TimeZone::UTC,
            weekend: [false; 7],
            holidays: BTreeSet::new(),
        }
    }

    pub fn mode(&self) -> CountingMode {
        self.mode
    }

    /// Whether `date` (a local date in the calendar's zone) is a business day.
    pub fn is_business_day(&self, date: Date) -> bool {
        to_civil(date).is_ok_and(|d| self.is_business(d))
    }

    /// The due time of a target counted from `start`. Always ≥ `start`.
    pub fn due(
        &self,
        start: OffsetDateTime,
        target: SlaDuration,
    ) -> Result<OffsetDateTime, ClockError> {
        match (self.mode, target) {
            (CountingMode::Calendar, SlaDuration::Hours(h)) => start
                .checked_add(Duration::hours(h.max(0)))
                .ok_or(ClockError::OutOfRange("due time")),
            (CountingMode::Calendar, SlaDuration::Days(n)) => {
                let local = to_ts(start)?.to_zoned(self.tz.clone());
                let span = jiff::Span::new()
                    .try_days(n.max(0))
                    .map_err(|_| ClockError::OutOfRange("target"))?;
                let due = local
                    .checked_add(span)
                    .map_err(|_| ClockError::OutOfRange("due time"))?;
                from_ts(due.timestamp())
            }
            (CountingMode::BusinessDays, SlaDuration::Days(n)) => self.add_business_days(start, n),
            (CountingMode::BusinessDays, SlaDuration::Hours(h)) => {
                self.add_counted(start, Duration::hours(h.max(0)))
            }
        }
    }

    /// The time between `from` and `to` that counts (zero if `to` ≤ `from`).
    pub fn counted_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Duration, ClockError> {
        if to <= from {
            return Ok(Duration::ZERO);
        }
        if self.mode == CountingMode::Calendar {
            return Ok(to - from);
        }
        let mut total = Duration::ZERO;
        let mut t = from;
        for _ in 0..MAX_DAYS_WALKED {
            let (date, next) = self.day_of(t)?;
            let end = next.min(to);
            if self.is_business(date) {
                total += end - t;
            }
            if next >= to {
                return Ok(total);
            }
            t = next;
        }
        Err(ClockError::OutOfRange("counted span"))
    }

    /// `t` pushed by `amount` of counted time (e.g. the counted length of a pause).
    pub fn add_counted(
        &self,
        t: OffsetDateTime,
        amount: Duration,
    ) -> Result<OffsetDateTime, ClockError> {
        if amount <= Duration::ZERO {
            return Ok(t);
        }
        if self.mode == CountingMode::Calendar {
            return t
                .checked_add(amount)
                .ok_or(ClockError::OutOfRange("due time"));
        }
        let mut left = amount;
        let mut t = t;
        for _ in 0..MAX_DAYS_WALKED {
            let (date, next) = self.day_of(t)?;
            if self.is_business(date) {
                let span = next - t;
                if left <= span {
                    return Ok(t + left);
                }
                left -= span;
            }
            t = next;
        }
        Err(ClockError::OutOfRange("due time"))
    }

    fn add_business_days(
        &self,
        start: OffsetDateTime,
        n: i64,
    ) -> Result<OffsetDateTime, ClockError> {
        let local = to_ts(start)?.to_zoned(self.tz.clone());
        let (mut date, time_of_day) = if self.is_business(local.date()) {
            (local.date(), Some(local.time()))
        } else {
            // Counting starts when the next business day starts.
            (self.next_business_day(local.date())?, None)
        };
        for _ in 0..n.max(0) {
            date = self.next_business_day(date)?;
        }
        match time_of_day {
            Some(tod) => {
                // A local time inside a DST gap resolves to the later instant ("compatible").
                let due = date
                    .to_datetime(tod)
                    .to_zoned(self.tz.clone())
                    .map_err(|_| ClockError::OutOfRange("due time"))?;
                from_ts(due.timestamp())
            }
            None => self.start_of(date),
        }
    }

    fn next_business_day(&self, mut date: civil::Date) -> Result<civil::Date, ClockError> {
        for _ in 0..MAX_DAYS_WALKED {
            date = date
                .tomorrow()
                .map_err(|_| ClockError::OutOfRange("date"))?;
            if self.is_business(date) {
                return Ok(date);
            }
        }
        Err(ClockError::OutOfRange("no business day found"))
    }

    fn is_business(&self, d: civil::Date) -> bool {
        let wd = d.weekday().to_monday_zero_offset();
        let weekend = usize::try_from(wd).is_ok_and(|i| self.weekend.get(i) == Some(&true));
        !weekend && !self.holidays.contains(&d)
    }

    /// The local date of `t` and the instant its next local day starts.
    fn day_of(&self, t: OffsetDateTime) -> Result<(civil::Date, OffsetDateTime), ClockError> {
        let date = to_ts(t)?.to_zoned(self.tz.clone()).date();
        let next = date
            .tomorrow()
            .map_err(|_| ClockError::OutOfRange("date"))?;
        Ok((date, self.start_of(next)?))
    }

    /// The first instant of a local date (not always 00:00 where DST starts at midnight).
    fn start_of(&self, date: civil::Date) -> Result<OffsetDateTime, ClockError> {
        let z = date
            .to_zoned(self.tz.clone())
            .and_then(|z| z.start_of_day())
            .map_err(|_| ClockError::OutOfRange("date"))?;
        from_ts(z.timestamp())
    }
}

/// `t` as the wall-clock time in `zone` (same instant, the zone's offset at that instant).
pub fn in_zone(t: OffsetDateTime, zone: &str) -> Result<OffsetDateTime, ClockError> {
    let tz = TimeZone::get(zone).map_err(|_| ClockError::UnknownTimeZone(zone.to_owned()))?;
    let offset_secs = tz.to_offset(to_ts(t)?).seconds();
    let offset = time::UtcOffset::from_whole_seconds(offset_secs)
        .map_err(|_| ClockError::OutOfRange("offset"))?;
    Ok(t.to_offset(offset))
}

/// `t` for a user in `zone`, e.g. `2026-03-29 03:30 CEST (+02:00)`.
pub fn format_in_zone(t: OffsetDateTime, zone: &str) -> Result<String, ClockError> {
    let tz = TimeZone::get(zone).map_err(|_| ClockError::UnknownTimeZone(zone.to_owned()))?;
    Ok(to_ts(t)?
        .to_zoned(tz)
        .strftime("%Y-%m-%d %H:%M %Z (%:z)")
        .to_string())
}

fn to_ts(t: OffsetDateTime) -> Result<jiff::Timestamp, ClockError> {
    jiff::Timestamp::from_nanosecond(t.unix_timestamp_nanos())
        .map_err(|_| ClockError::OutOfRange("timestamp"))
}

fn from_ts(ts: jiff::Timestamp) -> Result<OffsetDateTime, ClockError> {
    OffsetDateTime::from_unix_timestamp_nanos(ts.as_nanosecond())
        .map_err(|_| ClockError::OutOfRange("timestamp"))
}

fn to_civil(d: Date) -> Result<civil::Date, ClockError> {
    let year = i16::try_from(d.year()).map_err(|_| ClockError::OutOfRange("date"))?;
    // Month (1–12) and day (1–31) always fit an i8.
    let month = i8::try_from(u8::from(d.month())).map_err(|_| ClockError::OutOfRange("date"))?;
    let day = i8::try_from(d.day()).map_err(|_| ClockError::OutOfRange("date"))?;
    civil::Date::new(year, month, day).map_err(|_| ClockError::OutOfRange("date"))
}

/// `Vec<Date>` as `["2026-12-25", …]`: what an admin writes, not `time`'s default tuples.
mod iso_dates {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::macros::format_description;
    use time::Date;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(dates: &[Date], s: S) -> Result<S::Ok, S::Error> {
        let texts = dates
            .iter()
            .map(|d| d.format(FORMAT).map_err(serde::ser::Error::custom))
            .collect::<Result<Vec<_>, _>>()?;
        texts.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Date>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| {
                Date::parse(t, FORMAT).map_err(|_| {
                    serde::de::Error::custom(format!("`{t}` is not a YYYY-MM-DD date"))
                })
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
