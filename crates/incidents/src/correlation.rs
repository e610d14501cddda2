//! Correlation across capabilities: rules, written and versioned like targeting's risk
//! profiles, over the events of every capability (the alerts every detector raises, the gate
//! decisions) within a time window, joined by entity references, that raise one correlated
//! alert whose evidence names each contributing event.
//!
//! A [`Rule`] has parts; each part matches events of some kinds, and every part but the first
//! is joined to an earlier one *via* entity kinds: the two events must reach one same entity
//! of such a kind, directly or through what the capabilities know links things (a consignment
//! arrives with a vessel, a release is for a container and names a driver: the [`Event`]'s
//! `links`). All contributing events lie within the rule's window of each other. A part with
//! `min_count` above one (the rule's only part) needs that many events sharing one entity —
//! repeated sightings of one shared indicator.
//!
//! [`Correlator`] keeps the events the rules can use and the links, for the longest window,
//! and answers each new event with the matches it completes, each once.

use std::collections::{HashMap, HashSet, VecDeque};

use hamnvakt_core::alert::{validate_kind, Severity, SubjectKind};
use hamnvakt_core::entity::{EntityRef, VesselKey};
use hamnvakt_core::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

/// One correlation rule (one version of it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The correlated alert's kind is `correlation.<code>`: lowercase letters, digits and
    /// underscores, 1 to 40.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub severity: Severity,
    /// Every contributing event lies within this many minutes of the others (1 to 10,080).
    pub window_minutes: u32,
    /// 1 to 6 parts; the first has no join, every other joins an earlier one.
    pub parts: Vec<Part>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// One part of a rule: the events that may fill it and how it joins the others.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// A name for the part in the evidence (`cargo`, `vessel`): lowercase, digits, `_`.
    pub name: String,
    /// Event kinds (`ais.gap`), or every kind of an area (`ais.*`).
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<Join>,
    /// How many events must share one entity (the rule's only part); 1 to 100.
    #[serde(default = "one")]
    pub min_count: u32,
}

/// A part's join: it reaches an entity of one of the kinds `via` that the part `with` reaches.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    pub with: String,
    pub via: Vec<SubjectKind>,
}

const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;
const MAX_PARTS: usize = 6;
/// How many links apart two joined events' entities may be.
pub const MAX_HOPS: usize = 4;

fn code_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Rule {
    /// Checks every field and reports all problems at once, each with its path.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !code_ok(&self.code) {
            errors.push(FieldError::new(
                "code",
                "1 to 40 lowercase letters, digits and underscores",
            ));
        }
        if let Err(e) = validate::name("name", &self.name, 200) {
            errors.push(e);
        }
        if self.description.chars().count() > 2000 {
            errors.push(FieldError::new("description", "at most 2000 characters"));
        }
        if !(1..=MAX_WINDOW_MINUTES).contains(&self.window_minutes) {
            errors.push(FieldError::new(
                "window_minutes",
                format!("1 to {MAX_WINDOW_MINUTES} (a week)"),
            ));
        }
        if self.parts.is_empty() || self.parts.len() > MAX_PARTS {
            errors.push(FieldError::new("parts", format!("1 to {MAX_PARTS} parts")));
        }
        let mut names: Vec<&str> = Vec::new();
        for (i, p) in self.parts.iter().enumerate() {
            let at = |f: &str| format!("parts[{i}].{f}");
            if !code_ok(&p.name) {
                errors.push(FieldError::new(
                    at("name"),
                    "1 to 40 lowercase letters, digits and underscores",
                ));
            } else if names.contains(&p.name.as_str()) {
                errors.push(FieldError::new(at("name"), "names another part already"));
            }
            if p.kinds.is_empty() || p.kinds.len() > 16 {
                errors.push(FieldError::new(at("kinds"), "1 to 16 event kinds"));
            }
            for (k, kind) in p.kinds.iter().enumerate() {
                let ok = match kind.strip_suffix(".*") {
                    Some(area) => code_ok(area),
                    None => validate_kind(kind).is_ok(),
                };
                if !ok {
                    errors.push(FieldError::new(
                        format!("parts[{i}].kinds[{k}]"),
                        "an event kind (area.pattern) or a whole area (area.*)",
                    ));
                }
            }
            match (&p.join, i) {
                (Some(_), 0) => errors.push(FieldError::new(
                    at("join"),
                    "the first part joins nothing: the others join it",
                )),
                (None, i) if i > 0 => errors.push(FieldError::new(
                    at("join"),
                    "every part after the first joins an earlier one",
                )),
                (Some(j), _) => {
                    if !names.contains(&j.with.as_str()) {
                        errors.push(FieldError::new(
                            at("join.with"),
                            "must name an earlier part",
                        ));
                    }
                    if j.via.is_empty() {
                        errors.push(FieldError::new(
                            at("join.via"),
                            "name at least one entity kind to join by",
                        ));
                    }
                }
                (None, _) => {}
            }
            if !(1..=100).contains(&p.min_count) {
                errors.push(FieldError::new(at("min_count"), "1 to 100"));
            } else if p.min_count > 1 && self.parts.len() > 1 {
                errors.push(FieldError::new(
                    at("min_count"),
                    "repeats are counted in a rule of one part",
                ));
            }
            names.push(&p.name);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn window_ms(&self) -> i64 {
        i64::from(self.window_minutes) * 60_000
    }
}

