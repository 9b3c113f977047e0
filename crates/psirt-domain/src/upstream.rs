//! Upstream records (OSV, GHSA, PYSEC, CVE …) that describe the same vulnerability, so that the upstream queue shows
//! it once and one decision covers all of its records.
//!
//! Two records are the same vulnerability when one names the other (its id is among the other's names), or when
//! each names exactly one CVE and it is the same one; and never when that would put two CVEs in one group. Not "they
//! share an alias": a record naming two CVEs (as DRUPAL-CORE-2020-013 does) is not the same as either CVE's own
//! records, and merging through it would decide one CVE with another's. It stays alone. The groups are the
//! connected components of that relation, joined in a fixed order (same CVE first, then naming, by id): a record
//! without a CVE that names records of two different CVEs joins the first.

use std::collections::{BTreeMap, BTreeSet};

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
    let mut cves: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); ids.len()];
    let mut naming: BTreeSet<(usize, usize)> = BTreeSet::new();
    for r in records {
        let me = index[r.id];
        let names = std::iter::once(r.id).chain(r.aliases.iter().map(String::as_str));
        cves[me].extend(names.filter(|n| is_cve(n)));
        for alias in r.aliases {
            if let Some(&other) = index.get(alias.as_str()) {
                naming.insert((me.min(other), me.max(other)));
            }
        }
    }
    let mut sets = Groups {
        parent: (0..ids.len()).collect(),
        cves: cves.clone(),
    };
    // Same single CVE: each such record with the first of its CVE.
    let mut first_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (me, named) in cves.iter().enumerate() {
        if let [cve] = named.iter().copied().collect::<Vec<_>>().as_slice() {
            match first_of.get(cve) {
                Some(&other) => sets.join(me, other),
                None => {
                    first_of.insert(cve, me);
                }
            }
        }
    }
    for (a, b) in naming {
        sets.join(a, b);
    }
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let root = sets.find(i);
        groups.entry(root).or_default().push((*id).to_owned());
    }
    let mut out: Vec<Vec<String>> = groups.into_values().collect();
    // Ids were visited sorted: each group is sorted; order the groups by their first id.
    out.sort_unstable();
    out
}

/// Union-find whose sets each name at most one CVE.
struct Groups<'a> {
    parent: Vec<usize>,
    /// The CVEs a root's set names.
    cves: Vec<BTreeSet<&'a str>>,
}

impl Groups<'_> {
    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Joins the sets of `a` and `b` unless together they would name two CVEs.
    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b || self.cves[a].union(&self.cves[b]).count() > 1 {
            return;
        }
        // The smaller index is the root: deterministic, whatever the input order.
        let (root, child) = (a.min(b), a.max(b));
        let moved = std::mem::take(&mut self.cves[child]);
        self.cves[root].extend(moved);
        self.parent[child] = root;
    }
}

fn is_cve(name: &str) -> bool {
    name.starts_with("CVE-")
}

/// A vulnerability id as its issuer writes it, for ids whose case carries no meaning: `CVE-` upper case (MITRE),
/// and a GHSA id `GHSA-` with its body lower case (GitHub). `cve-2021-44228` and `GHSA-JFH8-…` (from a URL or a
/// hand-written alias) then find and join the records of `CVE-2021-44228` and `GHSA-jfh8-…`. Other ids
/// (PYSEC-, RUSTSEC-, distro ids) are left as they are: their schemes do not say case is insignificant.
pub fn canonical_id(id: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let prefixed = |prefix: &str| {
        id.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if prefixed("CVE-") && !id.starts_with("CVE-") {
        Cow::Owned(format!("CVE-{}", &id[4..]))
    } else if prefixed("GHSA-")
        && (!id.starts_with("GHSA-") || id[5..].bytes().any(|b| b.is_ascii_uppercase()))
    {
        Cow::Owned(format!("GHSA-{}", id[5..].to_ascii_lowercase()))
    } else {
        Cow::Borrowed(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_and_ghsa_ids_are_written_as_their_issuers_write_them() {
        for (id, want) in [
            ("cve-2021-44228", "CVE-2021-44228"),
            ("Cve-2021-44228", "CVE-2021-44228"),
            ("CVE-2021-44228", "CVE-2021-44228"),
            ("GHSA-JFH8-C2JP-5V3Q", "GHSA-jfh8-c2jp-5v3q"),
            ("ghsa-jfh8-c2jp-5v3q", "GHSA-jfh8-c2jp-5v3q"),
            ("GHSA-jfh8-c2jp-5v3q", "GHSA-jfh8-c2jp-5v3q"),
            ("pysec-2019-217", "pysec-2019-217"),
            ("RUSTSEC-2021-0001", "RUSTSEC-2021-0001"),
            ("CV", "CV"),
            ("", ""),
            ("cveé", "cveé"),
        ] {
            assert_eq!(canonical_id(id), want, "{id}");
        }
        assert!(matches!(
            canonical_id("CVE-2021-44228"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

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
        // Not even when a record names it directly: one decision would cover two CVEs.
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
        assert_eq!(g.len(), 3, "{g:?}");
        // A record without a CVE named by (or naming) one with a CVE joins it.
        let g = groups(&[
            ("GHSA-cccc-cccc-cccc", &["CVE-2021-1", "OSV-2021-7"]),
            ("OSV-2021-7", &[]),
        ]);
        assert_eq!(g, vec![vec!["GHSA-cccc-cccc-cccc", "OSV-2021-7"]]);
    }

    #[test]
    fn a_record_naming_two_cve_records_joins_neither_and_nothing_joins_them_through_it() {
        let g = groups(&[
            (
                "DRUPAL-CORE-2020-013",
                &["CVE-2020-13671", "CVE-2020-28949"],
            ),
            ("CVE-2020-13671", &[]),
            ("CVE-2020-28949", &[]),
            ("GHSA-aaaa-aaaa-aaaa", &["CVE-2020-13671"]),
            ("GHSA-bbbb-bbbb-bbbb", &["CVE-2020-28949"]),
            // Names both CVEs' GHSAs, no CVE of its own: joins the first (by id) only.
            (
                "OSV-2020-1",
                &["GHSA-bbbb-bbbb-bbbb", "GHSA-aaaa-aaaa-aaaa"],
            ),
        ]);
        assert_eq!(
            g,
            vec![
                vec!["CVE-2020-13671", "GHSA-aaaa-aaaa-aaaa", "OSV-2020-1"],
                vec!["CVE-2020-28949", "GHSA-bbbb-bbbb-bbbb"],
                vec!["DRUPAL-CORE-2020-013"],
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
