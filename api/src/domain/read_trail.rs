//! Practitioners' reads written to the audit trail together (a group commit). While one
//! batch is being written, the reads of the requests that finish meanwhile wait, and the next
//! batch writes them all in one statement and one commit. Each request still waits until its
//! own reads are committed before its data leaves (DESIGN rule 6); under load, requests share
//! a commit instead of each queueing for its own. (On PostgreSQL the read of a plan's contents
//! is recorded by the statement that reads them instead: `plan_contents::read_recorded`.)
use super::audit::{self, Actor, Entry, Kind};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use uuid::Uuid;

/// The most entries one statement writes: each number of rows is a statement of its own
/// shape, prepared once per connection, so they stay few (and well inside both databases'
/// limits on bound values, at 12 each).
const MOST_PER_BATCH: usize = 32;

/// What a request read of one family, and when.
#[derive(Clone)]
pub struct Read {
    pub family_id: Uuid,
    pub actor: Actor,
    pub what: String,
    pub at: DateTime<Utc>,
}

impl Read {
    /// The audit entry that records it.
    pub fn entry(&self) -> Entry<'_> {
        Entry {
            family_id: self.family_id,
            actor: self.actor,
            kind: Kind::Read,
            what: &self.what,
        }
    }
}

/// One request's reads, and where to tell it they are in.
struct Waiting {
    ticket: u64,
    reads: Vec<Read>,
    told: oneshot::Sender<Result<(), Failure>>,
}

/// Why a batch was not written, told to each request in it.
#[derive(Clone)]
enum Failure {
    Unavailable(String),
    Internal(String),
}

impl Failure {
    fn of(err: AppError) -> Self {
        match err {
            AppError::Unavailable(cause) => Failure::Unavailable(cause.to_string()),
            other => Failure::Internal(format!("{:#}", anyhow::Error::from(other))),
        }
    }

    fn into_error(self) -> AppError {
        match self {
            Failure::Unavailable(cause) => AppError::Unavailable(anyhow::anyhow!(cause)),
            Failure::Internal(cause) => AppError::Internal(anyhow::anyhow!(cause)),
        }
    }
}

/// The reads waiting to be written, and the right to write them (one batch at a time).
#[derive(Default)]
pub struct ReadTrail {
    waiting: Mutex<Vec<Waiting>>,
    writer: Arc<tokio::sync::Mutex<()>>,
    tickets: AtomicU64,
}

impl ReadTrail {
    /// Records `reads`; returns once they are committed, or with why they were not.
    pub async fn record(&self, db: &Db, reads: Vec<Read>) -> AppResult<()> {
        if reads.is_empty() {
            return Ok(());
        }
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let (told, answer) = oneshot::channel();
        self.queue().push(Waiting {
            ticket,
            reads,
            told,
        });
        // Whoever gets the writer writes the oldest batch waiting, and again, one batch at a
        // time, until its own reads have gone (an empty queue: with an earlier batch); the
        // others wait for the writer meanwhile. So no request waits on another to come.
        loop {
            let writer = self.writer.clone().lock_owned().await;
            let batch = self.next_batch();
            let ours_gone = batch.is_empty() || batch.iter().any(|w| w.ticket == ticket);
            if batch.is_empty() {
                drop(writer);
            } else {
                let db = db.clone();
                // Its own task, so that a request given up on (its client gone) never leaves
                // the others in its batch without an answer.
                tokio::spawn(async move {
                    write(&db, batch).await;
                    drop(writer);
                });
            }
            if ours_gone {
                break;
            }
        }
        match answer.await {
            Ok(written) => written.map_err(Failure::into_error),
            Err(_) => Err(AppError::Internal(anyhow::anyhow!(
                "the audit trail's writer stopped before answering"
            ))),
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The requests waiting longest, up to [`MOST_PER_BATCH`] entries (at least one
    /// request, however many it read).
    fn next_batch(&self) -> Vec<Waiting> {
        let mut queue = self.queue();
        let mut entries = 0;
        let taken = queue
            .iter()
            .take_while(|w| {
                entries += w.reads.len();
                entries <= MOST_PER_BATCH
            })
            .count()
            .max(1)
            .min(queue.len());
        queue.drain(..taken).collect()
    }
}

async fn write(db: &Db, batch: Vec<Waiting>) {
    let entries = batch
        .iter()
        .flat_map(|w| &w.reads)
        .map(|read| (read.entry(), read.at));
    let written = audit::record_each(db, entries).await.map_err(Failure::of);
    for waiting in batch {
        // A request no longer waiting (its client gone) has nothing to be told.
        let _ = waiting.told.send(written.clone());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::families::{self, NewFamily};
    use entities::audit_entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    /// A request whose reads wait behind more than a batch of others' (requests whose clients
    /// went away) writes batches until its own have gone: it never waits for another request
    /// to come along.
    #[tokio::test]
    async fn a_request_behind_a_full_batch_still_has_its_reads_written() {
        let dir = tempfile::tempdir().unwrap();
        let db: Db = crate::db::scratch(dir.path()).await.into();
        let now = Utc::now();
        let new = NewFamily {
            reference: "EH-TRAIL-1",
            local_area: "North",
            need_level: 2,
            decided_by: None,
        };
        let family = families::create(&db, new, &crate::access::operator(now))
            .await
            .unwrap();
        let read = || Read {
            family_id: family.id,
            actor: Actor::Operator,
            what: "plan".to_owned(),
            at: now,
        };

        let trail = ReadTrail::default();
        let gone = MOST_PER_BATCH + 8;
        for _ in 0..gone {
            let (told, _) = oneshot::channel();
            let ticket = trail.tickets.fetch_add(1, Ordering::Relaxed);
            trail.queue().push(Waiting {
                ticket,
                reads: vec![read()],
                told,
            });
        }
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            trail.record(&db, vec![read()]),
        )
        .await
        .expect("the request waited for another to come")
        .unwrap();

        let reads = audit_entry::Entity::find()
            .filter(audit_entry::Column::FamilyId.eq(family.id))
            .filter(audit_entry::Column::Kind.eq("read"))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(reads, gone as u64 + 1);
        assert!(trail.queue().is_empty());
    }
}
