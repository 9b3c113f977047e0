//! CVSS v4.0: the macrovector lookup and interpolation of FIRST's reference calculator.
//!
//! [`score::score`] follows `cvss_score.js` operation for operation, with the same f64
//! constants, so that the final `round half up (x + 1e-6)` sees the same bits.

mod lookup;
mod score;

use serde::Serialize;

use crate::metric::{
    entries, format_body, group_defined, parse_body, v, MetricDef, MetricGroup, ValueDef,
    MAX_METRICS,
};
use crate::round::round_v4;
use crate::{Breakdown, CvssError, CvssVersion, Severity, SubScores};

use MetricGroup::{Base, Environmental, Supplemental, Threat};

const N: usize = 32;

const X: ValueDef = v("X", "Not Defined");
const AV_V: &[ValueDef] = &[
    v("N", "Network"),
    v("A", "Adjacent"),
    v("L", "Local"),
    v("P", "Physical"),
];
const AC_V: &[ValueDef] = &[v("L", "Low"), v("H", "High")];
const AT_V: &[ValueDef] = &[v("N", "None"), v("P", "Present")];
const PR_V: &[ValueDef] = &[v("N", "None"), v("L", "Low"), v("H", "High")];
const UI_V: &[ValueDef] = &[v("N", "None"), v("P", "Passive"), v("A", "Active")];
const IMP_V: &[ValueDef] = &[v("H", "High"), v("L", "Low"), v("N", "None")];
const REQ_V: &[ValueDef] = &[X, v("H", "High"), v("M", "Medium"), v("L", "Low")];
const MAV_V: &[ValueDef] = &[
    X,
    v("N", "Network"),
    v("A", "Adjacent"),
    v("L", "Local"),
    v("P", "Physical"),
];
const MAC_V: &[ValueDef] = &[X, v("L", "Low"), v("H", "High")];
const MAT_V: &[ValueDef] = &[X, v("N", "None"), v("P", "Present")];
const MPR_V: &[ValueDef] = &[X, v("N", "None"), v("L", "Low"), v("H", "High")];
const MUI_V: &[ValueDef] = &[X, v("N", "None"), v("P", "Passive"), v("A", "Active")];
const MVIMP_V: &[ValueDef] = &[X, v("H", "High"), v("L", "Low"), v("N", "None")];
const MSC_V: &[ValueDef] = &[X, v("H", "High"), v("L", "Low"), v("N", "Negligible")];
const MSIA_V: &[ValueDef] = &[
    X,
    v("S", "Safety"),
    v("H", "High"),
    v("L", "Low"),
    v("N", "Negligible"),
];

const fn md(
    abbr: &'static str,
    name: &'static str,
    group: MetricGroup,
    values: &'static [ValueDef],
) -> MetricDef {
    MetricDef {
        abbr,
        name,
        group,
        mandatory: matches!(group, Base),
        values,
    }
}

/// Metric table in the order of the v4.0 specification's vector string (section 7).
pub(crate) static DEFS: [MetricDef; N] = [
    md("AV", "Attack Vector", Base, AV_V),
    md("AC", "Attack Complexity", Base, AC_V),
    md("AT", "Attack Requirements", Base, AT_V),
    md("PR", "Privileges Required", Base, PR_V),
    md("UI", "User Interaction", Base, UI_V),
    md(
        "VC",
        "Vulnerable System Confidentiality Impact",
        Base,
        IMP_V,
    ),
    md("VI", "Vulnerable System Integrity Impact", Base, IMP_V),
    md("VA", "Vulnerable System Availability Impact", Base, IMP_V),
    md(
        "SC",
        "Subsequent System Confidentiality Impact",
        Base,
        IMP_V,
    ),
    md("SI", "Subsequent System Integrity Impact", Base, IMP_V),
    md("SA", "Subsequent System Availability Impact", Base, IMP_V),
    md(
        "E",
        "Exploit Maturity",
        Threat,
        &[X, v("A", "Attacked"), v("P", "POC"), v("U", "Unreported")],
    ),
    md("CR", "Confidentiality Requirement", Environmental, REQ_V),
    md("IR", "Integrity Requirement", Environmental, REQ_V),
    md("AR", "Availability Requirement", Environmental, REQ_V),
    md("MAV", "Modified Attack Vector", Environmental, MAV_V),
    md("MAC", "Modified Attack Complexity", Environmental, MAC_V),
    md("MAT", "Modified Attack Requirements", Environmental, MAT_V),
    md("MPR", "Modified Privileges Required", Environmental, MPR_V),
    md("MUI", "Modified User Interaction", Environmental, MUI_V),
    md(
        "MVC",
        "Modified Vulnerable System Confidentiality Impact",
        Environmental,
        MVIMP_V,
    ),
    md(
        "MVI",
        "Modified Vulnerable System Integrity Impact",
        Environmental,
        MVIMP_V,
    ),
    md(
        "MVA",
        "Modified Vulnerable System Availability Impact",
        Environmental,
        MVIMP_V,
    ),
    md(
        "MSC",
        "Modified Subsequent System Confidentiality Impact",
        Environmental,
        MSC_V,
    ),
    md(
        "MSI",
        "Modified Subsequent System Integrity Impact",
        Environmental,
        MSIA_V,
    ),
    md(
        "MSA",
        "Modified Subsequent System Availability Impact",
        Environmental,
        MSIA_V,
    ),
    md(
        "S",
        "Safety",
        Supplemental,
        &[X, v("N", "Negligible"), v("P", "Present")],
    ),
    md(
        "AU",
        "Automatable",
        Supplemental,
        &[X, v("N", "No"), v("Y", "Yes")],
    ),
    md(
        "R",
        "Recovery",
        Supplemental,
        &[
            X,
            v("A", "Automatic"),
            v("U", "User"),
            v("I", "Irrecoverable"),
        ],
    ),
    md(
        "V",
        "Value Density",
        Supplemental,
        &[X, v("D", "Diffuse"), v("C", "Concentrated")],
    ),
    md(
        "RE",
        "Vulnerability Response Effort",
        Supplemental,
        &[X, v("L", "Low"), v("M", "Moderate"), v("H", "High")],
    ),
    md(
        "U",
        "Provider Urgency",
        Supplemental,
        &[
            X,
            v("Clear", "Clear"),
            v("Green", "Green"),
            v("Amber", "Amber"),
            v("Red", "Red"),
        ],
    ),
];

