//! Applies the demo generator's world through the same use cases the API calls, so the demo
//! database is indistinguishable from one filled by hand: every organisation, user, site,
//! alert and alert action is in the audit chain.

#[path = "demo_incident.rs"]
mod incident;

use std::fmt::Write as _;
use std::path::Path;

use hamnvakt_demo::DemoWorld;
use hamnvakt_identity::Role;

use crate::app::Instance;
use crate::identity::UserSpec;
use crate::web::change::Actor;
use crate::web::error::ApiError;

/// What was created, for the banner.
#[derive(Debug)]
pub struct DemoSummary {
    pub world: DemoWorld,
    /// Token of the gate-controller machine account, for trying the API.
    pub machine_token: Option<String>,
    /// Gate decisions replayed through the API.
    pub decisions: usize,
    /// AIS messages of the past day played through ingest before serving.
    pub ais_messages: u64,
    /// Story 2's two presentations at Norvik's in-gate, each as the gate answered it:
    /// (who, outcome, reason codes).
    pub pickups: Vec<(String, String, Vec<String>)>,
    /// The alliance partner's TAXII discovery URL and API token, and the shared modus
    /// operandi's id.
    pub alliance: Option<(String, String, String)>,
}

fn fail(what: &str) -> impl Fn(ApiError) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("seeding the demo ({what}): {e}")
}

