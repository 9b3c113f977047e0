use time::macros::{date, datetime};

use super::*;

fn business(zone: &str, weekend: &[DayOfWeek], holidays: &[Date]) -> Counting {
    let cal = BusinessCalendar {
        time_zone: zone.into(),
        weekend: weekend.to_vec(),
        holidays: holidays.to_vec(),
    };
    Counting::new(CountingMode::BusinessDays, &cal).unwrap()
}

const SAT_SUN: &[DayOfWeek] = &[DayOfWeek::Saturday, DayOfWeek::Sunday];

#[test]
fn business_days_skip_the_weekend() {
    let c = business("UTC", SAT_SUN, &[]);
    let fri = datetime!(2026-11-27 10:00 UTC);
    assert_eq!(
        c.due(fri, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-11-30 10:00 UTC)
    );
    assert_eq!(
        c.due(fri, SlaDuration::Days(3)).unwrap(),
        datetime!(2026-12-02 10:00 UTC)
    );
    assert_eq!(
        c.due(fri, SlaDuration::Days(5)).unwrap(),
        datetime!(2026-12-04 10:00 UTC)
    );
}

#[test]
fn business_days_start_counting_on_the_next_business_day() {
    let c = business("UTC", SAT_SUN, &[]);
    // Saturday afternoon: counting starts Monday 00:00, one business day is the whole Monday.
    let sat = datetime!(2026-11-28 15:00 UTC);
    assert_eq!(
        c.due(sat, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-12-01 00:00 UTC)
    );
}

#[test]
fn business_days_skip_holidays() {
    // Christmas Friday and a bridge Monday are holidays.
    let c = business(
        "UTC",
        SAT_SUN,
        &[date!(2026 - 12 - 25), date!(2026 - 12 - 28)],
    );
    let thu = datetime!(2026-12-24 09:00 UTC);
    assert_eq!(
        c.due(thu, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-12-29 09:00 UTC)
    );
    assert!(!c.is_business_day(date!(2026 - 12 - 25)));
    assert!(!c.is_business_day(date!(2026 - 12 - 26)));
    assert!(c.is_business_day(date!(2026 - 12 - 24)));
}

#[test]
fn business_days_keep_local_time_across_berlin_dst() {
    let c = business("Europe/Berlin", SAT_SUN, &[]);
    // Spring forward on Sunday 29 March 2026: Friday 10:00 CET → Monday 10:00 CEST.
    let fri = datetime!(2026-03-27 09:00 UTC);
    assert_eq!(
        c.due(fri, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-03-30 08:00 UTC)
    );
    // Fall back on Sunday 25 October 2026: Friday 10:00 CEST → Monday 10:00 CET.
    let fri = datetime!(2026-10-23 08:00 UTC);
    assert_eq!(
        c.due(fri, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-10-26 09:00 UTC)
    );
}

#[test]
fn business_days_keep_local_time_across_new_york_dst() {
    let c = business("America/New_York", SAT_SUN, &[]);
    // Spring forward on Sunday 8 March 2026: Friday 09:00 EST → Monday 09:00 EDT.
    let fri = datetime!(2026-03-06 14:00 UTC);
    assert_eq!(
        c.due(fri, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-03-09 13:00 UTC)
    );
    // Fall back on Sunday 1 November 2026: Friday 09:00 EDT → Monday 09:00 EST.
    let fri = datetime!(2026-10-30 13:00 UTC);
    assert_eq!(
        c.due(fri, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-11-02 14:00 UTC)
    );
}

#[test]
fn a_due_time_in_a_dst_gap_moves_to_the_later_instant() {
    // Only Saturday off, so Sunday 29 March counts; 02:30 does not exist in Berlin that day.
    let c = business("Europe/Berlin", &[DayOfWeek::Saturday], &[]);
    let fri = datetime!(2026-03-27 01:30 UTC); // Friday 02:30 CET
                                               // 03:30 CEST, one hour after the nonexistent 02:30.
    assert_eq!(
        c.due(fri, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-03-29 01:30 UTC)
    );
    assert_eq!(
        c.due(fri, SlaDuration::Days(2)).unwrap(),
        datetime!(2026-03-30 00:30 UTC)
    );
}

#[test]
fn local_weekend_is_not_the_utc_weekend() {
    let c = business("America/New_York", SAT_SUN, &[]);
    // Friday 22:00 in New York is already Saturday in UTC: still a business day there.
    let fri_evening = datetime!(2026-11-28 03:00 UTC);
    assert_eq!(
        c.due(fri_evening, SlaDuration::Days(1)).unwrap(),
        datetime!(2026-12-01 03:00 UTC)
    );
}

