//! CVSS objects in FIRST's JSON form (cvss-v3.1.json / cvss-v4.0.json), shared by CSAF and CVE 5.

use serde_json::{json, Map, Value};

use super::model::CvssView;

/// (abbreviation, JSON value) pairs of one metric.
type Values = &'static [(&'static str, &'static str)];

/// The base metrics of CVSS 3.x: vector key, JSON property, values.
const V3_BASE: [(&str, &str, Values); 8] = [
    (
        "AV",
        "attackVector",
        &[
            ("N", "NETWORK"),
            ("A", "ADJACENT_NETWORK"),
            ("L", "LOCAL"),
            ("P", "PHYSICAL"),
        ],
    ),
    ("AC", "attackComplexity", &[("L", "LOW"), ("H", "HIGH")]),
    (
        "PR",
        "privilegesRequired",
        &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")],
    ),
    ("UI", "userInteraction", &[("N", "NONE"), ("R", "REQUIRED")]),
    ("S", "scope", &[("U", "UNCHANGED"), ("C", "CHANGED")]),
    (
        "C",
        "confidentialityImpact",
        &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")],
    ),
    (
        "I",
        "integrityImpact",
        &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")],
    ),
    (
        "A",
        "availabilityImpact",
        &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")],
    ),
];

/// A `cvssV3_1` object with every base metric spelled out, or `None` when the vector is not a
/// complete CVSS 3.1 base vector. Temporal and environmental metrics are dropped (with them the
/// vector would promise scores the view does not carry, which CSAF test 6.1.10 rejects).
pub(crate) fn v3_1(cvss: &CvssView) -> Option<Value> {
    let body = cvss.vector.trim().strip_prefix("CVSS:3.1/")?;
    let given: Vec<(&str, &str)> = body.split('/').filter_map(|m| m.split_once(':')).collect();
    let mut object = Map::new();
    let mut vector = String::from("CVSS:3.1");
    for (key, property, values) in V3_BASE {
        let (_, abbrev) = given.iter().find(|(k, _)| *k == key)?;
        let (_, name) = values.iter().find(|(a, _)| a == abbrev)?;
        object.insert(property.into(), json!(name));
        vector.push_str(&format!("/{key}:{abbrev}"));
    }
    object.insert("version".into(), json!("3.1"));
    object.insert("vectorString".into(), json!(vector));
    object.insert("baseScore".into(), score(cvss.base_score));
    object.insert(
        "baseSeverity".into(),
        json!(cvss.severity.to_ascii_uppercase()),
    );
    Some(Value::Object(object))
}

/// A `cvssV4_0` object (the schema's required properties), or `None` without a `CVSS:4.0/` vector.
pub(crate) fn v4_0(cvss: &CvssView) -> Option<Value> {
    let vector = cvss.vector.trim();
    vector.strip_prefix("CVSS:4.0/")?;
    Some(json!({
        "version": "4.0",
        "vectorString": vector,
        "baseScore": score(cvss.base_score),
        "baseSeverity": cvss.severity.to_ascii_uppercase(),
    }))
}

/// One decimal, as CVSS scores are defined (and as the schemas' `multipleOf: 0.1` expects).
fn score(s: f64) -> Value {
    let rounded = (s * 10.0).round() / 10.0;
    serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn view(vector: &str) -> CvssView {
        CvssView {
            vector: vector.into(),
            base_score: 9.8,
            severity: "critical".into(),
        }
    }

    #[test]
    fn v3_1_spells_out_the_base_metrics_and_drops_the_others() {
        let v = v3_1(&view(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O",
        ))
        .unwrap();
        assert_eq!(
            v["vectorString"],
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        );
        assert_eq!(v["privilegesRequired"], "NONE");
        assert_eq!(v["baseSeverity"], "CRITICAL");
        assert_eq!(v["baseScore"], 9.8);
        assert!(v.get("exploitCodeMaturity").is_none());
        // Incomplete, unknown values, other versions: not a CVSS 3.1 object.
        assert!(v3_1(&view("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H")).is_none());
        assert!(v3_1(&view("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).is_none());
        assert!(v3_1(&view("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).is_none());
        assert!(v4_0(&view("CVSS:3.1/AV:N")).is_none());
    }
}
