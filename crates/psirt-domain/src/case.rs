//! The case state machine (DESIGN.md §2): which transitions exist and what each needs.

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Generates `as_str`, `FromStr`, `Display` and `ALL` for a unit enum with snake_case names,
/// so the database, the API and the UI share one spelling.
macro_rules! named_enum {
    ($name:ident, $kind:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(DomainError::UnknownValue { kind: $kind, value: s.to_owned() }),
                }
            }
        }
    };
}
pub(crate) use named_enum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    New,
    Triage,
    Confirmed,
    Remediating,
    Fixed,
    Disclosed,
    Closed,
    Rejected,
}
named_enum!(CaseState, "case state" {
    New => "new", Triage => "triage", Confirmed => "confirmed", Remediating => "remediating",
    Fixed => "fixed", Disclosed => "disclosed", Closed => "closed", Rejected => "rejected",
});

impl CaseState {
    /// Open cases are work in progress; closed and rejected ones are history.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Closed | CaseState::Rejected)
    }
}

/// Why a case (or a report) was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Duplicate,
    Invalid,
    OutOfScope,
    WontFix,
    Informative,
}
named_enum!(Resolution, "resolution" {
    Duplicate => "duplicate", Invalid => "invalid", OutOfScope => "out_of_scope",
    WontFix => "wont_fix", Informative => "informative",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    S1,
    S2,
    S3,
    S4,
}
named_enum!(Severity, "severity" { S1 => "S1", S2 => "S2", S3 => "S3", S4 => "S4" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}
named_enum!(Priority, "priority" { P1 => "P1", P2 => "P2", P3 => "P3", P4 => "P4" });

/// What the guards look at: facts about the case that the state alone does not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionContext {
    pub severity: Option<Severity>,
    pub has_cvss_assessment: bool,
    pub has_published_advisory: bool,
    pub resolution: Option<Resolution>,
}

/// A requested change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: CaseState,
    pub to: CaseState,
}

impl Transition {
    /// The edges of the state machine. Besides the forward path, a rejected case can be
    /// reopened into triage (a wrong rejection must be correctable without a new case) and a
    /// case under remediation can go back to confirmed when a fix is withdrawn.
    pub fn is_edge(from: CaseState, to: CaseState) -> bool {
        use CaseState::*;
        matches!(
            (from, to),
            (New, Triage)
                | (Triage, Confirmed)
                | (Confirmed, Remediating)
                | (Remediating, Fixed)
                | (Fixed, Disclosed)
                | (Disclosed, Closed)
                | (New, Rejected)
                | (Triage, Rejected)
                | (Rejected, Triage)
                | (Remediating, Confirmed)
        )
    }

    /// The states a case in `from` may move to (guards not applied).
    pub fn targets(from: CaseState) -> Vec<CaseState> {
        CaseState::ALL
            .iter()
            .copied()
            .filter(|to| Transition::is_edge(from, *to))
            .collect()
    }

