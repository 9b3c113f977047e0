//! Timestamps and dates as the feeds write them.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::error::IntelError;

/// RFC 3339 (`2024-10-01T12:00:00Z`, `+02:00`, fractions). CVE 5 `timestamp`s may omit the offset
/// (`2024-10-01T12:00:00`, `...00.123`): those are read as UTC, which is what CVE Services writes.
pub(crate) fn timestamp(s: &str, pointer: &str) -> Result<OffsetDateTime, IntelError> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let local = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(s, local)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|e| IntelError::model(pointer, format!("not an RFC 3339 timestamp {s:?}: {e}")))
}

pub(crate) fn opt_timestamp(
    s: Option<&str>,
    pointer: &str,
) -> Result<Option<OffsetDateTime>, IntelError> {
    s.map(|s| timestamp(s, pointer)).transpose()
}

/// `YYYY-MM-DD` (KEV, EPSS).
pub(crate) fn date(s: &str, pointer: &str) -> Result<Date, IntelError> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|e| IntelError::model(pointer, format!("not a YYYY-MM-DD date {s:?}: {e}")))
}

/// Serialisation helpers: RFC 3339 for timestamps, `YYYY-MM-DD` for dates.
pub(crate) mod ser {
    use serde::Serializer;
    use time::{Date, OffsetDateTime};

    pub fn opt_ts<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::option::serialize(t, s)
    }

    pub fn opt_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }
}
