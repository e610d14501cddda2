//! Local (Stockholm) times the generator plants things at.

const HOUR: i64 = 3_600_000;

/// Local midnight (Stockholm) at the start of the day that contains `now_ms`.
pub(crate) fn last_local_midnight(now_ms: i64) -> i64 {
    last_local(now_ms, 0, 0)
}

/// The most recent moment at or before `now_ms` when Stockholm's clocks showed `hour:minute`.
pub(crate) fn last_local(now_ms: i64, hour: i8, minute: i8) -> i64 {
    let fallback = now_ms - 2 * HOUR;
    let Ok(tz) = jiff::tz::TimeZone::get("Europe/Stockholm") else {
        return fallback;
    };
    let Ok(now) = jiff::Timestamp::from_millisecond(now_ms) else {
        return fallback;
    };
    let today = now.to_zoned(tz.clone()).date();
    for date in [Some(today), today.yesterday().ok()].into_iter().flatten() {
        if let Ok(z) = date.at(hour, minute, 0, 0).to_zoned(tz.clone()) {
            let ms = z.timestamp().as_millisecond();
            if ms <= now_ms {
                return ms;
            }
        }
    }
    fallback
}
