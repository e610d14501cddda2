//! The release use cases: issue, every step of the chain, and what the gate asks and records.
//! Each write is a [`Change`]: the step's event on the chain, then the release's row written
//! over the version the step was made from, then commit.

use hamnvakt_access::model::CredentialState;
use hamnvakt_core::alert::{AlertDraft, AlertMessage, Severity, SubjectKind, SubjectRef};
use hamnvakt_core::entity::EntityRef;
use hamnvakt_core::ids::{OrgId, PersonId};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::Tlp;
use hamnvakt_release::chain::{self, Action, Authority, Hop};
use hamnvakt_release::gate::{Pickup, Presented};
use hamnvakt_release::model::{Issue, Release, ReleaseId, ReleaseState, Role};
use hamnvakt_store::ReleaseRow;
use serde_json::json;

use crate::access::AccessState;
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;
use crate::web::state::{new_id, AppState};

/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;

fn to_row(r: &Release, at_ms: i64) -> Result<ReleaseRow, ApiError> {
    Ok(ReleaseRow {
        id: r.id.to_string(),
        container: r.container.clone(),
        bill_of_lading: r.bill_of_lading.clone(),
        line_org: r.line.to_string(),
        holder_org: r.holder().to_string(),
        state: match r.state {
            ReleaseState::Active => "active",
            ReleaseState::Withdrawn => "withdrawn",
            ReleaseState::Collected => "collected",
        }
        .to_owned(),
        driver: r.assignment.as_ref().map(|a| a.driver.to_string()),
        issued_ms: r.issued_ms,
        expires_ms: r.expires_ms,
        updated_ms: at_ms,
        version: r.version,
        data: serde_json::to_string(r)
            .map_err(|e| ApiError::Internal(format!("a release does not serialise: {e}")))?,
    })
}

fn from_row(row: &ReleaseRow) -> Result<Release, ApiError> {
    serde_json::from_str(&row.data)
        .map_err(|e| ApiError::Internal(format!("stored release {} does not parse: {e}", row.id)))
}

/// The event kind of a step.
fn event_kind(hop: &Hop) -> &'static str {
    match hop.kind {
        "offered" => "release.offered",
        "accepted" => "release.accepted",
        "declined" => "release.declined",
        "revoked" => "release.revoked",
        "assigned" => "release.assigned",
        "unassigned" => "release.unassigned",
        "withdrawn" => "release.withdrawn",
        "reissued" => "release.reissued",
        "light" => "release.light",
        "collected" => "release.collected",
        _ => "release.step",
    }
}

fn hop_error(e: chain::HopError) -> ApiError {
    ApiError::Conflict(format!("{}: {e}", e.code()))
}

/// What the line says when it issues a release through the API.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub container: String,
    pub bill_of_lading: String,
    /// The line the release is of; default the issuing organisation (an agent names it).
    pub line: Option<OrgId>,
    pub release_to: OrgId,
    pub facility: Option<hamnvakt_core::ids::FacilityId>,
    pub expires_ms: Option<i64>,
}

