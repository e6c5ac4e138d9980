//! Everything the plan screen shows, read in one statement: the plan's outcomes, who each is
//! for, the notes, ratings and actions under them, and the people they name (the family's
//! members and the practitioners who wrote, rated, proposed, were given an action or lead,
//! and the directory entries the actions point at).
//! The statement is the same whatever the size of the plan. Callers decide what the viewer
//! may see of it (a young person sees only some outcomes).
use super::union::{Templates, Union};
use crate::error::AppResult;
use entities::{
    family_member, local_service, outcome, outcome_member, outcome_note, plan, plan_action,
    plan_change, practitioner, progress_rating,
};
use sea_orm::sea_query::{Condition, Expr, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Select, Value,
};
use std::collections::HashMap;
use uuid::Uuid;

/// A plan's contents, each list in the order the app shows it.
#[derive(Debug, Default)]
pub struct PlanContents {
    /// In the family's order of priority.
    pub outcomes: Vec<outcome::Model>,
    /// Outcome → the members it is for (sorted; none when it is for the whole family).
    pub members_of: HashMap<Uuid, Vec<Uuid>>,
    /// Outcome → practitioners' notes, oldest first.
    pub notes_of: HashMap<Uuid, Vec<outcome_note::Model>>,
    /// Outcome → progress ratings, oldest first.
    pub ratings_of: HashMap<Uuid, Vec<progress_rating::Model>>,
    /// Outcome → actions, oldest first.
    pub actions_of: HashMap<Uuid, Vec<plan_action::Model>>,
    /// The family's members.
    pub members: HashMap<Uuid, family_member::Model>,
    /// The practitioners the plan names.
    pub practitioners: HashMap<Uuid, practitioner::Model>,
    /// The directory entries the actions point at (those still in the directory).
    pub services: HashMap<Uuid, local_service::Model>,
}

/// The ids of the plan's outcomes, as a subquery.
fn outcomes_of(plan_id: Uuid) -> SelectStatement {
    Query::select()
        .column(outcome::Column::Id)
        .from(outcome::Entity)
        .and_where(outcome::Column::PlanId.eq(plan_id))
        .to_owned()
}

/// The practitioners named by the plan's rows, as one condition on `practitioner.id` over
/// every place a practitioner is named, so that the database looks each one up by its key.
/// An `OR` of one `IN` per place made PostgreSQL scan every practitioner (0.5 ms of the
/// statement's 0.8 with 10,000 families, and growing with the county), and even one `IN`
/// over them all is planned as a scan while the county is small: on PostgreSQL the ids are
/// gathered into an array first, which it can only look up by key.
fn named_practitioners(backend: DatabaseBackend, plan_id: Uuid, lead: Uuid) -> Condition {
    let by_plan = |column: plan_action::Column| {
        Query::select()
            .column(column)
            .from(plan_action::Entity)
            .and_where(plan_action::Column::PlanId.eq(plan_id))
            .to_owned()
    };
    let mut named = Query::select()
        .column(outcome::Column::ProposedByPractitionerId)
        .from(outcome::Entity)
        .and_where(outcome::Column::PlanId.eq(plan_id))
        .to_owned();
    let others = [
        Query::select()
            .column(outcome_note::Column::PractitionerId)
            .from(outcome_note::Entity)
            .and_where(outcome_note::Column::OutcomeId.in_subquery(outcomes_of(plan_id)))
            .to_owned(),
        Query::select()
            .column(progress_rating::Column::PractitionerId)
            .from(progress_rating::Entity)
            .and_where(progress_rating::Column::OutcomeId.in_subquery(outcomes_of(plan_id)))
            .to_owned(),
        by_plan(plan_action::Column::AssigneePractitionerId),
        by_plan(plan_action::Column::CreatedByPractitionerId),
        by_plan(plan_action::Column::DoneByPractitionerId),
        // Always present, so that the statement keeps one shape with or without a lead.
        Query::select().expr(Expr::val(lead)).to_owned(),
    ];
    named.unions(others.into_iter().map(|other| (UnionType::All, other)));
    let id = practitioner::Column::Id;
    Condition::all().add(match backend {
        DatabaseBackend::Postgres => Expr::cust_with_exprs(
            "$1 = ANY(ARRAY $2)",
            [
                Expr::col((practitioner::Entity, id)),
                Expr::SubQuery(None, Box::new(named.into())),
            ],
        ),
        _ => id.in_subquery(named),
    })
}

