//! A day's alerts in the queue: the patterns of PRODUCT.md's stories, planted at fixed hours,
//! and routine alarms of a 24/7 port (doors held open, fence sensors, refused cards) spread
//! over the day by the seeded generator. Some have already been handled by the day shift.
//!
//! Until the detectors of later capabilities exist, these stand in for what they will raise;
//! each carries the evidence such a detector would attach.

use hamnvakt_core::alert::{AlertDraft, Outcome, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::ids::OrgId;
use hamnvakt_core::Tlp;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;

use crate::{DemoAlert, DemoStep, DemoWorld};

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;

fn subject(kind: SubjectKind, reference: &str, label: Option<&str>) -> SubjectRef {
    SubjectRef {
        kind,
        reference: reference.to_owned(),
        label: label.map(str::to_owned),
    }
}

struct Ctx<'a> {
    w: &'a DemoWorld,
}

impl Ctx<'_> {
    fn org(&self, key: &str) -> OrgId {
        // Every key used here is one `orgs::organisations` defines; the test of the generator
        // checks that every alert's owner exists.
        self.w
            .org(key)
            .map(|o| o.id)
            .unwrap_or_else(|| hamnvakt_core::Id::from_random_bytes([0; 16]))
    }

    fn user(&self, username: &str) -> Option<hamnvakt_core::ids::UserId> {
        self.w.user(username).map(|u| u.id)
    }
}

#[allow(clippy::too_many_arguments)]
fn alert(
    kind: &str,
    severity: Severity,
    title: &str,
    subjects: Vec<SubjectRef>,
    evidence: serde_json::Value,
    owner: OrgId,
    tlp: Tlp,
    shared_with: Vec<OrgId>,
) -> AlertDraft {
    AlertDraft {
        kind: kind.into(),
        severity,
        title: title.into(),
        subjects,
        evidence,
        owner_org: owner,
        tlp,
        shared_with,
    }
}

/// Local midnight (Stockholm) at the start of the day that contains `now_ms`.
pub(crate) fn last_local_midnight(now_ms: i64) -> i64 {
    last_local(now_ms, 0, 0)
}

