//! CWE identifiers as cases carry them.

use crate::error::FieldError;
use crate::DomainError;

/// Parses `CWE-79` (or `79`) into 79. Case-insensitive; the id must be a positive integer.
pub fn parse_cwe(s: &str) -> Option<u32> {
    let t = s.trim();
    let digits = if t.len() > 4 && t[..4].eq_ignore_ascii_case("cwe-") {
        &t[4..]
    } else {
        t
    };
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// Parses a list, rejecting the whole list if any entry is bad; duplicates collapse.
pub fn parse_cwe_list<S: AsRef<str>>(items: &[S]) -> Result<Vec<u32>, DomainError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse_cwe(item.as_ref()) {
            Some(n) => out.push(n),
            None => errors.push(FieldError::new(
                format!("cwe_ids[{i}]"),
                format!("`{}` is not a CWE id (expected e.g. CWE-79)", item.as_ref()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_ids() {
        assert_eq!(parse_cwe("CWE-79"), Some(79));
        assert_eq!(parse_cwe("cwe-1321"), Some(1321));
        assert_eq!(parse_cwe("89"), Some(89));
        for bad in [
            "",
            "CWE-",
            "CWE-0",
            "CWE-x1",
            "CWE--1",
            "NVD-CWE-Other",
            "CWE-99999999",
        ] {
            assert_eq!(parse_cwe(bad), None, "{bad}");
        }
        assert_eq!(
            parse_cwe_list(&["CWE-89", "79", "CWE-89"]),
            Ok(vec![79, 89])
        );
        assert!(parse_cwe_list(&["CWE-89", "nope"]).is_err());
    }
}
