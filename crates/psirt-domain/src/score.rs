//! A CVSS base score as exact tenths, for rules that compare or interpolate scores (bounty
//! bands, metrics) without float artefacts at band edges.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A CVSS score in tenths (0..=100). CVSS scores have one decimal, so tenths are exact where a
/// float would round (e.g. 7.0 − 0.1). JSON: the usual decimal number (`9.8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Score(u8);

impl Score {
    pub const MAX: Score = Score(100);

    /// `tenths` = score × 10; `None` above 10.0.
    pub fn from_tenths(tenths: u8) -> Option<Score> {
        (tenths <= 100).then_some(Score(tenths))
    }

    /// Accepts only values with at most one decimal in 0.0..=10.0.
    pub fn from_f64(v: f64) -> Option<Score> {
        if !v.is_finite() {
            return None;
        }
        let scaled = v * 10.0;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 || !(0.0..=100.0).contains(&rounded) {
            return None;
        }
        // In 0..=100 after the check above, so the cast is exact.
        Some(Score(rounded as u8))
    }

    pub fn tenths(self) -> u8 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Score::from_f64(v).ok_or_else(|| {
            serde::de::Error::custom(format!("{v} is not a score in 0.0..=10.0 with one decimal"))
        })
    }
}
