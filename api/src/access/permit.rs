//! A permit: proof that the rules allowed one action, carried into the domain command that
//! performs it. Its fields are private and only [`super::grant`] (or [`super::operator`] for the
//! command line and background jobs) makes one, so no domain command can run unasked.
use super::action::Action;
use crate::domain::notify::ChangeScope;
use crate::viewer::{Access, Actor};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone)]
pub struct Permit {
    actor: Actor,
    access: Access,
    action: Option<Action>,
    at: DateTime<Utc>,
    told: Option<Arc<ChangeScope>>,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("actor", &self.actor)
            .field("access", &self.access)
            .field("action", &self.action)
            .field("at", &self.at)
            .finish()
    }
}

impl Permit {
    pub(super) fn new(
        actor: Actor,
        access: Access,
        action: Option<Action>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            actor: actor.with_access(access),
            access,
            action,
            at,
            told: None,
        }
    }

    /// Who acts, as the audit trail and the history record them.
    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// Granted outright, or under the practitioner's own safeguarding override.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The action allowed; `None` for an operator, who is allowed everything.
    pub fn action(&self) -> Option<Action> {
        self.action
    }

    /// The family the action concerns, if any.
    pub fn family_id(&self) -> Option<Uuid> {
        self.action.and_then(Action::family_id)
    }

    /// The time of the act: every row it writes carries it.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who gets told about the change this permit makes (emails, live events). A permit
    /// without one tells nobody: a data load, say.
    pub fn telling(mut self, scope: &Arc<ChangeScope>) -> Self {
        self.told = Some(scope.clone());
        self
    }

    pub fn told(&self) -> Option<&ChangeScope> {
        self.told.as_deref()
    }

    /// Whether a member of the family concerned, of `relation`, may `action` (their own
    /// family assumed; `shared`: the plan is shared with them). For deciding who is told or
    /// asked, from the rules table rather than beside it.
    pub fn would_allow_member(
        relation: entities::family_member::MemberRelation,
        shared: bool,
        action: Action,
    ) -> bool {
        super::rules::member_may(relation, shared, action)
    }

    /// The roles whose holders may `action` outright (who is told of a missed deadline, say).
    pub fn roles_that_may(action: Action) -> Vec<entities::practitioner_role::Role> {
        super::rules::roles_allowed(action)
    }

    /// Whether a practitioner holding `roles` may `action`, facts aside (the table's cells
    /// that say yes outright).
    pub fn would_allow_roles(roles: &[entities::practitioner_role::Role], action: Action) -> bool {
        super::rules::roles_may(roles, action)
    }
}