pub async fn seed(state: &Instance, seed: u64) -> anyhow::Result<DemoSummary> {
    let world = hamnvakt_demo::generate(seed, state.now_ms());
    let demo = Actor::system("demo");
    for o in &world.orgs {
        crate::identity::create_org(state, &demo, o.name, o.kind, Some(o.id))
            .await
            .map_err(fail("organisations"))?;
    }
    for u in &world.users {
        let spec = UserSpec {
            id: Some(u.id),
            org_id: u.org,
            username: u.username.to_owned(),
            display_name: u.display_name.to_owned(),
            password: u.password.map(str::to_owned),
            roles: u.roles.clone(),
            locale: u.locale.to_owned(),
        };
        crate::identity::create_user(state, &demo, spec)
            .await
            .map_err(fail("users"))?;
    }
    for s in &world.sites {
        let site = hamnvakt_store::Site {
            id: s.id,
            code: s.code.to_owned(),
            name: s.name.to_owned(),
            description: s.description.to_owned(),
            locode: s.locode.to_owned(),
            lat: s.lat,
            lon: s.lon,
        };
        crate::sites::create_site(state, &demo, &site)
            .await
            .map_err(fail("sites"))?;
    }
    seed_access(state, &demo, &world).await?;
    let machine_token = match world.user("gate-controller") {
        Some(u) => {
            let owner = state
                .store
                .user(u.id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the demo machine account is missing"))?;
            let (_, secret) = crate::identity::create_token(
                state,
                &demo,
                &owner,
                "demo gate controllers",
                vec![Role::GateController],
                30,
            )
            .await
            .map_err(fail("token"))?;
            Some(secret)
        }
        None => None,
    };
    let decisions = match &machine_token {
        Some(token) => replay_gate_traffic(state, token, &world).await?,
        None => 0,
    };
    if let Some(u) = world.user("single-window") {
        let owner = state
            .store
            .user(u.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the demo single-window account is missing"))?;
        let (_, token) = crate::identity::create_token(
            state,
            &demo,
            &owner,
            "demo single window",
            vec![Role::PortCallSystem],
            30,
        )
        .await
        .map_err(fail("token"))?;
        declare_flags(state, &token, &world).await?;
    }
    let ais_messages = replay_ais(state, &world).await?;
    seed_cargo(state, &world).await?;
    let pickups = match (&world.release, &machine_token) {
        (Some(story), Some(token)) => run_release_story(state, &world, story, token).await?,
        _ => Vec::new(),
    };
    let alliance = share_story(state, &world).await?;
    seed_assessment(state, &world).await?;
    incident::open_story_incident(state, &world).await?;
    Ok(DemoSummary {
        world,
        machine_token,
        decisions,
        ais_messages,
        pickups,
        alliance,
    })
}

/// After story 2, the PFSO writes up the fake-driver collection as a modus operandi with its
/// indicators and shares it TLP:GREEN with the alliance; the Port of Helsinki's machine
/// account gets a token for the TAXII server, where it finds it in the alliance collection.
async fn share_story(
    state: &Instance,
    world: &DemoWorld,
) -> anyhow::Result<Option<(String, String, String)>> {
    let (Some(pfso), Some(partner), Some(story)) = (
        world.user("pfso"),
        world.user("alliance-helsinki"),
        world.release.as_ref(),
    ) else {
        return Ok(None);
    };
    let green = || hamnvakt_core::marking::Marking {
        tlp: hamnvakt_core::Tlp::Green,
        audience: hamnvakt_core::marking::Audience::Alliance,
        recipients: vec![],
    };
    let indicator =
        |kind, value: &str, name: &str, confidence| hamnvakt_sharing::objects::IndicatorDraft {
            kind,
            value: value.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            valid_from_ms: None,
            valid_until_ms: None,
            confidence,
            marking: green(),
        };
    use hamnvakt_sharing::IndicatorKind as K;
    let mut indicators = vec![indicator(
        K::ContainerNumber,
        &story.container,
        "Reefer a fake driver tried to collect at Norvik",
        80,
    )];
    if let Some(plate) = &story.impostor.plate {
        indicators.push(indicator(
            K::TruckPlate,
            plate,
            "Truck of the driver who was not the assigned one",
            70,
        ));
    }
    indicators.push(indicator(
        K::RouteVia,
        "ECGYE",
        "Banana reefers routed via Guayaquil",
        30,
    ));
    let mo = hamnvakt_sharing::objects::ModusOperandiDraft {
        name: "Fake-driver collection of a reefer at Norvik".into(),
        description: "A driver who was not the one the release chain named presented himself at Norvik's in-gate to collect a banana reefer from Guayaquil that customs had selected for scanning. The gate refused him: the release right ended at another driver and truck, and no code could have let him through. Where release still works with PIN codes, the same attempt would have succeeded. Watch the container, the truck and reefers routed via Guayaquil.".into(),
        indicators,
        indicator_refs: vec![],
        locations: vec!["SENYN".into(), "ECGYE".into()],
        marking: green(),
    };
    let actor = Actor {
        id: format!("user:{}", pfso.id),
        org: Some(pfso.org),
        request_id: None,
    };
    let created =
        crate::sharing::create_modus_operandi(&state.sharing_state(), &actor, pfso.org, &mo)
            .await
            .map_err(fail("the shared modus operandi"))?;
    let owner = state
        .store
        .user(partner.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo alliance account is missing"))?;
    let demo = Actor::system("demo");
    let (_, token) = crate::identity::create_token(
        state,
        &demo,
        &owner,
        "demo alliance partner",
        vec![Role::MachineClient],
        30,
    )
    .await
    .map_err(fail("token"))?;
    let url = match &state.config.public_url {
        Some(u) => format!("{}/taxii2/", u.trim_end_matches('/')),
        // Port 0 is chosen at bind, after the banner: the address is printed below it.
        None if state.config.listen_address.port() == 0 => {
            "/taxii2/ on the address Hamnvakt listens on (below)".to_owned()
        }
        None => format!("http://{}/taxii2/", state.config.listen_address),
    };
    Ok(Some((url, token, created.id)))
}

/// Story 6: the PFSO's Norvik assessment, half done, through the assessment use cases; then
/// measured from the demo's own live facts (gate decisions, releases, targeting, AIS); and
/// the two partner ports' practices taken in as their exports would be.
async fn seed_assessment(state: &Instance, world: &DemoWorld) -> anyhow::Result<()> {
    let story = &world.assessment;
    let Some(pfso) = world.user(story.by) else {
        return Ok(());
    };
    let actor = Actor {
        id: format!("user:{}", pfso.id),
        org: Some(pfso.org),
        request_id: None,
    };
    let a = crate::assessment::create(state, &actor, pfso.org, story.facility, story.title)
        .await
        .map_err(fail("the Norvik assessment"))?;
    for e in &story.edits {
        crate::assessment::edit(state, &actor, pfso.org, &a.id, e)
            .await
            .map_err(fail("the Norvik assessment"))?;
    }
    crate::assessment::measure(&state.assessment_state(), &actor, pfso.org, &a.id)
        .await
        .map_err(fail("the Norvik assessment's measurements"))?;
    let alliance = || hamnvakt_core::marking::Marking {
        tlp: hamnvakt_core::Tlp::Green,
        audience: hamnvakt_core::marking::Audience::Alliance,
        recipients: vec![],
    };
    for (key, practices) in &story.partners {
        let Some(partner) = world.org(key) else {
            continue;
        };
        let items: Vec<_> = practices.iter().map(|p| (p.clone(), alliance())).collect();
        crate::assessment::import_practices(state, &actor, partner.id, &items)
            .await
            .map_err(fail("the partner ports' practices"))?;
    }
    Ok(())
}

/// Saves the access register through the engine (each record an audited change).
async fn seed_access(state: &Instance, demo: &Actor, world: &DemoWorld) -> anyhow::Result<()> {
    let a = &world.access;
    let engine = state.access.clone();
    macro_rules! save_all {
        ($list:expr) => {
            for r in $list.iter().cloned() {
                engine
                    .save(&state.access_state(), demo, r, true)
                    .await
                    .map_err(fail("access register"))?;
            }
        };
    }
    save_all!(a.facilities);
    save_all!(a.zones);
    save_all!(a.gates);
    save_all!(a.people);
    save_all!(a.credentials);
    save_all!(a.vehicles);
    save_all!(a.permits);
    save_all!(a.visits);
    save_all!(a.bans);
    Ok(())
}

/// The targeting officer's day: twelve weeks of consignments with the outcomes of the
/// inspections made then, the team's profiles, a model trained on those outcomes, and today's
/// selection — all through the same use cases the API runs, so all of it is audited.
async fn seed_cargo(state: &Instance, world: &DemoWorld) -> anyhow::Result<()> {
    let c = &world.cargo;
    let officer = world
        .user("targeting")
        .map(|u| Actor {
            id: format!("user:{}", u.id),
            org: Some(u.org),
            request_id: None,
        })
        .unwrap_or_else(|| Actor::system("demo"));
    for batch in c.consignments.chunks(5000) {
        crate::targeting::store_consignments(state, &Actor::system("demo"), batch, "import:demo")
            .await
            .map_err(fail("consignments"))?;
    }
    for p in &c.profiles {
        crate::targeting::save_profile(state, &officer, None, p)
            .await
            .map_err(fail("risk profiles"))?;
    }
    for (id, o) in &c.outcomes {
        crate::targeting::record_outcome(state, &officer, id, o)
            .await
            .map_err(fail("inspection outcomes"))?;
    }
    crate::targeting::train_model(state, &officer)
        .await
        .map_err(fail("the risk model"))?;
    let today = hamnvakt_targeting::mapping::days(&c.today)
        .ok_or_else(|| anyhow::anyhow!("the demo's day {} is not a date", c.today))?;
    crate::targeting::run_selection(state, &officer, today)
        .await
        .map_err(fail("today's selection"))?;
    Ok(())
}

/// Story 2's gate half, for real: the line issues the Guayaquil reefer's release to the
/// forwarder, who nominates the haulier; the haulier accepts and assigns its driver and
/// truck; customs and the terminal give their lights; then, through the gate decision API,
/// a different driver tries to collect it (refused, and the release detector raises the
/// alert) and the assigned driver comes (customs' scan selection from today's targeting run
/// sends him to the scanner lane). Every step is the use case the API calls.
async fn run_release_story(
    state: &Instance,
    world: &DemoWorld,
    story: &hamnvakt_demo::release::DemoRelease,
    token: &str,
) -> anyhow::Result<Vec<(String, String, Vec<String>)>> {
    use crate::release::Step;
    use hamnvakt_release::chain::Action;
    use hamnvakt_release::model::{CustomsLight, Role as ReleaseRole, TerminalLight};
    let access = state.access_state();
    let by_org = |org| {
        world
            .users
            .iter()
            .find(|u| u.org == org && u.password.is_some())
            .map(|u| Actor {
                id: format!("user:{}", u.id),
                org: Some(u.org),
                request_id: None,
            })
            .unwrap_or_else(|| Actor {
                id: "demo".into(),
                org: Some(org),
                request_id: None,
            })
    };
    let line = by_org(story.line);
    let r = crate::release::issue(
        state,
        &line,
        story.line,
        crate::release::IssueRequest {
            container: story.container.clone(),
            bill_of_lading: story.bill_of_lading.clone(),
            line: None,
            release_to: story.forwarder,
            facility: Some(story.facility),
            expires_ms: None,
        },
    )
    .await
    .map_err(fail("the story's release"))?;
    let forwarder = by_org(story.forwarder);
    let haulier = by_org(story.haulier);
    let customs = world
        .org("customs")
        .map(|o| by_org(o.id))
        .ok_or_else(|| anyhow::anyhow!("the demo has no customs"))?;
    let terminal = world
        .org("terminal")
        .map(|o| by_org(o.id))
        .ok_or_else(|| anyhow::anyhow!("the demo has no terminal operator"))?;
    let steps = [
        (&forwarder, Step::Accept),
        (
            &forwarder,
            Step::Offer {
                to: story.haulier,
                role: ReleaseRole::Haulier,
            },
        ),
        (&haulier, Step::Accept),
        (
            &haulier,
            Step::Assign {
                driver: story.driver,
                plate: story.plate.clone(),
            },
        ),
        (&customs, Step::Light(Action::Customs(CustomsLight::Green))),
        (
            &terminal,
            Step::Light(Action::Terminal(TerminalLight::Discharged)),
        ),
    ];
    for (actor, step) in steps {
        let org = actor
            .org
            .ok_or_else(|| anyhow::anyhow!("a demo actor without an organisation"))?;
        crate::release::act(&access, actor, org, r.id, step)
            .await
            .map_err(fail("the story's release chain"))?;
    }
    use tower::ServiceExt;
    let router = crate::app::router(state);
    let mut out = Vec::new();
    for (who, p) in [
        ("a different driver", &story.impostor),
        ("the assigned driver", &story.pickup),
    ] {
        let body = serde_json::json!({
            "gate": p.gate,
            "credential": p.credential,
            "plate": p.plate,
            "direction": p.direction,
            "container": story.container,
        });
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/access/decisions")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(serde_json::to_vec(&body)?))?;
        let response = router.clone().oneshot(request).await?;
        if !response.status().is_success() {
            anyhow::bail!("the story's pick-up failed with {}", response.status());
        }
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        let reasons = v
            .get("reasons")
            .and_then(|r| r.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.get("code").and_then(|c| c.as_str()).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let outcome = v.get("outcome").and_then(|o| o.as_str()).unwrap_or("?");
        out.push((who.to_owned(), outcome.to_owned(), reasons));
    }
    // The wrong driver's finding is in the alert outbox with its refusal: raise it before the
    // incident is opened from it.
    crate::alerts::drain(state)
        .await
        .map_err(|e| anyhow::anyhow!("raising the pick-ups' findings: {e}"))?;
    Ok(out)
}

/// Declares the flags the vessels' agents give, through the API (the MID check runs on them).
async fn declare_flags(state: &Instance, token: &str, world: &DemoWorld) -> anyhow::Result<()> {
    use tower::ServiceExt;
    let router = crate::app::router(state);
    for (mmsi, flag) in &world.maritime.declared_flags {
        let request = axum::http::Request::builder()
            .method("PUT")
            .uri(format!("/api/v1/vessels/{mmsi}/flag"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(serde_json::to_vec(
                &serde_json::json!({ "flag": flag }),
            )?))?;
        let response = router.clone().oneshot(request).await?;
        if !response.status().is_success() {
            anyhow::bail!(
                "declaring a vessel's flag failed with {}",
                response.status()
            );
        }
    }
    Ok(())
}

/// Plays the demo's AIS recording through the ingest path: the past day at once, then the
/// coming day in real time. Returns once the past day has reached the vessel picture.
async fn replay_ais(state: &Instance, world: &DemoWorld) -> anyhow::Result<u64> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let text = world.maritime.nmea.clone().into_bytes();
    tokio::spawn(crate::maritime::replay_until_live(
        state.maritime_state(),
        text,
        crate::maritime::Pace::LiveAfter(world.now_ms),
        Some(tx),
    ));
    let queued = tokio::time::timeout(std::time::Duration::from_secs(300), rx)
        .await
        .map_err(|_| anyhow::anyhow!("replaying the demo's AIS day took more than five minutes"))?
        .unwrap_or(0);
    for _ in 0..600 {
        if state.ais.queue_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The detectors' findings are raised from the alert outbox once the batch they were found
    // in is stored (a tick of the picture, then the writer): raise them before going on.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    crate::alerts::drain(state)
        .await
        .map_err(|e| anyhow::anyhow!("raising the AIS day's findings: {e}"))?;
    Ok(queued)
}

/// Replays the day's gate traffic through the decision API — the same router, extractors,
/// token check, engine and audit chain a gate controller uses — in time order.
async fn replay_gate_traffic(
    state: &Instance,
    token: &str,
    world: &DemoWorld,
) -> anyhow::Result<usize> {
    use tower::ServiceExt;
    let router = crate::app::router(state);
    let mut n = 0;
    for p in &world.access.traffic {
        let body = serde_json::json!({
            "gate": p.gate,
            "credential": p.credential,
            "plate": p.plate,
            "direction": p.direction,
            "at": hamnvakt_core::clock::from_millis(p.at_ms).to_string(),
        });
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/access/decisions")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(serde_json::to_vec(&body)?))?;
        let response = router.clone().oneshot(request).await?;
        if !response.status().is_success() {
            anyhow::bail!(
                "replaying a gate decision failed with {}",
                response.status()
            );
        }
        n += 1;
    }
    // The detectors' findings are in the alert outbox with their decisions: raise them now.
    crate::alerts::drain(state)
        .await
        .map_err(|e| anyhow::anyhow!("raising the gate traffic's findings: {e}"))?;
    Ok(n)
}

impl DemoSummary {
    /// The text `hamnvakt demo` prints before it starts serving.
    pub fn banner(&self, dir: &Path) -> String {
        let w = &self.world;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Hamnvakt demo: the Ports of Stockholm, seed {}, in {}",
            w.seed,
            dir.display()
        );
        let _ = writeln!(
            s,
            "  {} organisations, {} users, {} sites; every alert raised by a detector or a correlation rule",
            w.orgs.len(),
            w.users.len(),
            w.sites.len()
        );
        let _ = writeln!(
            s,
            "  {} facilities, {} gates, {} people with {} cards, {} gate decisions replayed through the API",
            w.access.facilities.len(),
            w.access.gates.len(),
            w.access.people.len(),
            w.access.credentials.len(),
            self.decisions
        );
        for (who, outcome, reasons) in &self.pickups {
            let _ = writeln!(
                s,
                "  Story 2 at Norvik's in-gate: {who} collecting the Guayaquil reefer: {outcome} ({})",
                reasons.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "  {} vessels; {} AIS messages of the past day played through ingest, the next day live",
            w.maritime.vessels.len(),
            self.ais_messages
        );
        let _ = writeln!(
            s,
            "  {} consignments over {} weeks with {} recorded inspection outcomes, {} risk profiles and a model trained on them; today ({}) selected",
            w.cargo.consignments.len(),
            hamnvakt_demo::cargo::HISTORY_WEEKS,
            w.cargo.outcomes.len(),
            w.cargo.profiles.len(),
            w.cargo.today
        );
        let people: Vec<_> = w.users.iter().filter(|u| u.password.is_some()).collect();
        let machines = w.users.len() - people.len();
        let _ = writeln!(
            s,
            "{} people sign in (password {:?} for all), each with a page to start at; {machines} machine accounts use API tokens:",
            people.len(),
            hamnvakt_demo::DEMO_PASSWORD
        );
        for u in people {
            let org = w
                .orgs
                .iter()
                .find(|o| o.id == u.org)
                .map(|o| o.name)
                .unwrap_or("");
            let _ = writeln!(
                s,
                "  {:<18} {:<11} {} ({})",
                u.username,
                crate::web::layout::home_page(
                    &u.roles,
                    w.orgs
                        .iter()
                        .find(|o| o.id == u.org)
                        .map_or(hamnvakt_core::org::OrgKind::PortAuthority, |o| o.kind)
                ),
                u.purpose,
                org
            );
        }
        if let Some(t) = &self.machine_token {
            let _ = writeln!(
                s,
                "API token of the gate-controller machine account (30 days):\n  {t}"
            );
        }
        if let Some((url, token, mo)) = &self.alliance {
            let _ = writeln!(
                s,
                "Alliance sharing: story 2's modus operandi ({mo}) is shared TLP:GREEN with the alliance.\n  The Port of Helsinki's TAXII 2.1 discovery URL: {url}\n  its API token (bearer, or Basic with the token as password; 30 days):\n  {token}"
            );
        }
        s
    }
}