fn kind_matches(kinds: &[String], kind: &str) -> bool {
    kinds.iter().any(|k| match k.strip_suffix(".*") {
        Some(area) => kind
            .strip_prefix(area)
            .is_some_and(|rest| rest.starts_with('.')),
        None => k == kind,
    })
}

/// The built-in rules: PRODUCT.md's picture across cargo, vessel, release and gate; story 2's
/// refused driver with the container's risk and the haulier; repeated sightings of one shared
/// indicator. Their ids are their codes; a stored version with the same id replaces one.
pub fn builtin() -> Vec<Rule> {
    let part = |name: &str, kinds: &[&str], join: Option<(&str, Vec<SubjectKind>)>| Part {
        name: name.into(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        join: join.map(|(with, via)| Join {
            with: with.into(),
            via,
        }),
        min_count: 1,
    };
    vec![
        Rule {
            code: "cargo_vessel_gate".into(),
            name: "High-risk container, its vessel dark on the approach, its driver near the stack"
                .into(),
            description:
                "A container in the day's high-risk selection, the vessel it arrives with \
                          going dark or meeting another at sea, and the badge of the driver its \
                          release names let into a sensitive zone (the stack) with no task there \
                          — no pick-up due, no permit naming the zone at that hour — or entering \
                          it for the first time: one story."
                    .into(),
            severity: Severity::Critical,
            window_minutes: 72 * 60,
            parts: vec![
                part("cargo", &["cargo.high_risk"], None),
                part(
                    "vessel",
                    &["ais.gap", "ais.encounter"],
                    Some(("cargo", vec![SubjectKind::Vessel])),
                ),
                // The driver's badge at the stack outside a task is the access detector made
                // for it; a first entry into a sensitive zone is the same sighting seen by
                // the baseline detector (a person new to the stack).
                part(
                    "badge",
                    &["access.stack_outside_task", "access.first_sensitive_zone"],
                    Some(("cargo", vec![SubjectKind::Person])),
                ),
            ],
            enabled: true,
        },
        Rule {
            code: "refused_driver_risky_container".into(),
            name: "Refused driver for a high-risk container".into(),
            description: "Someone other than the assigned driver tried to collect a container \
                          that targeting ranks high-risk: the refusal, the container's risk and \
                          the haulier holding the release together."
                .into(),
            severity: Severity::High,
            window_minutes: 48 * 60,
            parts: vec![
                part("refused", &["release.driver_mismatch"], None),
                part(
                    "cargo",
                    &["cargo.high_risk"],
                    Some(("refused", vec![SubjectKind::Container])),
                ),
            ],
            enabled: true,
        },
        Rule {
            code: "repeated_indicator_sightings".into(),
            name: "One shared indicator sighted again and again".into(),
            description: "Three sightings of a shared indicator on one thing (a plate, a \
                          container, a vessel) within a week."
                .into(),
            severity: Severity::High,
            window_minutes: 7 * 24 * 60,
            parts: vec![Part {
                min_count: 3,
                ..part("sightings", &["sharing.indicator_sighted"], None)
            }],
            enabled: true,
        },
    ]
}

/// The version of a built-in rule as the code states it (a stored version replaces it only
/// when newer): bumped whenever the code changes what the rule matches, so that the rule in
/// force and its correlated alerts say which definition they came from.
pub fn builtin_version(code: &str) -> i64 {
    match code {
        // v1: the badge part is the stack detector's (`access.stack_outside_task`).
        "cargo_vessel_gate" => 1,
        _ => 0,
    }
}

/// Something that happened in one capability, as correlation sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Where to find it: `alert:<id>`, `event:<seq>`.
    pub id: String,
    pub at_ms: i64,
    pub kind: String,
    pub title: String,
    pub entities: Vec<EntityRef>,
    /// What the capabilities know links things (a consignment and its vessel, a release and
    /// its driver), as of this event.
    #[serde(default)]
    pub links: Vec<(EntityRef, EntityRef)>,
}

