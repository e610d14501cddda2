//! Backups: the one way to make one ([`make`], used by `hamnvakt backup` and the console), and
//! the platform administrator's `/admin/backups` page, which lists the backups in
//! `data_dir/backups` and makes a new one there. A backup is SQLite's `VACUUM INTO` copy of the
//! whole database, its audit chain verified before it counts as made. PostgreSQL installations
//! back up with PostgreSQL's tools; the page says so and offers nothing it cannot do.
//!
//! Making a backup is recorded in the audit chain (`backup.started`, with the file) before the
//! copy is taken, so the backup itself carries the event that made it.

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hamnvakt_identity::Permission;
use hamnvakt_store::{ChainStatus, OpenOptions, Store};
use maud::html;

use super::admin_pages::admin_tabs;
use crate::web::auth::{Principal, UiForm, UiUser};
use crate::web::change::Change;
use crate::web::error::ApiError;
use crate::web::i18n::{Lang, Msg};
use crate::web::layout::{layout, local_time, t, Page, UiError, UiLang};
use crate::web::state::AppState;

/// Copies the database into `output` (which must not exist), verifies the copy's audit chain
/// and answers how many events it checked. On failure the partial file is removed.
pub async fn make(store: &Store, output: &Path) -> Result<i64, String> {
    store
        .backup_to(output)
        .await
        .map_err(|e| format!("backup to {} failed: {e}", output.display()))?;
    let checked = async {
        let copy = Store::open(&hamnvakt_store::sqlite_url(output), &OpenOptions::default())
            .await
            .map_err(|e| format!("cannot open the backup {}: {e}", output.display()))?;
        let report = copy.verify_chain().await;
        copy.close().await;
        // Opening the copy made an empty derived file beside it; the backup is the one file
        // (a restored database rebuilds its derived tables from the chain).
        let derived = hamnvakt_store::derived_path(&output.display().to_string());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{derived}{suffix}"));
        }
        let report = report.map_err(|e| format!("cannot verify the backup: {e}"))?;
        if report.status != ChainStatus::Intact {
            return Err(format!(
                "the backup at {} does not verify: {:?}",
                output.display(),
                report.status
            ));
        }
        Ok(report.events_checked)
    }
    .await;
    if checked.is_err() {
        let _ = std::fs::remove_file(output);
    }
    checked
}

/// Where the console writes backups.
fn backup_dir(state: &AppState) -> PathBuf {
    state.config.data_dir.join("backups")
}

struct Listed {
    file: String,
    bytes: u64,
    modified_ms: Option<i64>,
}

fn list(dir: &Path) -> Vec<Listed> {
    let mut out: Vec<Listed> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let meta = e.metadata().ok()?;
            (meta.is_file() && name.ends_with(".db")).then(|| Listed {
                file: name,
                bytes: meta.len(),
                modified_ms: meta
                    .modified()
                    .ok()
                    .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                    .and_then(|d| i64::try_from(d.as_millis()).ok()),
            })
        })
        .collect();
    out.sort_by(|a, b| b.file.cmp(&a.file));
    out
}

fn size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MB {
        format!("{:.1} MB", bytes as f64 / MB)
    } else {
        format!("{:.0} kB", (bytes as f64 / 1024.0).ceil())
    }
}

fn require(p: &Principal) -> Result<(), ApiError> {
    if p.can(Permission::OrganisationsManage) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "backups are for the installation's administrators".into(),
        ))
    }
}

async fn render(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    made: Option<Result<(String, i64), String>>,
) -> Result<Html<String>, UiError> {
    require(p)?;
    let dir = backup_dir(state);
    let sqlite = state.config.is_sqlite();
    let files = list(&dir);
    let body = html! {
        h1 { (t(lang, Msg::NavAdmin)) }
        (admin_tabs(lang, "/admin/backups", p))
        h2 { (t(lang, Msg::AdminTabBackups)) }
        @match &made {
            Some(Ok((file, events))) => div.notice #backup-made role="status" {
                (t(lang, Msg::BackupMade)) " " code { (file) } " (" (events) " " (t(lang, Msg::BackupEvents)) ")"
            },
            Some(Err(e)) => div.error #backup-failed role="alert" { (e) },
            None => {},
        }
        @if sqlite {
            p.muted { (t(lang, Msg::BackupsHelp)) }
            p { (t(lang, Msg::BackupsDir)) " " code #backup-dir { (dir.display()) } }
            form.inline #make-backup method="post" action="/admin/backups" {
                input type="hidden" name="csrf" value=(p.csrf());
                button type="submit" { (t(lang, Msg::BackupMake)) }
            }
            @if files.is_empty() {
                p.empty #no-backups { (t(lang, Msg::BackupsNone)) }
            } @else {
                table #backups {
                    thead { tr { th { (t(lang, Msg::BackupFile)) } th { (t(lang, Msg::BackupTime)) } th.num { (t(lang, Msg::BackupSize)) } } }
                    tbody { @for f in &files {
                        tr data-file=(f.file) {
                            td { code { (f.file) } }
                            td { (f.modified_ms.map(local_time).unwrap_or_default()) }
                            td.num { (size(f.bytes)) }
                        }
                    } }
                }
            }
        } @else {
            p #backup-postgres { (t(lang, Msg::BackupPostgres)) }
        }
        p.muted { (t(lang, Msg::BackupCli)) " " code { "hamnvakt backup --config hamnvakt.toml --output /backups/hamnvakt.db" } }
    };
    Ok(layout(
        &Page {
            lang,
            principal: Some(p),
            path: "/admin/backups",
            title: t(lang, Msg::AdminTabBackups),
            nav: Some(Msg::NavAdmin),
        },
        body,
    ))
}

pub async fn page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    UiLang(lang): UiLang,
) -> Result<Html<String>, UiError> {
    render(&state, &p, lang, None).await
}

/// Makes a backup into `data_dir/backups`, recording it in the audit chain first.
pub async fn create(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    UiForm(p, _): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    require(&p)?;
    if !state.config.is_sqlite() {
        return Ok(Redirect::to("/admin/backups").into_response());
    }
    let dir = backup_dir(&state);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        let msg = format!("cannot create {}: {e}", dir.display());
        return Ok(render(&state, &p, lang, Some(Err(msg)))
            .await?
            .into_response());
    }
    let stamp = hamnvakt_core::clock::from_millis(state.now_ms())
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut file = format!("hamnvakt-{stamp}.db");
    let mut n = 1;
    while dir.join(&file).exists() {
        n += 1;
        file = format!("hamnvakt-{stamp}-{n}.db");
    }
    let output = dir.join(&file);
    let actor = p.actor();
    let mut change = Change::begin(&state, &actor).await?;
    change
        .record(
            "backup.started",
            Some(&format!("backup:{file}")),
            serde_json::json!({ "file": file, "dir": dir.display().to_string() }),
        )
        .await?;
    change.commit().await?;
    let made = make(&state.store, &output)
        .await
        .map(|events| (file, events));
    if let Err(e) = &made {
        tracing::error!(error = %e, "a backup from the console failed");
    }
    Ok(render(&state, &p, lang, Some(made)).await?.into_response())
}
