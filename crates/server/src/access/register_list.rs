//! The register's lists in the console, for registers of hundreds of records: each kind with
//! the columns its users read (organisation, kind, validity, state, what it refers to by name),
//! search, sorting by any column, and pages with counts.

use std::cmp::Ordering;
use std::collections::HashMap;

use hamnvakt_access::index::AccessIndex;
use hamnvakt_core::ids::OrgId;
use maud::{html, Markup};
use serde_json::Value;

use super::register::Record;
use super::scope::Scope;
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{local_time, t};

/// Rows a page shows.
pub const PAGE_SIZE: usize = 50;

/// The columns of a register kind: the record's field and its label. `in_force` is computed
/// (within validity and not suspended, revoked or lost).
pub fn columns(kind: &str) -> &'static [(&'static str, Msg)] {
    match kind {
        "facilities" => &[
            ("name", Msg::F_name),
            ("isps_number", Msg::F_isps_number),
            ("security_level", Msg::F_security_level),
            ("org_id", Msg::F_org_id),
        ],
        "zones" => &[
            ("code", Msg::F_code),
            ("name", Msg::F_name),
            ("facility_id", Msg::F_facility_id),
            ("sensitivity", Msg::F_sensitivity),
            ("two_person", Msg::F_two_person),
            ("anti_passback", Msg::F_anti_passback),
        ],
        "gates" => &[
            ("code", Msg::F_code),
            ("name", Msg::F_name),
            ("facility_id", Msg::F_facility_id),
            ("kind", Msg::F_kind),
            ("outer_zone", Msg::F_outer_zone),
            ("inner_zone", Msg::F_inner_zone),
        ],
        "people" => &[
            ("name", Msg::F_name),
            ("org_id", Msg::F_org_id),
            ("kind", Msg::F_kind),
            ("responder", Msg::F_responder),
        ],
        "credentials" => &[
            ("number", Msg::F_number),
            ("holder", Msg::F_holder),
            ("generic", Msg::F_generic),
            ("state", Msg::F_state),
            ("valid_from_ms", Msg::F_valid_from_ms),
            ("valid_until_ms", Msg::F_valid_until_ms),
            ("in_force", Msg::InForce),
        ],
        "vehicles" => &[
            ("plate", Msg::F_plate),
            ("country", Msg::F_country),
            ("org_id", Msg::F_org_id),
        ],
        "permits" => &[
            ("holder", Msg::F_holder),
            ("purpose", Msg::F_purpose),
            ("zones", Msg::F_zones),
            ("issued_by_org", Msg::F_issued_by_org),
            ("valid_from_ms", Msg::F_valid_from_ms),
            ("valid_until_ms", Msg::F_valid_until_ms),
            ("visitor", Msg::F_visitor),
            ("in_force", Msg::InForce),
        ],
        "visits" => &[
            ("visitor", Msg::F_person),
            ("host", Msg::F_host),
            ("purpose", Msg::F_purpose),
            ("valid_from_ms", Msg::F_valid_from_ms),
            ("valid_until_ms", Msg::F_valid_until_ms),
            ("in_force", Msg::InForce),
        ],
        "bans" => &[
            ("person", Msg::F_person),
            ("plate", Msg::F_plate),
            ("reason", Msg::F_reason),
            ("valid_from_ms", Msg::F_valid_from_ms),
            ("valid_until_ms", Msg::F_valid_until_ms),
            ("in_force", Msg::InForce),
        ],
        _ => &[],
    }
}

/// One cell as text, with a key that sorts it (times and numbers sort as such).
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    key: SortKey,
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortKey {
    Number(f64),
    Text(String),
}

fn text_cell(s: String) -> Cell {
    Cell {
        key: SortKey::Text(s.to_lowercase()),
        text: s,
    }
}

/// What the cells name by id, resolved for people.
pub struct Names<'a> {
    pub ix: &'a AccessIndex,
    pub orgs: &'a HashMap<OrgId, String>,
    pub lang: Lang,
    pub now_ms: i64,
}