/// Issues a release: `release.issued`, then the offer to the release-to party
/// (`release.offered`), in one transaction. Only a shipping line (or its agent, an
/// organisation of the same kind) issues.
pub async fn issue(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    req: IssueRequest,
) -> Result<Release, ApiError> {
    let kind = org_kind(state, org).await?;
    if kind != Some(OrgKind::ShippingLine) {
        return Err(ApiError::forbidden(
            "issuing releases is for shipping lines and their agents",
        ));
    }
    let line = req.line.unwrap_or(org);
    if line != org && org_kind(state, line).await? != Some(OrgKind::ShippingLine) {
        return Err(ApiError::field("line", "is not a shipping line"));
    }
    if state.store.org(req.release_to).await?.is_none() {
        return Err(ApiError::field("release_to", "no such organisation"));
    }
    let id: ReleaseId = new_id();
    let mut change = Change::begin(state, actor).await?;
    let at_ms = change.at_ms();
    let issued = Release::issue(
        id,
        Issue {
            container: req.container,
            bill_of_lading: req.bill_of_lading,
            line,
            issued_by: org,
            facility: req.facility,
            expires_ms: req.expires_ms,
        },
        at_ms,
    )
    .map_err(ApiError::InvalidFields)?;
    let (r, hop) = chain::apply(
        &issued,
        org,
        Authority::Party,
        &Action::Offer {
            to: req.release_to,
            role: Role::ReleaseTo,
        },
        at_ms,
    )
    .map_err(|e| match e {
        chain::HopError::SelfOffer | chain::HopError::AlreadyInChain => {
            ApiError::field("release_to", "must be another organisation than the line")
        }
        other => hop_error(other),
    })?;
    let subject = format!("release:{id}");
    change
        .record(
            "release.issued",
            Some(&subject),
            json!({
                "release": id,
                "container": issued.container,
                "bill_of_lading": issued.bill_of_lading,
                "line": line,
                "issued_by": org,
                "facility": issued.facility,
                "expires_ms": issued.expires_ms,
            }),
        )
        .await?;
    change
        .record(
            event_kind(&hop),
            Some(&subject),
            json!({ "release": id, "container": r.container, "hop": hop }),
        )
        .await?;
    let row = to_row(&r, at_ms)?;
    change
        .tx()
        .insert_release(&row)
        .await
        .map_err(|e| match e {
            hamnvakt_store::StoreError::Conflict(_) => ApiError::Conflict(format!(
                "a release of container {} on bill of lading {} exists already",
                r.container, r.bill_of_lading
            )),
            other => other.into(),
        })?;
    let parties: Vec<String> = r.parties().iter().map(|o| o.to_string()).collect();
    change.tx().add_release_parties(&row.id, &parties).await?;
    change.commit().await?;
    state.observe(observation(&r, actor, r.issued_ms));
    Ok(r)
}

/// What a release shows that an indicator may watch: its container and, once assigned, the
/// truck's plate.
fn observation(r: &Release, actor: &Actor, at_ms: i64) -> crate::web::state::Observation {
    use hamnvakt_sharing::{IndicatorKind, Observed};
    let mut values = Vec::new();
    let mut subjects = Vec::new();
    if let Some(o) = Observed::of(IndicatorKind::ContainerNumber, &r.container) {
        subjects.extend(SubjectRef::typed(SubjectKind::Container, &o.value, None));
        values.push(o);
    }
    if let Some(o) = r
        .assignment
        .as_ref()
        .and_then(|a| Observed::of(IndicatorKind::TruckPlate, &a.plate))
    {
        subjects.extend(SubjectRef::typed(SubjectKind::Vehicle, &o.value, None));
        values.push(o);
    }
    subjects.push(EntityRef::Release(r.id.uuid()).subject(None));
    crate::web::state::Observation {
        what: format!("the release of container {}", r.container),
        subject: format!(
            "release:{}:{}",
            r.id,
            r.assignment
                .as_ref()
                .map(|a| a.plate.as_str())
                .unwrap_or("")
        ),
        subjects,
        org: actor.org,
        at_ms,
        values,
    }
}

async fn org_kind(state: &AppState, org: OrgId) -> Result<Option<OrgKind>, ApiError> {
    Ok(state.store.org(org).await?.map(|o| o.kind))
}

/// The stored release, if any.
pub async fn load(state: &AppState, id: ReleaseId) -> Result<Option<Release>, ApiError> {
    match state.store.release(&id.to_string()).await? {
        Some(row) => Ok(Some(from_row(&row)?)),
        None => Ok(None),
    }
}

/// Whether a reader oversees every release of the port: `release_oversee` held in the port
/// authority (the security centre), customs or a terminal operator. The same role held in a
/// haulier, a forwarder, a line or an agency sees only the releases that reached its
/// organisation, as a dispatcher does: a role is granted within an organisation, and an
/// operator at a haulier is not the port's security centre.
pub fn oversees(p: &crate::web::auth::Principal) -> bool {
    p.can(hamnvakt_identity::Permission::ReleaseOversee)
        && matches!(
            p.user.org_kind,
            OrgKind::PortAuthority | OrgKind::Customs | OrgKind::TerminalOperator
        )
}

