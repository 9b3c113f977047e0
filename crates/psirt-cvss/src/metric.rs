//! Table-driven parsing and formatting shared by all versions.
//!
//! Each version describes its metrics as a static table in canonical vector order. A parsed
//! vector is one value index per metric. For optional metrics the value at index 0 is the
//! "Not Defined" value (`X`, or `ND` in v2), so an absent metric and an explicit `X` are the
//! same index: that is the normalisation, and it makes `parse(v.vector()) == v` hold.

use serde::Serialize;

use crate::error::clip;
use crate::{CvssError, CvssVersion};

/// Most metrics any version has (v4.0: 32).
pub(crate) const MAX_METRICS: usize = 32;

/// The group a metric belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricGroup {
    /// Base metrics (all versions).
    Base,
    /// Temporal metrics (v2, v3).
    Temporal,
    /// Threat metrics (v4).
    Threat,
    /// Environmental metrics (all versions).
    Environmental,
    /// Supplemental metrics (v4, never scored).
    Supplemental,
}

pub(crate) struct ValueDef {
    pub abbr: &'static str,
    pub name: &'static str,
}

pub(crate) struct MetricDef {
    pub abbr: &'static str,
    pub name: &'static str,
    pub group: MetricGroup,
    /// Mandatory metrics have no "Not Defined" value at index 0.
    pub mandatory: bool,
    pub values: &'static [ValueDef],
}

/// Shorthand for the static tables.
pub(crate) const fn v(abbr: &'static str, name: &'static str) -> ValueDef {
    ValueDef { abbr, name }
}

/// Parses `M:V/M:V/...` (the part after the prefix) against `defs`.
pub(crate) fn parse_body(
    body: &str,
    defs: &'static [MetricDef],
    version: CvssVersion,
) -> Result<[u8; MAX_METRICS], CvssError> {
    let mut vals = [0u8; MAX_METRICS];
    let mut seen: u64 = 0;
    // A bare prefix ("CVSS:3.1" or "CVSS:3.1/") is reported as missing all base metrics.
    let components = body.split('/').filter(|_| !body.is_empty());
    for component in components {
        if component.is_empty() {
            return Err(CvssError::EmptyComponent { version });
        }
        let Some((metric, value)) = component.split_once(':') else {
            return Err(CvssError::MalformedComponent {
                version,
                component: clip(component),
            });
        };
        let Some(mi) = defs.iter().position(|d| d.abbr == metric) else {
            return Err(CvssError::UnknownMetric {
                version,
                metric: clip(metric),
            });
        };
        let bit = 1u64 << mi;
        if seen & bit != 0 {
            return Err(CvssError::DuplicateMetric {
                version,
                metric: metric.to_string(),
            });
        }
        seen |= bit;
        let def = &defs[mi];
        let Some(vi) = def.values.iter().position(|x| x.abbr == value) else {
            return Err(CvssError::InvalidValue {
                version,
                metric: metric.to_string(),
                value: clip(value),
                allowed: def
                    .values
                    .iter()
                    .map(|x| x.abbr)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        // Value tables are tiny (at most 6 entries), so the index fits a u8.
        vals[mi] = vi as u8;
    }
    let missing: Vec<&str> = defs
        .iter()
        .enumerate()
        .filter(|(i, d)| d.mandatory && seen & (1u64 << i) == 0)
        .map(|(_, d)| d.abbr)
        .collect();
    if !missing.is_empty() {
        return Err(CvssError::MissingMetric {
            version,
            metrics: missing.join(", "),
        });
    }
    Ok(vals)
}

/// Writes the canonical vector body: spec order, Not Defined values left out.
pub(crate) fn format_body(out: &mut String, defs: &[MetricDef], vals: &[u8]) {
    let mut first = true;
    for (def, &vi) in defs.iter().zip(vals) {
        if !def.mandatory && vi == 0 {
            continue;
        }
        if !first {
            out.push('/');
        }
        first = false;
        out.push_str(def.abbr);
        out.push(':');
        out.push_str(value_def(def, vi).abbr);
    }
}

fn value_def(def: &MetricDef, vi: u8) -> &ValueDef {
    // Indices come from `parse_body` or the versions' own constructors, so they are in range;
    // the fallback only keeps this panic-free.
    def.values.get(usize::from(vi)).unwrap_or(&def.values[0])
}

/// A value a metric can take (for building a calculator UI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueDefinition {
    /// Value abbreviation, e.g. `N`.
    pub value: &'static str,
    /// Value name, e.g. `Network`.
    pub name: &'static str,
}

/// A metric of a CVSS version and its allowed values, in vector order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricDefinition {
    /// Metric abbreviation, e.g. `AV`.
    pub metric: &'static str,
    /// Metric name, e.g. `Attack Vector`.
    pub name: &'static str,
    /// The metric group.
    pub group: MetricGroup,
    /// Whether a vector must give it (base metrics).
    pub mandatory: bool,
    /// Allowed values; for optional metrics the first is Not Defined (`X`, v2 `ND`).
    pub values: Vec<ValueDefinition>,
}

pub(crate) fn definitions(defs: &[MetricDef]) -> Vec<MetricDefinition> {
    defs.iter()
        .map(|d| MetricDefinition {
            metric: d.abbr,
            name: d.name,
            group: d.group,
            mandatory: d.mandatory,
            values: d
                .values
                .iter()
                .map(|x| ValueDefinition {
                    value: x.abbr,
                    name: x.name,
                })
                .collect(),
        })
        .collect()
}

/// One metric of a vector, for the breakdown shown by the API, CLI and UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricEntry {
    /// Metric abbreviation, e.g. `AV`.
    pub metric: &'static str,
    /// Metric name, e.g. `Attack Vector`.
    pub name: &'static str,
    /// Value abbreviation, e.g. `N` (`X`/`ND` when not defined).
    pub value: &'static str,
    /// Value name, e.g. `Network`.
    pub value_name: &'static str,
    /// The metric group.
    pub group: MetricGroup,
}

/// Every metric of the version, in vector order, with its (possibly Not Defined) value.
pub(crate) fn entries(defs: &[MetricDef], vals: &[u8]) -> Vec<MetricEntry> {
    defs.iter()
        .zip(vals)
        .map(|(def, &vi)| {
            let val = value_def(def, vi);
            MetricEntry {
                metric: def.abbr,
                name: def.name,
                value: val.abbr,
                value_name: val.name,
                group: def.group,
            }
        })
        .collect()
}

/// The value abbreviation of `metric`, if the version has that metric.
pub(crate) fn value_of(defs: &[MetricDef], vals: &[u8], metric: &str) -> Option<&'static str> {
    let i = defs.iter().position(|d| d.abbr == metric)?;
    let def = defs.get(i)?;
    let vi = *vals.get(i)?;
    def.values.get(usize::from(vi)).map(|x| x.abbr)
}

/// Whether any metric of `group` has a defined (non-X) value.
pub(crate) fn group_defined(defs: &[MetricDef], vals: &[u8], group: MetricGroup) -> bool {
    defs.iter()
        .zip(vals)
        .any(|(d, &vi)| d.group == group && !d.mandatory && vi != 0)
}
