//! The audit trail (DESIGN rule 6): who read or changed what about a family, when, from which
//! organisation. Changes are written in the same transaction as the change itself.
use crate::auth::Viewer;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::audit_entry;
use entities::practitioner_role::Role;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Change,
    Consent,
    Override,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Change => "change",
            Kind::Consent => "consent",
            Kind::Override => "override",
        }
    }
}

/// Whoever acts: a practitioner, a family member, or an operator at the command line.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Practitioner {
        id: Uuid,
        organisation_id: Uuid,
        role: &'static str,
        /// Set when acting under a safeguarding override rather than consent.
        under_override: Option<Uuid>,
    },
    Member {
        id: Uuid,
    },
    Operator,
}

impl Actor {
    pub fn of(viewer: &Viewer) -> Option<Self> {
        match viewer {
            Viewer::Anonymous => None,
            Viewer::Practitioner(p) => Some(Actor::Practitioner {
                id: p.practitioner_id,
                organisation_id: p.organisation_id,
                role: role_label(&p.roles),
                under_override: None,
            }),
            Viewer::FamilyMember(m) => Some(Actor::Member { id: m.member_id }),
        }
    }

    /// The same actor, acting under `access` (a safeguarding override, or consent).
    pub fn with_access(self, access: crate::policy::Access) -> Self {
        match (self, access) {
            (
                Actor::Practitioner {
                    id,
                    organisation_id,
                    role,
                    ..
                },
                crate::policy::Access::UnderOverride(o),
            ) => Actor::Practitioner {
                id,
                organisation_id,
                role,
                under_override: Some(o),
            },
            (actor, _) => actor,
        }
    }

    fn override_id(&self) -> Option<Uuid> {
        match self {
            Actor::Practitioner { under_override, .. } => *under_override,
            _ => None,
        }
    }

    /// (family member, practitioner) ids, for "who" columns.
    pub fn ids(&self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Actor::Practitioner { id, .. } => (None, Some(*id)),
            Actor::Member { id } => (Some(*id), None),
            Actor::Operator => (None, None),
        }
    }

    pub fn practitioner_id(&self) -> Option<Uuid> {
        match self {
            Actor::Practitioner { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// The capacity a practitioner acts in, as the family will read it.
fn role_label(roles: &[Role]) -> &'static str {
    if roles.contains(&Role::HubWorker) {
        "hub worker"
    } else if roles.contains(&Role::LocalityManager) {
        "locality manager"
    } else if roles.contains(&Role::Practitioner) {
        "practitioner"
    } else {
        "administrator"
    }
}

pub struct Entry<'a> {
    pub family_id: Uuid,
    pub actor: Actor,
    pub kind: Kind,
    pub what: &'a str,
}

fn model(entry: Entry<'_>, now: DateTime<Utc>) -> audit_entry::ActiveModel {
    let override_id = entry.actor.override_id();
    let (practitioner, member, organisation, role) = match entry.actor {
        Actor::Practitioner {
            id,
            organisation_id,
            role,
            ..
        } => (Some(id), None, Some(organisation_id), role),
        Actor::Member { id } => (None, Some(id), None, "family member"),
        Actor::Operator => (None, None, None, "operator"),
    };
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(entry.family_id),
        actor_practitioner_id: Set(practitioner),
        actor_member_id: Set(member),
        actor_organisation_id: Set(organisation),
        actor_role: Set(role.to_owned()),
        kind: Set(entry.kind.as_str().to_owned()),
        what: Set(entry.what.to_owned()),
        override_id: Set(override_id),
        occurred_at: Set(now),
    }
}

/// Records one change, consent event or override, in the caller's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    actor: Actor,
    kind: Kind,
    what: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    model(
        Entry {
            family_id,
            actor,
            kind,
            what,
        },
        now,
    )
    .insert(db)
    .await?;
    Ok(())
}

/// Writes several entries in one statement (the reads of one request).
pub async fn record_all(
    db: &impl ConnectionTrait,
    entries: Vec<Entry<'_>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let models: Vec<_> = entries.into_iter().map(|e| model(e, now)).collect();
    audit_entry::Entity::insert_many(models).exec(db).await?;
    Ok(())
}
