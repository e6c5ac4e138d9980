//! A person's inbox. A notification is shown only while its reader may still see what it
//! points at: each kind's [`super::kinds::Gate`] names the action, and the access rules
//! decide it afresh (facts read once per family per request), so that a withdrawn consent
//! hides a practitioner's notifications about that family at once, and gives them back if
//! consent is given again.
use super::Kind;
use crate::access::{self, FactsCache};
use crate::error::{AppError, AppResult};
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entities::notification::{self, Column};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Rows read at a time while looking for the ones the reader may see.
const BATCH: u64 = 100;
/// Unread notifications counted at most (the app shows "99+").
pub const COUNT_CAP: u64 = 1000;

/// Whether `viewer` may see `row` now.
pub async fn visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    row: &notification::Model,
    now: DateTime<Utc>,
    known: &FactsCache,
) -> AppResult<bool> {
    if viewer.account_id() != Some(row.account_id) {
        return Ok(false);
    }
    let Some(kind) = Kind::from_code(&row.kind) else {
        return Ok(false);
    };
    // Issue 14: nothing about the outcomes of a child a restriction keeps from the reader.
    let hidden = access::visibility::hidden_from(viewer);
    if let (false, Some(outcome)) = (hidden.is_empty(), row.outcome_id) {
        let about = crate::domain::outcomes::members_of(db, outcome).await?;
        if about.iter().any(|m| hidden.contains(m)) {
            return Ok(false);
        }
    }
    match kind.gate_for(row.family_id) {
        None => Ok(false),
        Some(None) => Ok(true),
        // Issue 14: the ages only narrow items within what is allowed, and change a refusal
        // only for a practitioner covered by nothing but a young person's own consent under
        // non-default ages; the defaults from practice serve here (the inbox has no settings).
        Some(Some(action)) => {
            match access::grant_read(db, viewer, action, now, access::Ages::PRACTICE, known).await {
                Ok(_) => Ok(true),
                Err(
                    AppError::Forbidden | AppError::ConsentRequired | AppError::Unauthenticated,
                ) => Ok(false),
                Err(other) => Err(other),
            }
        }
    }
}

/// One page of the viewer's inbox, newest first: up to `first` notifications they may see,
/// after the one with id `after`; and whether there are more.
pub async fn page(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    first: u64,
    after: Option<Uuid>,
    unread_only: bool,
    now: DateTime<Utc>,
    known: &FactsCache,
) -> AppResult<(Vec<notification::Model>, bool)> {
    let Some(account_id) = viewer.account_id() else {
        return Err(AppError::Unauthenticated);
    };
    let mut shown = vec![];
    let mut cursor = after;
    loop {
        let mut select = notification::Entity::find()
            .filter(Column::AccountId.eq(account_id))
            .order_by_desc(Column::Id)
            .limit(BATCH);
        if unread_only {
            select = select.filter(Column::ReadAt.is_null());
        }
        if let Some(before) = cursor {
            select = select.filter(Column::Id.lt(before));
        }
        let rows = select.all(db).await?;
        let exhausted = (rows.len() as u64) < BATCH;
        for row in rows {
            cursor = Some(row.id);
            if visible(db, viewer, &row, now, known).await? {
                if shown.len() as u64 == first {
                    return Ok((shown, true));
                }
                shown.push(row);
            }
        }
        if exhausted {
            return Ok((shown, false));
        }
    }
}

/// How many unread notifications the viewer may see (at most [`COUNT_CAP`]).
pub async fn unread_count(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
    known: &FactsCache,
) -> AppResult<u64> {
    let Some(account_id) = viewer.account_id() else {
        return Err(AppError::Unauthenticated);
    };
    let rows = notification::Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ReadAt.is_null())
        .order_by_desc(Column::Id)
        .limit(COUNT_CAP)
        .all(db)
        .await?;
    // One decision per kind and family.
    let mut decided: std::collections::HashMap<(String, Option<Uuid>), bool> = Default::default();
    let mut count = 0;
    for row in rows {
        let key = (row.kind.clone(), row.family_id);
        let shown = match decided.get(&key) {
            Some(shown) => *shown,
            None => {
                let shown = visible(db, viewer, &row, now, known).await?;
                decided.insert(key, shown);
                shown
            }
        };
        if shown {
            count += 1;
        }
    }
    Ok(count)
}

/// Which of one's notifications to mark read.
pub enum Which {
    /// These (others' ids are ignored).
    Ids(Vec<Uuid>),
    /// This one and every older one.
    UpTo(Uuid),
}

/// Marks the viewer's own notifications read; returns how many were unread.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    which: Which,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let chosen = match which {
        Which::Ids(ids) => Condition::all().add(Column::Id.is_in(ids)),
        Which::UpTo(id) => Condition::all().add(Column::Id.lte(id)),
    };
    let marked = notification::Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(Some(now)))
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ReadAt.is_null())
        .filter(chosen)
        .exec(db)
        .await?;
    Ok(marked.rows_affected)
}

/// One notification of the viewer's, if they may see it.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<notification::Model>> {
    let Some(row) = notification::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let known = FactsCache::default();
    Ok(visible(db, viewer, &row, now, &known).await?.then_some(row))
}
