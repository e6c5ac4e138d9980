//! Who may do what, in one place.
//!
//! - [`rules`]: **the table** — one row per [`Action`], one column per kind of person. To
//!   answer "may this person do this?", read the action's row there.
//! - [`visibility`]: which items of a family a reader sees within what the table allows.
//! - [`grant`]: reads the facts a row needs (team, consent, override, lead, household
//!   sharing: one statement) on the caller's transaction and makes a [`Permit`], the only
//!   way to obtain one. Every domain command takes `&Permit`. Reads decide with
//!   [`grant_read`], the facts read once per family per request; a practitioner opening a
//!   family has them read in the family's own statement ([`family_for_practitioner`]).
mod action;
mod facts;
mod permit;
pub mod rules;
pub mod visibility;

pub use crate::viewer::Access;
pub use action::Action;
pub use facts::{Ages, Band, FamilyFacts};
pub use permit::Permit;
pub use visibility::Reach;

use crate::domain::standing;
use crate::error::{AppError, AppResult};
use crate::viewer::{Actor, PractitionerViewer, Viewer};
use chrono::{DateTime, Utc};
use entities::{family, plan};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

/// Allows `action` for `viewer` inside `txn`, the transaction that will act on it. The facts
/// are read on that transaction, and the family's row is held until it ends (PostgreSQL), so
/// a change can never commit under a consent withdrawn after it was checked.
pub async fn grant(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    action: Action,
    now: DateTime<Utc>,
    ages: Ages,
) -> AppResult<Permit> {
    let facts = match (needs_facts(viewer, action), action.family_id()) {
        (true, Some(family_id)) => {
            standing::hold_for_change(txn, family_id).await?;
            facts::load(txn, viewer, family_id, now, ages).await?
        }
        _ => FamilyFacts::NONE,
    };
    permit(viewer, action, &facts, now)
}

/// Allows a read: like [`grant`], on any connection, with the facts read at most once per
/// family per request (`known` keeps them).
pub async fn grant_read(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    action: Action,
    now: DateTime<Utc>,
    ages: Ages,
    known: &FactsCache,
) -> AppResult<Permit> {
    let facts = match (needs_facts(viewer, action), action.family_id()) {
        (true, Some(family_id)) => match known.get(family_id) {
            Some(facts) => facts,
            None => {
                let facts = facts::load(db, viewer, family_id, now, ages).await?;
                known.put(family_id, facts.clone());
                facts
            }
        },
        _ => FamilyFacts::NONE,
    };
    permit(viewer, action, &facts, now)
}

/// A family with its current plan, for a practitioner about to open it: read in the same
/// statement as their standing with it, which `known` keeps for the rules (fresh, as ever:
/// read in this request). None when there is no such family, whoever asks.
pub async fn family_for_practitioner(
    db: &impl ConnectionTrait,
    practitioner: &PractitionerViewer,
    family_id: Uuid,
    now: DateTime<Utc>,
    ages: Ages,
    known: &FactsCache,
) -> AppResult<Option<(family::Model, Option<plan::Model>)>> {
    if known.get(family_id).is_some() {
        return crate::domain::families::with_current_plan(db, family_id).await;
    }
    let (facts, found) = facts::with_family(db, practitioner, family_id, now, ages).await?;
    known.put(family_id, facts);
    Ok(found)
}

/// Whether `action` is decided for `viewer` from the session alone, reading nothing (a
/// family's own adult opening their family and plan, say): the permit can then be had before
/// any of the data it allows is read, and that data read in one statement.
pub fn decided_from_session(viewer: &Viewer, action: Action) -> bool {
    !needs_facts(viewer, action)
}

/// Whether deciding (or the permit's reach) needs facts read from the database: the row's
/// cells, or (issue 14) an adult of the family, whose view of each child follows the child's
/// age (the plan's reach is completed from the members read with the plan instead:
/// [`visibility::Reach::with_children`]).
fn needs_facts(viewer: &Viewer, action: Action) -> bool {
    rules::needs_facts(viewer, action) || visibility::sees_children_grow_up(viewer, action)
}

fn permit(
    viewer: &Viewer,
    action: Action,
    facts: &FamilyFacts,
    now: DateTime<Utc>,
) -> AppResult<Permit> {
    let access = rules::decide(viewer, action, facts)?;
    let actor = match Actor::of(viewer) {
        Some(actor) => actor,
        // The public front door: someone not signed in.
        None if rules::open_to_anyone(action) => Actor::Anyone,
        None => return Err(AppError::Unauthenticated),
    };
    let reach = visibility::reach(viewer, action, facts, access);
    Ok(Permit::new(actor, access, Some(action), now)
        .reaching(reach)
        .writing_privately(visibility::starts_private(viewer)))
}

/// The operator at the command line, or a background job: allowed what they run.
pub fn operator(now: DateTime<Utc>) -> Permit {
    Permit::new(Actor::Operator, Access::Granted, None, now)
}

/// The facts read during one request, per family.
#[derive(Default)]
pub struct FactsCache(std::sync::Mutex<std::collections::HashMap<Uuid, FamilyFacts>>);

impl FactsCache {
    fn get(&self, family_id: Uuid) -> Option<FamilyFacts> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&family_id)
            .cloned()
    }

    fn put(&self, family_id: Uuid, facts: FamilyFacts) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(family_id, facts);
    }
}