    /// Checks the edge and its guard. Pure: the caller persists the result and its audit event.
    pub fn check(
        from: CaseState,
        to: CaseState,
        ctx: &TransitionContext,
    ) -> Result<Self, DomainError> {
        if !Self::is_edge(from, to) {
            return Err(DomainError::TransitionNotAllowed {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        let guard = |ok: bool, reason: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(DomainError::GuardFailed {
                    to: to.to_string(),
                    reason,
                })
            }
        };
        match to {
            CaseState::Confirmed => {
                guard(ctx.severity.is_some(), "a confirmed case needs a severity")?;
                guard(
                    ctx.has_cvss_assessment,
                    "a confirmed case needs a CVSS assessment",
                )?;
            }
            CaseState::Disclosed => {
                guard(
                    ctx.has_published_advisory,
                    "a disclosed case needs a published advisory",
                )?;
            }
            CaseState::Rejected => {
                guard(
                    ctx.resolution.is_some(),
                    "a rejected case needs a resolution",
                )?;
            }
            _ => {}
        }
        // A resolution only makes sense when rejecting; refusing it elsewhere keeps data clean.
        if to != CaseState::Rejected && ctx.resolution.is_some() {
            return Err(DomainError::GuardFailed {
                to: to.to_string(),
                reason: "a resolution is only given when rejecting",
            });
        }
        Ok(Transition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseState::*;

    fn full_ctx(to: CaseState) -> TransitionContext {
        TransitionContext {
            severity: Some(Severity::S2),
            has_cvss_assessment: true,
            has_published_advisory: true,
            resolution: (to == Rejected).then_some(Resolution::Invalid),
        }
    }

    const ALLOWED: &[(CaseState, CaseState)] = &[
        (New, Triage),
        (Triage, Confirmed),
        (Confirmed, Remediating),
        (Remediating, Fixed),
        (Fixed, Disclosed),
        (Disclosed, Closed),
        (New, Rejected),
        (Triage, Rejected),
        (Rejected, Triage),
        (Remediating, Confirmed),
    ];

    #[test]
    fn every_pair_of_states_is_allowed_exactly_when_listed() {
        for &from in CaseState::ALL {
            for &to in CaseState::ALL {
                let expected = ALLOWED.contains(&(from, to));
                let got = Transition::check(from, to, &full_ctx(to));
                assert_eq!(got.is_ok(), expected, "{from} -> {to}: {got:?}");
                if !expected {
                    assert!(matches!(got, Err(DomainError::TransitionNotAllowed { .. })));
                }
            }
        }
    }

    #[test]
    fn confirming_needs_severity_and_cvss() {
        let mut ctx = full_ctx(Confirmed);
        ctx.severity = None;
        assert_eq!(
            Transition::check(Triage, Confirmed, &ctx),
            Err(DomainError::GuardFailed {
                to: "confirmed".into(),
                reason: "a confirmed case needs a severity"
            })
        );
        let mut ctx = full_ctx(Confirmed);
        ctx.has_cvss_assessment = false;
        assert!(matches!(
            Transition::check(Triage, Confirmed, &ctx),
            Err(DomainError::GuardFailed {
                reason: "a confirmed case needs a CVSS assessment",
                ..
            })
        ));
        let mut ctx = full_ctx(Confirmed);
        ctx.has_cvss_assessment = false;
        assert!(Transition::check(Remediating, Confirmed, &ctx).is_err());
    }

    #[test]
    fn disclosing_needs_a_published_advisory() {
        let mut ctx = full_ctx(Disclosed);
        ctx.has_published_advisory = false;
        assert!(matches!(
            Transition::check(Fixed, Disclosed, &ctx),
            Err(DomainError::GuardFailed { .. })
        ));
    }

    #[test]
    fn rejecting_needs_a_resolution_and_only_rejecting_takes_one() {
        let ctx = TransitionContext::default();
        assert!(Transition::check(New, Rejected, &ctx).is_err());
        assert!(Transition::check(Triage, Rejected, &ctx).is_err());
        for &r in Resolution::ALL {
            let ctx = TransitionContext {
                resolution: Some(r),
                ..Default::default()
            };
            assert!(Transition::check(Triage, Rejected, &ctx).is_ok());
            assert!(Transition::check(New, Triage, &ctx).is_err());
        }
    }

    #[test]
    fn unguarded_edges_need_nothing() {
        let ctx = TransitionContext::default();
        for (from, to) in [
            (New, Triage),
            (Confirmed, Remediating),
            (Remediating, Fixed),
            (Disclosed, Closed),
            (Rejected, Triage),
        ] {
            assert!(Transition::check(from, to, &ctx).is_ok(), "{from} -> {to}");
        }
    }

    #[test]
    fn names_round_trip() {
        for &s in CaseState::ALL {
            assert_eq!(s.as_str().parse::<CaseState>(), Ok(s));
        }
        for &r in Resolution::ALL {
            assert_eq!(r.as_str().parse::<Resolution>(), Ok(r));
        }
        assert!("S5".parse::<Severity>().is_err());
        assert_eq!("P1".parse::<Priority>(), Ok(Priority::P1));
        assert_eq!(Transition::targets(New), vec![Triage, Rejected]);
        assert!(!Closed.is_open() && !Rejected.is_open() && New.is_open());
    }
}