/// Position of E in DEFS: everything from here on but supplemental is threat/environmental.
const I_E: usize = 11;
/// Position of the first supplemental metric.
const I_SUPPLEMENTAL: usize = 26;

/// Which metric groups a CVSS v4.0 score takes into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Nomenclature {
    /// Base metrics only.
    #[serde(rename = "CVSS-B")]
    B,
    /// Base and threat metrics.
    #[serde(rename = "CVSS-BT")]
    BT,
    /// Base and environmental metrics.
    #[serde(rename = "CVSS-BE")]
    BE,
    /// Base, threat and environmental metrics.
    #[serde(rename = "CVSS-BTE")]
    BTE,
}

impl Nomenclature {
    /// `"CVSS-B"`, `"CVSS-BT"`, `"CVSS-BE"` or `"CVSS-BTE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Nomenclature::B => "CVSS-B",
            Nomenclature::BT => "CVSS-BT",
            Nomenclature::BE => "CVSS-BE",
            Nomenclature::BTE => "CVSS-BTE",
        }
    }
}

impl std::fmt::Display for Nomenclature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CVSS v4.0 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CvssV4 {
    vals: [u8; N],
}

impl CvssV4 {
    pub(crate) fn parse_body(body: &str) -> Result<CvssV4, CvssError> {
        Ok(CvssV4 {
            vals: parse_body(body, &DEFS, CvssVersion::V4_0)?,
        })
    }

    /// The score the specification defines for this vector (CVSS-B, -BT, -BE or -BTE).
    pub fn score(&self) -> f64 {
        round_v4(score::score(&score::Effective::new(&self.vals)))
    }

    /// The CVSS-B score: this vector's base metrics alone.
    pub fn base_score(&self) -> f64 {
        let mut base = self.vals;
        for v in base.iter_mut().skip(I_E) {
            *v = 0;
        }
        round_v4(score::score(&score::Effective::new(&base)))
    }

    /// Severity of [`CvssV4::score`].
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.score())
    }

    /// The macrovector (EQ1..EQ6 digits) the score is interpolated in, e.g. `"001100"`.
    pub fn macrovector(&self) -> String {
        score::Effective::new(&self.vals)
            .macrovector()
            .iter()
            .map(|d| char::from(b'0' + *d))
            .collect()
    }

    /// Which metric groups the score takes into account (supplemental metrics never count).
    pub fn nomenclature(&self) -> Nomenclature {
        let threat = group_defined(&DEFS, &self.vals, Threat);
        let env = group_defined(&DEFS, &self.vals, Environmental);
        match (threat, env) {
            (false, false) => Nomenclature::B,
            (true, false) => Nomenclature::BT,
            (false, true) => Nomenclature::BE,
            (true, true) => Nomenclature::BTE,
        }
    }

    /// Whether any supplemental metric is defined.
    pub fn has_supplemental(&self) -> bool {
        self.vals.iter().skip(I_SUPPLEMENTAL).any(|&v| v != 0)
    }

    /// Canonical vector with its `CVSS:4.0/` prefix.
    pub fn vector(&self) -> String {
        let mut out = String::with_capacity(128);
        out.push_str("CVSS:4.0/");
        format_body(&mut out, &DEFS, &self.vals);
        out
    }

    /// Value abbreviation of one metric (`X` when not defined).
    pub fn metric(&self, abbr: &str) -> Option<&'static str> {
        crate::metric::value_of(&DEFS, &self.vals, abbr)
    }

    /// See [`crate::Cvss::breakdown`].
    pub fn breakdown(&self) -> Breakdown {
        let score = self.score();
        let base = self.base_score();
        Breakdown {
            version: CvssVersion::V4_0,
            vector: self.vector(),
            score,
            severity: Severity::from_score(score),
            base_score: base,
            base_severity: Severity::from_score(base),
            metrics: entries(&DEFS, &self.vals),
            scores: SubScores {
                macrovector: Some(self.macrovector()),
                nomenclature: Some(self.nomenclature()),
                ..SubScores::default()
            },
        }
    }
}

const _: () = assert!(N <= MAX_METRICS);