/// A rule with its id and version, as the correlator runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub id: String,
    pub version: i64,
    pub rule: Rule,
}

/// One contributing event of a correlated alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub part: String,
    pub event: String,
    pub kind: String,
    pub title: String,
    pub at_ms: i64,
}

/// Which entity joined two parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Joined {
    pub part: String,
    pub with: String,
    pub entity: EntityRef,
}

/// A completed match: one correlated alert to raise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlated {
    pub rule_id: String,
    pub rule_version: i64,
    pub code: String,
    pub name: String,
    pub severity: Severity,
    /// The last contributing event's time.
    pub at_ms: i64,
    pub parts: Vec<Contribution>,
    pub joined: Vec<Joined>,
    /// Every contributing event's entities, and the ones that joined them.
    pub entities: Vec<EntityRef>,
}

/// Things many others link to (an organisation employs every driver, a gate sees everyone):
/// a join may end at one but never goes through one.
fn hub(e: &EntityRef) -> bool {
    matches!(
        e,
        EntityRef::Organisation(_) | EntityRef::Gate(_) | EntityRef::Zone(_) | EntityRef::Site(_)
    )
}

/// Events and links in memory for the longest window, and the rules. A match fires once per
/// rule and the entities that joined it, within the rule's window.
#[derive(Debug, Default)]
pub struct Correlator {
    rules: Vec<Versioned>,
    /// The kinds some rule uses: only these events are kept.
    retention_ms: i64,
    next: u64,
    events: HashMap<u64, Event>,
    order: VecDeque<(i64, u64)>,
    by_entity: HashMap<EntityRef, Vec<u64>>,
    links: HashMap<EntityRef, HashMap<EntityRef, i64>>,
    link_order: VecDeque<(i64, EntityRef, EntityRef)>,
    fired: HashMap<String, i64>,
}

impl Correlator {
    pub fn new(rules: Vec<Versioned>) -> Correlator {
        let mut c = Correlator::default();
        c.set_rules(rules);
        c
    }

    /// Replaces the rules (a rule was saved); what is held stays.
    pub fn set_rules(&mut self, rules: Vec<Versioned>) {
        self.rules = rules
            .into_iter()
            .filter(|r| r.rule.enabled && r.rule.validate().is_ok())
            .collect();
        self.retention_ms = self
            .rules
            .iter()
            .map(|r| r.rule.window_ms())
            .max()
            .unwrap_or(0);
    }

    pub fn rules(&self) -> &[Versioned] {
        &self.rules
    }

