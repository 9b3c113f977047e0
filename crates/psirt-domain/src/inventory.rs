//! What we ship: products and their versions (release streams), as the inventory that SBOMs,
//! affects and impact analysis hang off.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::report::check_text;
use crate::{DomainError, FieldError};

// Dates travel as `YYYY-MM-DD` (the `time` crate's default serde form is a tuple).
time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

const MAX_NAME: usize = 200;
const MAX_VERSION: usize = 100;
const MAX_CPE: usize = 400;
const MAX_DESCRIPTION: usize = 5_000;

/// A product's editable fields, as a user gives them. Unknown fields are refused: the draft replaces the whole
/// product, and a misspelt field would silently clear the one meant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductDraft {
    pub name: String,
    pub vendor: String,
    /// CPE prefix of the product, e.g. `cpe:2.3:a:acme:router_os` (CPE 2.3 formatted string
    /// or a CPE 2.2 URI), used to identify it in advisories.
    #[serde(default)]
    pub cpe: Option<String>,
    /// Package URL of the product when it ships as a package (`pkg:npm/acme-sdk`, no version):
    /// advisories then name each version as `<purl>@<version>` (CSAF helper, OSV package).
    #[serde(default)]
    pub purl: Option<String>,
    #[serde(default)]
    pub owner_team: String,
    #[serde(default)]
    pub description: String,
}