/// The branches of the statement, in the order they are added.
const OUTCOMES: usize = 0;
const FOR_MEMBERS: usize = 1;
const NOTES: usize = 2;
const RATINGS: usize = 3;
const ACTIONS: usize = 4;
const MEMBERS: usize = 5;
const PRACTITIONERS: usize = 6;
const SERVICES: usize = 7;

/// The statement, from its arguments: the plan, its family and its lead professional.
fn contents(backend: DatabaseBackend, arguments: &[Uuid]) -> Union {
    let [plan_id, family_id, lead] = [0, 1, 2].map(|i| arguments[i]);
    let mut union = Union::default();
    let branches = [
        union.branch::<outcome::Entity>(Condition::all().add(outcome::Column::PlanId.eq(plan_id))),
        union.branch::<outcome_member::Entity>(
            Condition::all()
                .add(outcome_member::Column::OutcomeId.in_subquery(outcomes_of(plan_id))),
        ),
        union.branch::<outcome_note::Entity>(
            Condition::all().add(outcome_note::Column::OutcomeId.in_subquery(outcomes_of(plan_id))),
        ),
        union.branch::<progress_rating::Entity>(
            Condition::all()
                .add(progress_rating::Column::OutcomeId.in_subquery(outcomes_of(plan_id))),
        ),
        union.branch::<plan_action::Entity>(
            Condition::all().add(plan_action::Column::PlanId.eq(plan_id)),
        ),
        union.branch::<family_member::Entity>(
            Condition::all().add(family_member::Column::FamilyId.eq(family_id)),
        ),
        union.branch::<practitioner::Entity>(named_practitioners(backend, plan_id, lead)),
        union.branch::<local_service::Entity>(
            Condition::all().add(
                local_service::Column::Id.in_subquery(
                    Query::select()
                        .column(plan_action::Column::ServiceId)
                        .from(plan_action::Entity)
                        .and_where(plan_action::Column::PlanId.eq(plan_id))
                        .to_owned(),
                ),
            ),
        ),
    ];
    debug_assert_eq!(
        branches,
        [
            OUTCOMES,
            FOR_MEMBERS,
            NOTES,
            RATINGS,
            ACTIONS,
            MEMBERS,
            PRACTITIONERS,
            SERVICES
        ]
    );
    union
}

/// Written out once per backend: its shape never depends on the plan.
static CONTENTS: Templates = Templates::new(3, contents);

/// Reads the plan's contents in one statement.
pub async fn read(db: &impl ConnectionTrait, plan: &plan::Model) -> AppResult<PlanContents> {
    let arguments: [Value; 3] = [
        plan.id.into(),
        plan.family_id.into(),
        plan.lead_professional_id.into(),
    ];
    let rows = CONTENTS
        .get(db.get_database_backend())
        .rows(db, &arguments)
        .await?;

    let mut outcome_rows: Vec<outcome::Model> = rows.of(OUTCOMES)?;
    outcome_rows.sort_by_key(|o| (o.position, o.id));
    let mut member_rows: Vec<outcome_member::Model> = rows.of(FOR_MEMBERS)?;
    member_rows.sort_by_key(|m| m.member_id);
    let mut members_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in member_rows {
        members_of
            .entry(row.outcome_id)
            .or_default()
            .push(row.member_id);
    }
    let mut note_rows: Vec<outcome_note::Model> = rows.of(NOTES)?;
    note_rows.sort_by_key(|n| n.id);
    let mut rating_rows: Vec<progress_rating::Model> = rows.of(RATINGS)?;
    rating_rows.sort_by_key(|r| r.id);
    let mut action_rows: Vec<plan_action::Model> = rows.of(ACTIONS)?;
    action_rows.sort_by_key(|a| a.id);
    Ok(PlanContents {
        outcomes: outcome_rows,
        members_of,
        notes_of: group(note_rows, |n| n.outcome_id),
        ratings_of: group(rating_rows, |r| r.outcome_id),
        actions_of: group(action_rows, |a| a.outcome_id),
        members: rows
            .of::<family_member::Model>(MEMBERS)?
            .into_iter()
            .map(|m| (m.id, m))
            .collect(),
        practitioners: rows
            .of::<practitioner::Model>(PRACTITIONERS)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect(),
        services: rows
            .of::<local_service::Model>(SERVICES)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect(),
    })
}

