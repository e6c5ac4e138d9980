//! Everything the plan screen shows, read in one statement: the plan's outcomes, who each is
//! for, the notes, ratings and actions under them, and the people they name (the family's
//! members and the practitioners who wrote, rated, proposed, were given an action or lead,
//! and the directory entries the actions point at).
//! The statement is the same whatever the size of the plan. Callers decide what the viewer
//! may see of it (a young person sees only some outcomes). For a reader whose permits need
//! nothing read, the family and its current plan come in the same statement
//! ([`read_with_family`]).
use super::audit;
use super::read_trail::Read;
use super::union::{Rows, Shared, Template, Templates, Union};
use crate::error::AppResult;
use entities::{
    family, family_member, local_service, outcome, outcome_member, outcome_note, plan, plan_action,
    plan_change, practitioner, progress_rating,
};
use sea_orm::sea_query::{
    Condition, Expr, ExprTrait, Query, SelectStatement, SimpleExpr, UnionType,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Select, Value,
};
use std::sync::OnceLock;
use uuid::Uuid;

/// A map by id, for the rows of one plan in one request. Ids are hashed with FxHash, not
/// SipHash: they are the database's own, a few hundred at most, and a plan screen looked them
/// up some four hundred times (SipHash on 16 bytes is ~150 instructions; FxHash a handful).
pub type ById<V> = rustc_hash::FxHashMap<Uuid, V>;
/// A set of ids, as [`ById`].
pub type IdSet = rustc_hash::FxHashSet<Uuid>;

/// A plan's contents, each list in the order the app shows it.
#[derive(Debug, Default, PartialEq)]
pub struct PlanContents {
    /// In the family's order of priority.
    pub outcomes: Vec<outcome::Model>,
    /// Outcome → the members it is for (sorted; none when it is for the whole family).
    pub members_of: ById<Vec<Uuid>>,
    /// Outcome → practitioners' notes, oldest first.
    pub notes_of: ById<Vec<outcome_note::Model>>,
    /// Outcome → progress ratings, oldest first.
    pub ratings_of: ById<Vec<progress_rating::Model>>,
    /// Outcome → actions, oldest first.
    pub actions_of: ById<Vec<plan_action::Model>>,
    /// The family's members.
    pub members: ById<family_member::Model>,
    /// The practitioners the plan names.
    pub practitioners: ById<practitioner::Model>,
    /// The directory entries the actions point at (those still in the directory).
    pub services: ById<local_service::Model>,
}

/// Which of each outcome's progress ratings the statement reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ratings {
    /// Every rating given: the history.
    #[default]
    Every,
    /// Of each kind of rating only the latest, the kind being who gave it: the family or a
    /// practitioner, which member, and whether kept private. That is all the latest
    /// ratings side by side need, for any reader: whether a reader may see a rating
    /// depends on its member and on whether it is private alone, so the latest rating of a
    /// side a reader may see is the latest of its kind. On the generated county it is half
    /// the ratings, a fifth of a plan screen's rows. Chosen per request
    /// (`graphql::RequestState::for_document`).
    LatestOfEachKind,
}

/// Which plan the statement reads: one plan by its id (its family and lead bound beside it),
/// or a family's open plan (the database keeps it to one), read in the same statement as the
/// family itself, as a set the statement shares.
#[derive(Clone)]
enum Which {
    Plan {
        plan: Uuid,
        family: Uuid,
        lead: Uuid,
    },
    OpenPlanOf {
        family: Uuid,
        plan: Shared,
    },
}

impl Which {
    /// `column` (a plan id) is the plan's.
    fn plan_is(&self, column: impl ColumnTrait) -> SimpleExpr {
        match self {
            Which::Plan { plan, .. } => column.eq(*plan),
            // A scalar subquery (the unique index makes it one row at most), evaluated once:
            // as `IN (…)` PostgreSQL joined plans into every branch and hashed the ids, and
            // the statement took 0.1 ms more than the family's and the contents' apart.
            Which::OpenPlanOf { plan, .. } => Expr::col(column.as_column_ref()).eq(Expr::SubQuery(
                None,
                Box::new(plan.column(plan::Column::Id).into()),
            )),
        }
    }

    fn family(&self) -> Uuid {
        match self {
            Which::Plan { family, .. } | Which::OpenPlanOf { family, .. } => *family,
        }
    }

