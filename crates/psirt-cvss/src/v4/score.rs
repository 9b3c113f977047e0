//! `cvss_score.js` of FIRST's CVSS v4.0 calculator, transcribed.
//!
//! Metric values are held as "level codes" c, and the calculator's severity levels are the
//! f64 constants `LEVEL[c]` (0.0, 0.1, 0.2, 0.3), exactly the literals of `cvss_score.js`:
//! AV N0 A1 L2 P3; PR N0 L1 H2; UI N0 P1 A2; AC L0 H1; AT N0 P1; VC/VI/VA H0 L1 N2;
//! SC/SI/SA S0 H1 L2 N3 (S only for SI/SA, via MSI/MSA); CR/IR/AR H0 M1 L2; E A0 P1 U2.

use super::lookup::LOOKUP;

const LEVEL: [f64; 4] = [0.0, 0.1, 0.2, 0.3];

fn level(code: u8) -> f64 {
    LEVEL.get(usize::from(code)).copied().unwrap_or(f64::NAN)
}

/// The effective value of each scored metric, environmental overrides applied.
#[derive(Debug, Clone, Copy)]
pub(super) struct Effective {
    av: u8,
    ac: u8,
    at: u8,
    pr: u8,
    ui: u8,
    vc: u8,
    vi: u8,
    va: u8,
    sc: u8,
    si: u8,
    sa: u8,
    e: u8,
    cr: u8,
    ir: u8,
    ar: u8,
}

impl Effective {
    /// From the value indices of the metric table in `mod.rs`.
    pub(super) fn new(vals: &[u8; 32]) -> Effective {
        // Modified metrics sit 15 places after their base metric; their value tables are the
        // base ones with X prepended, so index - 1 is the base index.
        let m = |i: usize| match vals[i + 15] {
            0 => vals[i],
            x => x - 1,
        };
        // SC/SI/SA codes start at H=1 (S=0 exists only as MSI/MSA:S): base index + 1; MSC
        // has no S, so its index (X H L N) is already the code; MSI/MSA (X S H L N) is - 1.
        let sub = |i: usize, has_safety: bool| match vals[i + 15] {
            0 => vals[i] + 1,
            x if has_safety => x - 1,
            x => x,
        };
        // X means "worst case": E:X = A, CR/IR/AR:X = H.
        let x_is_first = |x: u8| x.saturating_sub(1);
        Effective {
            av: m(0),
            ac: m(1),
            at: m(2),
            pr: m(3),
            ui: m(4),
            vc: m(5),
            vi: m(6),
            va: m(7),
            sc: sub(8, false),
            si: sub(9, true),
            sa: sub(10, true),
            e: x_is_first(vals[11]),
            cr: x_is_first(vals[12]),
            ir: x_is_first(vals[13]),
            ar: x_is_first(vals[14]),
        }
    }

    /// EQ1..EQ6.
    pub(super) fn macrovector(&self) -> [u8; 6] {
        let eq1 = if self.av == 0 && self.pr == 0 && self.ui == 0 {
            0
        } else if (self.av == 0 || self.pr == 0 || self.ui == 0) && self.av != 3 {
            1
        } else {
            2
        };
        let eq2 = if self.ac == 0 && self.at == 0 { 0 } else { 1 };
        let eq3 = if self.vc == 0 && self.vi == 0 {
            0
        } else if self.vc == 0 || self.vi == 0 || self.va == 0 {
            1
        } else {
            2
        };
        let eq4 = if self.si == 0 || self.sa == 0 {
            0
        } else if self.sc == 1 || self.si == 1 || self.sa == 1 {
            1
        } else {
            2
        };
        let eq5 = self.e;
        let eq6 = if (self.cr == 0 && self.vc == 0)
            || (self.ir == 0 && self.vi == 0)
            || (self.ar == 0 && self.va == 0)
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }
}