/// Whether a reader's roles read releases at all (`release_oversee` or `release_act`; which
/// ones is [`oversees`]' and [`visible`]'s question).
pub fn may_read(p: &crate::web::auth::Principal) -> bool {
    p.can(hamnvakt_identity::Permission::ReleaseOversee)
        || p.can(hamnvakt_identity::Permission::ReleaseAct)
}

/// [`may_read`], refused with the permission a dispatcher needs.
pub fn may_list(p: &crate::web::auth::Principal) -> Result<(), ApiError> {
    if may_read(p) {
        Ok(())
    } else {
        p.require(hamnvakt_identity::Permission::ReleaseAct)
    }
}

/// Whether `org` may see the release: it reached the organisation, or the reader oversees
/// all releases (`oversee`), or the organisation is customs or a terminal (their lights).
pub async fn visible(
    state: &AppState,
    id: ReleaseId,
    org: OrgId,
    oversee: bool,
) -> Result<bool, ApiError> {
    if oversee {
        return Ok(true);
    }
    if state
        .store
        .release_reached(&id.to_string(), &org.to_string())
        .await?
    {
        return Ok(true);
    }
    Ok(matches!(
        org_kind(state, org).await?,
        Some(OrgKind::Customs | OrgKind::TerminalOperator)
    ))
}

/// Whether a credential is a personal port card in force at `now`: what a driver needs to
/// be assigned.
pub fn port_card_in_force(c: &hamnvakt_access::model::Credential, now: i64) -> bool {
    !c.generic
        && c.state == CredentialState::Active
        && c.valid_from_ms <= now
        && now < c.valid_until_ms
}

/// A step as the API and the console ask for it, before the register is consulted.
#[derive(Debug, Clone)]
pub enum Step {
    Offer { to: OrgId, role: Role },
    Accept,
    Decline,
    Revoke,
    Assign { driver: PersonId, plate: String },
    Unassign,
    Withdraw,
    Reissue { expires_ms: Option<i64> },
    Light(Action),
}

/// One step on a release by `org`: checked by the chain's rules, recorded, stored.
pub async fn act(
    state: &AccessState,
    actor: &Actor,
    org: OrgId,
    id: ReleaseId,
    step: Step,
) -> Result<Release, ApiError> {
    let kind = org_kind(state, org).await?;
    let authority = match kind {
        Some(OrgKind::Customs) => Authority::Customs,
        Some(OrgKind::TerminalOperator) => Authority::Terminal,
        _ => Authority::Party,
    };
    let action = match step {
        Step::Offer { to, role } => {
            let target = state
                .store
                .org(to)
                .await?
                .ok_or_else(|| ApiError::field("to", "no such organisation"))?;
            // An inland operator must be a registered haulier (Secure Chain: a haulier not
            // registered cannot be nominated).
            if matches!(role, Role::Haulier | Role::Subcontractor)
                && target.kind != OrgKind::Haulier
            {
                return Err(ApiError::field(
                    "to",
                    "an inland operator must be a haulier organisation",
                ));
            }
            Action::Offer { to, role }
        }
        Step::Accept => Action::Accept,
        Step::Decline => Action::Decline,
        Step::Revoke => Action::Revoke,
        Step::Unassign => Action::Unassign,
        Step::Withdraw => Action::Withdraw,
        Step::Reissue { expires_ms } => Action::Reissue {
            expires_ms: expires_ms
                .unwrap_or_else(|| state.now_ms() + hamnvakt_release::DEFAULT_VALIDITY_MS),
        },
        Step::Assign { driver, plate } => {
            let now = state.now_ms();
            let (driver_org, has_card) = {
                let inner = state.access.lock();
                let person =
                    inner.index.people.get(&driver).ok_or_else(|| {
                        ApiError::field("driver", "no such person in the register")
                    })?;
                let card = inner
                    .index
                    .credentials
                    .values()
                    .any(|c| c.holder == driver && port_card_in_force(c, now));
                (person.org_id, card)
            };
            Action::Assign {
                driver,
                driver_org,
                driver_has_card: has_card,
                plate,
            }
        }
        Step::Light(a) => a,
    };
    step_and_store(state, actor, org, authority, id, &action).await
}

