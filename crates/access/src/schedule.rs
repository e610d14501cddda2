//! Weekly schedules in the port's local time (Europe/Stockholm).
//!
//! A permit's schedule is written as people say it — `Mon-Fri 06:00-22:00; Sat 08:00-14:00`,
//! or `Mon-Sun 22:00-06:00` for a night shift that runs past midnight — and is evaluated on the
//! local wall clock, so "06:00" means 06:00 in Stockholm on both sides of a daylight-saving
//! change. The conversion from an instant to local time is jiff's, with the bundled tz database.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The port's time zone.
pub fn stockholm() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC))
}

/// Local weekday (0 = Monday) and minute of the day for an instant.
pub fn local_day_minute(at_ms: i64) -> (u8, u16) {
    let ts = hamnvakt_core::clock::from_millis(at_ms);
    let z = ts.to_zoned(stockholm().clone());
    let day = z.weekday().to_monday_zero_offset() as u8;
    let minute = (z.hour() as u16) * 60 + z.minute() as u16;
    (day, minute)
}

/// One recurring window: on these weekdays, from `start` to `end` (minutes after local
/// midnight). `end <= start` runs past midnight into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Bit 0 = Monday … bit 6 = Sunday.
    pub days: u8,
    pub start: u16,
    pub end: u16,
}

/// A set of windows; an instant is inside the schedule when any window covers it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklySchedule {
    pub windows: Vec<Window>,
}

impl WeeklySchedule {
    /// Around the clock, every day.
    pub fn always() -> WeeklySchedule {
        WeeklySchedule {
            windows: vec![Window {
                days: 0x7f,
                start: 0,
                end: 0,
            }],
        }
    }

    pub fn is_always(&self) -> bool {
        self.windows
            .iter()
            .any(|w| w.days == 0x7f && w.start == w.end)
    }

    /// Whether the instant falls inside the schedule, in Stockholm local time.
    pub fn contains(&self, at_ms: i64) -> bool {
        let (day, minute) = local_day_minute(at_ms);
        self.contains_local(day, minute)
    }

    pub fn contains_local(&self, day: u8, minute: u16) -> bool {
        let bit = |d: u8| 1u8 << (d % 7);
        let yesterday = (day + 6) % 7;
        self.windows.iter().any(|w| {
            if w.start < w.end {
                w.days & bit(day) != 0 && w.start <= minute && minute < w.end
            } else {
                // Runs past midnight (or all day when start == end).
                (w.days & bit(day) != 0 && minute >= w.start)
                    || (w.days & bit(yesterday) != 0 && minute < w.end)
            }
        })
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn day_index(s: &str) -> Option<u8> {
    DAYS.iter()
        .position(|d| d.eq_ignore_ascii_case(s))
        .map(|i| i as u8)
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return Some(0);
    }
    // `then`, not `then_some`: the product must not be computed for an hour out of range (1100
    // hours overflow a u16; found by the schedule fuzz target).
    (h < 24 && m < 60).then(|| h * 60 + m)
}

impl FromStr for WeeklySchedule {
    type Err = String;

    /// `always`, or windows separated by `;`, each `DAYS HH:MM-HH:MM` where DAYS is a day
    /// (`Mon`), a range (`Mon-Fri`) or a comma list (`Mon,Wed`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("always") || s == "24/7" {
            return Ok(WeeklySchedule::always());
        }
        let mut windows = Vec::new();
        for (i, part) in s
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let err = |why: &str| format!("window {} ({part:?}): {why}", i + 1);
            let (days_text, times) = part
                .split_once(' ')
                .ok_or_else(|| err("expected DAYS HH:MM-HH:MM"))?;
            let mut days = 0u8;
            for d in days_text.split(',') {
                match d.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (
                            day_index(a).ok_or_else(|| err("unknown day"))?,
                            day_index(b).ok_or_else(|| err("unknown day"))?,
                        );
                        let mut x = a;
                        loop {
                            days |= 1 << x;
                            if x == b {
                                break;
                            }
                            x = (x + 1) % 7;
                        }
                    }
                    None => days |= 1 << day_index(d).ok_or_else(|| err("unknown day"))?,
                }
            }
            let (a, b) = times
                .trim()
                .split_once('-')
                .ok_or_else(|| err("expected HH:MM-HH:MM"))?;
            let start = parse_hhmm(a.trim()).ok_or_else(|| err("bad start time"))?;
            let end = parse_hhmm(b.trim()).ok_or_else(|| err("bad end time"))?;
            windows.push(Window { days, start, end });
        }
        if windows.is_empty() {
            return Err("an empty schedule; write `always` for around the clock".into());
        }
        Ok(WeeklySchedule { windows })
    }
}

