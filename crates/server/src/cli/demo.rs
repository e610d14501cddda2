//! Applies the demo generator's world through the same use cases the API calls, so the demo
//! database is indistinguishable from one filled by hand: every organisation, user, site,
//! alert and alert action is in the audit chain.

use std::fmt::Write as _;
use std::path::Path;

use hamnvakt_core::alert::Action;
use hamnvakt_demo::{DemoStep, DemoWorld};
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
    for a in &world.alerts {
        let raiser = Actor {
            id: a.raised_by.to_owned(),
            org: Some(a.draft.owner_org),
            request_id: None,
        };
        let id = crate::alerts::raise(state, &raiser, &a.draft, Some(a.raised_at_ms))
            .await
            .map_err(fail("alerts"))?;
        for step in &a.steps {
            let (by, action, note) = match step {
                DemoStep::Acknowledge { by } => (*by, Action::Acknowledge, None),
                DemoStep::Assign { by, to } => (*by, Action::Assign { to: *to }, None),
                DemoStep::Close { by, outcome, note } => {
                    (*by, Action::Close { outcome: *outcome }, Some(*note))
                }
            };
            let org = world.users.iter().find(|u| u.id == by).map(|u| u.org);
            let actor = Actor {
                id: format!("user:{by}"),
                org,
                request_id: None,
            };
            crate::alerts::act(state, &actor, id, action, note)
                .await
                .map_err(fail("alert handling"))?;
        }
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
    Ok(DemoSummary {
        world,
        machine_token,
        decisions,
        ais_messages,
    })
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

/// The targeting officer's day: eight weeks of consignments with the outcomes of the
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
            "  {} organisations, {} users, {} sites, {} alerts",
            w.orgs.len(),
            w.users.len(),
            w.sites.len(),
            w.alerts.len()
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
        let _ = writeln!(
            s,
            "  {} vessels; {} AIS messages of the past day played through ingest, the next day live",
            w.maritime.vessels.len(),
            self.ais_messages
        );
        let _ = writeln!(
            s,
            "Sign in with (password {:?} for all):",
            hamnvakt_demo::DEMO_PASSWORD
        );
        for u in w.users.iter().filter(|u| u.password.is_some()) {
            let org = w
                .orgs
                .iter()
                .find(|o| o.id == u.org)
                .map(|o| o.name)
                .unwrap_or("");
            let _ = writeln!(s, "  {:<18} {} ({})", u.username, u.purpose, org);
        }
        if let Some(t) = &self.machine_token {
            let _ = writeln!(
                s,
                "API token of the gate-controller machine account (30 days):\n  {t}"
            );
        }
        s
    }
}
