//! OSV records (ossf/osv-schema) into [`IntelRecord`]s.

use std::borrow::Cow;
use std::fmt;

use psirt_versions::{Ecosystem, OsvAffectedRanges, OsvRange};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::IntelError;
use super::schema::{validate, IntelSchema};
use super::{
    dates, package, AffectedPackage, IntelRecord, IntelSource, RawRecord, Reference, Severity,
    SeverityKind,
};
use crate::ParseOptions;

/// Parses and (by default) validates one OSV record.
pub fn parse_osv(bytes: &[u8], options: &ParseOptions) -> Result<IntelRecord, IntelError> {
    osv_from_text(super::error::utf8(bytes)?, options)
}

/// One OSV record from its text. Without validation the typed model is read straight from the text (no
/// `serde_json::Value`); with validation the text is parsed once into a `Value` for the schema and the model is read
/// from that (and the raw record's canonical form written from it). Either way [`IntelRecord::raw`] keeps the text as
/// received.
///
/// One difference between the two: an object with a duplicate key the model reads (two `id`s) is rejected without
/// validation (serde's "duplicate field"), while a `Value` keeps the last one (and the schema does not see it).
pub(crate) fn osv_from_text(text: &str, options: &ParseOptions) -> Result<IntelRecord, IntelError> {
    if options.validate {
        let value: Value = text.parse().map_err(|e| IntelError::from_json(&e, ""))?;
        validate(IntelSchema::Osv, &value)?;
        let doc = OsvDoc::deserialize(&value).map_err(|e| IntelError::from_json(&e, ""))?;
        // The canonical text from this `Value` now (on the parsing thread), not from a second parse later.
        osv_from_doc(doc, RawRecord::received_with_value(text, &value))
    } else {
        let doc =
            serde_json::from_str::<OsvDoc>(text).map_err(|e| IntelError::from_json(&e, ""))?;
        osv_from_doc(doc, RawRecord::received(text))
    }
}

/// The unvalidated typed parse of a record through any serde `Deserializer` reading it, `text` being the same
/// record as received: what `bench/json-parsers` uses to run this model over other JSON parsers than serde_json. The
/// product reads records with [`parse_osv`].
#[doc(hidden)]
pub fn osv_through<'de, D: Deserializer<'de>>(
    json: D,
    text: &str,
) -> Result<IntelRecord, IntelError> {
    let doc = OsvDoc::deserialize(json).map_err(|e| IntelError::model("", e.to_string()))?;
    osv_from_doc(doc, RawRecord::received(text))
}

fn osv_from_doc(doc: OsvDoc<'_>, raw: RawRecord) -> Result<IntelRecord, IntelError> {
    let mut r = IntelRecord::new(IntelSource::Osv, String::new(), raw);
    // The model's strings are moved, not copied.
    r.aliases = unique(doc.aliases, &doc.id);
    r.related = unique(doc.related, &doc.id);
    r.upstream = unique(doc.upstream, &doc.id);
    r.id = doc.id;
    r.modified = dates::opt_timestamp(doc.modified.as_ref().map(Text::as_str), "/modified")?;
    r.published = dates::opt_timestamp(doc.published.as_ref().map(Text::as_str), "/published")?;
    r.withdrawn = dates::opt_timestamp(doc.withdrawn.as_ref().map(Text::as_str), "/withdrawn")?;
    r.summary = doc.summary;
    r.details = doc.details;
    r.severity = severities(doc.severity.unwrap_or_default());
    // GHSA (and some others) list CWEs in database_specific.cwe_ids; OSV itself has no CWE field.
    r.cwe_ids = unique(doc.database_specific.map(|db| db.cwe_ids), "");
    r.references = doc
        .references
        .unwrap_or_default()
        .into_iter()
        .map(|x| Reference {
            kind: x.kind,
            url: x.url,
        })
        .collect();
    for (i, a) in doc.affected.unwrap_or_default().into_iter().enumerate() {
        // An entry without a package (allowed by the schema) cannot be matched by package; it stays in `raw`.
        let Some(pkg) = a.package else { continue };
        let eco = Ecosystem::from_osv(&pkg.ecosystem).map_err(|e| {
            IntelError::model(format!("/affected/{i}/package/ecosystem"), e.to_string())
        })?;
        // Distro records repeat one package in many entries (one per module stream): reuse the previous purl.
        let same = r
            .affected
            .last()
            .filter(|p| p.ecosystem == pkg.ecosystem && p.name == pkg.name && pkg.purl.is_none());
        let purl = match same {
            Some(prev) => prev.purl.clone(),
            None => package::osv_purl(
                pkg.purl.as_ref().map(Text::as_str),
                &pkg.ecosystem,
                &pkg.name,
            ),
        };
        r.affected.push(AffectedPackage {
            ecosystem: pkg.ecosystem,
            name: pkg.name,
            purl,
            ranges: OsvAffectedRanges {
                ecosystem: eco,
                ranges: a.ranges.unwrap_or_default(),
                versions: a.versions.unwrap_or_default(),
            },
            severity: severities(a.severity.unwrap_or_default()),
        });
    }
    Ok(r)
}

