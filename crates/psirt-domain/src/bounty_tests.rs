use time::macros::datetime;

use super::*;

fn s(tenths: u8) -> Score {
    Score::from_tenths(tenths).unwrap()
}

fn amount(score: u8) -> Option<u64> {
    BountyTable::seed().suggest(s(score)).map(|x| x.amount_usd)
}

#[test]
fn range_edges_pay_the_range_ends() {
    assert_eq!(amount(90), Some(20_000));
    assert_eq!(amount(100), Some(35_000));
    assert_eq!(amount(70), Some(5_000));
    assert_eq!(amount(89), Some(15_000));
    assert_eq!(amount(40), Some(1_000));
    assert_eq!(amount(69), Some(2_500));
    assert_eq!(amount(1), Some(100));
    assert_eq!(amount(39), Some(750));
    // 0.0 is in no band: no suggestion.
    assert_eq!(amount(0), None);
}

#[test]
fn in_between_scores_round_up_to_ten_dollars() {
    // Critical 9.5: 20000 + 5/10·15000 = 27500 exactly — no rounding step.
    assert_eq!(amount(95), Some(27_500));
    // Critical 9.8: 20000 + 8/10·15000 = 32000. A float implementation gets
    // 0.8000000000000007·15000 = 12000.00000000001 and rounds up to 32010.
    assert_eq!(amount(98), Some(32_000));
    // High 7.5: 5000 + 5/19·10000 = 7631.58 → 7640.
    assert_eq!(amount(75), Some(7_640));
    // High 8.8: 5000 + 18/19·10000 = 14473.68 → 14480.
    assert_eq!(amount(88), Some(14_480));
    // Medium 5.3: 1000 + 13/29·1500 = 1672.41 → 1680.
    assert_eq!(amount(53), Some(1_680));
    // Medium 6.1: 1000 + 21/29·1500 = 2086.21 → 2090.
    assert_eq!(amount(61), Some(2_090));
    // Low 2.0: 100 + 19/38·650 = 425 → 430.
    assert_eq!(amount(20), Some(430));
    // Low 3.1: 100 + 30/38·650 = 613.16 → 620.
    assert_eq!(amount(31), Some(620));
}

#[test]
fn old_ranges_and_severity() {
    let old = BountyTable::seed_old();
    old.validate().unwrap();
    // High 8.0 old: 3000 + 10/19·7000 = 6684.21 → 6690.
    assert_eq!(
        old.suggest(s(80)),
        Some(BountySuggestion {
            severity: Severity::S2,
            amount_usd: 6_690
        })
    );
}

#[test]
fn amounts_never_leave_the_range_and_grow_with_the_score() {
    let t = BountyTable::seed();
    let mut last = 0;
    for tenths in 1..=100 {
        let sug = t.suggest(s(tenths)).unwrap();
        let r = t.range_for(s(tenths)).unwrap();
        assert!(sug.amount_usd >= r.min_usd && sug.amount_usd <= r.max_usd);
        assert!(sug.amount_usd >= last, "{tenths}");
        last = sug.amount_usd;
    }
}

#[test]
fn one_point_range_pays_its_max() {
    let r = BountyRange {
        severity: Severity::S1,
        min_usd: 700,
        max_usd: 712,
        min_score: s(100),
        max_score: s(100),
        triage_usd: 0,
    };
    assert_eq!(r.amount_for(s(100)), 712);
}

#[test]
fn rounding_up_never_pays_above_the_maximum() {
    // 700 + (9.5 - 9.0) / (10.0 - 9.0) × (712 - 700) = 706 → $710; at 9.9 → 710.8 → $720, capped at $712.
    let r = BountyRange {
        severity: Severity::S1,
        min_usd: 700,
        max_usd: 712,
        min_score: s(90),
        max_score: s(100),
        triage_usd: 0,
    };
    assert_eq!(r.amount_for(s(95)), 710);
    assert_eq!(r.amount_for(s(99)), 712);
    assert_eq!(r.amount_for(s(100)), 712);
}

#[test]
fn validation_names_each_problem() {
    BountyTable::seed().validate().unwrap();
    let mut t = BountyTable::seed();
    t.ranges[0].min_usd = 40_000; // above max
    t.ranges[1].max_score = s(95); // overlaps critical
    t.ranges[3].severity = Severity::S3; // duplicate severity
    t.ranges[2].triage_usd = 1_001; // above min
    let Err(DomainError::Invalid(errors)) = t.validate() else {
        panic!("expected invalid")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "ranges[0].min_usd",
            "ranges[1].min_score",
            "ranges[2].triage_usd",
            "ranges[3].severity"
        ]
    );
    assert!(BountyTable { ranges: vec![] }.validate().is_err());
}

