//! Rounding rules of the specifications and an exact decimal for CVSS v2.

use std::cmp::Ordering;

/// CVSS v3.1 `Roundup` (specification Appendix A): the smallest one-decimal number >= x,
/// computed on x rounded to 5 decimals so that float noise such as 4.000000000000001 does not
/// round up to 4.1. FIRST's calculators do exactly this.
pub(crate) fn roundup(x: f64) -> f64 {
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

/// CVSS v4.0 final rounding as FIRST's `cvss_score.js` does it: half up at one decimal after
/// adding 1e-6, because the interpolation can land one ULP below an x.x5 tie.
pub(crate) fn round_v4(x: f64) -> f64 {
    ((x + 1e-6) * 10.0).round() / 10.0
}

/// Plain half-away-from-zero rounding to one decimal, for displaying sub-scores.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// An exact decimal `m / 10^s`. CVSS v2 weights have at most three decimals and its equations
/// are polynomials of low degree, so i128 holds every intermediate value exactly and
/// `round_to_1_decimal` ties are decided on the true value, not on binary float noise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    m: i128,
    s: u32,
}

impl Dec {
    pub(crate) const fn new(m: i128, s: u32) -> Dec {
        Dec { m, s }
    }

    pub(crate) const fn int(m: i128) -> Dec {
        Dec { m, s: 0 }
    }

    fn rescale(self, s: u32) -> i128 {
        self.m * 10i128.pow(s - self.s)
    }

    pub(crate) fn add(self, o: Dec) -> Dec {
        let s = self.s.max(o.s);
        Dec::new(self.rescale(s) + o.rescale(s), s)
    }

    pub(crate) fn sub(self, o: Dec) -> Dec {
        let s = self.s.max(o.s);
        Dec::new(self.rescale(s) - o.rescale(s), s)
    }

    pub(crate) fn mul(self, o: Dec) -> Dec {
        Dec::new(self.m * o.m, self.s + o.s)
    }

    pub(crate) fn cmp(self, o: Dec) -> Ordering {
        let s = self.s.max(o.s);
        self.rescale(s).cmp(&o.rescale(s))
    }

    pub(crate) fn min(self, o: Dec) -> Dec {
        if self.cmp(o) == Ordering::Greater {
            o
        } else {
            self
        }
    }

    pub(crate) fn max(self, o: Dec) -> Dec {
        if self.cmp(o) == Ordering::Less {
            o
        } else {
            self
        }
    }

    pub(crate) fn is_zero(self) -> bool {
        self.m == 0
    }

    /// Round half away from zero to one decimal (Python's `ROUND_HALF_UP`, the v2 guide's
    /// `round_to_1_decimal`).
    pub(crate) fn round1(self) -> Dec {
        if self.s <= 1 {
            return Dec::new(self.rescale(1), 1);
        }
        let div = 10i128.pow(self.s - 1);
        let q = self.m / div;
        let r = self.m % div;
        let q = if 2 * r.abs() >= div {
            q + r.signum()
        } else {
            q
        };
        Dec::new(q, 1)
    }

    pub(crate) fn to_f64(self) -> f64 {
        // Only called on one-decimal values, where this is exact to the nearest double.
        self.m as f64 / 10f64.powi(self.s as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundup_examples_from_the_spec() {
        assert_eq!(roundup(4.02), 4.1);
        assert_eq!(roundup(4.00), 4.0);
        // Float noise just above a tenth does not round up.
        assert_eq!(roundup(4.000_000_000_000_001), 4.0);
        assert_eq!(roundup(0.0), 0.0);
    }

    #[test]
    fn v4_rounding_handles_ulp_below_tie() {
        assert_eq!(round_v4(5.649_999_999_999_999_5), 5.7);
        assert_eq!(round_v4(8.6 - 7.15), 1.5);
        assert_eq!(round_v4(1.44), 1.4);
    }

    #[test]
    fn dec_rounds_half_away_from_zero() {
        assert_eq!(Dec::new(125, 2).round1().to_f64(), 1.3);
        assert_eq!(Dec::new(124_999, 5).round1().to_f64(), 1.2);
        assert_eq!(Dec::new(-125, 2).round1().to_f64(), -1.3);
        assert_eq!(Dec::new(-17, 2).round1().to_f64(), -0.2);
        assert_eq!(Dec::int(3).round1().to_f64(), 3.0);
        assert_eq!(
            Dec::new(15, 1)
                .mul(Dec::new(2, 0))
                .sub(Dec::int(1))
                .to_f64(),
            2.0
        );
    }
}