#[test]
fn business_hours_count_the_real_length_of_dst_days() {
    // Only Saturday off, so the DST Sunday counts: 23 h in Berlin in spring, 25 h in New York
    // in autumn.
    let berlin = business("Europe/Berlin", &[DayOfWeek::Saturday], &[]);
    let sat = datetime!(2026-03-27 23:00 UTC); // Saturday 00:00 CET
    let mon = datetime!(2026-03-29 22:00 UTC); // Monday 00:00 CEST
    assert_eq!(
        berlin.counted_between(sat, mon).unwrap(),
        Duration::hours(23)
    );
    let ny = business("America/New_York", &[DayOfWeek::Saturday], &[]);
    let sat = datetime!(2026-10-31 04:00 UTC); // Saturday 00:00 EDT
    let mon = datetime!(2026-11-02 05:00 UTC); // Monday 00:00 EST
    assert_eq!(ny.counted_between(sat, mon).unwrap(), Duration::hours(25));
    // Adding those hours back lands on the same instant.
    let sun = datetime!(2026-11-01 04:00 UTC);
    assert_eq!(ny.add_counted(sun, Duration::hours(25)).unwrap(), mon);
}

#[test]
fn business_hours_stop_over_the_weekend() {
    let c = business("UTC", SAT_SUN, &[]);
    let fri = datetime!(2026-11-27 20:00 UTC);
    assert_eq!(
        c.due(fri, SlaDuration::Hours(6)).unwrap(),
        datetime!(2026-11-30 02:00 UTC)
    );
    let mon = datetime!(2026-11-30 02:00 UTC);
    assert_eq!(c.counted_between(fri, mon).unwrap(), Duration::hours(6));
    assert_eq!(c.counted_between(mon, fri).unwrap(), Duration::ZERO);
    assert_eq!(c.add_counted(fri, Duration::ZERO).unwrap(), fri);
}

#[test]
fn calendar_days_keep_wall_clock_time_hours_do_not() {
    let cal = BusinessCalendar {
        time_zone: "Europe/Berlin".into(),
        ..BusinessCalendar::default()
    };
    let c = Counting::new(CountingMode::Calendar, &cal).unwrap();
    let start = datetime!(2026-03-20 09:00 UTC); // 10:00 CET
    assert_eq!(
        c.due(start, SlaDuration::Days(14)).unwrap(),
        datetime!(2026-04-03 08:00 UTC)
    );
    assert_eq!(
        c.due(start, SlaDuration::Hours(336)).unwrap(),
        datetime!(2026-04-03 09:00 UTC)
    );
    // Weekends count in calendar mode.
    let sat = datetime!(2026-11-28 00:00 UTC);
    let mon = datetime!(2026-11-30 00:00 UTC);
    assert_eq!(c.counted_between(sat, mon).unwrap(), Duration::hours(48));
    assert_eq!(Counting::exact().mode(), CountingMode::Calendar);
}

#[test]
fn calendar_is_validated() {
    let bad_zone = BusinessCalendar {
        time_zone: "Europe/Atlantis".into(),
        ..BusinessCalendar::default()
    };
    let Err(ClockError::Invalid(e)) = Counting::new(CountingMode::BusinessDays, &bad_zone) else {
        panic!("expected an error");
    };
    assert_eq!(e[0].field, "time_zone");
    let no_business_day = BusinessCalendar {
        weekend: DayOfWeek::ALL.to_vec(),
        ..BusinessCalendar::default()
    };
    assert!(Counting::new(CountingMode::BusinessDays, &no_business_day).is_err());
}

#[test]
fn holidays_are_iso_dates_in_json() {
    let cal = BusinessCalendar {
        time_zone: "Europe/Berlin".into(),
        weekend: SAT_SUN.to_vec(),
        holidays: vec![date!(2026 - 12 - 25)],
    };
    let json = serde_json::to_value(&cal).unwrap();
    assert_eq!(json["holidays"], serde_json::json!(["2026-12-25"]));
    assert_eq!(
        serde_json::from_value::<BusinessCalendar>(json).unwrap(),
        cal
    );
    let bad = serde_json::json!({"time_zone": "UTC", "weekend": [], "holidays": ["25.12.2026"]});
    let err = serde_json::from_value::<BusinessCalendar>(bad).unwrap_err();
    assert!(err.to_string().contains("not a YYYY-MM-DD date"), "{err}");
}

#[test]
fn shows_utc_times_in_a_users_zone() {
    // Just after Berlin's spring-forward, and just before it.
    let after = datetime!(2026-03-29 01:30 UTC);
    assert_eq!(
        format_in_zone(after, "Europe/Berlin").unwrap(),
        "2026-03-29 03:30 CEST (+02:00)"
    );
    let before = datetime!(2026-03-29 00:30 UTC);
    assert_eq!(
        format_in_zone(before, "Europe/Berlin").unwrap(),
        "2026-03-29 01:30 CET (+01:00)"
    );
    // New York's repeated hour on 1 November 2026: same wall time, two offsets.
    let first = datetime!(2026-11-01 05:30 UTC);
    let second = datetime!(2026-11-01 06:30 UTC);
    assert_eq!(
        format_in_zone(first, "America/New_York").unwrap(),
        "2026-11-01 01:30 EDT (-04:00)"
    );
    assert_eq!(
        format_in_zone(second, "America/New_York").unwrap(),
        "2026-11-01 01:30 EST (-05:00)"
    );
    let local = in_zone(second, "America/New_York").unwrap();
    assert_eq!(local, second, "same instant");
    assert_eq!(local.offset().whole_hours(), -5);
    assert_eq!(local.hour(), 1);
    assert_eq!(
        in_zone(second, "Nowhere/Land"),
        Err(ClockError::UnknownTimeZone("Nowhere/Land".into()))
    );
}
