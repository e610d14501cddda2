//! The reports an assessment is handed in as: the PFSA report (PDF, in the order of the EU
//! PFSA templates — general information, assets, threats, countermeasures, vulnerabilities —
//! then the gaps and the action plan) and the action plan as CSV.

use crate::catalogue::Catalogue;
use crate::model::{Assessment, Source};
use crate::pdf::Doc;
use crate::scale;

/// `YYYY-MM-DD` (UTC) of a time in milliseconds since the epoch.
pub fn date(ms: i64) -> String {
    // Howard Hinnant's civil-from-days.
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// What the PDF report is made of.
#[derive(Debug)]
pub struct ReportInput<'a> {
    pub assessment: &'a Assessment,
    pub catalogue: &'a Catalogue,
    /// The assessing organisation's name.
    pub organisation: &'a str,
    pub generated_ms: i64,
    /// Per gap's control, the titles of the practices other ports used for it.
    pub practices: &'a [(String, Vec<String>)],
}

/// The PFSA report as a PDF.
pub fn pfsa_pdf(r: &ReportInput<'_>) -> Vec<u8> {
    let a = r.assessment;
    let cat = r.catalogue;
    let mut d = Doc::new();
    d.text("RESTRICTED WHEN COMPLETED", 9.0, true, 0.0);
    d.space(6.0);
    d.text(
        &format!("Port facility security assessment — {}", a.facility),
        18.0,
        true,
        0.0,
    );
    d.text(&a.title, 12.0, false, 0.0);
    d.space(6.0);
    for line in [
        format!("Organisation: {}", r.organisation),
        format!("Catalogue of controls: version {}", a.catalogue),
        format!(
            "Started {}, last changed {}, report generated {}",
            date(a.created_ms),
            date(a.updated_ms),
            date(r.generated_ms)
        ),
        format!("Assessment id {} (version {})", a.id, a.version),
    ] {
        d.text(&line, 10.0, false, 0.0);
    }
    if let Some(p) = &a.previous {
        d.text(&format!("Reassessment of {p}"), 10.0, false, 0.0);
    }

    let s = a.summary(cat);
    d.heading("1. Summary");
    d.text(
        &format!(
            "{} controls: {} implemented, {} partly, {} not, {} not applicable, {} unanswered. \
             Score {:.0} %. Highest scenario risk {} of {}; {} actions open.",
            s.controls,
            s.implemented,
            s.partly,
            s.not,
            s.not_applicable,
            s.unanswered,
            s.score,
            s.highest_risk,
            scale::MAX_RISK,
            s.open_actions
        ),
        10.0,
        false,
        0.0,
    );

    d.heading("2. Assets and infrastructure");
    if a.assets.is_empty() {
        d.text("None recorded.", 10.0, false, 0.0);
    }
    for x in &a.assets {
        d.text(
            &format!("{}  {} ({:?})", x.id, x.name, x.category),
            10.0,
            true,
            0.0,
        );
        if !x.note.is_empty() {
            d.text(&x.note, 10.0, false, 14.0);
        }
    }

    d.heading("3. Threat scenarios");
    d.text(
        "Risk = threat × vulnerability × consequence, each 1–5 (see section 7).",
        9.0,
        false,
        0.0,
    );
    let mut scenarios: Vec<_> = a.scenarios.iter().collect();
    scenarios.sort_by(|x, y| y.risk().cmp(&x.risk()).then(x.id.cmp(&y.id)));
    for sc in scenarios {
        d.text(
            &format!(
                "{}  {} — risk {} = {} × {} × {} ({})",
                sc.id,
                sc.title,
                sc.risk(),
                sc.threat,
                sc.vulnerability,
                sc.consequence,
                scale::band(sc.risk())
            ),
            10.0,
            true,
            0.0,
        );
        d.text(
            &format!("Modus: {:?}. Assets: {}.", sc.modus, sc.assets.join(", ")),
            10.0,
            false,
            14.0,
        );
        d.text(
            &format!("Vulnerabilities: {}", sc.vulnerabilities),
            10.0,
            false,
            14.0,
        );
        d.text(
            &format!("Consequences: {}", sc.consequences),
            10.0,
            false,
            14.0,
        );
        if !sc.controls.is_empty() {
            d.text(
                &format!("Controls: {}", sc.controls.join(", ")),
                10.0,
                false,
                14.0,
            );
        }
    }

    d.heading("4. Countermeasures: the controls answered");
    for t in &cat.topics {
        d.text(&t.name, 11.0, true, 0.0);
        for c in cat.controls.iter().filter(|c| c.topic == t.id) {
            let (status, source, evidence) = match a.answers.get(&c.id) {
                Some(x) => (
                    x.status.as_str(),
                    match x.source {
                        Source::Assessor => "assessor",
                        Source::Measured => "measured by Hamnvakt, not yet confirmed",
                        Source::Confirmed => "measured by Hamnvakt, confirmed",
                        Source::Overridden => "assessor overrode the measurement",
                    },
                    x.evidence.as_str(),
                ),
                None => ("unanswered", "", ""),
            };
            d.text(
                &format!("{}  {}: {status}", c.id, c.title),
                10.0,
                false,
                8.0,
            );
            let refs: Vec<String> = c
                .references
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        cat.instrument(&r.instrument)
                            .map(|i| i.name.as_str())
                            .unwrap_or(&r.instrument),
                        r.section
                    )
                })
                .collect();
            d.text(&format!("Satisfies: {}", refs.join("; ")), 8.0, false, 22.0);
            if !source.is_empty() {
                d.text(&format!("Answer by: {source}"), 9.0, false, 22.0);
            }
            if !evidence.is_empty() {
                d.text(&format!("Evidence: {evidence}"), 9.0, false, 22.0);
            }
            if let Some(reason) = a
                .answers
                .get(&c.id)
                .and_then(|x| x.override_reason.as_deref())
            {
                d.text(&format!("Override reason: {reason}"), 9.0, false, 22.0);
            }
        }
    }

    d.heading("5. Vulnerabilities: gaps ranked by risk");
    let gaps = a.gaps(cat);
    if gaps.is_empty() {
        d.text(
            "No control is answered not or partly implemented.",
            10.0,
            false,
            0.0,
        );
    }
    for (i, g) in gaps.iter().enumerate() {
        d.text(
            &format!(
                "{}. {} {} — {}, risk {:.1} (scenarios {})",
                i + 1,
                g.control,
                g.title,
                g.status.as_str(),
                g.risk,
                if g.scenarios.is_empty() {
                    "none".to_owned()
                } else {
                    g.scenarios.join(", ")
                }
            ),
            10.0,
            false,
            0.0,
        );
        if let Some((_, titles)) = r.practices.iter().find(|(c, _)| c == &g.control) {
            if !titles.is_empty() {
                d.text(
                    &format!("Practices other ports used: {}", titles.join("; ")),
                    9.0,
                    false,
                    14.0,
                );
            }
        }
    }

    d.heading("6. Action plan");
    if a.actions.is_empty() {
        d.text("No actions.", 10.0, false, 0.0);
    }
    for x in &a.actions {
        d.text(
            &format!(
                "{}  {} — owner {}, due {}, {}{}",
                x.id,
                x.title,
                x.owner,
                x.due,
                x.state.as_str(),
                x.control
                    .as_deref()
                    .map(|c| format!(", for {c}"))
                    .unwrap_or_default()
            ),
            10.0,
            false,
            0.0,
        );
    }

    d.heading("7. Scales");
    for (name, steps) in [
        ("Threat", &scale::THREAT),
        ("Vulnerability", &scale::VULNERABILITY),
        ("Consequence", &scale::CONSEQUENCE),
    ] {
        d.text(name, 10.0, true, 0.0);
        for st in steps.iter() {
            d.text(
                &format!("{} {}: {}", st.value, st.label, st.meaning),
                9.0,
                false,
                14.0,
            );
        }
    }
    d.finish()
}

/// A CSV cell a spreadsheet will not run: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return is quoted away with `'`.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The action plan as CSV.
pub fn actions_csv(a: &Assessment) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "action", "control", "title", "owner", "due", "state", "practice",
    ]);
    for x in &a.actions {
        let _ = w.write_record([
            cell(&x.id),
            cell(x.control.as_deref().unwrap_or("")),
            cell(&x.title),
            cell(&x.owner),
            cell(&x.due),
            x.state.as_str().to_owned(),
            cell(x.practice.as_deref().unwrap_or("")),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(date(1_795_000_000_000), "2026-11-18");
        assert_eq!(date(-86_400_000), "1969-12-31");
    }

    #[test]
    fn formulas_do_not_survive_into_csv() {
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("Anna"), "Anna");
    }
}
