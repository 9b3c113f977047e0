use time::macros::{date, datetime};

use super::*;

fn v(s: &str) -> VersionLine {
    s.parse().unwrap()
}

#[test]
fn version_lines_parse_and_order() {
    assert_eq!(
        v("16.9"),
        VersionLine {
            major: 16,
            minor: 9
        }
    );
    assert_eq!(v("v17.0.3"), v("17.0"));
    assert!(v("16.10") > v("16.9"));
    for bad in ["", "16", "16.", "a.b", "16.9.x", "1.2.3.4", "-1.2"] {
        assert!(bad.parse::<VersionLine>().is_err(), "{bad}");
    }
    assert_eq!(serde_json::to_string(&v("16.10")).unwrap(), "\"16.10\"");
    assert_eq!(
        serde_json::from_str::<VersionLine>("\"16.10\"").unwrap(),
        v("16.10")
    );
}

#[test]
fn backports_go_to_current_and_two_previous_minors() {
    let maintained = [v("16.8"), v("16.11"), v("16.9"), v("16.10"), v("16.11")];
    let p = BackportPolicy::default();
    assert_eq!(
        backport_targets(&maintained, &p),
        [v("16.11"), v("16.10"), v("16.9")]
    );
    // Across a major boundary the maintained list, not arithmetic, decides.
    let maintained = [v("16.10"), v("16.11"), v("17.0")];
    assert_eq!(
        backport_targets(&maintained, &p),
        [v("17.0"), v("16.11"), v("16.10")]
    );
    assert_eq!(
        backport_targets(&maintained, &BackportPolicy { previous_minors: 0 }),
        [v("17.0")]
    );
    assert!(backport_targets(&[], &p).is_empty());
    // A case introduced in 16.11 needs no backport to 16.10.
    assert_eq!(
        backport_targets_for(&maintained, &p, Some(&[v("16.11"), v("17.0")])),
        [v("17.0"), v("16.11")]
    );
}

fn plan() -> ReleasePlan {
    ReleasePlan {
        product: "GitLab".into(),
        version_line: v("16.11"),
        planned_date: date!(2026 - 03 - 11),
        fixes: vec![
            PlannedFix {
                case_id: "case-7".into(),
                title: "Path traversal in | package upload".into(),
                cve_ids: vec![],
                severity: Some(Severity::S3),
                sla_due: Some(datetime!(2026-05-01 00:00 UTC)),
            },
            PlannedFix {
                case_id: "case-3".into(),
                title: "Stored XSS in wiki page title".into(),
                cve_ids: vec!["CVE-2026-1002".into(), "CVE-2026-1001".into()],
                severity: Some(Severity::S2),
                // Due 2026-03-09 23:30 UTC; in +02:00 that is already 03-10, but UTC decides.
                sla_due: Some(datetime!(2026-03-10 01:30 +02:00)),
            },
            PlannedFix {
                case_id: "case-5".into(),
                title: "SSRF via webhook URL".into(),
                cve_ids: vec!["CVE-2026-1003".into()],
                severity: Some(Severity::S1),
                // Due on the release day: on time.
                sla_due: Some(datetime!(2026-03-11 08:00 UTC)),
            },
            PlannedFix {
                case_id: "case-9".into(),
                title: "Verbose error page".into(),
                cve_ids: vec![],
                severity: None,
                sla_due: None,
            },
        ],
    }
}

#[test]
fn late_fixes_are_flagged() {
    let p = plan();
    p.validate().unwrap();
    assert_eq!(
        p.warnings(),
        [PlanWarning::LateForSla {
            case_id: "case-3".into(),
            due: date!(2026 - 03 - 09),
            days_late: 2
        }]
    );
    assert_eq!(p.latest_on_time_date(), Some(date!(2026 - 03 - 09)));
    let mut dup = plan();
    dup.fixes.push(dup.fixes[3].clone());
    assert_eq!(
        dup.warnings().last(),
        Some(&PlanWarning::DuplicateCase {
            case_id: "case-9".into()
        })
    );
    let json = serde_json::to_value(p.warnings()).unwrap();
    assert_eq!(json[0]["type"], "late_for_sla");
    assert_eq!(json[0]["due"], "2026-03-09");
}

#[test]
fn release_notes_are_deterministic_markdown() {
    let expected = "# Security release: GitLab 16.11\n\nRelease date: 2026-03-11\n\n\
        | Title | CVE | Severity |\n|---|---|---|\n\
        | SSRF via webhook URL | CVE-2026-1003 | Critical |\n\
        | Stored XSS in wiki page title | CVE-2026-1001, CVE-2026-1002 | High |\n\
        | Path traversal in \\| package upload | – | Medium |\n\
        | Verbose error page | – | Unrated |\n";
    assert_eq!(plan().release_notes(), expected);
    let mut reversed = plan();
    reversed.fixes.reverse();
    assert_eq!(reversed.release_notes(), expected);
    let empty = ReleasePlan {
        fixes: vec![],
        ..plan()
    };
    assert!(empty.release_notes().ends_with("No security fixes.\n"));
    let bad = ReleasePlan {
        product: " ".into(),
        ..empty
    };
    assert!(bad.validate().is_err());
}

#[test]
fn planned_patch_releases_bracket_the_release_week() {
    // Monthly release Thursday 2026-03-19 (week of Monday 03-16): Wednesdays 03-11 and 03-25.
    assert_eq!(
        planned_patch_dates(date!(2026 - 03 - 19)),
        [date!(2026 - 03 - 11), date!(2026 - 03 - 25)]
    );
    // A Monday release day is its own week's Monday.
    assert_eq!(
        planned_patch_dates(date!(2026 - 03 - 16)),
        [date!(2026 - 03 - 11), date!(2026 - 03 - 25)]
    );
    // Across a year end: release Thu 2026-12-31 (week of Mon 12-28).
    assert_eq!(
        planned_patch_dates(date!(2026 - 12 - 31)),
        [date!(2026 - 12 - 23), date!(2027 - 01 - 06)]
    );
}