/// Applies one action to the stored release and writes it, in one audited transaction.
async fn step_and_store(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    authority: Authority,
    id: ReleaseId,
    action: &Action,
) -> Result<Release, ApiError> {
    let mut change = Change::begin(state, actor).await?;
    let at_ms = change.at_ms();
    // Read after the write transaction began: on SQLite it holds the write lock, and on
    // PostgreSQL the row is written only over the version read (else a conflict).
    let current = load(state, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("release {id}")))?;
    let (next, hop) = chain::apply(&current, org, authority, action, at_ms).map_err(hop_error)?;
    let subject = format!("release:{id}");
    change
        .record(
            event_kind(&hop),
            Some(&subject),
            json!({ "release": id, "container": next.container, "hop": hop }),
        )
        .await?;
    let row = to_row(&next, at_ms)?;
    change.tx().update_release(&row).await?;
    if let Some(other) = hop.other.filter(|_| hop.kind == "offered") {
        change
            .tx()
            .add_release_parties(&row.id, &[other.to_string()])
            .await?;
    }
    change.commit().await?;
    state.observe(observation(&next, actor, at_ms));
    Ok(next)
}

/// Releases `org` may see (all of them with `oversee`), most recently changed first.
pub async fn list(state: &AppState, org: OrgId, oversee: bool) -> Result<Vec<Release>, ApiError> {
    let org = org.to_string();
    let rows = state
        .store
        .list_releases(if oversee { None } else { Some(&org) }, 200)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Each release's customs light as the gate applies it (see [`Release::effective_customs`]):
/// a scan selection of its container by targeting, with no inspection outcome yet, shows
/// as "present for scanning", whatever light customs last set. For what a reader is shown
/// (the API's answers, the console); never stored, so customs' own light comes back once
/// the inspection is recorded.
pub async fn as_the_gate_sees(state: &AppState, releases: &mut [Release]) -> Result<(), ApiError> {
    let mut containers: Vec<String> = releases.iter().map(|r| r.container.clone()).collect();
    containers.sort();
    containers.dedup();
    let days = state.store.open_scan_days(&containers).await?;
    for r in releases.iter_mut() {
        let selected = days
            .get(&r.container)
            .is_some_and(|d| *d >= scan_since_day(r));
        r.customs = r.effective_customs(selected);
    }
    Ok(())
}

/// [`as_the_gate_sees`] for one release.
pub async fn as_the_gate_sees_one(state: &AppState, r: Release) -> Result<Release, ApiError> {
    let mut one = [r];
    as_the_gate_sees(state, &mut one).await?;
    let [r] = one;
    Ok(r)
}

/// What the gate needs to check a pick-up of a container: its newest release and whether
/// targeting selected the container for scanning.
#[derive(Debug, Clone)]
pub struct PickupFacts {
    pub container: String,
    pub release: Option<Release>,
    pub scan_selected: bool,
    /// The facts could not be read: the gate denies (fails closed).
    pub unreadable: bool,
    /// The release is claimed for this very decision, in the transaction that records it
    /// (see `access/engine.rs`): only then may it grant.
    pub claimed: bool,
    /// Every release of the container as read, `(id, version)`, newest first: the gate's
    /// committer compares them with the stored ones before it claims, and reads the facts
    /// again when they moved.
    pub seen: Vec<(String, i64)>,
}

impl PickupFacts {
    /// Facts that could not be read: the gate refuses.
    pub fn unreadable(container: String) -> PickupFacts {
        PickupFacts {
            container,
            release: None,
            scan_selected: false,
            unreadable: true,
            claimed: false,
            seen: Vec::new(),
        }
    }
}

/// The release the gate checks among a container's releases (newest first): the newest not
/// yet collected, else the newest.
fn gate_release(rows: &[ReleaseRow]) -> Result<Option<Release>, ApiError> {
    rows.iter()
        .find(|r| r.state != "collected")
        .or_else(|| rows.first())
        .map(from_row)
        .transpose()
}

/// The first day from which a consignment's scan selection applies to a release.
fn scan_since_day(r: &Release) -> i64 {
    r.issued_ms.div_euclid(DAY_MS) - 30
}

/// How long cached pick-up facts are trusted at most, for writes this process does not see
/// (a command-line process on the same SQLite file).
const FACTS_TTL: std::time::Duration = std::time::Duration::from_secs(1);
/// Most containers whose facts are cached; past it the cache starts again.
const FACTS_CACHED: usize = 10_000;

/// A container's pick-up facts as recently read, so that a gate naming the same container
/// again (a truck at the scanner lane and back, a controller's retry) does not cost two
/// reads. An entry is used only while the store's pick-up facts generation is the one it was
/// read under (every write of this process to a release, a consignment, a selection or an
/// inspection outcome moves it, after its commit) and for a second at most. SQLite only:
/// on PostgreSQL other instances write too, and the facts are read every time. A grant
/// never rests on the cache alone: its claim is written over the release version it was
/// decided on, and a release that moved fails it and has the pick-up decided again (see
/// `access/engine.rs`).
#[derive(Debug, Default)]
pub struct FactsCache {
    entries:
        std::sync::Mutex<std::collections::HashMap<String, (u64, std::time::Instant, PickupFacts)>>,
}

impl FactsCache {
    fn get(&self, container: &str, generation: u64) -> Option<PickupFacts> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(container)
            .filter(|(g, at, _)| *g == generation && at.elapsed() < FACTS_TTL)
            .map(|(_, _, f)| f.clone())
    }

    fn put(&self, generation: u64, facts: &PickupFacts) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= FACTS_CACHED {
            entries.clear();
        }
        entries.insert(
            facts.container.clone(),
            (generation, std::time::Instant::now(), facts.clone()),
        );
    }
}

