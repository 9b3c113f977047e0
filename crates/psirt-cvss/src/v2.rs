//! CVSS v2.0 (legacy feed data): parse, base, temporal and environmental scores.
//!
//! The equations of the v2 guide (section 3.2) are evaluated in exact decimal arithmetic
//! ([`Dec`]), so `round_to_1_decimal` is applied to the true value.

use crate::metric::{
    entries, format_body, group_defined, parse_body, v, MetricDef, MetricGroup, MAX_METRICS,
};
use crate::round::{round1, Dec};
use crate::{Breakdown, CvssError, CvssVersion, Severity, SubScores};

use MetricGroup::{Base, Environmental, Temporal};

const N: usize = 14;

pub(crate) static DEFS: [MetricDef; N] = [
    md(
        "AV",
        "Access Vector",
        Base,
        true,
        &[
            v("L", "Local"),
            v("A", "Adjacent Network"),
            v("N", "Network"),
        ],
    ),
    md(
        "AC",
        "Access Complexity",
        Base,
        true,
        &[v("H", "High"), v("M", "Medium"), v("L", "Low")],
    ),
    md(
        "Au",
        "Authentication",
        Base,
        true,
        &[v("M", "Multiple"), v("S", "Single"), v("N", "None")],
    ),
    md("C", "Confidentiality Impact", Base, true, CIA),
    md("I", "Integrity Impact", Base, true, CIA),
    md("A", "Availability Impact", Base, true, CIA),
    md(
        "E",
        "Exploitability",
        Temporal,
        false,
        &[
            ND,
            v("U", "Unproven"),
            v("POC", "Proof-of-Concept"),
            v("F", "Functional"),
            v("H", "High"),
        ],
    ),
    md(
        "RL",
        "Remediation Level",
        Temporal,
        false,
        &[
            ND,
            v("OF", "Official Fix"),
            v("TF", "Temporary Fix"),
            v("W", "Workaround"),
            v("U", "Unavailable"),
        ],
    ),
    md(
        "RC",
        "Report Confidence",
        Temporal,
        false,
        &[
            ND,
            v("UC", "Unconfirmed"),
            v("UR", "Uncorroborated"),
            v("C", "Confirmed"),
        ],
    ),
    md(
        "CDP",
        "Collateral Damage Potential",
        Environmental,
        false,
        &[
            ND,
            v("N", "None"),
            v("L", "Low"),
            v("LM", "Low-Medium"),
            v("MH", "Medium-High"),
            v("H", "High"),
        ],
    ),
    md(
        "TD",
        "Target Distribution",
        Environmental,
        false,
        &[
            ND,
            v("N", "None"),
            v("L", "Low"),
            v("M", "Medium"),
            v("H", "High"),
        ],
    ),
    md(
        "CR",
        "Confidentiality Requirement",
        Environmental,
        false,
        REQ,
    ),
    md("IR", "Integrity Requirement", Environmental, false, REQ),
    md("AR", "Availability Requirement", Environmental, false, REQ),
];

const ND: crate::metric::ValueDef = v("ND", "Not Defined");
const CIA: &[crate::metric::ValueDef] = &[v("N", "None"), v("P", "Partial"), v("C", "Complete")];
const REQ: &[crate::metric::ValueDef] = &[ND, v("L", "Low"), v("M", "Medium"), v("H", "High")];

const fn md(
    abbr: &'static str,
    name: &'static str,
    group: MetricGroup,
    mandatory: bool,
    values: &'static [crate::metric::ValueDef],
) -> MetricDef {
    MetricDef {
        abbr,
        name,
        group,
        mandatory,
        values,
    }
}

// Weights, indexed like the value tables above, as (mantissa, decimals).
const AV: [i128; 3] = [395, 646, 1000]; // /1000
const AC: [i128; 3] = [350, 610, 710]; // /1000
const AU: [i128; 3] = [450, 560, 704]; // /1000
const IMP: [i128; 3] = [0, 275, 660]; // /1000
const E: [i128; 5] = [100, 85, 90, 95, 100]; // /100
const RL: [i128; 5] = [100, 87, 90, 95, 100]; // /100
const RC: [i128; 4] = [100, 90, 95, 100]; // /100
const CDP: [i128; 6] = [0, 0, 1, 3, 4, 5]; // /10
const TD: [i128; 5] = [100, 0, 25, 75, 100]; // /100
const REQ_W: [i128; 4] = [100, 50, 100, 151]; // /100

/// A CVSS v2.0 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CvssV2 {
    vals: [u8; N],
}

/// Weight lookup that cannot panic: indices come from the value tables of the same length.
fn w<const L: usize>(table: &[i128; L], i: u8) -> i128 {
    table.get(usize::from(i)).copied().unwrap_or(0)
}

fn metrics_known_to_later_versions(metric: &str) -> bool {
    matches!(
        metric,
        "PR" | "UI"
            | "S"
            | "AT"
            | "VC"
            | "VI"
            | "VA"
            | "SC"
            | "SI"
            | "SA"
            | "MAV"
            | "MAC"
            | "MPR"
            | "MUI"
            | "MS"
            | "MC"
            | "MI"
            | "MA"
    )
}

impl CvssV2 {
    pub(crate) fn parse_body(body: &str) -> Result<CvssV2, CvssError> {
        let all = parse_body(body, &DEFS, CvssVersion::V2_0)?;
        let mut vals = [0u8; N];
        vals.copy_from_slice(&all[..N]);
        Ok(CvssV2 { vals })
    }