/// The most recent moment at or before `now_ms` when Stockholm's clocks showed `hour:minute`.
fn last_local(now_ms: i64, hour: i8, minute: i8) -> i64 {
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

pub(crate) fn alerts(rng: &mut ChaCha20Rng, w: &DemoWorld) -> Vec<DemoAlert> {
    let c = Ctx { w };
    let now = w.now_ms;
    let (port, customs, police) = (c.org("port"), c.org("customs"), c.org("police"));
    let mut out = Vec::new();
    let jitter = |rng: &mut ChaCha20Rng| rng.gen_range(0..20) * MINUTE;

    // Story 1 is not planted as an alert: the demo replays its gate traffic through the
    // decision API and the access detectors raise it (see `access.rs`).

    // Story 2: the banana reefer from Guayaquil at Norvik.
    out.push(DemoAlert {
        draft: alert(
            "cargo.high_risk",
            Severity::High,
            "Reefer from Guayaquil in today's top 2 % at Norvik",
            vec![
                subject(SubjectKind::Container, "MSKU4839210", Some("40' reefer, bananas")),
                subject(SubjectKind::Consignment, "SE-IMP-2026-118734", None),
                subject(SubjectKind::Site, "NVK", Some("Stockholm Norvik")),
            ],
            json!({
                "score": 0.93, "rank_percent": 1.4,
                "reasons": ["origin EC (Guayaquil)", "transhipped via a high-risk port", "first import by this consignee", "HS 0803 bananas in a reefer"]
            }),
            customs,
            Tlp::Amber,
            vec![police],
        ),
        raised_at_ms: now - 7 * HOUR - jitter(rng),
        raised_by: "detector:targeting",
        steps: vec![],
    });
    // The driver who is not the one assigned is not planted: the demo runs the release chain
    // and the gate decision for real (`release`), and the release detector raises it.

    // Story 3 (a dark approach to Kapellskär and a low-speed meeting) is not planted here:
    // the AIS detectors raise it from the demo's AIS traffic (see `maritime`).

    // Handled during the day.
    let op = c.user("operator2");
    let pfso = c.user("pfso");
    let mut handled = |draft: AlertDraft, at: i64, by: &'static str, steps: Vec<DemoStep>| {
        out.push(DemoAlert {
            draft,
            raised_at_ms: at,
            raised_by: by,
            steps,
        });
    };
    if let (Some(op), Some(pfso)) = (op, pfso) {
        handled(
            alert(
                "access.lost_credential_used",
                Severity::High,
                "Card reported lost was presented at the Kapellskär freight gate",
                vec![
                    subject(
                        SubjectKind::Credential,
                        "SH-118730",
                        Some("reported lost 2 days ago"),
                    ),
                    subject(SubjectKind::Gate, "KPS-F1", None),
                ],
                json!({"credential_state": "reported_lost", "decision": "refused"}),
                port,
                Tlp::Amber,
                vec![],
            ),
            now - 11 * HOUR,
            "detector:access",
            vec![
                DemoStep::Acknowledge { by: op },
                DemoStep::Assign { by: op, to: pfso },
            ],
        );
        handled(
            alert(
                "access.impossible_travel",
                Severity::Medium,
                "Same card at Frihamnen and Nynäshamn 14 minutes apart",
                vec![subject(SubjectKind::Credential, "SH-300552", None)],
                json!({"gates": ["FRI-P1", "NYN-G2"], "minutes_apart": 14, "distance_km": 52}),
                port,
                Tlp::Amber,
                vec![],
            ),
            now - 15 * HOUR,
            "detector:access",
            vec![
                DemoStep::Acknowledge { by: op },
                DemoStep::Close {
                    by: op,
                    outcome: Outcome::FalsePositive,
                    note: "Card cloned in the test reader at Nynäshamn; reader fixed",
                },
            ],
        );
        handled(
            alert(
                "perimeter.fence_alarm",
                Severity::Low,
                "Fence sensor alarm, Nynäshamn east section",
                vec![subject(SubjectKind::Zone, "NYN-PERIM-E", None)],
                json!({"sensor": "NYN-F-17", "camera_checked": true}),
                port,
                Tlp::Green,
                vec![],
            ),
            now - 19 * HOUR,
            "detector:perimeter",
            vec![DemoStep::Close {
                by: op,
                outcome: Outcome::Benign,
                note: "Deer on camera",
            }],
        );
    }

    // Routine alarms through the day.
    let routine: [(&str, Severity, &str, &str, SubjectKind); 8] = [
        (
            "access.door_held_open",
            Severity::Low,
            "Door held open over 60 s",
            "Frihamnen terminal staff door",
            SubjectKind::Zone,
        ),
        (
            "access.unknown_credential",
            Severity::Low,
            "Unknown card presented",
            "Stadsgården pedestrian gate",
            SubjectKind::Gate,
        ),
        (
            "access.unusual_hours",
            Severity::Medium,
            "Entry far outside the person's usual hours",
            "Norvik container yard",
            SubjectKind::Zone,
        ),
        (
            "perimeter.fence_alarm",
            Severity::Low,
            "Fence sensor alarm",
            "Kapellskär south fence",
            SubjectKind::Zone,
        ),
        (
            "access.tailgating",
            Severity::Medium,
            "Two people passed on one badge",
            "Värtahamnen passenger bridge",
            SubjectKind::Gate,
        ),
        (
            "ais.identity_change",
            Severity::Low,
            "Vessel changed its name in AIS",
            "MMSI 230987650",
            SubjectKind::Vessel,
        ),
        (
            "access.first_sensitive_zone",
            Severity::Medium,
            "First entry into a sensitive zone",
            "Norvik reefer stack",
            SubjectKind::Zone,
        ),
        (
            "perimeter.vehicle_waiting",
            Severity::Info,
            "Truck waiting over 2 h at the gate",
            "Kapellskär lane 4",
            SubjectKind::Gate,
        ),
    ];
    let sites = ["VHA", "FRI", "SVI", "KPS", "NYN", "NVK"];
    for i in 0..16 {
        let Some(&(kind, severity, title, place, sk)) = routine.choose(rng) else {
            continue;
        };
        let at = now - rng.gen_range(10..(23 * 60)) * MINUTE;
        let site = sites.choose(rng).copied().unwrap_or("VHA");
        let draft = alert(
            kind,
            severity,
            &format!("{title} — {place}"),
            vec![
                subject(sk, place, None),
                subject(SubjectKind::Site, site, None),
            ],
            json!({"sequence": i, "site": site}),
            port,
            if severity == Severity::Info {
                Tlp::Clear
            } else {
                Tlp::Green
            },
            vec![],
        );
        let steps = match (op, rng.gen_range(0..3)) {
            (Some(op), 0) if at < now - 6 * HOUR => vec![DemoStep::Close {
                by: op,
                outcome: Outcome::Benign,
                note: "Checked on camera",
            }],
            (Some(op), 1) => vec![DemoStep::Acknowledge { by: op }],
            _ => vec![],
        };
        out.push(DemoAlert {
            draft,
            raised_at_ms: at,
            raised_by: "detector:routine",
            steps,
        });
    }
    out.sort_by_key(|a| a.raised_at_ms);
    out
}
