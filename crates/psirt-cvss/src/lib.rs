//! CVSS parsing, validation, normalisation and scoring for psirt.
//!
//! * CVSS v3.0 and v3.1: base, temporal and environmental scores, as FIRST's reference
//!   calculators compute them (v3.1 `Roundup` of specification Appendix A for both minors).
//! * CVSS v4.0: the macrovector lookup and interpolation of FIRST's reference calculator
//!   (`cvss_lookup.js`, `cvss_score.js`), including its rounding; CVSS-B/BT/BE/BTE nomenclature.
//! * CVSS v2: base, temporal and environmental scores (legacy feed data), in exact decimal
//!   arithmetic as the v2 guide's equations define them.
//!
//! Severity bands: v3 and v4 use the specifications' qualitative scale (None 0.0, Low 0.1–3.9,
//! Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0). CVSS v2 defines no such scale; by NVD
//! convention v2 scores are Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0 (never None or Critical).
//!
//! Parsing is lenient where it costs nothing and strict where it matters: metrics may come in
//! any order and optional metrics may be given as `X` (`ND` in v2), but every metric and value
//! must be known, none repeated, and all base metrics present. [`Cvss::vector`] writes the
//! canonical form (specification order, Not Defined metrics left out).
//!
//! ```
//! let cvss = psirt_cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
//! assert_eq!(cvss.score(), 9.8);
//! assert_eq!(cvss.severity(), psirt_cvss::Severity::Critical);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod metric;
mod round;
mod v2;
mod v3;
mod v4;

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

pub use error::CvssError;
pub use metric::{MetricDefinition, MetricEntry, MetricGroup, ValueDefinition};
pub use v2::CvssV2;
pub use v3::{CvssV3, V3Scores};
pub use v4::{CvssV4, Nomenclature};

/// A CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CvssVersion {
    /// CVSS v2.0.
    #[serde(rename = "2.0")]
    V2_0,
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0.
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// `"2.0"`, `"3.0"`, `"3.1"` or `"4.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V2_0 => "2.0",
            CvssVersion::V3_0 => "3.0",
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Qualitative severity rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// 0.0 (v3, v4).
    None,
    /// 0.1–3.9 (v2: 0.0–3.9).
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9 (v2: 7.0–10.0).
    High,
    /// 9.0–10.0 (v3, v4).
    Critical,
}

impl Severity {
    /// The v3/v4 qualitative severity rating scale.
    pub fn from_score(score: f64) -> Severity {
        // Scores are one-decimal values, so compare in tenths to dodge float noise.
        let tenths = (score * 10.0).round();
        if tenths <= 0.0 {
            Severity::None
        } else if tenths <= 39.0 {
            Severity::Low
        } else if tenths <= 69.0 {
            Severity::Medium
        } else if tenths <= 89.0 {
            Severity::High
        } else {
            Severity::Critical
        }
    }

    /// The NVD convention for CVSS v2 scores: Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0.
    pub fn from_v2_score(score: f64) -> Severity {
        let tenths = (score * 10.0).round();
        if tenths <= 39.0 {
            Severity::Low
        } else if tenths <= 69.0 {
            Severity::Medium
        } else {
            Severity::High
        }
    }

    /// `"NONE"`, `"LOW"`, `"MEDIUM"`, `"HIGH"` or `"CRITICAL"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "NONE",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed, validated CVSS vector of any supported version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cvss {
    /// CVSS v2.0.
    V2(CvssV2),
    /// CVSS v3.0 or v3.1.
    V3(CvssV3),
    /// CVSS v4.0.
    V4(CvssV4),
}

/// Parses a CVSS vector, detecting the version from its prefix (`CVSS:3.0/`, `CVSS:3.1/`,
/// `CVSS:4.0/`; a v2 vector has none and may be wrapped in parentheses, `(AV:N/...)`).
/// Surrounding whitespace is ignored.
pub fn parse(vector: &str) -> Result<Cvss, CvssError> {
    let s = vector.trim();
    if s.is_empty() {
        return Err(CvssError::Empty);
    }
    if let Some(rest) = s.strip_prefix("CVSS:") {
        let (ver, body) = rest.split_once('/').unwrap_or((rest, ""));
        return match ver {
            "3.0" => CvssV3::parse_body(CvssVersion::V3_0, body).map(Cvss::V3),
            "3.1" => CvssV3::parse_body(CvssVersion::V3_1, body).map(Cvss::V3),
            "4.0" => CvssV4::parse_body(body).map(Cvss::V4),
            // Some tools write the v2 vector with a prefix; it is unambiguous, so accept it.
            "2.0" => CvssV2::parse_body(body).map(Cvss::V2),
            _ => Err(CvssError::UnsupportedVersion {
                prefix: error::clip(&format!("CVSS:{ver}")),
            }),
        };
    }
    CvssV2::parse_unprefixed(s).map(Cvss::V2)
}