/// Reads the pick-up facts of a container (normalised ISO 6346): the newest release not yet
/// collected (else the newest), and the scan selection of its consignments since 30 days
/// before the release was issued. On SQLite from [`FactsCache`] when it holds them.
pub async fn pickup_facts(state: &AccessState, container: &str) -> Result<PickupFacts, ApiError> {
    let cached = !state.store.is_postgres();
    // Read before the facts: a write committed after this moment moves it, so facts read
    // before that write are never stored under the generation that follows it.
    let generation = state.store.pickup_facts_generation();
    if cached {
        if let Some(f) = state.access.pickups.get(container, generation) {
            return Ok(f);
        }
    }
    let facts = facts_of(container, &state.store.pickup_read(container).await?)?;
    if cached {
        state.access.pickups.put(generation, &facts);
    }
    Ok(facts)
}

/// [`pickup_facts`] inside the gate committer's transaction, which holds the writer (SQLite)
/// or the chain head (PostgreSQL): what it reads cannot move until that transaction ends.
pub async fn pickup_facts_in(
    tx: &mut hamnvakt_store::WriteTx,
    container: &str,
) -> Result<PickupFacts, ApiError> {
    facts_of(container, &tx.pickup_read(container).await?)
}

/// A pick-up's facts from what the gate read of its container: the release it would collect
/// and whether customs selected the container for scanning since 30 days before that
/// release was issued.
fn facts_of(container: &str, read: &hamnvakt_store::PickupRead) -> Result<PickupFacts, ApiError> {
    let release = gate_release(&read.releases)?;
    let scan_selected = release
        .as_ref()
        .is_some_and(|r| read.scan_selected_since(scan_since_day(r)));
    Ok(PickupFacts {
        container: container.to_owned(),
        release,
        scan_selected,
        unreadable: false,
        claimed: false,
        seen: read
            .releases
            .iter()
            .map(|r| (r.id.clone(), r.version))
            .collect(),
    })
}