#[test]
fn score_json_is_a_decimal() {
    let r = &BountyTable::seed().ranges[1];
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["min_score"], 7.0);
    assert_eq!(json["max_score"], 8.9);
    assert_eq!(json["severity"], "S2");
    assert_eq!(json["triage_usd"], 1_000);
    let back: BountyRange = serde_json::from_value(json).unwrap();
    assert_eq!(&back, r);
    assert!(serde_json::from_str::<Score>("10.5").is_err());
    assert!(serde_json::from_str::<Score>("7.25").is_err());
    assert_eq!(serde_json::from_str::<Score>("0.3").unwrap(), s(3));
    assert_eq!(s(89).to_string(), "8.9");
}

const T0: OffsetDateTime = datetime!(2026-03-02 10:00 UTC);
const T1: OffsetDateTime = datetime!(2026-03-03 10:00 UTC);
const T2: OffsetDateTime = datetime!(2026-03-10 10:00 UTC);

fn proposed() -> BountyAward {
    BountyAward::propose("r-1", &BountyTable::seed(), Some(s(75)), None, "alice", T0).unwrap()
}

#[test]
fn award_goes_proposed_approved_paid() {
    let a = proposed();
    assert_eq!(a.suggested_usd, Some(7_640));
    assert_eq!(a.amount_usd, 7_640);
    let a = a
        .apply(AwardAction::Amend {
            amount_usd: 7_640,
            bonus_usd: 500,
            note: "great write-up".into(),
        })
        .unwrap();
    let a = a
        .apply(AwardAction::Approve {
            by: "bob".into(),
            at: T1,
        })
        .unwrap();
    assert_eq!(a.status, AwardStatus::Approved);
    assert_eq!(a.approved_by.as_deref(), Some("bob"));
    let a = a.apply(AwardAction::Pay { at: T2 }).unwrap();
    assert_eq!(a.status, AwardStatus::Paid);
    assert_eq!(a.total_usd(), 8_140);
    // Final: nothing moves a paid award.
    assert!(a.apply(AwardAction::Cancel { note: "x".into() }).is_err());
}

#[test]
fn award_guards() {
    let a = proposed();
    let self_approval = a.apply(AwardAction::Approve {
        by: "alice".into(),
        at: T1,
    });
    assert_eq!(
        self_approval,
        Err(DomainError::NotAllowed {
            action: "approve a bounty",
            reason: "the approver must differ from the proposer"
        })
    );
    assert!(a.apply(AwardAction::Pay { at: T1 }).is_err());
    assert!(a
        .apply(AwardAction::Approve {
            by: "bob".into(),
            at: datetime!(2026-03-01 00:00 UTC)
        })
        .is_err());
    let approved = a
        .apply(AwardAction::Approve {
            by: "bob".into(),
            at: T1,
        })
        .unwrap();
    assert!(approved
        .apply(AwardAction::Amend {
            amount_usd: 1,
            bonus_usd: 0,
            note: String::new()
        })
        .is_err());
    assert!(approved.apply(AwardAction::Pay { at: T0 }).is_err());
    // No figure at all: refused.
    assert!(BountyAward::propose("r-2", &BountyTable::seed(), None, None, "a", T0).is_err());
    assert!(BountyAward::propose("r-2", &BountyTable::seed(), None, Some(100), " ", T0).is_err());
}

#[test]
fn totals_by_status() {
    let a = proposed(); // 7640 proposed
    let b = BountyAward::propose("r-2", &BountyTable::seed(), Some(s(90)), None, "a", T0)
        .unwrap()
        .apply(AwardAction::Approve {
            by: "b".into(),
            at: T1,
        })
        .unwrap(); // 20000 approved
    let c = b.apply(AwardAction::Pay { at: T2 }).unwrap(); // 20000 paid
    let d = proposed()
        .apply(AwardAction::Cancel {
            note: "duplicate".into(),
        })
        .unwrap();
    assert_eq!(
        award_totals([&a, &b, &c, &d]),
        AwardTotals {
            proposed_usd: 7_640,
            approved_usd: 20_000,
            paid_usd: 20_000,
            paid_count: 1
        }
    );
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["status"], "paid");
}
