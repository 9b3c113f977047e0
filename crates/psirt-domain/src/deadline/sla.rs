//! Case-level SLA rules over a case's clocks: a severity change, an unintended disclosure.

use time::OffsetDateTime;

use super::lifecycle::DeadlineClock;
use super::policy::SlaPolicy;
use super::{ClockError, ClockKind, ClockState};
use crate::Severity;

/// Recomputes the case's open mitigate/remediate clocks for `severity`: same start, new target,
/// paused time kept (and a disclosure cap still applies). Where the new severity has no mitigate
/// target the open mitigate clock is cancelled; where it gains one and the case has no open or
/// completed mitigate clock, one starts at `at` — mitigation could not be asked for before the
/// severity called for it. Response and regulatory clocks are untouched. A case getting its first
/// severity has no remediate clock yet: start them with [`SlaPolicy::start_severity_clocks`].
/// All or nothing: on an error the clocks are left as they were.
pub fn change_severity(
    clocks: &mut Vec<DeadlineClock>,
    policy: &SlaPolicy,
    severity: Severity,
    at: OffsetDateTime,
) -> Result<(), ClockError> {
    let counting = policy.counting()?;
    let targets = policy.targets(severity);
    // Work on a copy so a refused change leaves the case's clocks as they were.
    let mut next = clocks.clone();
    let mut has_mitigate = false;
    for clock in next.iter_mut() {
        let open = clock.state().is_open();
        match clock.kind() {
            ClockKind::Remediate if open => clock.retarget(targets.remediate, &counting)?,
            ClockKind::Mitigate => {
                has_mitigate |= open || clock.state() == ClockState::Completed;
                match targets.mitigate {
                    Some(t) if open => clock.retarget(t, &counting)?,
                    None if open => clock.cancel(
                        at,
                        &format!("severity changed to {severity}, which has no mitigate target"),
                    )?,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let (Some(t), false) = (targets.mitigate, has_mitigate) {
        next.push(DeadlineClock::start(ClockKind::Mitigate, at, t, &counting)?);
    }
    *clocks = next;
    Ok(())
}

/// Unintended disclosure (GitLab runbook: "shorten the SLA"): every open remediate clock is
/// capped at the S1 remediate target from its own start. A clock already due sooner keeps its due
/// time. Returns how many clocks moved.
pub fn apply_unintended_disclosure(
    clocks: &mut [DeadlineClock],
    policy: &SlaPolicy,
) -> Result<usize, ClockError> {
    let counting = policy.counting()?;
    let cap = policy.s1.remediate;
    let mut next = clocks.to_vec();
    let mut moved = 0;
    for clock in next.iter_mut() {
        if clock.kind() == ClockKind::Remediate
            && clock.state().is_open()
            && clock.cap_target(cap, &counting)?
        {
            moved += 1;
        }
    }
    clocks.clone_from_slice(&next);
    Ok(moved)
}

#[cfg(test)]
#[path = "sla_tests.rs"]
mod tests;