/// What the gate decides on a pick-up, beside the ordinary decision: checked against the
/// facts, every failed condition added to the decision's reasons; a failure denies, a scan
/// selection turns a grant into a referral to the scanner lane. Runs under the access
/// engine's lock with the register it holds; reads nothing else.
///
/// A pick-up is granted only when the release is claimed for the decision (`facts.claimed`,
/// or `assume_claimed` when the committer decides it in the transaction that then claims the
/// release): that is what makes a second presentation of the same container, here or at
/// another instance, find it collected.
pub fn check_pickup(
    index: &hamnvakt_access::index::AccessIndex,
    d: &mut hamnvakt_access::decide::Decision,
    facts: &PickupFacts,
    plate: Option<&str>,
    assume_claimed: bool,
) -> Option<Pickup> {
    use hamnvakt_access::decide::{Outcome, Reason};
    use hamnvakt_release::gate::PickupVerdict;
    let Some(release) = facts.release.as_ref().filter(|_| !facts.unreadable) else {
        d.outcome = Outcome::Deny;
        d.reasons.push(if facts.unreadable {
            Reason {
                code: "internal_error".into(),
                text: "the container's release could not be read; refused".into(),
            }
        } else {
            Reason {
                code: "no_release".into(),
                text: format!("no release of container {} is known", facts.container),
            }
        });
        return None;
    };
    let banned = index.ban_for(d.person, plate, d.at_ms).is_some();
    let mut p = hamnvakt_release::gate::pickup(
        release,
        &presented(d.person, plate.map(str::to_owned), banned, d.facility),
        facts.scan_selected,
        d.at_ms,
    );
    if p.verdict == PickupVerdict::Grant
        && d.outcome == Outcome::Grant
        && !(facts.claimed || assume_claimed)
    {
        p.verdict = PickupVerdict::Deny;
        p.failures.push(hamnvakt_release::Failure {
            code: "release_changed",
            text: "the release changed while the gate decided; present again".into(),
        });
    }
    // A grant's reasons say why it was granted; once the pick-up turns it into a refusal or
    // a referral they would mislead, so the pick-up's own take their place.
    if d.outcome == Outcome::Grant && p.verdict != PickupVerdict::Grant {
        d.reasons.clear();
    }
    // The pick-up's own reasons first: the request names a container, and what stops the
    // pick-up (another driver than the assigned one) is what the guard and the terminal look
    // for first; the gate's other reasons (the driver's own permit) follow.
    let own: Vec<Reason> = p
        .failures
        .iter()
        .map(|f| Reason {
            code: f.code.into(),
            text: f.text.clone(),
        })
        .collect();
    d.reasons.splice(0..0, own);
    match p.verdict {
        PickupVerdict::Deny => d.outcome = Outcome::Deny,
        PickupVerdict::ReferToScanner => {
            if d.outcome == Outcome::Grant {
                d.outcome = Outcome::Refer;
                d.reasons.push(Reason {
                    code: "scan_selected".into(),
                    text: "customs selected the container for scanning: to the scanner lane".into(),
                });
            }
        }
        PickupVerdict::Grant => {}
    }
    Some(p)
}

/// The presented facts the gate resolved, for [`hamnvakt_release::gate::pickup`].
pub fn presented(
    person: Option<PersonId>,
    plate: Option<String>,
    banned: bool,
    facility: Option<hamnvakt_core::ids::FacilityId>,
) -> Presented {
    Presented {
        person,
        plate,
        banned,
        facility,
    }
}

/// The claim of a release for a granted pick-up, as the gate's committer writes it in the
/// transaction that records the decision: the release marked collected (written over the
/// version the gate checked), and its `release.collected` event, recorded just before the
/// decision's own.
#[derive(Debug, Clone)]
pub struct Collect {
    pub release: Release,
    pub row: ReleaseRow,
    pub payload: serde_json::Value,
    pub subject: String,
}

/// Collects `release` for the pick-up decision `decision` at `at_ms`, on behalf of the gate's
/// facility's organisation (else the line): `None` when the chain's rules refuse it.
pub fn collect(
    release: &Release,
    facility_org: Option<OrgId>,
    decision: &str,
    at_ms: i64,
) -> Option<Collect> {
    let org = facility_org.unwrap_or(release.line);
    let (next, hop) = chain::apply(release, org, Authority::Gate, &Action::Collect, at_ms).ok()?;
    let row = to_row(&next, at_ms).ok()?;
    Some(Collect {
        payload: json!({ "release": release.id, "container": next.container, "hop": hop, "decision": decision }),
        subject: format!("release:{}", release.id),
        release: next,
        row,
    })
}