/// `push_unique` over owned strings: the same result, without copying them.
fn unique(v: Option<Vec<String>>, own: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.into_iter().flatten() {
        if !s.is_empty() && s != own && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn severities(v: Vec<SeverityDoc<'_>>) -> Vec<Severity> {
    v.into_iter()
        .filter_map(|s| {
            let kind = match &*s.kind {
                "CVSS_V2" => SeverityKind::CvssV2,
                "CVSS_V3" => SeverityKind::CvssV3,
                "CVSS_V4" => SeverityKind::CvssV4,
                "Ubuntu" => SeverityKind::Ubuntu,
                // Only reachable with validation off: the schema's enum has exactly these four.
                _ => return None,
            };
            Some(Severity {
                kind,
                score: s.score,
                base_score: None,
                provider: None,
            })
        })
        .collect()
}

/// The parts of an OSV record the model reads; unknown fields are ignored here (the schema judges them). Read from
/// the text (unvalidated) or from a `Value` (validated). Strings the model keeps are `String`s (moved into the record);
/// the ones it only looks at are borrowed where the input allows.
#[derive(Deserialize)]
struct OsvDoc<'a> {
    id: String,
    // Parsed into timestamps, not kept.
    #[serde(borrow)]
    modified: Option<Text<'a>>,
    #[serde(borrow)]
    published: Option<Text<'a>>,
    #[serde(borrow)]
    withdrawn: Option<Text<'a>>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    upstream: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    #[serde(borrow)]
    severity: Option<Vec<SeverityDoc<'a>>>,
    #[serde(borrow)]
    affected: Option<Vec<AffectedDoc<'a>>>,
    references: Option<Vec<ReferenceDoc>>,
    database_specific: Option<DatabaseSpecific>,
}

#[derive(Deserialize)]
struct SeverityDoc<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    score: String,
}

#[derive(Deserialize)]
struct AffectedDoc<'a> {
    #[serde(borrow)]
    package: Option<PackageDoc<'a>>,
    #[serde(borrow)]
    severity: Option<Vec<SeverityDoc<'a>>>,
    ranges: Option<Vec<OsvRange>>,
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct PackageDoc<'a> {
    ecosystem: String,
    name: String,
    /// Only read to derive the package purl.
    #[serde(borrow)]
    purl: Option<Text<'a>>,
}

/// A string the model only reads: borrowed from the input where it has no escapes. A newtype because serde's
/// `#[serde(borrow)]` on `Option<Cow<str>>` still copies (serde-rs/serde#2016); inside the newtype it borrows.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl Text<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Deserialize)]
struct ReferenceDoc {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: String,
}

/// `database_specific` (free-form): only `cwe_ids`, read leniently as before it was typed: a `database_specific`
/// that is not an object, a `cwe_ids` that is not an array and non-string ids are ignored, not errors; the rest is
/// skipped without being built.
#[derive(Default)]
struct DatabaseSpecific {
    cwe_ids: Vec<String>,
}

impl<'de> Deserialize<'de> for DatabaseSpecific {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DatabaseSpecific;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = DatabaseSpecific::default();
                while let Some(key) = map.next_key::<IsCweIds>()? {
                    if key.0 {
                        // Last one wins, as in a `Value`.
                        out.cwe_ids = map.next_value::<Strings>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                IgnoredAny
                    .visit_seq(seq)
                    .map(|_| DatabaseSpecific::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(DatabaseSpecific::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(DatabaseSpecific::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(DatabaseSpecific::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(DatabaseSpecific::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(DatabaseSpecific::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(DatabaseSpecific::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// A map key: whether it is `cwe_ids`.
struct IsCweIds(bool);

impl<'de> Deserialize<'de> for IsCweIds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IsCweIds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IsCweIds(v == "cwe_ids"))
            }
        }
        d.deserialize_str(V)
    }
}

/// The strings of an array (other elements skipped); anything but an array is no strings.
struct Strings(Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<OptString>()? {
                    out.extend(s.0);
                }
                Ok(Strings(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Strings(Vec::new()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Strings(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string, or `None` for any other value (skipped).
struct OptString(Option<String>);

impl<'de> Deserialize<'de> for OptString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OptString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OptString(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(OptString(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| OptString(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(map).map(|_| OptString(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(OptString(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(OptString(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(OptString(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(OptString(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OptString(None))
            }
        }
        d.deserialize_any(V)
    }
}
