//! Upstream records (OSV, GHSA, PYSEC, CVE …) that describe the same vulnerability, so that the upstream queue shows
//! it once and one decision covers all of its records.
//!
//! Two records are the same vulnerability when one names the other (its id is among the other's names), or when
//! each names exactly one CVE and it is the same one. Not "they share an alias": a record naming two CVEs (as
//! DRUPAL-CORE-2020-013 does) is not the same as either CVE's own records, and merging through it would decide one
//! CVE with another's. The groups are the connected components of that relation.

use std::collections::BTreeMap;

/// A record id and its names: the aliases its records give (any source), not the id itself.
pub struct Named<'a> {
    pub id: &'a str,
    pub aliases: &'a [String],
}

/// The records partitioned into groups of the same vulnerability. Each group's ids sorted; groups in the order of
/// their first id. Ids given twice count once (their aliases joined).
pub fn same_vulnerability_groups(records: &[Named<'_>]) -> Vec<Vec<String>> {
    let mut ids: Vec<&str> = records.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    let mut only_cve: BTreeMap<&str, usize> = BTreeMap::new();
    let mut cves: Vec<Vec<&str>> = vec![Vec::new(); ids.len()];
    for r in records {
        let me = index[r.id];
        for alias in r.aliases {
            // It names another record of the set.
            if let Some(&other) = index.get(alias.as_str()) {
                union(&mut parent, me, other);
            }
        }
        let named = std::iter::once(r.id)
            .chain(r.aliases.iter().map(String::as_str))
            .filter(|n| is_cve(n));
        for cve in named {
            if !cves[me].contains(&cve) {
                cves[me].push(cve);
            }
        }
    }
    for (me, names) in cves.iter().enumerate() {
        if let [cve] = names.as_slice() {
            match only_cve.get(cve) {
                Some(&other) => union(&mut parent, me, other),
                None => {
                    only_cve.insert(cve, me);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push((*id).to_owned());
    }
    let mut out: Vec<Vec<String>> = groups.into_values().collect();
    // Ids were visited sorted: each group is sorted; order the groups by their first id.
    out.sort_unstable();
    out
}

fn is_cve(name: &str) -> bool {
    name.starts_with("CVE-")
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find(parent, a), find(parent, b));
    // The smaller index is the root: deterministic, whatever the input order.
    if a < b {
        parent[b] = a;
    } else {
        parent[a] = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(records: &[(&str, &[&str])]) -> Vec<Vec<String>> {
        let owned: Vec<(&str, Vec<String>)> = records
            .iter()
            .map(|(id, a)| (*id, a.iter().map(|s| (*s).to_owned()).collect()))
            .collect();
        let named: Vec<Named<'_>> = owned
            .iter()
            .map(|(id, aliases)| Named { id, aliases })
            .collect();
        same_vulnerability_groups(&named)
    }

    #[test]
    fn records_naming_each_other_or_one_cve_are_one_vulnerability() {
        let g = groups(&[
            // PYSEC names the GHSA; a second GHSA only the CVE both name; the CVE record itself.
            ("PYSEC-2019-217", &["CVE-2019-10906", "GHSA-462w-v97r-4m45"]),
            ("GHSA-462w-v97r-4m45", &["CVE-2019-10906"]),
            ("GHSA-zzzz-zzzz-zzzz", &["CVE-2019-10906"]),
            ("CVE-2019-10906", &[]),
            ("RUSTSEC-2020-0001", &["CVE-2020-1"]),
        ]);
        assert_eq!(
            g,
            vec![
                vec![
                    "CVE-2019-10906",
                    "GHSA-462w-v97r-4m45",
                    "GHSA-zzzz-zzzz-zzzz",
                    "PYSEC-2019-217"
                ],
                vec!["RUSTSEC-2020-0001"],
            ]
        );
    }

    #[test]
    fn a_record_naming_two_cves_joins_neither() {
        let g = groups(&[
            (
                "DRUPAL-CORE-2020-013",
                &["CVE-2020-13671", "CVE-2020-28949"],
            ),
            ("GHSA-aaaa-aaaa-aaaa", &["CVE-2020-13671"]),
            ("GHSA-bbbb-bbbb-bbbb", &["CVE-2020-28949"]),
        ]);
        assert_eq!(g.len(), 3, "{g:?}");
        // Unless a record names it directly.
        let g = groups(&[
            (
                "DRUPAL-CORE-2020-013",
                &["CVE-2020-13671", "CVE-2020-28949"],
            ),
            (
                "GHSA-aaaa-aaaa-aaaa",
                &["CVE-2020-13671", "DRUPAL-CORE-2020-013"],
            ),
            ("GHSA-bbbb-bbbb-bbbb", &["CVE-2020-28949"]),
        ]);
        assert_eq!(
            g,
            vec![
                vec!["DRUPAL-CORE-2020-013", "GHSA-aaaa-aaaa-aaaa"],
                vec!["GHSA-bbbb-bbbb-bbbb"]
            ]
        );
    }

    #[test]
    fn an_id_given_twice_joins_its_aliases_and_input_order_does_not_matter() {
        let a = groups(&[
            ("GHSA-1", &[]),
            ("PYSEC-1", &["CVE-1"]),
            ("GHSA-1", &["CVE-1"]),
            ("OSV-1", &[]),
        ]);
        let b = groups(&[
            ("OSV-1", &[]),
            ("GHSA-1", &["CVE-1"]),
            ("PYSEC-1", &["CVE-1"]),
        ]);
        assert_eq!(a, b);
        assert_eq!(a, vec![vec!["GHSA-1", "PYSEC-1"], vec!["OSV-1"]]);
        assert!(groups(&[]).is_empty());
    }
}