/// Dense index of a macrovector: EQ1 0-2, EQ2 0-1, EQ3 0-2, EQ4 0-2, EQ5 0-2, EQ6 0-1.
const fn dense(d: [u8; 6]) -> Option<usize> {
    if d[0] > 2 || d[1] > 1 || d[2] > 2 || d[3] > 2 || d[4] > 2 || d[5] > 1 {
        return None;
    }
    let [a, b, c, e, f, g] = [
        d[0] as usize,
        d[1] as usize,
        d[2] as usize,
        d[3] as usize,
        d[4] as usize,
        d[5] as usize,
    ];
    Some(((((a * 2 + b) * 3 + c) * 3 + e) * 3 + f) * 2 + g)
}

/// `LOOKUP` laid out densely at compile time; NaN where `cvss_lookup.js` has no entry.
static DENSE: [f64; 324] = {
    let mut table = [f64::NAN; 324];
    let mut i = 0;
    while i < LOOKUP.len() {
        let key = LOOKUP[i].0.as_bytes();
        let mut d = [0u8; 6];
        let mut j = 0;
        while j < 6 {
            d[j] = key[j] - b'0';
            j += 1;
        }
        match dense(d) {
            Some(k) => table[k] = LOOKUP[i].1,
            None => panic!("macrovector out of range in LOOKUP"),
        }
        i += 1;
    }
    table
};

/// Score of a macrovector, NaN where `cvss_lookup.js` has no entry (as JS's `undefined`
/// turns into NaN in the arithmetic).
fn lookup(mv: [u8; 6]) -> f64 {
    dense(mv)
        .and_then(|k| DENSE.get(k))
        .copied()
        .unwrap_or(f64::NAN)
}