/// The finding of a pick-up refused because a driver other than the assigned one presented
/// their card: `release.driver_mismatch`, owned by the facility's organisation (else the
/// line) and shared with the haulier, the line and the port's security centre (`centre`).
/// `None` for any other pick-up. The gate's committer writes it to the alert outbox in the
/// transaction that records the decision (see `access/engine.rs`), so a crash after the
/// decision is acknowledged cannot lose it. (A grant's collection is recorded there too:
/// [`collect`].)
pub fn driver_mismatch(
    index: &hamnvakt_access::index::AccessIndex,
    release: &Release,
    pickup: &Pickup,
    presented_person: Option<PersonId>,
    facility_org: Option<OrgId>,
    centre: Option<OrgId>,
    decision: &str,
) -> Option<AlertDraft> {
    if !pickup.wrong_driver {
        return None;
    }
    let assignment = release.assignment.as_ref()?;
    let haulier = assignment.by;
    let name = |p: Option<PersonId>| p.and_then(|p| index.people.get(&p)).map(|x| x.name.clone());
    let (presented_name, assigned_name, presented_org) = (
        name(presented_person),
        name(Some(assignment.driver)),
        presented_person
            .and_then(|p| index.people.get(&p))
            .map(|x| x.org_id),
    );
    let owner = facility_org.unwrap_or(release.line);
    let mut subjects = vec![
        SubjectRef::typed(
            SubjectKind::Container,
            &release.container,
            Some(format!(
                "{} ({})",
                release.container, release.bill_of_lading
            )),
        )
        .unwrap_or_else(|| SubjectRef {
            kind: SubjectKind::Container,
            reference: release.container.clone(),
            label: None,
        }),
        EntityRef::Person(assignment.driver.uuid())
            .subject(assigned_name.clone().map(|n| format!("assigned: {n}"))),
        EntityRef::Organisation(haulier.uuid()).subject(Some("haulier holding the release".into())),
        EntityRef::Release(release.id.uuid()).subject(Some(format!(
            "release of {} ({})",
            release.container, release.bill_of_lading
        ))),
    ];
    if let Some(p) = presented_person {
        subjects.insert(
            1,
            EntityRef::Person(p.uuid())
                .subject(presented_name.clone().map(|n| format!("presented: {n}"))),
        );
    }
    let mut shared_with = vec![haulier];
    if release.line != owner {
        shared_with.push(release.line);
    }
    // The port's security centre oversees every release.
    if let Some(centre) = centre {
        shared_with.push(centre);
    }
    shared_with.retain(|o| *o != owner);
    shared_with.dedup();
    let driver_mismatch = AlertMessage::DriverMismatch {
        container: release.container.clone(),
    };
    Some(AlertDraft {
        kind: "release.driver_mismatch".into(),
        severity: Severity::High,
        title: crate::alerts::english_title(&driver_mismatch),
        message: Some(driver_mismatch),
        subjects,
        evidence: json!({
            "release": release.id,
            "container": release.container,
            "bill_of_lading": release.bill_of_lading,
            "presented_driver": presented_person,
            "presented_driver_name": presented_name,
            "presented_driver_org": presented_org,
            "assigned_driver": assignment.driver,
            "assigned_driver_name": assigned_name,
            "assigned_plate": assignment.plate,
            "haulier": haulier,
            "decision": decision,
        }),
        owner_org: owner,
        tlp: Tlp::Amber,
        audience: None,
        shared_with,
    })
}

/// Who raises [`driver_mismatch`] findings (the outbox's actor, and so the fold key's).
pub const DRIVER_MISMATCH_ACTOR: &str = "detector:release";

/// The pick-ups `person` has to do as the release chain stands: every active release naming
/// them as its driver, due at its facility from the assignment until it expires (for the
/// access capability's stack detector, [`hamnvakt_access::detect::PickupTask`]).
pub async fn pickup_tasks(
    store: &hamnvakt_store::Store,
    person: PersonId,
) -> Result<Vec<hamnvakt_access::detect::PickupTask>, ApiError> {
    let mut out = Vec::new();
    for row in store.releases_of_driver(&person.to_string()).await? {
        if row.state != "active" {
            continue;
        }
        let r = from_row(&row)?;
        let Some(a) = r.assignment.as_ref().filter(|a| a.driver == person) else {
            continue;
        };
        out.push(hamnvakt_access::detect::PickupTask {
            facility: r.facility,
            container: r.container.clone(),
            from_ms: a.at_ms,
            until_ms: r.expires_ms,
        });
    }
    Ok(out)
}