impl fmt::Display for WeeklySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_always() && self.windows.len() == 1 {
            return f.write_str("always");
        }
        for (i, w) in self.windows.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let days: Vec<&str> = (0..7)
                .filter(|d| w.days & (1 << d) != 0)
                .filter_map(|d| DAYS.get(d).copied())
                .collect();
            let contiguous = days.len() > 1
                && (0..7u8)
                    .filter(|d| w.days & (1 << d) != 0)
                    .collect::<Vec<_>>()
                    .windows(2)
                    .all(|p| matches!(p, [a, b] if b - a == 1));
            let day_text = if contiguous {
                format!(
                    "{}-{}",
                    days.first().unwrap_or(&""),
                    days.last().unwrap_or(&"")
                )
            } else {
                days.join(",")
            };
            write!(
                f,
                "{day_text} {:02}:{:02}-{:02}:{:02}",
                w.start / 60,
                w.start % 60,
                w.end / 60,
                w.end % 60
            )?;
        }
        Ok(())
    }
}

impl Serialize for WeeklySchedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WeeklySchedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(local: &str) -> i64 {
        // A civil time in Stockholm to an instant; the tests write local times as people do.
        let dt: jiff::civil::DateTime = local.parse().unwrap_or_default();
        dt.to_zoned(stockholm().clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }

    #[test]
    fn an_hour_out_of_range_is_refused_not_overflowed() {
        // Found by the schedule fuzz target: `1100 * 60` overflowed a u16 before the range check.
        for bad in [
            "Sun 1100:0-06:0",
            "Mon 65535:00-06:00",
            "Mon 06:00-1093:59",
            "Mon 06:65535-07:00",
        ] {
            assert!(bad.parse::<WeeklySchedule>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_and_prints_what_people_write() {
        for text in [
            "Mon-Fri 06:00-22:00",
            "Mon-Fri 06:00-22:00; Sat 08:00-14:00",
            "Mon,Wed,Fri 07:30-16:00",
            "always",
            "Sat-Sun 22:00-06:00",
        ] {
            let s: WeeklySchedule = text.parse().unwrap_or_default();
            assert_eq!(s.to_string(), text);
        }
        for bad in [
            "",
            "Mon",
            "Funday 06:00-07:00",
            "Mon 25:00-26:00",
            "Mon 06:00",
        ] {
            assert!(bad.parse::<WeeklySchedule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_cover_local_wall_clock_time() {
        let s: WeeklySchedule = "Mon-Fri 06:00-22:00".parse().unwrap_or_default();
        // 2026-11-26 is a Thursday.
        assert!(s.contains(at("2026-11-26T06:00")));
        assert!(s.contains(at("2026-11-26T21:59")));
        assert!(!s.contains(at("2026-11-26T22:00")));
        assert!(
            !s.contains(at("2026-11-27T03:10")),
            "story 1: 03:10 is outside a schedule that ends at 22:00"
        );
        assert!(!s.contains(at("2026-11-28T12:00")), "Saturday");
        let night: WeeklySchedule = "Fri 22:00-06:00".parse().unwrap_or_default();
        assert!(night.contains(at("2026-11-27T23:00")));
        assert!(
            night.contains(at("2026-11-28T05:59")),
            "runs past midnight into Saturday"
        );
        assert!(!night.contains(at("2026-11-28T06:00")));
        assert!(
            !night.contains(at("2026-11-27T05:00")),
            "Friday early morning belongs to Thursday's night"
        );
    }

    #[test]
    fn daylight_saving_changes_keep_the_wall_clock() {
        let s: WeeklySchedule = "Mon-Sun 06:00-22:00".parse().unwrap_or_default();
        // Spring: 2026-03-29 02:00 CET becomes 03:00 CEST. 06:00 local is 04:00 UTC after the change.
        let utc = |t: &str| {
            t.parse::<jiff::Timestamp>()
                .map(|t| t.as_millisecond())
                .unwrap_or(0)
        };
        assert!(!s.contains(utc("2026-03-29T03:59:00Z")), "05:59 CEST");
        assert!(s.contains(utc("2026-03-29T04:00:00Z")), "06:00 CEST");
        assert!(
            s.contains(utc("2026-03-28T05:00:00Z")),
            "06:00 CET the day before"
        );
        assert!(
            !s.contains(utc("2026-03-28T04:59:00Z")),
            "05:59 CET the day before"
        );
        // Autumn: 2026-10-25 03:00 CEST becomes 02:00 CET. 22:00 local is 21:00 UTC after.
        assert!(s.contains(utc("2026-10-25T20:59:00Z")), "21:59 CET");
        assert!(!s.contains(utc("2026-10-25T21:00:00Z")), "22:00 CET");
        assert!(
            !s.contains(utc("2026-10-24T20:00:00Z")),
            "22:00 CEST the day before"
        );
        // The repeated hour 02:00-03:00 on the autumn night is covered once per occurrence.
        let night: WeeklySchedule = "Sat 22:00-02:30".parse().unwrap_or_default();
        assert!(
            night.contains(utc("2026-10-25T00:15:00Z")),
            "02:15 CEST, first pass"
        );
        assert!(
            night.contains(utc("2026-10-25T01:15:00Z")),
            "02:15 CET, second pass"
        );
        assert!(!night.contains(utc("2026-10-25T01:45:00Z")), "02:45 CET");
    }
}