// Highest-severity vectors of each EQ level (`max_composed.js`), as level codes.
/// EQ1 levels: (AV, PR, UI).
const MAX_EQ1: [&[[u8; 3]]; 3] = [
    &[[0, 0, 0]],
    &[[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    &[[3, 0, 0], [1, 1, 1]],
];
/// EQ2 levels: (AC, AT).
const MAX_EQ2: [&[[u8; 2]]; 2] = [&[[0, 0]], &[[1, 0], [0, 1]]];
/// EQ3 x EQ6 levels: (VC, VI, VA, CR, IR, AR); EQ3=2 with EQ6=0 cannot occur.
const MAX_EQ3_EQ6: [[&[[u8; 6]]; 2]; 3] = [
    [
        &[[0, 0, 0, 0, 0, 0]],
        &[[0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1]],
    ],
    [
        &[[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]],
        &[
            [1, 0, 1, 0, 1, 0],
            [1, 0, 0, 0, 1, 1],
            [0, 1, 0, 1, 0, 1],
            [0, 1, 1, 1, 0, 0],
            [1, 1, 0, 0, 0, 1],
        ],
    ],
    [&[], &[[1, 1, 1, 0, 0, 0]]],
];
/// EQ4 levels: (SC, SI, SA).
const MAX_EQ4: [&[[u8; 3]]; 3] = [&[[1, 0, 0]], &[[1, 1, 1]], &[[2, 2, 2]]];

// `max_severity.js`: depth of each EQ level, in steps of 0.1.
const MAX_SEVERITY_EQ1: [f64; 3] = [1.0, 4.0, 5.0];
const MAX_SEVERITY_EQ2: [f64; 2] = [1.0, 2.0];
const MAX_SEVERITY_EQ3_EQ6: [[f64; 2]; 3] = [[7.0, 6.0], [8.0, 8.0], [f64::NAN, 10.0]];
const MAX_SEVERITY_EQ4: [f64; 3] = [6.0, 5.0, 4.0];

fn pick<T: Copy>(table: &[T], i: u8, default: T) -> T {
    table.get(usize::from(i)).copied().unwrap_or(default)
}

/// The unrounded, clamped score (`cvss_score.js` before its final rounding).
pub(super) fn score(e: &Effective) -> f64 {
    if e.vc == 2 && e.vi == 2 && e.va == 2 && e.sc == 3 && e.si == 3 && e.sa == 3 {
        return 0.0;
    }
    let mv = e.macrovector();
    let [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
    let mut value = lookup(mv);

    let score_eq1_next = lookup([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
    let score_eq2_next = lookup([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
    let score_eq3eq6_next = match (eq3, eq6) {
        (1, 1) | (0, 1) => lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
        (1, 0) => lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
        (0, 0) => {
            // Two lower macrovectors: take the higher-scoring one (JS: left > right ? left : right).
            let left = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
            let right = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
            if left > right {
                left
            } else {
                right
            }
        }
        _ => lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1]),
    };
    let score_eq4_next = lookup([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
    let score_eq5_next = lookup([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

    // Severity distance from the first highest-severity vector of the macrovector that
    // dominates this one; if none does, the JS loop leaves the last one's distances.
    let maxes1 = pick(&MAX_EQ1, eq1, &[]);
    let maxes2 = pick(&MAX_EQ2, eq2, &[]);
    let maxes36 = MAX_EQ3_EQ6
        .get(usize::from(eq3))
        .and_then(|r| r.get(usize::from(eq6)))
        .copied()
        .unwrap_or(&[]);
    let maxes4 = pick(&MAX_EQ4, eq4, &[]);
    let mut d = [f64::NAN; 14];
    'search: for m1 in maxes1 {
        for m2 in maxes2 {
            for m36 in maxes36 {
                for m4 in maxes4 {
                    d = [
                        level(e.av) - level(m1[0]),
                        level(e.pr) - level(m1[1]),
                        level(e.ui) - level(m1[2]),
                        level(e.ac) - level(m2[0]),
                        level(e.at) - level(m2[1]),
                        level(e.vc) - level(m36[0]),
                        level(e.vi) - level(m36[1]),
                        level(e.va) - level(m36[2]),
                        level(e.sc) - level(m4[0]),
                        level(e.si) - level(m4[1]),
                        level(e.sa) - level(m4[2]),
                        level(e.cr) - level(m36[3]),
                        level(e.ir) - level(m36[4]),
                        level(e.ar) - level(m36[5]),
                    ];
                    if !d.iter().any(|x| *x < 0.0) {
                        break 'search;
                    }
                }
            }
        }
    }
    let [d_av, d_pr, d_ui, d_ac, d_at, d_vc, d_vi, d_va, d_sc, d_si, d_sa, d_cr, d_ir, d_ar] = d;
    // Summed left to right as in the JS (float addition is not associative).
    let dist_eq1 = d_av + d_pr + d_ui;
    let dist_eq2 = d_ac + d_at;
    let dist_eq3eq6 = d_vc + d_vi + d_va + d_cr + d_ir + d_ar;
    let dist_eq4 = d_sc + d_si + d_sa;

    let step = 0.1;
    let max_sev_eq1 = pick(&MAX_SEVERITY_EQ1, eq1, f64::NAN) * step;
    let max_sev_eq2 = pick(&MAX_SEVERITY_EQ2, eq2, f64::NAN) * step;
    let max_sev_eq3eq6 = MAX_SEVERITY_EQ3_EQ6
        .get(usize::from(eq3))
        .and_then(|r| r.get(usize::from(eq6)))
        .copied()
        .unwrap_or(f64::NAN)
        * step;
    let max_sev_eq4 = pick(&MAX_SEVERITY_EQ4, eq4, f64::NAN) * step;

    let mut n_existing_lower = 0u32;
    let mut normalized = [0.0f64; 5];
    let parts = [
        (value - score_eq1_next, dist_eq1, max_sev_eq1),
        (value - score_eq2_next, dist_eq2, max_sev_eq2),
        (value - score_eq3eq6_next, dist_eq3eq6, max_sev_eq3eq6),
        (value - score_eq4_next, dist_eq4, max_sev_eq4),
    ];
    for (slot, (available, dist, max_sev)) in normalized.iter_mut().zip(parts) {
        if !available.is_nan() {
            n_existing_lower += 1;
            *slot = available * (dist / max_sev);
        }
    }
    // EQ5 has no depth inside a macrovector: its proportion is always 0.
    let available_eq5 = value - score_eq5_next;
    if !available_eq5.is_nan() {
        n_existing_lower += 1;
        normalized[4] = available_eq5 * 0.0;
    }
    let mean_distance = if n_existing_lower == 0 {
        0.0
    } else {
        (normalized[0] + normalized[1] + normalized[2] + normalized[3] + normalized[4])
            / f64::from(n_existing_lower)
    };
    value -= mean_distance;
    value.clamp(0.0, 10.0)
}
