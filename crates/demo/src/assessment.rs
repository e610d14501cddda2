//! Story 6's starting point: the Norvik PFSO's assessment half done — the assets, the five
//! drug-smuggling scenarios scored, some controls answered, two actions planned — and the
//! practices two partner ports (Helsinki and Antwerp-Bruges) shared with the alliance. The
//! server applies the edits through the assessment use cases and then measures, so the
//! pre-filled answers come from the demo's own gate traffic, releases, cargo and AIS.

use hamnvakt_assessment::model::{AssetCategory, Edit, Modus, Status};
use hamnvakt_assessment::practice::{CostBand, Effort, Practice};

/// The assessment and the partners' practices.
#[derive(Debug, Clone)]
pub struct DemoAssessment {
    /// The username of the assessor (the port's PFSO).
    pub by: &'static str,
    pub facility: &'static str,
    pub title: &'static str,
    pub edits: Vec<Edit>,
    /// Per partner organisation key, what it shared.
    pub partners: Vec<(&'static str, Vec<Practice>)>,
}

/// The key, name and kind of the second partner port's organisation.
pub const SECOND_PARTNER: (&str, &str) = ("antwerp", "Port of Antwerp-Bruges");

fn asset(name: &str, category: AssetCategory, note: &str) -> Edit {
    Edit::AddAsset {
        name: name.into(),
        category,
        note: note.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn scenario(
    title: &str,
    modus: Modus,
    assets: &[&str],
    vulnerabilities: &str,
    consequences: &str,
    (threat, vulnerability, consequence): (u8, u8, u8),
    controls: &[&str],
) -> Edit {
    Edit::AddScenario {
        title: title.into(),
        modus,
        assets: assets.iter().map(|s| (*s).to_owned()).collect(),
        vulnerabilities: vulnerabilities.into(),
        consequences: consequences.into(),
        threat,
        vulnerability,
        consequence,
        controls: controls.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn answer(control: &str, status: Status, evidence: &str) -> Edit {
    Edit::Answer {
        control: control.into(),
        status,
        evidence: evidence.into(),
    }
}

fn practice(
    title: &str,
    description: &str,
    effort: Effort,
    cost: CostBand,
    effect: &str,
    controls: &[&str],
    modi: &[Modus],
) -> Practice {
    Practice {
        title: title.into(),
        description: description.into(),
        effort,
        cost,
        evidence_of_effect: effect.into(),
        controls: controls.iter().map(|s| (*s).to_owned()).collect(),
        modi: modi.to_vec(),
    }
}

pub fn generate() -> DemoAssessment {
    use AssetCategory as A;
    let edits = vec![
        asset(
            "Container yard and stacking area",
            A::Cargo,
            "reefer rows along the east fence",
        ),
        asset(
            "In-gate and out-gate lanes",
            A::Access,
            "four truck lanes, OCR and card readers",
        ),
        asset(
            "Quay 1–3 and the approach through Mysingen",
            A::AdjacentWaters,
            "",
        ),
        asset(
            "Terminal operating system and release data",
            A::Systems,
            "hosted by the operator",
        ),
        scenario(
            "Insider with a valid badge lets an extraction team into the yard",
            Modus::InsiderBadge,
            &["A1", "A2"],
            "Contractors' staff are not re-vetted; night shifts are thin",
            "Drugs leave the port unseen; a corruption network takes root",
            (4, 3, 4),
            &["PER-1", "PER-2", "ACC-2"],
        ),
        scenario(
            "Release right misappropriated to collect a container",
            Modus::ReleaseFraud,
            &["A2", "A4"],
            "Some lines still send release references by e-mail",
            "A container with a load is collected before the consignee",
            (4, 3, 4),
            &["CRG-1", "INF-1", "INF-2"],
        ),
        scenario(
            "Rip-on/rip-off in a reefer with a cloned seal",
            Modus::RipOnRipOff,
            &["A1"],
            "Seals are checked at the in-gate only; scan selections are widely visible",
            "Goods placed or removed in the yard; the legitimate consignee is implicated",
            (3, 3, 3),
            &["CRG-2", "INF-1", "RES-1"],
        ),
        scenario(
            "A driver other than the one named collects a container",
            Modus::FakeDriver,
            &["A2"],
            "The out-gate checks the card, not always the release's driver",
            "A container leaves with the wrong person",
            (4, 2, 4),
            &["CRG-1", "ACC-1"],
        ),
        scenario(
            "Drugs fastened to the hull of a vessel from a high-risk port",
            Modus::HullConcealment,
            &["A3"],
            "No routine hull inspection; small craft can come alongside at night",
            "Divers retrieve the load in the approach",
            (3, 4, 3),
            &["WAT-1", "WAT-2"],
        ),
        answer(
            "ASM-1",
            Status::Partly,
            "Approved 2022; the port boundary changed with the 2025 amendment",
        ),
        answer(
            "ACC-2",
            Status::Implemented,
            "Cards blocked within the hour of a report; anti-passback at the yard",
        ),
        answer(
            "RES-1",
            Status::Implemented,
            "Fenced, signed as skyddsobjekt, intrusion detection on the quay",
        ),
        answer(
            "PER-1",
            Status::Not,
            "Only own staff are vetted, once, at hiring",
        ),
        answer(
            "INF-1",
            Status::Partly,
            "Scan selections are visible to all terminal planners",
        ),
        answer("WAT-2", Status::Not, "No hull inspections"),
        Edit::AddAction {
            control: Some("PER-1".into()),
            title: "Vet contractors' staff in yard roles and re-vet every two years".into(),
            owner: "PFSO Norvik".into(),
            due: "2027-06-30".into(),
            practice: None,
        },
        Edit::AddAction {
            control: Some("INF-1".into()),
            title: "Limit who sees scan selections to the planners of that shift".into(),
            owner: "Terminal IT".into(),
            due: "2027-03-31".into(),
            practice: None,
        },
    ];
    let helsinki = vec![
        practice(
            "Re-vetting of everyone who can change release or location data",
            "Staff and contractors with rights in the terminal system are background-checked before access and every two years; rights lapse when a check is overdue.",
            Effort::Medium,
            CostBand::To1m,
            "Two contractors' accounts withdrawn in the first round; no rights left on lapsed checks since.",
            &["PER-1", "INF-2"],
            &[Modus::InsiderBadge, Modus::ItCompromise],
        ),
        practice(
            "Hull inspection of vessels from high-risk ports",
            "The coast guard's divers or an underwater drone inspect hulls and sea chests of vessels whose last ports are on the high-risk list, on a risk basis agreed with customs.",
            Effort::High,
            CostBand::To10m,
            "Three finds on hulls in 2025; small craft alongside at night dropped after inspections became known.",
            &["WAT-2", "WAT-1"],
            &[Modus::HullConcealment],
        ),
    ];
    let antwerp = vec![
        practice(
            "Certified pick-up: the release bound to the collecting driver",
            "The release right passes from party to party to one named driver and truck; the terminal checks the driver's identity at the gate; no PIN exists to be stolen.",
            Effort::High,
            CostBand::Over10m,
            "PIN fraud ended at the terminals on the platform; refused pick-ups are investigated the same day.",
            &["CRG-1", "ACC-1"],
            &[Modus::ReleaseFraud, Modus::FakeDriver],
        ),
        practice(
            "Scan selections shown only to those who move the container",
            "Which containers customs selected, and where they stand, is visible only to the planner and driver of that move, and every look is logged.",
            Effort::Low,
            CostBand::Under100k,
            "Rip-on/rip-off attempts on selected containers fell after the change.",
            &["INF-1", "CRG-2"],
            &[Modus::RipOnRipOff],
        ),
    ];
    DemoAssessment {
        by: "pfso",
        facility: "Stockholm Norvik Port",
        title: "PFSA 2026",
        edits,
        partners: vec![("helsinki", helsinki), (SECOND_PARTNER.0, antwerp)],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use hamnvakt_assessment::{Assessment, Catalogue};
    use hamnvakt_core::ids::Id;

    #[test]
    fn the_demo_assessment_applies_and_is_partly_done() {
        let cat = Catalogue::builtin();
        let d = generate();
        let mut a = Assessment::new(
            "x".into(),
            Id::from_random_bytes([1; 16]),
            d.facility,
            d.title,
            &cat,
            0,
        )
        .unwrap();
        for e in &d.edits {
            a.apply(&cat, e, 0).unwrap();
        }
        let s = a.summary(&cat);
        assert!(s.unanswered > 0 && s.not > 0 && s.implemented > 0);
        assert_eq!(a.scenarios.len(), 5);
        for (_, ps) in &d.partners {
            for p in ps {
                p.check("", &cat).unwrap();
            }
        }
        // Every practice addresses a gap the demo leaves.
        let gaps: Vec<String> = a.gaps(&cat).into_iter().map(|g| g.control).collect();
        assert!(gaps.contains(&"PER-1".to_owned()) && gaps.contains(&"WAT-2".to_owned()));
    }
}
