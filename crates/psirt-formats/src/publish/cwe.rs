//! CWE names. CSAF wants each CWE with its exact name from MITRE's CWE list (mandatory test
//! 6.1.11 rejects any other text), so the list is vendored: `data/cwe-names.tsv`, id and name per
//! line, taken from the CWE catalogue csaf-validator-lib checks against (see data/README.md).

use std::collections::HashMap;
use std::sync::OnceLock;

const NAMES: &str = include_str!("../../data/cwe-names.tsv");

fn names() -> &'static HashMap<u32, &'static str> {
    static MAP: OnceLock<HashMap<u32, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        NAMES
            .lines()
            .filter_map(|l| {
                let (id, name) = l.split_once('\t')?;
                Some((id.parse().ok()?, name))
            })
            .collect()
    })
}

/// The official name of CWE-`id`, if the list has it.
pub fn cwe_name(id: u32) -> Option<&'static str> {
    names().get(&id).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_complete_and_exact() {
        assert_eq!(names().len(), NAMES.lines().count());
        assert!(names().len() > 900);
        assert_eq!(
            cwe_name(79),
            Some("Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')")
        );
        assert_eq!(cwe_name(502), Some("Deserialization of Untrusted Data"));
        assert_eq!(cwe_name(0), None);
    }
}