fn group<M>(rows: Vec<M>, key: impl Fn(&M) -> Uuid) -> HashMap<Uuid, Vec<M>> {
    let mut grouped: HashMap<Uuid, Vec<M>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

/// One plan, if it exists.
pub async fn plan(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Option<plan::Model>> {
    Ok(plan::Entity::find_by_id(plan_id).one(db).await?)
}

/// One outcome, if it exists.
pub async fn outcome(
    db: &impl ConnectionTrait,
    outcome_id: Uuid,
) -> AppResult<Option<outcome::Model>> {
    Ok(outcome::Entity::find_by_id(outcome_id).one(db).await?)
}

/// One action, if it exists.
pub async fn action(
    db: &impl ConnectionTrait,
    action_id: Uuid,
) -> AppResult<Option<plan_action::Model>> {
    Ok(plan_action::Entity::find_by_id(action_id).one(db).await?)
}

/// The plans a practitioner leads that are not closed, to be paged by id.
pub fn led_by(practitioner_id: Uuid) -> Select<plan::Entity> {
    plan::Entity::find()
        .filter(plan::Column::LeadProfessionalId.eq(practitioner_id))
        .filter(plan::Column::Status.ne(plan::PlanStatus::Closed))
}

/// A family's plans, closed ones included, to be paged by id.
pub fn of_family(family_id: Uuid) -> Select<plan::Entity> {
    plan::Entity::find().filter(plan::Column::FamilyId.eq(family_id))
}

/// Whose history: a plan's (with, for a young person, only the outcomes they may see), an
/// outcome's or an action's.
pub enum HistoryOf {
    Plan {
        plan_id: Uuid,
        /// `None`: every change; otherwise changes to the plan itself and to these outcomes.
        outcomes: Option<Vec<Uuid>>,
    },
    Outcome(Uuid),
    Action(Uuid),
}

/// Issue 14: the same changes without those made by `hidden` (children a restriction keeps
/// from the reader).
pub fn not_by(
    changes: Select<plan_change::Entity>,
    hidden: &[Uuid],
) -> Select<plan_change::Entity> {
    if hidden.is_empty() {
        return changes;
    }
    changes.filter(
        Condition::any()
            .add(plan_change::Column::ByMemberId.is_null())
            .add(plan_change::Column::ByMemberId.is_not_in(hidden.to_vec())),
    )
}

/// The changes in a history, to be paged by id.
pub fn history(of: HistoryOf) -> Select<plan_change::Entity> {
    let changes = plan_change::Entity::find();
    match of {
        HistoryOf::Plan { plan_id, outcomes } => {
            let changes = changes.filter(plan_change::Column::PlanId.eq(plan_id));
            match outcomes {
                None => changes,
                Some(visible) => changes.filter(
                    Condition::any()
                        .add(plan_change::Column::OutcomeId.is_null())
                        .add(plan_change::Column::OutcomeId.is_in(visible)),
                ),
            }
        }
        HistoryOf::Outcome(id) => changes.filter(plan_change::Column::OutcomeId.eq(id)),
        HistoryOf::Action(id) => changes.filter(plan_change::Column::ActionId.eq(id)),
    }
}