impl Names<'_> {
    fn lookup(&self, field: &str, id: &str) -> String {
        let found = match field {
            "org_id" | "issued_by_org" => id
                .parse::<OrgId>()
                .ok()
                .and_then(|o| self.orgs.get(&o).cloned()),
            "facility_id" => id
                .parse()
                .ok()
                .and_then(|f| self.ix.facilities.get(&f).map(|f| f.name.clone())),
            "holder" | "host" | "visitor" | "person" => id
                .parse()
                .ok()
                .and_then(|p| self.ix.people.get(&p).map(|p| p.name.clone())),
            "zones" | "outer_zone" | "inner_zone" | "parent" => id
                .parse()
                .ok()
                .and_then(|z| self.ix.zones.get(&z).map(|z| z.code.clone())),
            "vehicle" => id
                .parse()
                .ok()
                .and_then(|v| self.ix.vehicles.get(&v).map(|v| v.plate.clone())),
            _ => None,
        };
        found.unwrap_or_else(|| id.to_owned())
    }

    fn yes_no(&self, b: bool) -> String {
        t(self.lang, if b { Msg::SharingYes } else { Msg::SharingNo }).to_owned()
    }

    /// The cell of `field` in a record of `kind` as JSON.
    pub fn cell(&self, kind: &str, record: &Value, field: &str) -> Cell {
        if field == "in_force" {
            return text_cell(self.yes_no(self.in_force(record)));
        }
        match record.get(field) {
            None | Some(Value::Null) => Cell {
                text: "—".into(),
                key: SortKey::Text(String::new()),
            },
            Some(Value::Bool(b)) => text_cell(self.yes_no(*b)),
            Some(Value::Number(n)) if field.ends_with("_ms") => {
                let ms = n.as_i64().unwrap_or(0);
                Cell {
                    text: local_time(ms),
                    key: SortKey::Number(ms as f64),
                }
            }
            Some(Value::Number(n)) => Cell {
                text: n.to_string(),
                key: SortKey::Number(n.as_f64().unwrap_or(0.0)),
            },
            Some(Value::String(s)) => match super::pages::choice_word(kind, field, s) {
                Some(m) => text_cell(t(self.lang, m).to_owned()),
                None => text_cell(self.lookup(field, s)),
            },
            Some(Value::Array(a)) => text_cell(
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| self.lookup(field, s))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Some(other) => text_cell(other.to_string()),
        }
    }

    fn in_force(&self, r: &Value) -> bool {
        let from = r
            .get("valid_from_ms")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MIN);
        let until = r
            .get("valid_until_ms")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX);
        let state_ok = r
            .get("state")
            .and_then(Value::as_str)
            .is_none_or(|s| s == "active");
        let suspended = r.get("suspended").and_then(Value::as_bool).unwrap_or(false);
        from <= self.now_ms && self.now_ms < until && state_ok && !suspended
    }
}

/// A list request: the search words, the column to sort by (`-` first for descending), the
/// page (from 1).
#[derive(Debug, Clone, Default)]
pub struct View {
    pub q: String,
    pub sort: Option<String>,
    pub page: usize,
}

/// A record's id and its cells.
pub type Row = (String, Vec<Cell>);

/// The rows of a kind the reader may see that match the search, sorted, with the total: (id,
/// cells) for the page asked for.
pub fn rows<R: Record>(
    names: &Names<'_>,
    scope: Scope,
    kind: &str,
    view: &View,
) -> (Vec<Row>, usize) {
    let cols = columns(kind);
    let found = super::register::search::<R>(names.ix, scope, &view.q, 0, usize::MAX);
    let mut rows: Vec<Row> = found
        .iter()
        .map(|r| {
            let json = serde_json::to_value(r).unwrap_or(Value::Null);
            (
                r.id_text(),
                cols.iter()
                    .map(|(f, _)| names.cell(kind, &json, f))
                    .collect(),
            )
        })
        .collect();
    let total = rows.len();
    let (desc, field) = match view.sort.as_deref() {
        Some(s) => match s.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, s),
        },
        None => (false, cols.first().map(|(f, _)| *f).unwrap_or("")),
    };
    if let Some(i) = cols.iter().position(|(f, _)| *f == field) {
        rows.sort_by(|a, b| {
            let o = match (a.1.get(i), b.1.get(i)) {
                (Some(x), Some(y)) => x.key.partial_cmp(&y.key).unwrap_or(Ordering::Equal),
                _ => Ordering::Equal,
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    let start = view.page.saturating_sub(1) * PAGE_SIZE;
    let page = rows.into_iter().skip(start).take(PAGE_SIZE).collect();
    (page, total)
}

fn link(kind: &str, view: &View, sort: Option<&str>, page: usize) -> String {
    let mut s = format!("/access/r/{kind}?page={page}");
    if !view.q.is_empty() {
        s.push_str("&q=");
        s.push_str(&form_urlencoded::byte_serialize(view.q.as_bytes()).collect::<String>());
    }
    if let Some(sort) = sort {
        s.push_str("&sort=");
        s.push_str(sort);
    }
    s
}

/// The table with sortable headers and the pager.
pub fn table(lang: Lang, kind: &str, view: &View, rows: &[Row], total: usize) -> Markup {
    let cols = columns(kind);
    let current = view.sort.as_deref();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = view.page.clamp(1, pages);
    let first = if total == 0 {
        0
    } else {
        (page - 1) * PAGE_SIZE + 1
    };
    let last = ((page - 1) * PAGE_SIZE + rows.len()).min(total);
    html! {
        p.count #register-count { (first) "–" (last) " " (t(lang, Msg::OfTotal)) " " (total) }
        table #register data-kind=(kind) {
            thead { tr { @for (f, m) in cols {
                @let next = if current == Some(*f) { format!("-{f}") } else { (*f).to_owned() };
                @let mark = if current == Some(*f) { " ▲" } else if current.and_then(|c| c.strip_prefix('-')) == Some(*f) { " ▼" } else { "" };
                th { a href=(link(kind, view, Some(&next), 1)) data-sort=(f) { (t(lang, *m)) (mark) } }
            } } }
            tbody { @for (id, cells) in rows {
                tr data-id=(id) { @for (i, c) in cells.iter().enumerate() {
                    td { @if i == 0 { a href={ "/access/r/" (kind) "/" (id) } { (c.text) } } @else { (c.text) } }
                } }
            } }
        }
        @if pages > 1 {
            nav.pager {
                @if page > 1 { a rel="prev" href=(link(kind, view, current, page - 1)) { "← " (t(lang, Msg::Previous)) } }
                " " (page) " / " (pages) " "
                @if page < pages { a rel="next" href=(link(kind, view, current, page + 1)) { (t(lang, Msg::Next)) " →" } }
            }
        }
    }
}
