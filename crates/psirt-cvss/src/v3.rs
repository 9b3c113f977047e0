//! CVSS v3.0 and v3.1: base, temporal and environmental scores.
//!
//! The arithmetic follows FIRST's reference calculator (`cvsscalc31.js`) operation for
//! operation in f64, with the v3.1 `Roundup` of specification Appendix A. v3.0 differs only in
//! the modified impact for a changed modified scope (`(MISS-0.02)^15` instead of
//! `(MISS*0.9731-0.02)^13`); it uses the same float-safe `Roundup`, which yields the v3.0
//! definition ("smallest one-decimal number >= x") on the true value, whereas the v3.0
//! calculator's bare `Math.ceil(x*10)/10` can round float noise up (4.000000000000001 -> 4.1).
//!
//! The oracle (Red Hat's `cvss` package) rounds the exact decimal value up instead of using
//! Appendix A's 5-decimal tolerance; `tests/roundup_exhaustive.py` checks the whole v3 value
//! space and finds no vector where the two disagree. A bare float ceiling (v3.0 calculator)
//! would disagree with both on 57 base/temporal combinations, e.g. base 10.0 with RC:U:
//! 10.0 * 0.92 = 9.200000000000001 in f64, ceiled to 9.3 where the true value is 9.2.

use crate::metric::{
    entries, format_body, group_defined, parse_body, v, MetricDef, MetricGroup, ValueDef,
    MAX_METRICS,
};
use serde::Serialize;

use crate::round::{round1, roundup};
use crate::{Breakdown, CvssError, CvssVersion, Severity, SubScores};

use MetricGroup::{Base, Environmental, Temporal};

const N: usize = 22;

const X: ValueDef = v("X", "Not Defined");
const AV_V: &[ValueDef] = &[
    v("N", "Network"),
    v("A", "Adjacent"),
    v("L", "Local"),
    v("P", "Physical"),
];
const AC_V: &[ValueDef] = &[v("L", "Low"), v("H", "High")];
const PR_V: &[ValueDef] = &[v("N", "None"), v("L", "Low"), v("H", "High")];
const UI_V: &[ValueDef] = &[v("N", "None"), v("R", "Required")];
const S_V: &[ValueDef] = &[v("U", "Unchanged"), v("C", "Changed")];
const CIA_V: &[ValueDef] = &[v("H", "High"), v("L", "Low"), v("N", "None")];
const MAV_V: &[ValueDef] = &[
    X,
    v("N", "Network"),
    v("A", "Adjacent"),
    v("L", "Local"),
    v("P", "Physical"),
];
const MAC_V: &[ValueDef] = &[X, v("L", "Low"), v("H", "High")];
const MPR_V: &[ValueDef] = &[X, v("N", "None"), v("L", "Low"), v("H", "High")];
const MUI_V: &[ValueDef] = &[X, v("N", "None"), v("R", "Required")];
const MS_V: &[ValueDef] = &[X, v("U", "Unchanged"), v("C", "Changed")];
const MCIA_V: &[ValueDef] = &[X, v("H", "High"), v("L", "Low"), v("N", "None")];
const REQ_V: &[ValueDef] = &[X, v("H", "High"), v("M", "Medium"), v("L", "Low")];

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

/// Metric table in the order of the v3.1 specification's vector string (section 6).
pub(crate) static DEFS: [MetricDef; N] = [
    md("AV", "Attack Vector", Base, AV_V),
    md("AC", "Attack Complexity", Base, AC_V),
    md("PR", "Privileges Required", Base, PR_V),
    md("UI", "User Interaction", Base, UI_V),
    md("S", "Scope", Base, S_V),
    md("C", "Confidentiality Impact", Base, CIA_V),
    md("I", "Integrity Impact", Base, CIA_V),
    md("A", "Availability Impact", Base, CIA_V),
    md(
        "E",
        "Exploit Code Maturity",
        Temporal,
        &[
            X,
            v("H", "High"),
            v("F", "Functional"),
            v("P", "Proof-of-Concept"),
            v("U", "Unproven"),
        ],
    ),
    md(
        "RL",
        "Remediation Level",
        Temporal,
        &[
            X,
            v("U", "Unavailable"),
            v("W", "Workaround"),
            v("T", "Temporary Fix"),
            v("O", "Official Fix"),
        ],
    ),
    md(
        "RC",
        "Report Confidence",
        Temporal,
        &[
            X,
            v("C", "Confirmed"),
            v("R", "Reasonable"),
            v("U", "Unknown"),
        ],
    ),
    md("CR", "Confidentiality Requirement", Environmental, REQ_V),
    md("IR", "Integrity Requirement", Environmental, REQ_V),
    md("AR", "Availability Requirement", Environmental, REQ_V),
    md("MAV", "Modified Attack Vector", Environmental, MAV_V),
    md("MAC", "Modified Attack Complexity", Environmental, MAC_V),
    md("MPR", "Modified Privileges Required", Environmental, MPR_V),
    md("MUI", "Modified User Interaction", Environmental, MUI_V),
    md("MS", "Modified Scope", Environmental, MS_V),
    md("MC", "Modified Confidentiality", Environmental, MCIA_V),
    md("MI", "Modified Integrity", Environmental, MCIA_V),
    md("MA", "Modified Availability", Environmental, MCIA_V),
];