    /// The lead professional's id, as a one-column query: always present, so that the
    /// statement keeps one shape with or without a lead.
    fn lead(&self) -> SelectStatement {
        match self {
            Which::Plan { lead, .. } => Query::select().expr(Expr::val(*lead)).to_owned(),
            Which::OpenPlanOf { plan, .. } => plan.column(plan::Column::LeadProfessionalId),
        }
    }
}

/// The plan's rows that others hang from, each read once for the whole statement.
struct Sets {
    outcomes: Shared,
    notes: Shared,
    ratings: Shared,
    actions: Shared,
}

impl Sets {
    fn of(union: &mut Union, which: &Which, ratings: Ratings) -> Self {
        let outcomes = union.share::<outcome::Entity>(
            "plan_outcomes",
            Condition::all().add(which.plan_is(outcome::Column::PlanId)),
        );
        let notes = union.share_under::<outcome_note::Entity>(
            "plan_notes",
            outcome_note::Column::OutcomeId,
            &outcomes,
            outcome::Column::Id,
        );
        let ratings = match ratings {
            Ratings::Every => union.share_under::<progress_rating::Entity>(
                "plan_ratings",
                progress_rating::Column::OutcomeId,
                &outcomes,
                outcome::Column::Id,
            ),
            Ratings::LatestOfEachKind => {
                use progress_rating::Column::{Id, MemberId, OutcomeId, Private, Source};
                union.share_latest_under::<progress_rating::Entity>(
                    "plan_ratings",
                    OutcomeId,
                    &outcomes,
                    outcome::Column::Id,
                    &[OutcomeId, Source, MemberId, Private],
                    Id,
                )
            }
        };
        // Not `plan_actions`: a set named as a table would hide the table in the statement.
        let actions = union.share::<plan_action::Entity>(
            "plan_actions_of_plan",
            Condition::all().add(which.plan_is(plan_action::Column::PlanId)),
        );
        Self {
            outcomes,
            notes,
            ratings,
            actions,
        }
    }
}