    /// Whether some rule uses events of this kind.
    pub fn wants(&self, kind: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.rule.parts.iter().any(|p| kind_matches(&p.kinds, kind)))
    }

    /// How many events are held (for the metrics and the tests).
    pub fn held(&self) -> usize {
        self.events.len()
    }

    /// Takes an event: keeps its links, keeps it if a rule may use it, and returns the
    /// matches it completes (each match once). Links it brings that were not known may
    /// complete a match of events held before (the release naming a driver comes after the
    /// driver's badge was seen): those held events are tried again.
    pub fn observe(&mut self, e: Event) -> Vec<Correlated> {
        self.expire(e.at_ms);
        let mut touched: Vec<EntityRef> = Vec::new();
        for (a, b) in &e.links {
            if self.link(a.clone(), b.clone(), e.at_ms) {
                touched.push(a.clone());
                touched.push(b.clone());
            }
        }
        let mut out = Vec::new();
        let mut tried = HashSet::new();
        if self.wants(&e.kind) {
            let seq = self.next;
            self.next += 1;
            for x in &e.entities {
                self.by_entity.entry(x.clone()).or_default().push(seq);
            }
            self.order.push_back((e.at_ms, seq));
            self.events.insert(seq, e);
            tried.insert(seq);
            out.extend(self.try_event(seq));
        }
        if !touched.is_empty() {
            let mut again: Vec<u64> = self
                .reach(&touched)
                .iter()
                .flat_map(|x| self.by_entity.get(x).into_iter().flatten().copied())
                .filter(|s| !tried.contains(s))
                .collect();
            again.sort_unstable();
            again.dedup();
            for seq in again.into_iter().rev().take(64) {
                out.extend(self.try_event(seq));
            }
        }
        out
    }

    /// The matches that held event `seq` completes, in any part it may fill.
    fn try_event(&mut self, seq: u64) -> Vec<Correlated> {
        let mut out = Vec::new();
        for ri in 0..self.rules.len() {
            let Some(r) = self.rules.get(ri) else {
                continue;
            };
            let (rule, id, version) = (&r.rule, r.id.clone(), r.version);
            for (pi, part) in rule.parts.iter().enumerate() {
                let Some(ev) = self.events.get(&seq) else {
                    continue;
                };
                if !kind_matches(&part.kinds, &ev.kind) {
                    continue;
                }
                let found = if part.min_count > 1 {
                    self.repeats(rule, seq)
                } else {
                    self.search(rule, pi, seq)
                };
                if let Some((chosen, joined, key)) = found {
                    let key = format!("{id}|{key}");
                    if self.fired.contains_key(&key) {
                        continue;
                    }
                    let m = self.result(&id, version, rule, &chosen, joined);
                    self.fired.insert(key, m.at_ms);
                    out.push(m);
                    break;
                }
            }
        }
        out
    }

    /// Records a link; whether it was not known before.
    fn link(&mut self, a: EntityRef, b: EntityRef, at_ms: i64) -> bool {
        if a == b {
            return false;
        }
        let new = self
            .links
            .entry(a.clone())
            .or_default()
            .insert(b.clone(), at_ms)
            .is_none();
        self.links
            .entry(b.clone())
            .or_default()
            .insert(a.clone(), at_ms);
        self.link_order.push_back((at_ms, a, b));
        new
    }

    /// Forgets what is older than the longest window before `now_ms`.
    fn expire(&mut self, now_ms: i64) {
        let horizon = now_ms - self.retention_ms.max(1);
        while let Some(&(at, seq)) = self.order.front() {
            if at >= horizon {
                break;
            }
            self.order.pop_front();
            if let Some(e) = self.events.remove(&seq) {
                for x in &e.entities {
                    if let Some(v) = self.by_entity.get_mut(x) {
                        v.retain(|s| *s != seq);
                        if v.is_empty() {
                            self.by_entity.remove(x);
                        }
                    }
                }
            }
        }
        while let Some((at, _, _)) = self.link_order.front() {
            if *at >= horizon {
                break;
            }
            let Some((at, a, b)) = self.link_order.pop_front() else {
                break;
            };
            // Only if not renewed since.
            for (x, y) in [(&a, &b), (&b, &a)] {
                if let Some(m) = self.links.get_mut(x) {
                    if m.get(y) == Some(&at) {
                        m.remove(y);
                    }
                    if m.is_empty() {
                        self.links.remove(x);
                    }
                }
            }
        }
        self.fired.retain(|_, at| *at >= horizon);
    }

    /// The entities reached from `start` within [`MAX_HOPS`] links, never through a hub.
    fn reach(&self, start: &[EntityRef]) -> HashSet<EntityRef> {
        let mut seen: HashSet<EntityRef> = start.iter().cloned().collect();
        let mut frontier: Vec<EntityRef> = start.iter().filter(|x| !hub(x)).cloned().collect();
        for _ in 0..MAX_HOPS {
            let mut next = Vec::new();
            for x in &frontier {
                if let Some(m) = self.links.get(x) {
                    for y in m.keys() {
                        if seen.insert(y.clone()) && !hub(y) {
                            next.push(y.clone());
                        }
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        seen
    }

    /// A match of `rule` in which event `seq` fills part `fixed`: the events per part, the
    /// joins and the key it fires under once.
    fn search(
        &self,
        rule: &Rule,
        fixed: usize,
        seq: u64,
    ) -> Option<(Vec<u64>, Vec<Joined>, String)> {
        let n = rule.parts.len();
        // The order to fill parts in: outward from the fixed one along the joins.
        let mut order = vec![fixed];
        let mut edges: Vec<(usize, usize, &[SubjectKind])> = Vec::new();
        while order.len() < n {
            let before = order.len();
            for (i, p) in rule.parts.iter().enumerate() {
                if order.contains(&i) {
                    continue;
                }
                let neighbour = rule.parts.iter().enumerate().find_map(|(j, q)| {
                    let via = if p.join.as_ref().is_some_and(|jn| jn.with == q.name) {
                        p.join.as_ref().map(|jn| jn.via.as_slice())
                    } else if q.join.as_ref().is_some_and(|jn| jn.with == p.name) {
                        q.join.as_ref().map(|jn| jn.via.as_slice())
                    } else {
                        None
                    };
                    via.filter(|_| order.contains(&j)).map(|v| (j, v))
                });
                if let Some((j, via)) = neighbour {
                    order.push(i);
                    edges.push((i, j, via));
                }
            }
            if order.len() == before {
                return None;
            }
        }
        let mut chosen: Vec<Option<u64>> = vec![None; n];
        *chosen.get_mut(fixed)? = Some(seq);
        let mut joined = Vec::new();
        let at = self.events.get(&seq)?.at_ms;
        if self.fill(rule, &edges, 0, &mut chosen, &mut joined, (at, at)) {
            let all: Vec<u64> = chosen.iter().flatten().copied().collect();
            // One story is one alert: the same things joined again within the window (a
            // second refusal for the same container) raise nothing new.
            let mut key: Vec<String> = joined.iter().map(|j| j.entity.to_string()).collect();
            key.sort();
            return Some((all, joined, key.join(",")));
        }
        None
    }

    fn fill(
        &self,
        rule: &Rule,
        edges: &[(usize, usize, &[SubjectKind])],
        k: usize,
        chosen: &mut Vec<Option<u64>>,
        joined: &mut Vec<Joined>,
        span: (i64, i64),
    ) -> bool {
        let Some(&(part, with, via)) = edges.get(k) else {
            return true;
        };
        let Some(anchor) = chosen
            .get(with)
            .copied()
            .flatten()
            .and_then(|s| self.events.get(&s))
        else {
            return false;
        };
        let reach = self.reach(&anchor.entities);
        let Some(p) = rule.parts.get(part) else {
            return false;
        };
        // Candidates: events that reach an entity of a `via` kind the anchor reaches, newest
        // first.
        let mut cands: Vec<(i64, u64, EntityRef)> = Vec::new();
        let mut seen = HashSet::new();
        for x in reach.iter().filter(|x| via.contains(&x.kind())) {
            for y in self.reach(std::slice::from_ref(x)) {
                for s in self.by_entity.get(&y).into_iter().flatten() {
                    if chosen.contains(&Some(*s)) || !seen.insert(*s) {
                        continue;
                    }
                    if let Some(e) = self.events.get(s) {
                        if kind_matches(&p.kinds, &e.kind) {
                            cands.push((e.at_ms, *s, x.clone()));
                        }
                    }
                }
            }
        }
        cands.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let window = rule.window_ms();
        for (at, s, x) in cands {
            let lo = span.0.min(at);
            let hi = span.1.max(at);
            if hi - lo > window {
                continue;
            }
            if let Some(c) = chosen.get_mut(part) {
                *c = Some(s);
            }
            let names = |i: usize| {
                rule.parts
                    .get(i)
                    .map(|p| p.name.clone())
                    .unwrap_or_default()
            };
            joined.push(Joined {
                part: names(part),
                with: names(with),
                entity: x,
            });
            if self.fill(rule, edges, k + 1, chosen, joined, (lo, hi)) {
                return true;
            }
            joined.pop();
            if let Some(c) = chosen.get_mut(part) {
                *c = None;
            }
        }
        false
    }

    /// A one-part rule counting repeats: `min_count` events of its kinds, `seq` among them,
    /// that name one same entity within the window.
    fn repeats(&self, rule: &Rule, seq: u64) -> Option<(Vec<u64>, Vec<Joined>, String)> {
        let p = rule.parts.first()?;
        let e = self.events.get(&seq)?;
        let need = usize::try_from(p.min_count).ok()?;
        for x in e.entities.iter().filter(|x| !hub(x)) {
            let mut same: Vec<(i64, u64)> = self
                .by_entity
                .get(x)
                .into_iter()
                .flatten()
                .filter_map(|s| self.events.get(s).map(|o| (o.at_ms, *s, o)))
                .filter(|(at, _, o)| {
                    kind_matches(&p.kinds, &o.kind) && (e.at_ms - at).abs() <= rule.window_ms()
                })
                .map(|(at, s, _)| (at, s))
                .collect();
            if same.len() >= need {
                same.sort();
                let chosen: Vec<u64> = same
                    .iter()
                    .rev()
                    .take(need)
                    .rev()
                    .map(|(_, s)| *s)
                    .collect();
                let joined = vec![Joined {
                    part: p.name.clone(),
                    with: p.name.clone(),
                    entity: x.clone(),
                }];
                return Some((chosen, joined, x.to_string()));
            }
        }
        None
    }

    fn result(
        &self,
        id: &str,
        version: i64,
        rule: &Rule,
        chosen: &[u64],
        joined: Vec<Joined>,
    ) -> Correlated {
        let mut parts = Vec::new();
        let mut entities: Vec<EntityRef> = Vec::new();
        let mut at_ms = i64::MIN;
        // `chosen` is in the order of the rule's parts; a counting rule's events oldest first.
        let first = rule
            .parts
            .first()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let pairs: Vec<(String, &Event)> = if rule.parts.len() > 1 {
            rule.parts
                .iter()
                .zip(chosen)
                .filter_map(|(p, s)| self.events.get(s).map(|e| (p.name.clone(), e)))
                .collect()
        } else {
            chosen
                .iter()
                .filter_map(|s| self.events.get(s).map(|e| (first.clone(), e)))
                .collect()
        };
        for (part, e) in pairs {
            parts.push(Contribution {
                part,
                event: e.id.clone(),
                kind: e.kind.clone(),
                title: e.title.clone(),
                at_ms: e.at_ms,
            });
            at_ms = at_ms.max(e.at_ms);
            for x in &e.entities {
                if !entities.contains(x) {
                    entities.push(x.clone());
                }
            }
        }
        for j in &joined {
            if !entities.contains(&j.entity) {
                entities.push(j.entity.clone());
            }
        }
        // A vessel named by both numbers is one subject: keep its MMSI.
        let mmsis: Vec<EntityRef> = entities
            .iter()
            .filter(|e| matches!(e, EntityRef::Vessel(VesselKey::Mmsi(_))))
            .cloned()
            .collect();
        if !mmsis.is_empty() {
            entities.retain(|e| !matches!(e, EntityRef::Vessel(VesselKey::Imo(_))));
        }
        Correlated {
            rule_id: id.to_owned(),
            rule_version: version,
            code: rule.code.clone(),
            name: rule.name.clone(),
            severity: rule.severity,
            at_ms,
            parts,
            joined,
            entities,
        }
    }
}