    /// A vector without prefix, optionally in parentheses as NVD once wrote them.
    pub(crate) fn parse_unprefixed(s: &str) -> Result<CvssV2, CvssError> {
        let body = s
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .unwrap_or(s);
        CvssV2::parse_body(body).map_err(|e| match e {
            // A v3/v4 vector that lost its prefix: say so rather than "unknown metric PR".
            CvssError::UnknownMetric { metric, .. } if metrics_known_to_later_versions(&metric) => {
                CvssError::MissingPrefix { metric }
            }
            e => e,
        })
    }

    fn dec(&self, table_i: usize) -> u8 {
        self.vals.get(table_i).copied().unwrap_or(0)
    }

    fn impact(&self) -> Dec {
        // 10.41 * (1 - (1-C)(1-I)(1-A))
        let one = Dec::int(1);
        let f = |i| one.sub(Dec::new(w(&IMP, self.dec(i)), 3));
        Dec::new(1041, 2).mul(one.sub(f(3).mul(f(4)).mul(f(5))))
    }

    fn adjusted_impact(&self) -> Dec {
        // min(10, 10.41 * (1 - (1-C*CR)(1-I*IR)(1-A*AR)))
        let one = Dec::int(1);
        let f = |i, r| {
            let imp = Dec::new(w(&IMP, self.dec(i)), 3);
            one.sub(imp.mul(Dec::new(w(&REQ_W, self.dec(r)), 2)))
        };
        Dec::int(10).min(Dec::new(1041, 2).mul(one.sub(f(3, 11).mul(f(4, 12)).mul(f(5, 13)))))
    }

    fn exploitability(&self) -> Dec {
        Dec::int(20)
            .mul(Dec::new(w(&AV, self.dec(0)), 3))
            .mul(Dec::new(w(&AC, self.dec(1)), 3))
            .mul(Dec::new(w(&AU, self.dec(2)), 3))
    }

    fn base_with(&self, impact: Dec) -> Dec {
        let f = if impact.is_zero() {
            Dec::int(0)
        } else {
            Dec::new(1176, 3)
        };
        Dec::new(6, 1)
            .mul(impact)
            .add(Dec::new(4, 1).mul(self.exploitability()))
            .sub(Dec::new(15, 1))
            .mul(f)
            .round1()
    }

    fn temporal_with(&self, base: Dec) -> Dec {
        base.mul(Dec::new(w(&E, self.dec(6)), 2))
            .mul(Dec::new(w(&RL, self.dec(7)), 2))
            .mul(Dec::new(w(&RC, self.dec(8)), 2))
            .round1()
    }

    /// Base score.
    pub fn base_score(&self) -> f64 {
        self.base_with(self.impact()).max(Dec::int(0)).to_f64()
    }

    /// Temporal score, if any temporal metric is defined.
    pub fn temporal_score(&self) -> Option<f64> {
        if !group_defined(&DEFS, &self.vals, Temporal) {
            return None;
        }
        let base = self.base_with(self.impact()).max(Dec::int(0));
        Some(self.temporal_with(base).max(Dec::int(0)).to_f64())
    }

    /// Environmental score, if any environmental metric is defined.
    pub fn environmental_score(&self) -> Option<f64> {
        if !group_defined(&DEFS, &self.vals, Environmental) {
            return None;
        }
        // AdjustedTemporal: the temporal equation over the base equation with AdjustedImpact.
        let adjusted_temporal = self.temporal_with(self.base_with(self.adjusted_impact()));
        let cdp = Dec::new(w(&CDP, self.dec(9)), 1);
        let td = Dec::new(w(&TD, self.dec(10)), 2);
        let env = adjusted_temporal
            .add(Dec::int(10).sub(adjusted_temporal).mul(cdp))
            .mul(td)
            .round1();
        Some(env.max(Dec::int(0)).to_f64())
    }

    /// Environmental score if defined, else temporal if defined, else base.
    pub fn score(&self) -> f64 {
        self.environmental_score()
            .or_else(|| self.temporal_score())
            .unwrap_or_else(|| self.base_score())
    }

    /// NVD's v2 severity of [`CvssV2::score`] (Low/Medium/High).
    pub fn severity(&self) -> Severity {
        Severity::from_v2_score(self.score())
    }

    /// Canonical vector, without prefix or parentheses (as NVD writes v2 vectors).
    pub fn vector(&self) -> String {
        let mut out = String::with_capacity(64);
        format_body(&mut out, &DEFS, &self.vals);
        out
    }

    /// Value abbreviation of one metric (`ND` when not defined).
    pub fn metric(&self, abbr: &str) -> Option<&'static str> {
        crate::metric::value_of(&DEFS, &self.vals, abbr)
    }

    /// See [`crate::Cvss::breakdown`].
    pub fn breakdown(&self) -> Breakdown {
        let score = self.score();
        let base = self.base_score();
        Breakdown {
            version: CvssVersion::V2_0,
            vector: self.vector(),
            score,
            severity: Severity::from_v2_score(score),
            base_score: base,
            base_severity: Severity::from_v2_score(base),
            metrics: entries(&DEFS, &self.vals),
            scores: SubScores {
                impact: Some(round1(self.impact().to_f64())),
                exploitability: Some(round1(self.exploitability().to_f64())),
                temporal: self.temporal_score(),
                environmental: self.environmental_score(),
                modified_impact: group_defined(&DEFS, &self.vals, Environmental)
                    .then(|| round1(self.adjusted_impact().to_f64())),
                ..SubScores::default()
            },
        }
    }
}

const _: () = assert!(N <= MAX_METRICS);