/// The practitioners named by the plan's rows, as one condition on `practitioner.id` over
/// every place a practitioner is named, so that the database looks each one up by its key.
/// An `OR` of one `IN` per place made PostgreSQL scan every practitioner (0.5 ms of the
/// statement's 0.8 with 10,000 families, and growing with the county), and even one `IN`
/// over them all is planned as a scan while the county is small: on PostgreSQL the ids are
/// gathered into an array first, which it can only look up by key.
fn named_practitioners(backend: DatabaseBackend, which: &Which, sets: &Sets) -> Condition {
    let mut named = sets
        .outcomes
        .column(outcome::Column::ProposedByPractitionerId);
    let others = [
        sets.notes.column(outcome_note::Column::PractitionerId),
        sets.ratings.column(progress_rating::Column::PractitionerId),
        sets.actions
            .column(plan_action::Column::AssigneePractitionerId),
        sets.actions
            .column(plan_action::Column::CreatedByPractitionerId),
        sets.actions
            .column(plan_action::Column::DoneByPractitionerId),
        which.lead(),
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

/// The branches of the contents, in the order they are added (after the family's and its
/// plans' in [`read_with_family`]'s statement).
const OUTCOMES: usize = 0;
const FOR_MEMBERS: usize = 1;
const NOTES: usize = 2;
const RATINGS: usize = 3;
const ACTIONS: usize = 4;
const MEMBERS: usize = 5;
const PRACTITIONERS: usize = 6;
const SERVICES: usize = 7;

/// Adds the contents' branches to `union`; returns the number of the first.
fn add_contents(
    union: &mut Union,
    backend: DatabaseBackend,
    which: &Which,
    ratings: Ratings,
) -> usize {
    let sets = Sets::of(union, which, ratings);
    let branches = [
        union.branch_of::<outcome::Entity>(&sets.outcomes),
        union.branch_under::<outcome_member::Entity>(
            outcome_member::Column::OutcomeId,
            &sets.outcomes,
            outcome::Column::Id,
        ),
        union.branch_of::<outcome_note::Entity>(&sets.notes),
        union.branch_of::<progress_rating::Entity>(&sets.ratings),
        union.branch_of::<plan_action::Entity>(&sets.actions),
        union.branch::<family_member::Entity>(
            Condition::all().add(family_member::Column::FamilyId.eq(which.family())),
        ),
        union.branch::<practitioner::Entity>(named_practitioners(backend, which, &sets)),
        union.branch::<local_service::Entity>(
            Condition::all().add(
                local_service::Column::Id
                    .in_subquery(sets.actions.column(plan_action::Column::ServiceId)),
            ),
        ),
    ];
    let first = branches[0];
    debug_assert_eq!(
        branches.map(|b| b - first),
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
    first
}

/// The statement, from its arguments: the plan, its family and its lead professional.
fn contents(backend: DatabaseBackend, arguments: &[Uuid], ratings: Ratings) -> Union {
    let [plan, family, lead] = [0, 1, 2].map(|i| arguments[i]);
    let mut union = Union::new(backend);
    add_contents(
        &mut union,
        backend,
        &Which::Plan { plan, family, lead },
        ratings,
    );
    union
}

/// The family's statement with everything its plan screen shows: the family and its open
/// plans (`families::with_open_plan`), and the open plan's contents, from the family's id.
fn family_and_contents(backend: DatabaseBackend, arguments: &[Uuid], ratings: Ratings) -> Union {
    let (mut union, plan) = super::families::with_open_plan(backend, arguments[0]);
    let which = Which::OpenPlanOf {
        family: arguments[0],
        plan,
    };
    let first = add_contents(&mut union, backend, &which, ratings);
    debug_assert_eq!(first, WITH_FAMILY);
    union
}

/// Where the contents' branches start in [`family_and_contents`].
const WITH_FAMILY: usize = 2;

/// Written out once per backend and kind of reading: the shape never depends on the plan.
static CONTENTS: [Templates; 2] = [
    Templates::new(3, |backend, arguments| {
        contents(backend, arguments, Ratings::Every)
    }),
    Templates::new(3, |backend, arguments| {
        contents(backend, arguments, Ratings::LatestOfEachKind)
    }),
];

/// The same with the family in front, from the family's id alone.
static WITH_FAMILY_TEMPLATE: [Templates; 2] = [
    Templates::new(1, |backend, arguments| {
        family_and_contents(backend, arguments, Ratings::Every)
    }),
    Templates::new(1, |backend, arguments| {
        family_and_contents(backend, arguments, Ratings::LatestOfEachKind)
    }),
];

impl Ratings {
    fn index(self) -> usize {
        match self {
            Ratings::Every => 0,
            Ratings::LatestOfEachKind => 1,
        }
    }
}

/// The contents statement's arguments for `plan`: the plan, its family and its lead.
fn arguments_of(plan: &plan::Model) -> [Value; 3] {
    [
        plan.id.into(),
        plan.family_id.into(),
        plan.lead_professional_id.into(),
    ]
}

/// Reads the plan's contents in one statement.
pub async fn read(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    ratings: Ratings,
) -> AppResult<PlanContents> {
    let rows = CONTENTS[ratings.index()]
        .get(db.get_database_backend())
        .rows(db, &arguments_of(plan))
        .await?;
    assemble(&rows, 0)
}

/// Whether [`read_recorded`] writes its audit entry in the contents' own statement: on
/// PostgreSQL. SQLite has no data-modifying `WITH`.
pub fn records_in_one_statement(backend: DatabaseBackend) -> bool {
    backend == DatabaseBackend::Postgres
}

/// The contents of each kind of reading with a read's audit entry written first, in the same
/// statement, on PostgreSQL: built on first use from [`CONTENTS`], with the entry's `INSERT`
/// it was built with.
static RECORDED: [OnceLock<(String, Template)>; 2] = [OnceLock::new(), OnceLock::new()];

/// Reads the plan's contents and records `read` (a practitioner's read of the family,
/// DESIGN rule 6) in the audit trail: on PostgreSQL in one statement, one round trip and one
/// commit, whose rows arrive only once the entry is committed, so that either both happen or
/// the caller gets an error; elsewhere the entry is written first (a read that then fails
/// stays recorded: the trail may say more than was sent, never less).
pub async fn read_recorded(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    ratings: Ratings,
    read: &Read,
) -> AppResult<PlanContents> {
    let backend = db.get_database_backend();
    if !records_in_one_statement(backend) {
        audit::record_each(db, [(read.entry(), read.at)]).await?;
        return self::read(db, plan, ratings).await;
    }
    let (insert, values) = audit::insert_of(read.entry(), read.at);
    let contents = CONTENTS[ratings.index()].get(backend);
    let (built_with, template) = RECORDED[ratings.index()]
        .get_or_init(|| (insert.clone(), contents.after_write(&insert, values.len())));
    // Every entry binds every column, so its `INSERT` is always the one the template was
    // built with; should that ever change, the statement is built for this one.
    let other;
    let template = if *built_with == insert {
        template
    } else {
        other = contents.after_write(&insert, values.len());
        &other
    };
    let arguments: Vec<Value> = arguments_of(plan).into_iter().chain(values).collect();
    let rows = template.rows(db, &arguments).await?;
    assemble(&rows, 0)
}

/// A family, its current plan (the one not closed, as `families::with_current_plan` reads
/// it) and that plan's contents, in one statement: for a reader whose permits to read the
/// family and its plan were decided before anything was read. None when there is no such
/// family.
pub async fn read_with_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    ratings: Ratings,
) -> AppResult<Option<(family::Model, Option<(plan::Model, PlanContents)>)>> {
    let rows = WITH_FAMILY_TEMPLATE[ratings.index()]
        .get(db.get_database_backend())
        .rows(db, &[family_id.into()])
        .await?;
    let Some((family, current)) = super::families::family_and_plan(&rows)? else {
        return Ok(None);
    };
    let Some(plan) = current else {
        return Ok(Some((family, None)));
    };
    let contents = assemble(&rows, WITH_FAMILY)?;
    Ok(Some((family, Some((plan, contents)))))
}

/// The contents from a statement's rows, its branches from `first` on.
fn assemble(rows: &Rows, first: usize) -> AppResult<PlanContents> {
    let mut outcome_rows: Vec<outcome::Model> = rows.of(first + OUTCOMES)?;
    outcome_rows.sort_by_key(|o| (o.position, o.id));
    let mut member_rows: Vec<outcome_member::Model> = rows.of(first + FOR_MEMBERS)?;
    member_rows.sort_by_key(|m| m.member_id);
    let mut members_of: ById<Vec<Uuid>> = ById::default();
    for row in member_rows {
        members_of
            .entry(row.outcome_id)
            .or_default()
            .push(row.member_id);
    }
    let mut note_rows: Vec<outcome_note::Model> = rows.of(first + NOTES)?;
    note_rows.sort_by_key(|n| n.id);
    let mut rating_rows: Vec<progress_rating::Model> = rows.of(first + RATINGS)?;
    rating_rows.sort_by_key(|r| r.id);
    let mut action_rows: Vec<plan_action::Model> = rows.of(first + ACTIONS)?;
    action_rows.sort_by_key(|a| a.id);
    Ok(PlanContents {
        outcomes: outcome_rows,
        members_of,
        notes_of: group(note_rows, |n| n.outcome_id),
        ratings_of: group(rating_rows, |r| r.outcome_id),
        actions_of: group(action_rows, |a| a.outcome_id),
        members: rows
            .of::<family_member::Model>(first + MEMBERS)?
            .into_iter()
            .map(|m| (m.id, m))
            .collect(),
        practitioners: rows
            .of::<practitioner::Model>(first + PRACTITIONERS)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect(),
        services: rows
            .of::<local_service::Model>(first + SERVICES)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect(),
    })
}

fn group<M>(rows: Vec<M>, key: impl Fn(&M) -> Uuid) -> ById<Vec<M>> {
    let mut grouped: ById<Vec<M>> = ById::default();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use entities::plan::PlanStatus;
    use sea_orm::{ActiveModelTrait, Set};

    /// What one statement reads of a family, its current plan and the plan's contents is
    /// what the separate reads give, for every family of the demo: as the demo leaves them;
    /// with that plan closed and a newer one open (none of the closed plan's rows or people
    /// come with it); with none open. A family that does not exist is none.
    #[tokio::test]
    async fn the_plan_read_with_its_family_is_the_plan_read_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::scratch_with_demo(dir.path()).await;
        let families = family::Entity::find().all(&db).await.unwrap();
        let mut planned = None;
        for f in &families {
            if let (Some(plan), _) = current(&db, f.id).await
                && plan.lead_professional_id.is_some()
            {
                planned = Some(f.id);
            }
        }
        let planned = planned.expect("a family with a plan and a lead");
        let (older, _) = current(&db, planned).await;
        let older = older.expect("the demo family's plan");
        assert!(
            !read(&db, &older, Ratings::Every)
                .await
                .unwrap()
                .outcomes
                .is_empty()
        );

        let mut with_contents = 0;
        for round in 0..3 {
            for (f, ratings) in families
                .iter()
                .flat_map(|f| [(f, Ratings::Every), (f, Ratings::LatestOfEachKind)])
            {
                let together = read_with_family(&db, f.id, ratings).await.unwrap().unwrap();
                let (plan, family) = current(&db, f.id).await;
                assert_eq!(together.0, family, "{}, round {round}", f.reference);
                let apart = match plan {
                    Some(plan) => {
                        let contents = read(&db, &plan, ratings).await.unwrap();
                        with_contents += usize::from(!contents.outcomes.is_empty());
                        Some((plan, contents))
                    }
                    None => None,
                };
                assert_eq!(together.1, apart, "{}, round {round}", f.reference);
            }
            let (open, _) = current(&db, planned).await;
            let Some(open) = open else { continue };
            // The plan closes; after the first round a newer one opens, with no outcomes
            // (none of the closed plan's rows or people may come with it); after the second
            // none does.
            let mut closed: plan::ActiveModel = open.clone().into();
            closed.status = Set(PlanStatus::Closed);
            closed.update(&db).await.unwrap();
            if round == 0 {
                let mut newer: plan::ActiveModel = older.clone().into();
                newer.id = Set(Uuid::now_v7());
                newer.created_at = Set(older.created_at + chrono::Duration::seconds(1));
                newer.insert(&db).await.unwrap();
            }
        }
        assert!(current(&db, planned).await.0.is_none());
        assert!(with_contents > 0);
        assert!(
            read_with_family(&db, Uuid::now_v7(), Ratings::Every)
                .await
                .unwrap()
                .is_none()
        );
    }

    /// The one statement gives each table's rows for the plan, as plain reads of each
    /// table find them: the outcomes, who each is for, the notes, ratings and actions under
    /// them, the family's members, every practitioner the rows name and the directory
    /// entries the actions point at. (Unit tests run on SQLite, where the rows under the
    /// outcomes are joined to them; the end-to-end suites read the plan on both databases.)
    #[tokio::test]
    async fn the_contents_are_what_each_table_holds_for_the_plan() {
        use sea_orm::{EntityTrait, QueryFilter};
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::scratch_with_demo(dir.path()).await;
        let mut seen = [0usize; 6];
        for f in family::Entity::find().all(&db).await.unwrap() {
            let (Some(plan), _) = current(&db, f.id).await else {
                continue;
            };
            let got = read(&db, &plan, Ratings::Every).await.unwrap();
            let mut outcomes = outcome::Entity::find()
                .filter(outcome::Column::PlanId.eq(plan.id))
                .all(&db)
                .await
                .unwrap();
            outcomes.sort_by_key(|o| (o.position, o.id));
            let ids: Vec<Uuid> = outcomes.iter().map(|o| o.id).collect();
            let mut members_of: ById<Vec<Uuid>> = ById::default();
            for m in outcome_member::Entity::find()
                .filter(outcome_member::Column::OutcomeId.is_in(ids.clone()))
                .all(&db)
                .await
                .unwrap()
            {
                members_of
                    .entry(m.outcome_id)
                    .or_default()
                    .push(m.member_id);
            }
            members_of.values_mut().for_each(|v| v.sort());
            let notes = outcome_note::Entity::find()
                .filter(outcome_note::Column::OutcomeId.is_in(ids.clone()))
                .all(&db)
                .await
                .unwrap();
            let ratings = progress_rating::Entity::find()
                .filter(progress_rating::Column::OutcomeId.is_in(ids.clone()))
                .all(&db)
                .await
                .unwrap();
            let actions = plan_action::Entity::find()
                .filter(plan_action::Column::PlanId.eq(plan.id))
                .all(&db)
                .await
                .unwrap();
            assert_eq!(got.outcomes, outcomes, "{}", f.reference);
            assert_eq!(got.members_of, members_of, "{}", f.reference);
            let notes_of = group(sorted(notes.clone(), |n| n.id), |n| n.outcome_id);
            let ratings_of = group(sorted(ratings.clone(), |r| r.id), |r| r.outcome_id);
            let actions_of = group(sorted(actions.clone(), |a| a.id), |a| a.outcome_id);
            assert_eq!(got.notes_of, notes_of, "{}", f.reference);
            assert_eq!(got.ratings_of, ratings_of, "{}", f.reference);
            assert_eq!(got.actions_of, actions_of, "{}", f.reference);
            let members = family_member::Entity::find()
                .filter(family_member::Column::FamilyId.eq(f.id))
                .all(&db)
                .await
                .unwrap();
            assert_eq!(got.members.len(), members.len(), "{}", f.reference);
            assert!(members.iter().all(|m| got.members.get(&m.id) == Some(m)));
            let named: IdSet = outcomes
                .iter()
                .filter_map(|o| o.proposed_by_practitioner_id)
                .chain(notes.iter().map(|n| n.practitioner_id))
                .chain(ratings.iter().filter_map(|r| r.practitioner_id))
                .chain(
                    actions
                        .iter()
                        .flat_map(|a| {
                            [
                                a.assignee_practitioner_id,
                                a.created_by_practitioner_id,
                                a.done_by_practitioner_id,
                            ]
                        })
                        .flatten(),
                )
                .chain(plan.lead_professional_id)
                .collect();
            assert_eq!(
                got.practitioners.keys().copied().collect::<IdSet>(),
                named,
                "{}",
                f.reference
            );
            // The entries the actions point at that are still in the directory.
            let services: IdSet = local_service::Entity::find()
                .filter(
                    local_service::Column::Id.is_in(
                        actions
                            .iter()
                            .filter_map(|a| a.service_id)
                            .collect::<Vec<_>>(),
                    ),
                )
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.id)
                .collect();
            assert_eq!(
                got.services.keys().copied().collect::<IdSet>(),
                services,
                "{}",
                f.reference
            );
            for (i, found) in [
                outcomes.len(),
                members_of.len(),
                notes.len(),
                ratings.len(),
                actions.len(),
                services.len(),
            ]
            .into_iter()
            .enumerate()
            {
                seen[i] += found;
            }
        }
        // The demo has rows of every kind, or the test would prove little.
        assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
    }

    /// Reading with the read recorded gives what reading alone gives, and the read is in the
    /// family's trail once. (This runs on SQLite, where the entry is written first; the
    /// end-to-end suites read the plan screen on PostgreSQL, where the contents' statement
    /// writes it.)
    #[tokio::test]
    async fn the_plan_read_recorded_is_the_plan_read_alone_and_is_in_the_trail() {
        use entities::audit_entry;
        use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::scratch_with_demo(dir.path()).await;
        let mut recorded = 0;
        for f in family::Entity::find().all(&db).await.unwrap() {
            let (Some(plan), _) = current(&db, f.id).await else {
                continue;
            };
            let entries = || {
                audit_entry::Entity::find()
                    .filter(audit_entry::Column::FamilyId.eq(f.id))
                    .filter(audit_entry::Column::What.eq("family record, plan"))
                    .count(&db)
            };
            let before = entries().await.unwrap();
            let read = Read {
                family_id: f.id,
                actor: audit::Actor::Operator,
                what: "family record, plan".to_owned(),
                at: chrono::Utc::now(),
            };
            let got = read_recorded(&db, &plan, Ratings::Every, &read)
                .await
                .unwrap();
            assert_eq!(got, self::read(&db, &plan, Ratings::Every).await.unwrap());
            assert_eq!(entries().await.unwrap(), before + 1, "{}", f.reference);
            recorded += 1;
        }
        assert!(recorded > 0, "the demo has plans");
    }

    fn sorted<T>(mut rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> Vec<T> {
        rows.sort_by_key(key);
        rows
    }

    /// The family and its current plan, as read apart.
    async fn current(
        db: &sea_orm::DatabaseConnection,
        family_id: Uuid,
    ) -> (Option<plan::Model>, family::Model) {
        let (family, plan) = crate::domain::families::with_current_plan(db, family_id)
            .await
            .unwrap()
            .unwrap();
        (plan, family)
    }
}
