//! proptest fuzzing: no input panics; canonical vectors round-trip.

use proptest::prelude::*;

use crate::{parse, Cvss};

const SEEDS: &[&str] = &[
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:P/RL:O/RC:R/CR:H/IR:L/AR:M/MAV:A/MAC:H/MPR:L/MUI:R/MS:U/MC:L/MI:N/MA:H",
    "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:L/A:N/E:U/MS:C",
    "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:H/VI:L/VA:N/SC:L/SI:H/SA:N/E:P/CR:M/IR:H/AR:L/MAV:P/MAC:H/MAT:N/MPR:H/MUI:P/MVC:N/MVI:H/MVA:L/MSC:N/MSI:S/MSA:L/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
    "AV:A/AC:M/Au:S/C:P/I:C/A:N/E:POC/RL:TF/RC:UR/CDP:LM/TD:M/CR:H/IR:L/AR:M",
    "(AV:N/AC:L/Au:N/C:P/I:P/A:P)",
];

/// Valid vectors with some edits: a character replaced, removed or inserted, a component
/// dropped or duplicated, components swapped.
fn mutated() -> impl Strategy<Value = String> {
    (
        0..SEEDS.len(),
        prop::collection::vec((0u8..5, any::<prop::sample::Index>(), any::<char>()), 0..4),
    )
        .prop_map(|(seed, edits)| {
            let mut s: Vec<char> = SEEDS[seed].chars().collect();
            for (kind, at, c) in edits {
                if s.is_empty() {
                    break;
                }
                let i = at.index(s.len());
                match kind {
                    0 => s[i] = c,
                    1 => {
                        s.remove(i);
                    }
                    2 => s.insert(i, c),
                    3 => s.insert(i, ['/', ':', 'X', 'N', 'H'][i % 5]),
                    _ => {
                        let text: String = s.iter().collect();
                        let mut parts: Vec<&str> = text.split('/').collect();
                        let j = at.index(parts.len());
                        let k = (j + 1) % parts.len();
                        parts.swap(j, k);
                        if i % 2 == 0 {
                            let dup = parts[j];
                            parts.push(dup);
                        }
                        s = parts.join("/").chars().collect();
                    }
                }
            }
            s.into_iter().collect()
        })
}

fn check_round_trip(c: &Cvss) {
    let canonical = c.vector();
    let again = parse(&canonical).unwrap_or_else(|e| panic!("{canonical}: {e}"));
    assert_eq!(&again, c, "{canonical}");
    assert_eq!(again.vector(), canonical);
    assert_eq!(again.score(), c.score());
    let s = c.score();
    assert!((0.0..=10.0).contains(&s), "{canonical}: {s}");
    assert!(
        ((s * 10.0).round() - s * 10.0).abs() < 1e-9,
        "{canonical}: {s}"
    );
    let b = c.breakdown();
    assert_eq!(b.severity, c.severity());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,120}") {
        if let Ok(c) = parse(&s) {
            check_round_trip(&c);
        }
    }

    #[test]
    fn vector_like_strings_never_panic(s in "(CVSS:[34]\\.[01]/)?([A-Za-z]{1,3}:[A-Za-z]{1,5}/){0,12}[A-Z]{1,3}:[A-Z]") {
        if let Ok(c) = parse(&s) {
            check_round_trip(&c);
        }
    }

    #[test]
    fn mutated_vectors_never_panic_and_round_trip(s in mutated()) {
        if let Ok(c) = parse(&s) {
            check_round_trip(&c);
        }
    }
}

#[test]
fn seeds_are_valid() {
    for s in SEEDS {
        let c = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        check_round_trip(&c);
    }
}