impl ProductDraft {
    /// Trims the fields and checks them; every bad field is reported at once.
    pub fn normalised(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        self.vendor = self.vendor.trim().to_owned();
        self.owner_team = self.owner_team.trim().to_owned();
        self.cpe = self
            .cpe
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        let mut errors = Vec::new();
        check_text(&mut errors, "name", &self.name, MAX_NAME, true);
        check_visible(&mut errors, "name", &self.name);
        check_text(&mut errors, "vendor", &self.vendor, MAX_NAME, true);
        check_visible(&mut errors, "vendor", &self.vendor);
        check_text(&mut errors, "owner_team", &self.owner_team, MAX_NAME, false);
        check_text(
            &mut errors,
            "description",
            &self.description,
            MAX_DESCRIPTION,
            false,
        );
        if let Some(cpe) = &self.cpe {
            if let Err(why) = check_cpe(cpe) {
                errors.push(FieldError::new("cpe", why));
            }
        }
        self.purl = self
            .purl
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if let Some(purl) = &self.purl {
            if let Err(why) = check_product_purl(purl) {
                errors.push(FieldError::new("purl", why));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

/// A product's Package URL: `pkg:TYPE/[NAMESPACE/]NAME` without version, qualifiers or subpath (each version adds
/// its own), valid by the purl spec (its type's rules too: a Maven purl names its group): an advisory names the
/// product by it, and one the spec refuses would be left out of the advisory's product tree.
pub fn check_product_purl(purl: &str) -> Result<(), String> {
    if purl.len() > MAX_CPE {
        return Err(format!("is longer than {MAX_CPE} characters"));
    }
    if purl.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".into());
    }
    let rest = purl.strip_prefix("pkg:").ok_or("must start with `pkg:`")?;
    let (kind, name) = rest.split_once('/').ok_or("must be pkg:TYPE/NAME")?;
    if kind.is_empty() || name.trim_matches('/').is_empty() {
        return Err("must be pkg:TYPE/NAME".into());
    }
    if purl.contains(['@', '?', '#']) {
        return Err("must not carry a version, qualifiers or subpath (each product version adds its version)".into());
    }
    psirt_versions::Purl::parse(purl)
        .map(|_| ())
        .map_err(|e| format!("is not a valid Package URL: {e}"))
}

/// Accepts a CPE 2.3 formatted string (`cpe:2.3:part:vendor:product...`) or a CPE 2.2 URI
/// (`cpe:/part:vendor:product...`) whose part is `a`, `o` or `h` (NISTIR 7695 §6).
pub fn check_cpe(cpe: &str) -> Result<(), String> {
    if cpe.len() > MAX_CPE {
        return Err(format!("is longer than {MAX_CPE} characters"));
    }
    if cpe.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".into());
    }
    let rest = cpe
        .strip_prefix("cpe:2.3:")
        .or_else(|| cpe.strip_prefix("cpe:/"))
        .ok_or("must start with `cpe:2.3:` (CPE 2.3) or `cpe:/` (CPE 2.2)")?;
    let parts: Vec<&str> = rest.split(':').collect();
    if !matches!(parts.first(), Some(&("a" | "o" | "h"))) {
        return Err(
            "part must be `a` (application), `o` (operating system) or `h` (hardware)".into(),
        );
    }
    if parts.len() < 3 || parts[1].is_empty() || parts[2].is_empty() {
        return Err("must name at least the vendor and the product".into());
    }
    Ok(())
}

/// Names that identify (product, vendor, version) must not hold the common invisible formatting characters (most
/// of Unicode's Cf: a byte-order mark from a `VERSION` file, zero-width spaces, bidirectional overrides):
/// "\u{feff}1.0" would be a second version that looks like "1.0", found by nobody who types it.
fn check_visible(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let invisible = |c: char| {
        matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
    };
    if let Some(c) = value.chars().find(|c| invisible(*c)) {
        errors.push(FieldError::new(
            field,
            format!("contains the invisible character U+{:04X}", u32::from(c)),
        ));
    }
}

/// A product version's editable fields: a release, or a maintained stream (e.g. `4.2.x`).
/// Unknown fields are refused: the draft replaces the whole version, and a misspelt `support_end_on` would
/// silently clear the support end date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductVersionDraft {
    pub version: String,
    /// `YYYY-MM-DD`
    #[serde(default, with = "iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub released_on: Option<Date>,
    /// The last day the version is supported (security fixes), `YYYY-MM-DD`; none while
    /// open-ended.
    #[serde(default, with = "iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub support_ends_on: Option<Date>,
}

impl ProductVersionDraft {
    pub fn normalised(mut self) -> Result<Self, DomainError> {
        self.version = self.version.trim().to_owned();
        let mut errors = Vec::new();
        check_text(&mut errors, "version", &self.version, MAX_VERSION, true);
        check_visible(&mut errors, "version", &self.version);
        if self.version.contains(char::is_whitespace) {
            errors.push(FieldError::new("version", "must not contain spaces"));
        }
        for (field, day) in [
            ("released_on", self.released_on),
            ("support_ends_on", self.support_ends_on),
        ] {
            if let Some(day) = day.filter(|d| !(1900..=9999).contains(&d.year())) {
                errors.push(FieldError::new(
                    field,
                    format!("{day} is not a plausible date (years 1900 to 9999)"),
                ));
            }
        }
        if let (Some(released), Some(ends)) = (self.released_on, self.support_ends_on) {
            if ends < released {
                errors.push(FieldError::new(
                    "support_ends_on",
                    format!("is before the release date {released}"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

/// Where a product version stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupportStatus {
    Unreleased,
    Supported,
    EndOfSupport,
}

pub fn support_status(
    released_on: Option<Date>,
    support_ends_on: Option<Date>,
    today: Date,
) -> SupportStatus {
    match (released_on, support_ends_on) {
        (Some(r), _) if today < r => SupportStatus::Unreleased,
        (_, Some(end)) if today > end => SupportStatus::EndOfSupport,
        _ => SupportStatus::Supported,
    }
}

impl SupportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SupportStatus::Unreleased => "unreleased",
            SupportStatus::Supported => "supported",
            SupportStatus::EndOfSupport => "end_of_support",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn product(name: &str, vendor: &str, cpe: Option<&str>) -> ProductDraft {
        ProductDraft {
            name: name.into(),
            vendor: vendor.into(),
            cpe: cpe.map(Into::into),
            purl: None,
            ..Default::default()
        }
    }

    fn fields(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn version_dates_are_plausible_and_fields_are_known() {
        let read = |json: &str| serde_json::from_str::<ProductVersionDraft>(json);
        let old = read(r#"{"version": "1.0", "released_on": "-0001-01-01"}"#);
        let old = old
            .map_err(|e| e.to_string())
            .and_then(|d| d.normalised().map_err(|e| e.to_string()));
        assert!(old.is_err_and(|e| e.contains("released_on")));
        assert!(read(r#"{"version": "1.0", "released_on": "1999-12-31"}"#)
            .is_ok_and(|d| d.normalised().is_ok()));
        let typo = read(r#"{"version": "1.0", "support_end_on": "2030-01-01"}"#);
        assert!(typo.is_err_and(|e| e.to_string().contains("support_end_on")));
        let typo = serde_json::from_str::<ProductDraft>(
            r#"{"name": "A", "vendor": "B", "descripton": "x"}"#,
        );
        assert!(typo.is_err());
    }

    #[test]
    fn identifying_names_hold_no_invisible_characters() {
        for v in ["\u{feff}1.0", "1.0\u{200b}", "2.\u{202e}1"] {
            let draft = ProductVersionDraft {
                version: v.into(),
                ..Default::default()
            };
            let e = draft.normalised().map(|_| ()).unwrap_err();
            assert!(e.to_string().contains("invisible character"), "{v:?}: {e}");
        }
        assert!(fields(
            product("Router\u{200d}OS", "Acme\u{feff}", None)
                .normalised()
                .unwrap_err()
        )
        .ends_with(&["name".to_string(), "vendor".to_string()]));
        // Visible text of any script is fine.
        assert!(product("Überwacher", "株式会社", None).normalised().is_ok());
    }

    #[test]
    fn product_purls_are_versionless_package_urls() {
        for good in [
            "pkg:npm/acme-sdk",
            "pkg:maven/com.acme/router",
            "pkg:generic/acme/router-os",
        ] {
            assert_eq!(check_product_purl(good), Ok(()), "{good}");
        }
        for bad in [
            "npm/acme",
            "pkg:npm",
            "pkg:npm/",
            "pkg:npm/acme@1.0",
            "pkg:npm/acme?arch=x",
            "pkg:npm/ac me",
        ] {
            assert!(check_product_purl(bad).is_err(), "{bad}");
        }
        let mut p = product("SDK", "Acme", None);
        p.purl = Some("  ".into());
        assert_eq!(p.normalised().unwrap().purl, None);
        let mut p = product("SDK", "Acme", None);
        p.purl = Some("pkg:npm/acme@2".into());
        assert_eq!(fields(p.normalised().unwrap_err()), ["purl"]);
        // What the spec refuses, and advisories would leave out: a Maven purl without its group, a type that does
        // not start with a letter, a broken escape.
        for bad in ["pkg:maven/router", "pkg:1npm/x", "pkg:npm/a%zz"] {
            let why = check_product_purl(bad).unwrap_err();
            assert!(
                why.starts_with("is not a valid Package URL"),
                "{bad}: {why}"
            );
        }
        assert_eq!(check_product_purl("pkg:npm/%40acme/sdk"), Ok(()));
    }

    #[test]
    fn product_is_trimmed_and_checked() {
        let p = product("  Router OS ", " Acme ", Some("  "))
            .normalised()
            .unwrap();
        assert_eq!(
            (p.name.as_str(), p.vendor.as_str(), p.cpe),
            ("Router OS", "Acme", None)
        );
        let e = product(" ", "", Some("cpe:2.3:x:acme:r"))
            .normalised()
            .unwrap_err();
        assert_eq!(fields(e), ["name", "vendor", "cpe"]);
    }

    #[test]
    fn cpe_forms() {
        for ok in [
            "cpe:2.3:a:acme:router_os",
            "cpe:2.3:o:acme:router_os:*:*:*:*:*:*:*:*",
            "cpe:/a:acme:router_os",
            "cpe:/h:acme:box:1.0",
        ] {
            assert_eq!(check_cpe(ok), Ok(()), "{ok}");
        }
        for bad in [
            "acme router",
            "cpe:2.3:a:acme",
            "cpe:2.3:a::router",
            "cpe:/a:acme",
            "cpe:2.3:q:acme:router",
            "cpe:2.3:a:acme:router os",
        ] {
            assert!(check_cpe(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn version_checks_dates_and_spaces() {
        let v = ProductVersionDraft {
            version: " 4.2.1 ".into(),
            released_on: Some(date!(2026 - 01 - 10)),
            support_ends_on: Some(date!(2027 - 01 - 10)),
        }
        .normalised()
        .unwrap();
        assert_eq!(v.version, "4.2.1");
        let e = ProductVersionDraft {
            version: "4 2".into(),
            released_on: Some(date!(2026 - 01 - 10)),
            support_ends_on: Some(date!(2026 - 01 - 09)),
        }
        .normalised()
        .unwrap_err();
        assert_eq!(fields(e), ["version", "support_ends_on"]);
        assert!(ProductVersionDraft::default().normalised().is_err());
    }

    #[test]
    fn dates_travel_as_iso_text() {
        let v: ProductVersionDraft =
            serde_json::from_str(r#"{"version": "1", "released_on": "2026-03-01"}"#).unwrap();
        assert_eq!(v.released_on, Some(date!(2026 - 03 - 01)));
        assert_eq!(v.support_ends_on, None);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["released_on"], "2026-03-01");
        assert!(serde_json::from_str::<ProductVersionDraft>(
            r#"{"version": "1", "released_on": "March"}"#
        )
        .is_err());
    }

    #[test]
    fn support_status_by_date() {
        let (r, e) = (Some(date!(2026 - 01 - 10)), Some(date!(2026 - 06 - 30)));
        assert_eq!(
            support_status(r, e, date!(2026 - 01 - 09)),
            SupportStatus::Unreleased
        );
        assert_eq!(
            support_status(r, e, date!(2026 - 01 - 10)),
            SupportStatus::Supported
        );
        assert_eq!(
            support_status(r, e, date!(2026 - 06 - 30)),
            SupportStatus::Supported
        );
        assert_eq!(
            support_status(r, e, date!(2026 - 07 - 01)),
            SupportStatus::EndOfSupport
        );
        assert_eq!(
            support_status(None, None, date!(2099 - 01 - 01)),
            SupportStatus::Supported
        );
    }
}
