//! Advisory ids: `<PREFIX>-SA-<YEAR>-<NNNN>`, e.g. `ACME-SA-2026-0042`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{DomainError, FieldError};

const MAX_PREFIX: usize = 16;

/// A parsed advisory id. The number has at least four digits when written (more once past 9999).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AdvisoryId {
    prefix: String,
    year: i32,
    number: u32,
}

/// A configured prefix: 1–16 uppercase ASCII letters or digits, starting with a letter (so the id
/// stays a valid CSAF file name and never looks like a date).
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    let ok_chars = prefix
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if prefix.is_empty() || prefix.len() > MAX_PREFIX {
        Err(format!("must be 1 to {MAX_PREFIX} characters"))
    } else if !ok_chars || !prefix.starts_with(|c: char| c.is_ascii_uppercase()) {
        Err("must be uppercase letters and digits, starting with a letter".into())
    } else {
        Ok(())
    }
}

impl AdvisoryId {
    pub fn new(prefix: &str, year: i32, number: u32) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        if let Err(why) = check_prefix(prefix) {
            errors.push(FieldError::new("prefix", why));
        }
        if !(1970..=9999).contains(&year) {
            errors.push(FieldError::new("year", "must be between 1970 and 9999"));
        }
        if number == 0 {
            errors.push(FieldError::new("number", "must be at least 1"));
        }
        if errors.is_empty() {
            Ok(Self {
                prefix: prefix.to_owned(),
                year,
                number,
            })
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    /// The id after the highest of `existing` with the same prefix and year (or number 1).
    pub fn next<'a>(
        prefix: &str,
        year: i32,
        existing: impl IntoIterator<Item = &'a AdvisoryId>,
    ) -> Result<Self, DomainError> {
        let highest = existing
            .into_iter()
            .filter(|id| id.prefix == prefix && id.year == year)
            .map(|id| id.number);
        Self::new(prefix, year, next_number(highest))
    }
}

/// The number after the highest of `numbers` (1 when there is none).
pub fn next_number(numbers: impl IntoIterator<Item = u32>) -> u32 {
    numbers.into_iter().max().unwrap_or(0).saturating_add(1)
}

impl fmt::Display for AdvisoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-SA-{}-{:04}", self.prefix, self.year, self.number)
    }
}

impl FromStr for AdvisoryId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::UnknownValue {
            kind: "advisory id (expected PREFIX-SA-YYYY-NNNN)",
            value: s.to_owned(),
        };
        let (prefix, rest) = s.split_once("-SA-").ok_or_else(bad)?;
        let (year, number) = rest.split_once('-').ok_or_else(bad)?;
        let digits = |t: &str, min: usize| t.len() >= min && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || year.len() != 4 || !digits(number, 4) {
            return Err(bad());
        }
        // Canonical form only: `0042`, not `00042` (one advisory, one spelling).
        if number.len() > 4 && number.starts_with('0') {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        let number = number.parse().map_err(|_| bad())?;
        Self::new(prefix, year, number).map_err(|_| bad())
    }
}

impl TryFrom<String> for AdvisoryId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        s.parse()
    }
}

impl From<AdvisoryId> for String {
    fn from(id: AdvisoryId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let id = AdvisoryId::new("ACME", 2026, 42).unwrap();
        assert_eq!(id.to_string(), "ACME-SA-2026-0042");
        assert_eq!("ACME-SA-2026-0042".parse::<AdvisoryId>().unwrap(), id);
        let big = AdvisoryId::new("X1", 2026, 12345).unwrap();
        assert_eq!(big.to_string(), "X1-SA-2026-12345");
        assert_eq!(big.to_string().parse::<AdvisoryId>().unwrap(), big);
        assert_eq!(
            serde_json::to_value(&id).unwrap(),
            serde_json::json!("ACME-SA-2026-0042")
        );
    }

    #[test]
    fn rejects_malformed_ids_and_prefixes() {
        for bad in [
            "acme-SA-2026-0042",
            "ACME-SA-2026-42",
            "ACME-SA-26-0042",
            "ACME-2026-0042",
            "ACME-SA-2026-0000",
            "ACME-SA-2026-00042",
            "1ACME-SA-2026-0042",
            "-SA-2026-0042",
            "AC_ME-SA-2026-0042",
            "ACME-SA-2026-0042x",
        ] {
            assert!(bad.parse::<AdvisoryId>().is_err(), "{bad}");
        }
        assert!(check_prefix("ACME2").is_ok());
        assert!(check_prefix("").is_err());
        assert!(check_prefix("Acme").is_err());
        assert!(check_prefix("ABCDEFGHIJKLMNOPQ").is_err());
    }

    #[test]
    fn next_follows_the_highest_number_of_the_same_prefix_and_year() {
        let ids: Vec<AdvisoryId> = [
            "ACME-SA-2026-0007",
            "ACME-SA-2026-0003",
            "ACME-SA-2025-0099",
            "OTHER-SA-2026-0050",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        assert_eq!(
            AdvisoryId::next("ACME", 2026, &ids).unwrap().to_string(),
            "ACME-SA-2026-0008"
        );
        assert_eq!(
            AdvisoryId::next("ACME", 2027, &ids).unwrap().to_string(),
            "ACME-SA-2027-0001"
        );
        assert!(AdvisoryId::next("acme", 2026, &ids).is_err());
        assert_eq!(next_number([]), 1);
    }
}
