#![allow(clippy::unwrap_used)]

use time::macros::datetime;

use super::*;

fn content() -> AdvisoryContent {
    AdvisoryContent {
        title: " Router OS: remote code execution ".into(),
        summary: "A crafted request runs code.".into(),
        notes: String::new(),
        references: vec![Reference {
            url: "https://example.com/advisories/1".into(),
            summary: "advisory".into(),
        }],
        acknowledgments: vec![Acknowledgment {
            names: vec!["Ada".into()],
            ..Default::default()
        }],
        tlp: Tlp::Clear,
    }
}

fn advisory() -> Advisory {
    Advisory::draft(
        AdvisoryId::new("ACME", 2026, 1).unwrap(),
        content().normalised().unwrap(),
    )
}

fn request(status: AdvisoryStatus, change: Change, at: OffsetDateTime) -> Publish {
    Publish {
        status,
        change,
        summary: "update".into(),
        at,
    }
}

#[test]
fn status_transitions_never_go_back() {
    use AdvisoryStatus::*;
    for (from, to, ok) in [
        (Draft, Interim, true),
        (Draft, Final, true),
        (Interim, Interim, true),
        (Interim, Final, true),
        (Final, Final, true),
        (Final, Interim, false),
        (Final, Draft, false),
        (Interim, Draft, false),
        (Draft, Draft, false),
    ] {
        assert_eq!(from.transition(to).is_ok(), ok, "{from:?} -> {to:?}");
    }
}

#[test]
fn first_publication_is_1_0_0_and_later_ones_bump_as_asked() {
    let a = advisory();
    assert!(a.current().is_none());
    let r1 = a
        .publish(&request(
            AdvisoryStatus::Interim,
            Change::Patch,
            datetime!(2026-03-01 10:00:00.5 UTC),
        ))
        .unwrap();
    assert_eq!(r1.number.to_string(), "1.0.0");
    assert_eq!(r1.date, datetime!(2026-03-01 10:00 UTC));
    let a = a.with_revision(r1.clone());
    assert_eq!(a.status(), AdvisoryStatus::Interim);
    let at = datetime!(2026-03-02 10:00 UTC);
    let minor = a
        .publish(&request(AdvisoryStatus::Final, Change::Minor, at))
        .unwrap();
    assert_eq!(minor.number.to_string(), "1.1.0");
    let a = a.with_revision(minor);
    let patch = a
        .publish(&request(
            AdvisoryStatus::Final,
            Change::Patch,
            datetime!(2026-03-03 10:00 UTC),
        ))
        .unwrap();
    assert_eq!(patch.number.to_string(), "1.1.1");
    let a = a.with_revision(patch);
    let major = a
        .publish(&request(
            AdvisoryStatus::Final,
            Change::Major,
            datetime!(2026-03-04 10:00 UTC),
        ))
        .unwrap();
    assert_eq!(major.number.to_string(), "2.0.0");
    // Computing the next revision left the history alone.
    assert_eq!(a.revisions().len(), 3);
    assert_eq!(a.revisions()[0], r1);
}

#[test]
fn a_revision_must_be_later_than_the_previous_one_at_second_precision() {
    let a = advisory();
    let r1 = a
        .publish(&request(
            AdvisoryStatus::Final,
            Change::Major,
            datetime!(2026-03-01 10:00 UTC),
        ))
        .unwrap();
    let a = a.with_revision(r1);
    for at in [
        datetime!(2026-03-01 10:00:00.9 UTC),
        datetime!(2026-02-01 10:00 UTC),
    ] {
        let e = a
            .publish(&request(AdvisoryStatus::Final, Change::Minor, at))
            .unwrap_err();
        assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "at"));
    }
    let e = a
        .publish(&request(
            AdvisoryStatus::Interim,
            Change::Minor,
            datetime!(2026-04-01 10:00 UTC),
        ))
        .unwrap_err();
    assert!(matches!(e, DomainError::TransitionNotAllowed { .. }));
}

