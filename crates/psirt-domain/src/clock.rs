use time::OffsetDateTime;

/// The time, passed in rather than read, so tests can fix it and domain code stays pure.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// Truncates to whole microseconds: the precision both databases keep, so a stored time
/// reads back equal to the one written.
pub fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}
