//! Vulnerability assessment (schema 16): assessments as JSON documents written over the
//! version they were made from, the best-practice library with each practice's marking, and
//! what ports share for the comparison across ports with what each reader was last shown.
//!
//! The store knows none of the rules (`hamnvakt-assessment` and the marking rule in
//! `hamnvakt-core` do); the server filters practices by marking on every read.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError, WriteTx};

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRow {
    pub id: String,
    pub org_id: String,
    pub facility: String,
    pub previous: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
    /// The whole assessment as JSON.
    pub data: String,
}

/// A stored best practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeRow {
    pub id: String,
    pub owner_org: String,
    /// The marking as JSON.
    pub marking: String,
    pub created_ms: i64,
    /// The practice as JSON.
    pub data: String,
}

/// An imported version of the catalogue of controls (schema 25).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueRow {
    pub version: String,
    pub published: String,
    pub imported_ms: i64,
    /// Who imported it (the actor's id).
    pub imported_by: String,
    pub controls: i64,
    /// The catalogue as JSON.
    pub data: String,
}

const C_COLUMNS: &str = "version, published, imported_ms, imported_by, controls, data";

fn catalogue(r: &AnyRow) -> Result<CatalogueRow> {
    Ok(CatalogueRow {
        version: r.try_get(0)?,
        published: r.try_get(1)?,
        imported_ms: r.try_get(2)?,
        imported_by: r.try_get(3)?,
        controls: r.try_get(4)?,
        data: r.try_get(5)?,
    })
}

const A_COLUMNS: &str = "id, org_id, facility, previous, created_ms, updated_ms, version, data";
const P_COLUMNS: &str = "id, owner_org, marking, created_ms, data";

fn assessment(r: &AnyRow) -> Result<AssessmentRow> {
    Ok(AssessmentRow {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        facility: r.try_get(2)?,
        previous: r.try_get(3)?,
        created_ms: r.try_get(4)?,
        updated_ms: r.try_get(5)?,
        version: r.try_get(6)?,
        data: r.try_get(7)?,
    })
}

fn practice(r: &AnyRow) -> Result<PracticeRow> {
    Ok(PracticeRow {
        id: r.try_get(0)?,
        owner_org: r.try_get(1)?,
        marking: r.try_get(2)?,
        created_ms: r.try_get(3)?,
        data: r.try_get(4)?,
    })
}

