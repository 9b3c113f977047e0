use time::macros::datetime;

use super::*;

const T: OffsetDateTime = datetime!(2026-03-02 10:00 UTC);

#[test]
fn seed_template_is_valid_and_in_order() {
    let t = RunbookTemplate::seed_s1();
    t.validate().unwrap();
    let phases: Vec<_> = t.phases.iter().map(|p| p.phase).collect();
    assert_eq!(phases, RunbookPhase::ALL);
    assert_eq!(t.instantiate().unwrap().items.len(), 11);
}

#[test]
fn validation_rejects_bad_edits() {
    let mut t = RunbookTemplate::seed_s1();
    t.name = " ".into();
    t.phases.swap(0, 1);
    t.phases[2].items[1].key = "mitigation".into(); // duplicate
    t.phases[3].items[0].key = "Bad Key".into();
    t.phases[3].items[1].text.clear();
    t.phases[4].items.clear();
    let Err(DomainError::Invalid(errors)) = t.validate() else {
        panic!("expected invalid")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "phases",
            "phases[2].items[1].key",
            "phases[3].items[0].key",
            "phases[3].items[1].text",
            "phases[4].items"
        ]
    );
    assert!(t.instantiate().is_err());
    let empty = RunbookTemplate {
        name: "x".into(),
        phases: vec![],
    };
    assert!(empty.validate().is_err());
}

#[test]
fn checklist_progress_and_phases() {
    let mut c = RunbookTemplate::seed_s1().instantiate().unwrap();
    assert_eq!(c.current_phase(), Some(RunbookPhase::Triage));
    assert_eq!(
        c.progress(),
        Progress {
            done: 0,
            total: 11,
            percent: 0
        }
    );
    c.mark_done("confirm-severity", "alice", T).unwrap();
    c.mark_done("labels-due-date", "alice", T).unwrap();
    c.mark_done("mitigation", "bob", T).unwrap(); // out of order is allowed
    assert_eq!(c.current_phase(), Some(RunbookPhase::Escalate));
    // 3/11 = 27.3 % → 27
    assert_eq!(c.progress().percent, 27);
    let phases = c.phase_progress();
    assert_eq!(phases[0].0, RunbookPhase::Triage);
    assert_eq!(phases[0].1.percent, 100);
    assert_eq!(
        phases[2],
        (
            RunbookPhase::Mitigate,
            Progress {
                done: 1,
                total: 2,
                percent: 50
            }
        )
    );
    let item = c.items.iter().find(|i| i.key == "mitigation").unwrap();
    assert_eq!(item.done_by.as_deref(), Some("bob"));

    assert!(c.mark_done("mitigation", "carol", T).is_err());
    assert!(c.mark_done("nope", "carol", T).is_err());
    assert!(c.mark_done("page-seoc", "", T).is_err());
    c.reopen("mitigation").unwrap();
    assert_eq!(c.progress().done, 2);

    for key in c.items.iter().map(|i| i.key.clone()).collect::<Vec<_>>() {
        if !c.items.iter().any(|i| i.key == key && i.is_done()) {
            c.mark_done(&key, "dave", T).unwrap();
        }
    }
    assert_eq!(c.progress().percent, 100);
    assert_eq!(c.current_phase(), None);
}

#[test]
fn handoff_notes_and_draft() {
    let mut c = RunbookTemplate::seed_s1().instantiate().unwrap();
    for key in [
        "confirm-severity",
        "labels-due-date",
        "page-seoc",
        "notify-em-pm",
        "inform-leadership",
        "mitigation",
        "verify-mitigation",
        "critical-release",
    ] {
        c.mark_done(key, "alice", T).unwrap();
    }
    assert_eq!(
        c.draft_handoff(),
        "## Hand-off: Handling S1/P1\n\nProgress: 8/11 items (72%).\n\nOpen items:\n\
         - [ ] release: Backport to the current and previous two minor versions (`backports`)\n\
         - [ ] rca: Write the root-cause analysis (`rca`)\n\
         - [ ] handoff: Hand off to the next time zone with a written status note (`handoff-note`)\n"
    );
    assert!(c.add_handoff("alice", Some("bob"), T, " ").is_err());
    c.add_handoff(
        "alice",
        Some("bob"),
        T,
        "Backports in review; RCA draft started",
    )
    .unwrap();
    assert_eq!(c.handoffs[0].to.as_deref(), Some("bob"));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["items"][0]["phase"], "triage");
    assert_eq!(serde_json::from_value::<RunbookChecklist>(json).unwrap(), c);
}