#[test]
fn from_parts_accepts_histories_publish_would_make_and_nothing_else() {
    let mut a = advisory();
    for (i, change) in [Change::Major, Change::Minor, Change::Major]
        .into_iter()
        .enumerate()
    {
        let at = datetime!(2026-03-01 10:00 UTC) + time::Duration::days(i as i64);
        let r = a
            .publish(&request(AdvisoryStatus::Final, change, at))
            .unwrap();
        a = a.with_revision(r);
    }
    let numbers: Vec<String> = a.revisions().iter().map(|r| r.number.to_string()).collect();
    assert_eq!(numbers, ["1.0.0", "1.1.0", "2.0.0"]);
    let rebuilt =
        Advisory::from_parts(a.id.clone(), a.content.clone(), a.revisions().to_vec()).unwrap();
    assert_eq!(rebuilt, a);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["status"], "final");
    assert_eq!(serde_json::from_value::<Advisory>(json.clone()).unwrap(), a);
    let mut tampered = json;
    tampered["revisions"][1]["number"]["minor"] = serde_json::json!(7);
    assert!(serde_json::from_value::<Advisory>(tampered).is_err());
    let mut gap = a.revisions().to_vec();
    gap[2].number.major = 3;
    assert!(Advisory::from_parts(a.id.clone(), a.content.clone(), gap).is_err());
    let mut zero = a.revisions().to_vec();
    zero[0].number.major = 0;
    assert!(Advisory::from_parts(a.id.clone(), a.content.clone(), zero).is_err());
}

#[test]
fn tlp_clear_is_written_white_in_csaf() {
    assert_eq!(Tlp::Clear.csaf_label(), "WHITE");
    assert_eq!(Tlp::Red.csaf_label(), "RED");
    assert_eq!(serde_json::to_value(Tlp::Clear).unwrap(), "CLEAR");
    assert_eq!(
        serde_json::from_value::<Tlp>(serde_json::json!("WHITE")).unwrap(),
        Tlp::Clear
    );
}

#[test]
fn content_is_trimmed_and_checked() {
    let c = content().normalised().unwrap();
    assert_eq!(c.title, "Router OS: remote code execution");
    let mut bad = content();
    bad.title = " ".into();
    bad.references[0].url = "ftp://x y".into();
    bad.acknowledgments.push(Acknowledgment::default());
    let DomainError::Invalid(errors) = bad.normalised().unwrap_err() else {
        panic!("expected Invalid");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "references[0].url", "acknowledgments[1]"]);
}

mod prop {
    use proptest::prelude::*;

    use super::*;

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            Just(Change::Major),
            Just(Change::Minor),
            Just(Change::Patch)
        ]
    }

    proptest! {
        /// Whatever publishers ask for, the history obeys the CSAF rules the module promises.
        #[test]
        fn any_publication_sequence_gives_a_csaf_valid_history(
            steps in proptest::collection::vec((change(), any::<bool>(), 1i64..100_000), 1..12)
        ) {
            let mut a = advisory();
            let mut at = datetime!(2026-01-01 00:00 UTC);
            for (change, final_, gap) in steps {
                at += time::Duration::seconds(gap);
                let status = if final_ || a.status() == AdvisoryStatus::Final {
                    AdvisoryStatus::Final
                } else {
                    AdvisoryStatus::Interim
                };
                let r = a.publish(&request(status, change, at)).unwrap();
                a = a.with_revision(r);
            }
            let revs = a.revisions();
            prop_assert_eq!(revs[0].number.to_string(), "1.0.0");
            for w in revs.windows(2) {
                prop_assert!(w[0].number < w[1].number);
                prop_assert!(w[0].date < w[1].date);
                prop_assert!(w[1].number.major - w[0].number.major <= 1);
            }
            prop_assert!(revs.iter().all(|r| r.status != AdvisoryStatus::Draft));
            let rebuilt = Advisory::from_parts(a.id.clone(), a.content.clone(), revs.to_vec()).unwrap();
            prop_assert_eq!(rebuilt, a);
        }
    }
}