// Metric positions in DEFS.
const I_AV: usize = 0;
const I_AC: usize = 1;
const I_PR: usize = 2;
const I_UI: usize = 3;
const I_S: usize = 4;
const I_C: usize = 5;
const I_E: usize = 8;
const I_RL: usize = 9;
const I_RC: usize = 10;
const I_CR: usize = 11;
/// Offset from a base metric to its modified metric (AV -> MAV, ...).
const MOD: usize = 14;

// Weights indexed like the base value tables (modified values are index - 1).
const W_AV: [f64; 4] = [0.85, 0.62, 0.55, 0.2];
const W_AC: [f64; 2] = [0.77, 0.44];
const W_PR_U: [f64; 3] = [0.85, 0.62, 0.27];
const W_PR_C: [f64; 3] = [0.85, 0.68, 0.5];
const W_UI: [f64; 2] = [0.85, 0.62];
const W_CIA: [f64; 3] = [0.56, 0.22, 0.0];
const W_E: [f64; 5] = [1.0, 1.0, 0.97, 0.94, 0.91];
const W_RL: [f64; 5] = [1.0, 1.0, 0.97, 0.96, 0.95];
const W_RC: [f64; 4] = [1.0, 1.0, 0.96, 0.92];
const W_REQ: [f64; 4] = [1.0, 1.5, 1.0, 0.5];
const SCOPE_CHANGED: u8 = 1;

fn w(table: &[f64], i: u8) -> f64 {
    table.get(usize::from(i)).copied().unwrap_or(0.0)
}

/// A CVSS v3.0 or v3.1 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CvssV3 {
    version: CvssVersion,
    vals: [u8; N],
}

/// All v3 scores of a vector, computed in one pass (sub-scores unrounded).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct V3Scores {
    /// Impact sub-score (may be negative for a changed scope with no impact).
    pub impact: f64,
    /// Exploitability sub-score.
    pub exploitability: f64,
    /// Base score.
    pub base: f64,
    /// Temporal score.
    pub temporal: f64,
    /// Modified impact sub-score.
    pub modified_impact: f64,
    /// Modified exploitability sub-score.
    pub modified_exploitability: f64,
    /// Environmental score.
    pub environmental: f64,
}

impl CvssV3 {
    pub(crate) fn parse_body(version: CvssVersion, body: &str) -> Result<CvssV3, CvssError> {
        let all = parse_body(body, &DEFS, version)?;
        let mut vals = [0u8; N];
        vals.copy_from_slice(&all[..N]);
        Ok(CvssV3 { version, vals })
    }

    fn val(&self, i: usize) -> u8 {
        self.vals.get(i).copied().unwrap_or(0)
    }

    /// The effective value index of base metric `i` for the environmental equations: the
    /// modified metric when defined, else the base metric.
    fn modified(&self, i: usize) -> u8 {
        match self.val(i + MOD) {
            0 => self.val(i),
            m => m - 1,
        }
    }

    /// `CVSS:3.0` or `CVSS:3.1`.
    pub fn version(&self) -> CvssVersion {
        self.version
    }

    /// Every score of the vector in one pass.
    pub fn scores(&self) -> V3Scores {
        let v = |i| self.val(i);
        let scope_changed = v(I_S) == SCOPE_CHANGED;
        let w_pr = if scope_changed { &W_PR_C } else { &W_PR_U };

        let iss = 1.0
            - ((1.0 - w(&W_CIA, v(I_C)))
                * (1.0 - w(&W_CIA, v(I_C + 1)))
                * (1.0 - w(&W_CIA, v(I_C + 2))));
        let impact = if scope_changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powf(15.0)
        } else {
            6.42 * iss
        };
        let exploitability =
            8.22 * w(&W_AV, v(I_AV)) * w(&W_AC, v(I_AC)) * w(w_pr, v(I_PR)) * w(&W_UI, v(I_UI));
        let base = if impact <= 0.0 {
            0.0
        } else if scope_changed {
            roundup(((exploitability + impact) * 1.08).min(10.0))
        } else {
            roundup((exploitability + impact).min(10.0))
        };
        // Multiplied left to right as the reference calculator does (float association).
        let temporal = roundup(base * w(&W_E, v(I_E)) * w(&W_RL, v(I_RL)) * w(&W_RC, v(I_RC)));

