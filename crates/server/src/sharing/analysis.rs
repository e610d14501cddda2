//! Writing about shared objects: a note on some, a relationship between two, a grouping of
//! several, and the places a modus operandi names. Each write checks that the writer may see
//! every object it is about and that it goes no further than any of them
//! ([`marking::within`]): a note marked wider than its indicator would tell the indicator's
//! existence, and often its content, to readers the indicator's marking keeps out.

use std::collections::HashSet;

use hamnvakt_core::ids::OrgId;
use hamnvakt_core::marking::{self, Audience, Marking, Reader};
use hamnvakt_core::org::OrgKind;
use hamnvakt_core::tlp::Tlp;
use hamnvakt_core::validate::FieldError;
use hamnvakt_sharing::analysis::{self, GroupingDraft, NoteDraft, Place, RelationshipDraft};
use hamnvakt_sharing::stix;
use hamnvakt_store::{NewShared, SharedQuery};
use serde_json::{json, Map, Value};

use super::service::{check_recipients, new_id, new_row, Created, SharingState};
use crate::web::change::{Actor, Change};
use crate::web::error::ApiError;

/// An object written about, as the check needs it: its owner and marking.
struct Referred {
    owner: OrgId,
    marking: Marking,
}

/// Finds each referred object as `reader` may see it, or says at which field it is not there
/// (an object one may not see does not exist for one: the same answer).
async fn referred(
    state: &SharingState,
    reader: &Reader,
    refs: &[(String, &str)],
) -> Result<Vec<Referred>, ApiError> {
    let mut out = Vec::with_capacity(refs.len());
    let mut errors = Vec::new();
    for (field, id) in refs {
        // Identities are the organisations of the installation, exported to everyone who
        // receives their objects (as TLP:GREEN).
        if let Some(org) = stix::org_of_identity(id) {
            if state.store.org(org).await?.is_some() {
                out.push(Referred {
                    owner: org,
                    marking: Marking {
                        tlp: Tlp::Green,
                        audience: Audience::Alliance,
                        recipients: vec![],
                    },
                });
                continue;
            }
        }
        match state
            .store
            .shared_latest(id)
            .await?
            .filter(|r| marking::may_see(r.owner_org, &r.marking, reader))
        {
            Some(row) => out.push(Referred {
                owner: row.owner_org,
                marking: row.marking,
            }),
            None => errors.push(FieldError::new(field.clone(), format!("no object {id}"))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::InvalidFields(errors))
    }
}

/// Refuses a marking that would reach a reader one of the referred objects does not.
async fn check_within(
    state: &SharingState,
    owner: OrgId,
    m: &Marking,
    refs: &[(String, &str)],
    found: &[Referred],
) -> Result<(), ApiError> {
    let partners: HashSet<OrgId> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::OtherPort)
        .map(|o| o.id)
        .collect();
    for ((_, id), r) in refs.iter().zip(found) {
        if !marking::within(owner, m, r.owner, &r.marking, |o| partners.contains(&o)) {
            return Err(ApiError::field(
                "marking",
                format!(
                    "goes further than {id} ({}, {}): what is written about an object may reach no one it does not",
                    r.marking.tlp, r.marking.audience
                ),
            ));
        }
    }
    Ok(())
}

/// What is written about shared objects, as the one path of writing it needs: its marking,
/// the objects it names (with their field paths), its STIX type and audit event, its body.
struct Writing<'a> {
    marking: &'a Marking,
    refs: Vec<(String, &'a str)>,
    stix_type: &'static str,
    event: &'static str,
    details: Value,
}

/// Checks the marking's recipients, that the writer sees every object named and that the
/// marking goes no further than any of them; then files the object and its audit event in one
/// change.
async fn write(
    state: &SharingState,
    actor: &Actor,
    reader: &Reader,
    w: Writing<'_>,
    body: impl FnOnce(&str, i64) -> Map<String, Value>,
) -> Result<Created, ApiError> {
    let owner = reader.org;
    check_recipients(state, "marking", w.marking).await?;
    let found = referred(state, reader, &w.refs).await?;
    check_within(state, owner, w.marking, &w.refs, &found).await?;
    let id = new_id(w.stix_type);
    let now = state.now_ms();
    let row = new_row(&body(&id, now), owner, w.marking, "local");
    let mut c = Change::begin(state, actor).await?;
    let mut details = w.details;
    if let Some(d) = details.as_object_mut() {
        d.insert("tlp".into(), json!(w.marking.tlp));
        d.insert("audience".into(), json!(w.marking.audience));
        d.insert("recipients".into(), json!(w.marking.recipients));
    }
    c.record(w.event, Some(&format!("stix:{id}")), details)
        .await?;
    c.tx().file_shared(std::slice::from_ref(&row), now).await?;
    c.commit().await?;
    Ok(Created {
        id,
        indicators: vec![],
    })
}

