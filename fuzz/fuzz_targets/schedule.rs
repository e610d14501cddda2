//! Fuzz target: a permit's weekly schedule as the register takes it (`Mon-Fri 06:00-22:00;
//! Sat 08:00-14:00`), parsed from text and from a JSON string. A schedule that parses must
//! print as text that parses back to the same schedule, opening the same minutes of the week.

#![no_main]

use hamnvakt_access::schedule::WeeklySchedule;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = serde_json::from_value::<WeeklySchedule>(serde_json::Value::String(text.to_owned()));
    let Ok(schedule) = text.parse::<WeeklySchedule>() else {
        return;
    };
    let shown = schedule.to_string();
    let again: WeeklySchedule = match shown.parse() {
        Ok(s) => s,
        Err(e) => panic!("{text:?} printed as {shown:?}, which does not parse: {e}"),
    };
    for day in 0..7u8 {
        for minute in (0..1440u16).step_by(7).chain([1439]) {
            assert_eq!(
                schedule.contains_local(day, minute),
                again.contains_local(day, minute),
                "{text:?} and its printed form {shown:?} differ on day {day} minute {minute}"
            );
        }
    }
    // An instant taken from the input, anywhere in (and past) the representable range.
    let mut ms = [0u8; 8];
    for (m, b) in ms.iter_mut().zip(data.iter().rev()) {
        *m = *b;
    }
    let _ = schedule.contains(i64::from_le_bytes(ms));
});