/// The metrics of a CVSS version with their allowed values, in vector order (what a
/// calculator UI offers). v3.0 and v3.1 share one metric set.
pub fn metric_definitions(version: CvssVersion) -> Vec<MetricDefinition> {
    match version {
        CvssVersion::V2_0 => metric::definitions(&v2::DEFS),
        CvssVersion::V3_0 | CvssVersion::V3_1 => metric::definitions(&v3::DEFS),
        CvssVersion::V4_0 => metric::definitions(&v4::DEFS),
    }
}

impl FromStr for Cvss {
    type Err = CvssError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl Cvss {
    /// The CVSS version.
    pub fn version(&self) -> CvssVersion {
        match self {
            Cvss::V2(_) => CvssVersion::V2_0,
            Cvss::V3(c) => c.version(),
            Cvss::V4(_) => CvssVersion::V4_0,
        }
    }

    /// The most specific score: v2/v3 the environmental score if any environmental metric is
    /// defined, else the temporal score if any temporal metric is, else the base score; v4 the
    /// one score the specification defines (CVSS-B, -BT, -BE or -BTE, see [`CvssV4::nomenclature`]).
    pub fn score(&self) -> f64 {
        match self {
            Cvss::V2(c) => c.score(),
            Cvss::V3(c) => c.score(),
            Cvss::V4(c) => c.score(),
        }
    }

    /// The base score (v4: the CVSS-B score, i.e. the vector with threat and environmental
    /// metrics ignored).
    pub fn base_score(&self) -> f64 {
        match self {
            Cvss::V2(c) => c.base_score(),
            Cvss::V3(c) => c.base_score(),
            Cvss::V4(c) => c.base_score(),
        }
    }

    /// Severity of [`Cvss::score`].
    pub fn severity(&self) -> Severity {
        match self {
            Cvss::V2(c) => c.severity(),
            Cvss::V3(c) => c.severity(),
            Cvss::V4(c) => c.severity(),
        }
    }

    /// The canonical vector string: prefix, metrics in specification order, Not Defined
    /// metrics left out.
    pub fn vector(&self) -> String {
        match self {
            Cvss::V2(c) => c.vector(),
            Cvss::V3(c) => c.vector(),
            Cvss::V4(c) => c.vector(),
        }
    }

    /// The value abbreviation of one metric as the vector gives it (`X`/`ND` when not defined);
    /// `None` if the version has no such metric.
    pub fn metric(&self, abbr: &str) -> Option<&'static str> {
        match self {
            Cvss::V2(c) => c.metric(abbr),
            Cvss::V3(c) => c.metric(abbr),
            Cvss::V4(c) => c.metric(abbr),
        }
    }

    /// Everything about the vector: scores, severity, each metric, sub-scores.
    pub fn breakdown(&self) -> Breakdown {
        match self {
            Cvss::V2(c) => c.breakdown(),
            Cvss::V3(c) => c.breakdown(),
            Cvss::V4(c) => c.breakdown(),
        }
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vector())
    }
}

/// Serialised as its [`Breakdown`].
impl Serialize for Cvss {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.breakdown().serialize(serializer)
    }
}

/// Scores, severity and the per-metric breakdown of a vector (what the REST API returns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The CVSS version.
    pub version: CvssVersion,
    /// The canonical vector.
    pub vector: String,
    /// See [`Cvss::score`].
    pub score: f64,
    /// Severity of `score`.
    pub severity: Severity,
    /// See [`Cvss::base_score`].
    pub base_score: f64,
    /// Severity of `base_score`.
    pub base_severity: Severity,
    /// Every metric of the version in vector order (Not Defined ones included).
    pub metrics: Vec<MetricEntry>,
    /// Intermediate and group scores.
    pub scores: SubScores,
}

/// Intermediate and group scores; fields a version does not have are absent from the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubScores {
    /// v2/v3 impact sub-score (rounded to one decimal as calculators show it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<f64>,
    /// v2/v3 exploitability sub-score (rounded to one decimal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exploitability: Option<f64>,
    /// v2/v3 temporal score (v2: only when a temporal metric is defined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal: Option<f64>,
    /// v2/v3 environmental score (v2: only when an environmental metric is defined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environmental: Option<f64>,
    /// v3 modified impact sub-score / v2 adjusted impact (rounded to one decimal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_impact: Option<f64>,
    /// v3 modified exploitability sub-score (rounded to one decimal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_exploitability: Option<f64>,
    /// v4 macrovector (EQ1–EQ6 digits), e.g. `"001100"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub macrovector: Option<String>,
    /// v4 nomenclature of the score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomenclature: Option<Nomenclature>,
}

#[cfg(test)]
mod tests;