fn fields<'a>(name: &str, refs: &'a [String]) -> Vec<(String, &'a str)> {
    refs.iter()
        .enumerate()
        .map(|(i, r)| (format!("{name}[{i}]"), r.as_str()))
        .collect()
}

/// Writes a note on objects the writer may see.
pub async fn create_note(
    state: &SharingState,
    actor: &Actor,
    reader: &Reader,
    d: &NoteDraft,
) -> Result<Created, ApiError> {
    d.check(reader.org).map_err(ApiError::InvalidFields)?;
    let w = Writing {
        marking: &d.marking,
        refs: fields("object_refs", &d.object_refs),
        stix_type: "note",
        event: "sharing.note_created",
        details: json!({"about": d.object_refs}),
    };
    write(state, actor, reader, w, |id, at| {
        d.to_stix(id, reader.org, at)
    })
    .await
}

/// Writes a relationship between two objects the writer may see.
pub async fn create_relationship(
    state: &SharingState,
    actor: &Actor,
    reader: &Reader,
    d: &RelationshipDraft,
) -> Result<Created, ApiError> {
    d.check(reader.org).map_err(ApiError::InvalidFields)?;
    let w = Writing {
        marking: &d.marking,
        refs: vec![
            ("source_ref".to_owned(), d.source_ref.as_str()),
            ("target_ref".to_owned(), d.target_ref.as_str()),
        ],
        stix_type: "relationship",
        event: "sharing.relationship_created",
        details: json!({"type": d.relationship_type.as_str(), "source": d.source_ref, "target": d.target_ref}),
    };
    write(state, actor, reader, w, |id, at| {
        d.to_stix(id, reader.org, at)
    })
    .await
}

/// Writes a grouping of objects the writer may see.
pub async fn create_grouping(
    state: &SharingState,
    actor: &Actor,
    reader: &Reader,
    d: &GroupingDraft,
) -> Result<Created, ApiError> {
    d.check(reader.org).map_err(ApiError::InvalidFields)?;
    let w = Writing {
        marking: &d.marking,
        refs: fields("object_refs", &d.object_refs),
        stix_type: "grouping",
        event: "sharing.grouping_created",
        details: json!({"name": d.name, "objects": d.object_refs}),
    };
    write(state, actor, reader, w, |id, at| {
        d.to_stix(id, reader.org, at)
    })
    .await
}

/// The location object of a place an organisation names, and the row to file when it is not
/// filed yet. A place is public geography: its location is TLP:CLEAR for the alliance, so
/// every partner that receives what names it can resolve it; it says nothing of what named it.
pub async fn place_row(
    state: &SharingState,
    owner: OrgId,
    locode: &str,
    now_ms: i64,
) -> Result<(String, Option<NewShared>), ApiError> {
    let locode = analysis::normalise_locode("locations", locode)
        .map_err(|e| ApiError::InvalidFields(vec![e]))?;
    // The organisation's location of the place, if it wrote one before: one object per place.
    let reader = Reader {
        org: owner,
        partner: false,
    };
    let mine = state
        .store
        .list_shared(
            &reader,
            &SharedQuery {
                types: vec!["location".into()],
                limit: 10_000,
                ..SharedQuery::default()
            },
        )
        .await?;
    if let Some(row) = mine
        .iter()
        .find(|r| r.owner_org == owner && analysis::locode_of(&r.body) == Some(locode.as_str()))
    {
        return Ok((row.stix_id.clone(), None));
    }
    let id = new_id("location");
    let ports = hamnvakt_maritime::ports::builtin();
    let known = ports.iter().find(|p| p.code == locode).or_else(|| {
        ports
            .iter()
            .find(|p| p.code.starts_with(&format!("{locode}-")))
    });
    let place = Place {
        locode: &locode,
        name: known.map(|p| p.name.as_str()),
        position: known.map(|p| (p.lat, p.lon)),
    };
    let body = analysis::location(&id, owner, &place, now_ms);
    let m = Marking {
        tlp: Tlp::Clear,
        audience: Audience::Alliance,
        recipients: vec![],
    };
    Ok((id, Some(new_row(&body, owner, &m, "local"))))
}