impl WriteTx {
    pub async fn insert_assessment(&mut self, a: &AssessmentRow) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO assessments ({A_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(a.id.clone())
        .bind(a.org_id.clone())
        .bind(a.facility.clone())
        .bind(a.previous.clone())
        .bind(a.created_ms)
        .bind(a.updated_ms)
        .bind(a.version)
        .bind(a.data.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Writes an edit over the version it was made from (`a.version - 1`); an assessment
    /// edited by someone else meanwhile is a [`StoreError::Conflict`] and nothing is written.
    pub async fn update_assessment(&mut self, a: &AssessmentRow) -> Result<()> {
        let done = sqlx::query(
            "UPDATE assessments SET updated_ms = $1, version = $2, data = $3 \
             WHERE id = $4 AND version = $5",
        )
        .bind(a.updated_ms)
        .bind(a.version)
        .bind(a.data.clone())
        .bind(a.id.clone())
        .bind(a.version - 1)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "assessment {} was changed by someone else meanwhile",
                a.id
            )));
        }
        Ok(())
    }

    pub async fn insert_practice(&mut self, p: &PracticeRow) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO practices ({P_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(p.id.clone())
        .bind(p.owner_org.clone())
        .bind(p.marking.clone())
        .bind(p.created_ms)
        .bind(p.data.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Writes a practice that arrived as a version of a shared object: the row of its id is
    /// replaced by the newer version (the caller has established that it is the newest).
    pub async fn put_practice(&mut self, p: &PracticeRow) -> Result<()> {
        sqlx::query("DELETE FROM practices WHERE id = $1")
            .bind(p.id.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        self.insert_practice(p).await
    }

    /// Takes a practice out of the library (its shared object was revoked).
    pub async fn remove_practice(&mut self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM practices WHERE id = $1")
            .bind(id.to_owned())
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Keeps an imported catalogue under its version; a version already here is a conflict.
    pub async fn insert_catalogue(&mut self, c: &CatalogueRow) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO catalogues ({C_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(c.version.clone())
        .bind(c.published.clone())
        .bind(c.imported_ms)
        .bind(c.imported_by.clone())
        .bind(c.controls)
        .bind(c.data.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Replaces what `org` shares for comparison: its status per control.
    pub async fn set_control_scores(
        &mut self,
        org: &str,
        scores: &[(String, String)],
        at_ms: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM control_scores WHERE org_id = $1")
            .bind(org.to_owned())
            .execute(&mut *self.tx)
            .await?;
        for (control, status) in scores {
            sqlx::query(
                "INSERT INTO control_scores (org_id, control, status, updated_ms) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(org.to_owned())
            .bind(control.clone())
            .bind(status.clone())
            .bind(at_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        }
        Ok(())
    }

    /// Keeps the comparison of `control` last shown to `reader`.
    pub async fn set_comparison_shown(
        &mut self,
        reader: &str,
        control: &str,
        snapshot: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM comparison_shown WHERE reader_org = $1 AND control = $2")
            .bind(reader.to_owned())
            .bind(control.to_owned())
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO comparison_shown (reader_org, control, snapshot) VALUES ($1, $2, $3)",
        )
        .bind(reader.to_owned())
        .bind(control.to_owned())
        .bind(snapshot.to_owned())
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

impl Store {
    pub async fn assessment(&self, id: &str) -> Result<Option<AssessmentRow>> {
        let row = sqlx::query(&format!(
            "SELECT {A_COLUMNS} FROM assessments WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(assessment).transpose()
    }

    /// An organisation's assessments, oldest first (a facility's rounds in order).
    pub async fn assessments_of(&self, org: &str, limit: i64) -> Result<Vec<AssessmentRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {A_COLUMNS} FROM assessments WHERE org_id = $1 \
             ORDER BY facility, created_ms, id LIMIT $2"
        ))
        .bind(org.to_owned())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(assessment).collect()
    }

    /// One imported catalogue version.
    pub async fn catalogue(&self, version: &str) -> Result<Option<CatalogueRow>> {
        let row = sqlx::query(&format!(
            "SELECT {C_COLUMNS} FROM catalogues WHERE version = $1"
        ))
        .bind(version.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(catalogue).transpose()
    }

    /// The imported catalogue versions without their text, the latest import first.
    pub async fn catalogues(&self) -> Result<Vec<CatalogueRow>> {
        let rows = sqlx::query(
            "SELECT version, published, imported_ms, imported_by, controls, '' FROM catalogues \
             ORDER BY imported_ms DESC, version DESC LIMIT 1000",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(catalogue).collect()
    }

    pub async fn practice(&self, id: &str) -> Result<Option<PracticeRow>> {
        let row = sqlx::query(&format!("SELECT {P_COLUMNS} FROM practices WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(practice).transpose()
    }

    /// Every practice, newest first, at most `limit`: the caller applies the marking rule.
    pub async fn practices(&self, limit: i64) -> Result<Vec<PracticeRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {P_COLUMNS} FROM practices ORDER BY created_ms DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(practice).collect()
    }

    /// Every port's shared status of one control: (organisation, status).
    pub async fn control_scores(&self, control: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT org_id, status FROM control_scores WHERE control = $1 ORDER BY org_id",
        )
        .bind(control.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The comparison of `control` last shown to `reader`.
    pub async fn comparison_shown(&self, reader: &str, control: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT snapshot FROM comparison_shown WHERE reader_org = $1 AND control = $2",
        )
        .bind(reader.to_owned())
        .bind(control.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
    /// What the assessment measures in the store: of the last seven days' consignments, how
    /// many targeting put in a lane and how many there were, and how many gate decisions the
    /// audit chain holds.
    pub async fn assessment_counts(&self) -> Result<(i64, i64, i64)> {
        // The consignments of the last seven days that have any (by declaration day, up to
        // the latest day brought in) put in a lane by a day's selection: the history a model
        // was trained on is not held against the current practice.
        let recent = sqlx::query(
            "SELECT COUNT(c.declaration_id), COUNT(s.declaration_id) FROM consignments c \
             LEFT JOIN selections s ON s.declaration_id = c.declaration_id \
             WHERE c.day >= (SELECT MAX(day) FROM consignments) - 6",
        )
        .fetch_one(&self.pool)
        .await?;
        let total: i64 = recent.try_get(0)?;
        let selected: i64 = recent.try_get(1)?;
        let decisions: i64 =
            sqlx::query("SELECT COUNT(*) FROM events WHERE kind = 'access.decision'")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        Ok((selected, total, decisions))
    }
}