        let m = |i| self.modified(i);
        let mscope_changed = m(I_S) == SCOPE_CHANGED;
        let w_mpr = if mscope_changed { &W_PR_C } else { &W_PR_U };
        let req = |i| w(&W_REQ, v(I_CR + i));
        let miss = (1.0
            - ((1.0 - w(&W_CIA, m(I_C)) * req(0))
                * (1.0 - w(&W_CIA, m(I_C + 1)) * req(1))
                * (1.0 - w(&W_CIA, m(I_C + 2)) * req(2))))
        .min(0.915);
        let modified_impact = if !mscope_changed {
            6.42 * miss
        } else if self.version == CvssVersion::V3_0 {
            7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powf(15.0)
        } else {
            7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powf(13.0)
        };
        let modified_exploitability =
            8.22 * w(&W_AV, m(I_AV)) * w(&W_AC, m(I_AC)) * w(w_mpr, m(I_PR)) * w(&W_UI, m(I_UI));
        let environmental = if modified_impact <= 0.0 {
            0.0
        } else if mscope_changed {
            let s = roundup((1.08 * (modified_impact + modified_exploitability)).min(10.0));
            roundup(s * w(&W_E, v(I_E)) * w(&W_RL, v(I_RL)) * w(&W_RC, v(I_RC)))
        } else {
            let s = roundup((modified_impact + modified_exploitability).min(10.0));
            roundup(s * w(&W_E, v(I_E)) * w(&W_RL, v(I_RL)) * w(&W_RC, v(I_RC)))
        };
        V3Scores {
            impact,
            exploitability,
            base,
            temporal,
            modified_impact,
            modified_exploitability,
            environmental,
        }
    }

    /// Base score.
    pub fn base_score(&self) -> f64 {
        self.scores().base
    }

    /// Temporal score (equals the base score when no temporal metric is defined).
    pub fn temporal_score(&self) -> f64 {
        self.scores().temporal
    }

    /// Environmental score, computed even when no environmental metric is defined (as the
    /// specification's equations do; in v3.1 it can then differ from the temporal score
    /// for a changed scope).
    pub fn environmental_score(&self) -> f64 {
        self.scores().environmental
    }

    /// Environmental score if any environmental metric is defined, else temporal if any
    /// temporal metric is, else base.
    pub fn score(&self) -> f64 {
        let s = self.scores();
        if group_defined(&DEFS, &self.vals, Environmental) {
            s.environmental
        } else if group_defined(&DEFS, &self.vals, Temporal) {
            s.temporal
        } else {
            s.base
        }
    }

    /// Severity of [`CvssV3::score`].
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.score())
    }

    /// Canonical vector with its `CVSS:3.x/` prefix.
    pub fn vector(&self) -> String {
        let mut out = String::with_capacity(96);
        out.push_str("CVSS:");
        out.push_str(self.version.as_str());
        out.push('/');
        format_body(&mut out, &DEFS, &self.vals);
        out
    }

    /// Value abbreviation of one metric (`X` when not defined).
    pub fn metric(&self, abbr: &str) -> Option<&'static str> {
        crate::metric::value_of(&DEFS, &self.vals, abbr)
    }

    /// See [`crate::Cvss::breakdown`].
    pub fn breakdown(&self) -> Breakdown {
        let s = self.scores();
        let score = self.score();
        Breakdown {
            version: self.version,
            vector: self.vector(),
            score,
            severity: Severity::from_score(score),
            base_score: s.base,
            base_severity: Severity::from_score(s.base),
            metrics: entries(&DEFS, &self.vals),
            scores: SubScores {
                impact: Some(round1(s.impact.max(0.0))),
                exploitability: Some(round1(s.exploitability)),
                temporal: Some(s.temporal),
                environmental: Some(s.environmental),
                modified_impact: Some(round1(s.modified_impact.max(0.0))),
                modified_exploitability: Some(round1(s.modified_exploitability)),
                ..SubScores::default()
            },
        }
    }
}

const _: () = assert!(N <= MAX_METRICS);
