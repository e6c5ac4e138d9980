//! Practitioners' reads written to the audit trail together (a group commit). While one
//! batch is being written, the reads of the requests that finish meanwhile wait, and the next
//! batch writes them all in one statement and one commit. Each request still waits until its
//! own reads are committed before its data leaves (DESIGN rule 6); under load, requests share
//! a commit instead of each queueing for its own.
use super::audit::{self, Actor, Entry, Kind};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use uuid::Uuid;

/// The most entries one statement writes: each number of rows is a statement of its own
/// shape, prepared once per connection, so they stay few (and well inside both databases'
/// limits on bound values, at 12 each).
const MOST_PER_BATCH: usize = 32;

/// What a request read of one family, and when.
pub struct Read {
    pub family_id: Uuid,
    pub actor: Actor,
    pub what: String,
    pub at: DateTime<Utc>,
}

/// One request's reads, and where to tell it they are in.
struct Waiting {
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
            other => Failure::Internal(format!("{other:#}")),
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
}

impl ReadTrail {
    /// Records `reads`; returns once they are committed, or with why they were not.
    pub async fn record(&self, db: &DatabaseConnection, reads: Vec<Read>) -> AppResult<()> {
        if reads.is_empty() {
            return Ok(());
        }
        let (told, answer) = oneshot::channel();
        self.queue().push(Waiting { reads, told });
        // Whoever gets the writer writes what is waiting; the others wait for that batch to
        // commit, then the next writes what is left (nothing, when theirs went with it).
        let writer = self.writer.clone().lock_owned().await;
        let batch = self.next_batch();
        if batch.is_empty() {
            drop(writer);
        } else {
            let db = db.clone();
            // Its own task, so that a request given up on (its client gone) never leaves the
            // others in its batch without an answer.
            tokio::spawn(async move {
                write(&db, batch).await;
                drop(writer);
            });
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

async fn write(db: &DatabaseConnection, batch: Vec<Waiting>) {
    let entries = batch.iter().flat_map(|w| &w.reads).map(|read| {
        let entry = Entry {
            family_id: read.family_id,
            actor: read.actor,
            kind: Kind::Read,
            what: &read.what,
        };
        (entry, read.at)
    });
    let written = audit::record_each(db, entries).await.map_err(Failure::of);
    for waiting in batch {
        // A request no longer waiting (its client gone) has nothing to be told.
        let _ = waiting.told.send(written.clone());
    }
}
