//! The audit trail (DESIGN rule 6): who read or changed what about a family, when, from which
//! organisation. Changes are written in the same transaction as the change itself.
use crate::error::AppResult;
pub use crate::viewer::Actor;
use chrono::{DateTime, Utc};
use entities::audit_entry;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Change,
    Consent,
    Override,
    /// Issue 14: a restriction recorded, lifted or reviewed: in the full trail only.
    Restriction,
    /// Issue 14: an urgent alert ("I don't feel safe"): never in the family's own access log,
    /// only in the full trail.
    Alert,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Change => "change",
            Kind::Consent => "consent",
            Kind::Override => "override",
            Kind::Restriction => "restriction",
            Kind::Alert => "alert",
        }
    }
}

pub struct Entry<'a> {
    pub family_id: Uuid,
    pub actor: Actor,
    pub kind: Kind,
    pub what: &'a str,
}

/// Issue 14: what an entry is about, so that an adult a restriction keeps from a child does
/// not see the entries about the child's items ([`log_of`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Subject {
    pub outcome: Option<Uuid>,
    pub member: Option<Uuid>,
}

fn model(entry: Entry<'_>, now: DateTime<Utc>) -> audit_entry::ActiveModel {
    model_about(entry, Subject::default(), now)
}

fn model_about(entry: Entry<'_>, about: Subject, now: DateTime<Utc>) -> audit_entry::ActiveModel {
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
        Actor::Anyone => (None, None, None, "member of the public"),
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
        outcome_id: Set(about.outcome),
        about_member_id: Set(about.member),
    }
}

/// [`record`], naming what the entry is about (an outcome, a member).
pub async fn record_about(
    db: &impl ConnectionTrait,
    entry: Entry<'_>,
    about: Subject,
    now: DateTime<Utc>,
) -> AppResult<()> {
    model_about(entry, about, now).insert(db).await?;
    Ok(())
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

/// Writes several entries in one statement, each at its own time (the reads of several
/// requests: [`super::read_trail`]).
pub async fn record_each<'a>(
    db: &impl ConnectionTrait,
    entries: impl IntoIterator<Item = (Entry<'a>, DateTime<Utc>)>,
) -> AppResult<()> {
    let models: Vec<_> = entries.into_iter().map(|(e, at)| model(e, at)).collect();
    if models.is_empty() {
        return Ok(());
    }
    audit_entry::Entity::insert_many(models)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// One entry as PostgreSQL's `INSERT` of one row, each value a placeholder (`$1`…), and
/// the values: for a statement that writes the entry beside what it reads
/// ([`super::plan_contents::read_recorded`]). Every column is bound, so the SQL is the same
/// for every entry.
pub fn insert_of(entry: Entry<'_>, at: DateTime<Utc>) -> (String, Vec<sea_orm::Value>) {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::PostgresQueryBuilder;
    let (sql, values) = audit_entry::Entity::insert(model(entry, at))
        .into_query()
        .build(PostgresQueryBuilder);
    (sql, values.0)
}

/// The family's access log: in full (`with_withheld`, for locality managers), or without the
/// entries of overrides withheld from the family (DESIGN rule 2) and without urgent alerts
/// (issue 14).
pub async fn log_of(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    with_withheld: bool,
    hidden: &[Uuid],
) -> AppResult<sea_orm::Select<audit_entry::Entity>> {
    use sea_orm::sea_query::{Condition, Query};
    use sea_orm::{ColumnTrait, QueryFilter};
    let select = audit_entry::Entity::find().filter(audit_entry::Column::FamilyId.eq(family_id));
    if with_withheld {
        return Ok(select);
    }
    // Issue 14: restrictions and urgent alerts are for the full trail only; and to an adult
    // a restriction keeps from a child, the entries about the child, by the child, or about
    // the child's outcomes do not exist.
    let mut select = select.filter(
        audit_entry::Column::Kind.is_not_in([Kind::Restriction.as_str(), Kind::Alert.as_str()]),
    );
    if !hidden.is_empty() {
        let about_hidden = Query::select()
            .column(entities::outcome_member::Column::OutcomeId)
            .from(entities::outcome_member::Entity)
            .and_where(entities::outcome_member::Column::MemberId.is_in(hidden.to_vec()))
            .to_owned();
        select = select
            .filter(
                Condition::any()
                    .add(audit_entry::Column::AboutMemberId.is_null())
                    .add(audit_entry::Column::AboutMemberId.is_not_in(hidden.to_vec())),
            )
            .filter(
                Condition::any()
                    .add(audit_entry::Column::ActorMemberId.is_null())
                    .add(audit_entry::Column::ActorMemberId.is_not_in(hidden.to_vec())),
            )
            .filter(
                Condition::any()
                    .add(audit_entry::Column::OutcomeId.is_null())
                    .add(audit_entry::Column::OutcomeId.not_in_subquery(about_hidden)),
            );
    }
    let withheld = super::safeguarding::withheld_from_family(db, family_id).await?;
    if withheld.is_empty() {
        return Ok(select);
    }
    Ok(select.filter(
        Condition::any()
            .add(audit_entry::Column::OverrideId.is_null())
            .add(audit_entry::Column::OverrideId.is_not_in(withheld)),
    ))
}
