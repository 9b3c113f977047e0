use time::macros::{date, datetime};

use super::*;

fn complete() -> RcaRecord {
    RcaRecord {
        summary: "Wiki titles were rendered unescaped in the sidebar partial".into(),
        timeline: vec![
            TimelineEntry {
                at: datetime!(2026-02-01 09:00 UTC),
                description: "Report received via HackerOne".into(),
            },
            TimelineEntry {
                at: datetime!(2026-02-01 15:00 UTC),
                description: "Mitigated with a feature flag".into(),
            },
        ],
        root_cause: Some(RootCauseCategory::Implementation),
        cwe_id: Some(79),
        contributing_factors: vec!["html_safe used on user input".into()],
        went_well: vec!["Mitigation within 6 h".into()],
        went_badly: vec![],
        action_items: vec![ActionItem {
            description: "Lint rule against html_safe on model attributes".into(),
            owner: "appsec".into(),
            due: date!(2026 - 03 - 01),
            done_at: None,
            done_by: None,
        }],
    }
}

#[test]
fn completeness_lists_what_is_missing() {
    assert!(complete().is_complete());
    let empty = RcaRecord::default();
    assert_eq!(
        empty.missing(),
        [
            "summary",
            "root_cause",
            "timeline",
            "went_well_or_badly",
            "action_items"
        ]
    );
    assert!(!empty.is_complete());
    // Malformed entries make it incomplete too.
    let mut r = complete();
    r.action_items[0].owner = " ".into();
    assert!(r.missing().is_empty());
    assert!(!r.is_complete());
}

#[test]
fn validation_names_fields() {
    let mut r = complete();
    r.timeline.swap(0, 1);
    r.timeline[0].description.clear();
    r.cwe_id = Some(0);
    r.went_badly.push("".into());
    let Err(DomainError::Invalid(errors)) = r.validate() else {
        panic!("expected invalid")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "timeline[0].description",
            "timeline",
            "cwe_id",
            "went_badly[0]"
        ]
    );
}

#[test]
fn action_items_complete_once_and_overdue() {
    let mut r = complete();
    assert_eq!(r.overdue_actions(date!(2026 - 03 - 01)).len(), 0);
    assert_eq!(r.overdue_actions(date!(2026 - 03 - 02)).len(), 1);
    r.complete_action(0, "bob", datetime!(2026-03-05 10:00 UTC))
        .unwrap();
    assert_eq!(r.action_items[0].done_by.as_deref(), Some("bob"));
    assert!(r.overdue_actions(date!(2026 - 03 - 10)).is_empty());
    assert!(r
        .complete_action(0, "eve", datetime!(2026-03-06 10:00 UTC))
        .is_err());
    assert!(r
        .complete_action(5, "eve", datetime!(2026-03-06 10:00 UTC))
        .is_err());
}

#[test]
fn close_guard_follows_the_policy() {
    let policy = RcaPolicy::default();
    assert!(close_requires_rca(Some(Severity::S1), &policy));
    assert!(close_requires_rca(Some(Severity::S2), &policy));
    assert!(!close_requires_rca(Some(Severity::S3), &policy));
    assert!(!close_requires_rca(None, &policy));
    let off = RcaPolicy {
        required_for: BTreeSet::new(),
    };
    assert!(!close_requires_rca(Some(Severity::S1), &off));

    assert!(check_close(Some(Severity::S1), &policy, None).is_err());
    assert!(check_close(Some(Severity::S1), &policy, Some(&RcaRecord::default())).is_err());
    assert!(check_close(Some(Severity::S1), &policy, Some(&complete())).is_ok());
    assert!(check_close(Some(Severity::S4), &policy, None).is_ok());
}

#[test]
fn serde_round_trip() {
    let r = complete();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["root_cause"], "implementation");
    assert_eq!(json["action_items"][0]["due"], "2026-03-01");
    assert_eq!(serde_json::from_value::<RcaRecord>(json).unwrap(), r);
    let p: RcaPolicy = serde_json::from_str(r#"{"required_for":["S1"]}"#).unwrap();
    assert!(!close_requires_rca(Some(Severity::S2), &p));
}
