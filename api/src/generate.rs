//! A synthetic county for benchmarks: `family-plan admin generate --families N`.
//!
//! Organisations and practitioners, then per family: parents (one who signs in), children,
//! a consent for all partners, a team of two to four practitioners, an active plan led by
//! one of them with 3 to 12 outcomes, notes, ratings from both sides over time, actions
//! (some done, some overdue), the plan's history and some audited reads. Rows are made in
//! memory and written with multi-row inserts, a thousand families per transaction, on
//! SQLite and PostgreSQL alike. Seeded: the same N gives the same county.
use crate::error::AppResult;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::consent::ConsentScope;
use entities::family_member::MemberRelation;
use entities::organisation::OrganisationKind;
use entities::outcome::OutcomeStatus;
use entities::plan::PlanStatus;
use entities::plan_change::ChangeSide;
use entities::practitioner_role::Role;
use entities::progress_rating::RatingSource;
use entities::{
    account, audit_entry, consent, family, family_member, organisation, outcome, outcome_member,
    outcome_note, parental_responsibility, plan, plan_action, plan_change, practitioner,
    practitioner_role, progress_rating, team_member,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, TransactionTrait,
};
use uuid::Uuid;

/// Families written per transaction.
const CHUNK: usize = 1000;
/// Bind parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMETERS: usize = 30_000;
const AREAS: [(&str, &str); 6] = [
    ("EDUCATION", "Getting a good education"),
    ("HEALTH", "Improved physical and mental health"),
    ("HOUSING", "Secure housing"),
    ("WORK", "Financial stability"),
    ("SAFETY", "Children safe from abuse and exploitation"),
    ("FAMILY", "Family relationships"),
];
const LOCALITIES: [&str; 5] = ["North", "South", "East", "West", "Central"];

/// The parent who signs in, in family `n` (from 1).
pub fn parent_email(n: usize) -> String {
    format!("parent{n}@generated.example")
}

/// Practitioner `n` (from 1).
pub fn practitioner_email(n: usize) -> String {
    format!("practitioner{n}@generated.example")
}

/// What was written.
#[derive(Debug, Default)]
pub struct Generated {
    pub families: usize,
    pub practitioners: usize,
    pub rows: usize,
}

/// Rows of one table waiting to be written.
struct Batch<A: ActiveModelTrait> {
    rows: Vec<A>,
}

impl<A> Batch<A>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    fn new() -> Self {
        Self { rows: vec![] }
    }

    fn push(&mut self, model: <A::Entity as EntityTrait>::Model) {
        self.rows.push(model.into_active_model());
    }

    async fn write(&mut self, db: &impl ConnectionTrait) -> AppResult<usize> {
        let columns = <<A::Entity as EntityTrait>::Column as sea_orm::Iterable>::iter().count();
        let per_statement = (PARAMETERS / columns.max(1)).max(1);
        let rows = std::mem::take(&mut self.rows);
        let written = rows.len();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
            <A::Entity as EntityTrait>::insert_many(chunk)
                .exec_without_returning(db)
                .await?;
        }
        Ok(written)
    }
}

/// One transaction's worth of rows, table by table in foreign-key order.
struct Rows {
    accounts: Batch<account::ActiveModel>,
    families: Batch<family::ActiveModel>,
    members: Batch<family_member::ActiveModel>,
    responsibilities: Batch<parental_responsibility::ActiveModel>,
    consents: Batch<consent::ActiveModel>,
    team: Batch<team_member::ActiveModel>,
    plans: Batch<plan::ActiveModel>,
    outcomes: Batch<outcome::ActiveModel>,
    outcome_members: Batch<outcome_member::ActiveModel>,
    notes: Batch<outcome_note::ActiveModel>,
    ratings: Batch<progress_rating::ActiveModel>,
    actions: Batch<plan_action::ActiveModel>,
    changes: Batch<plan_change::ActiveModel>,
    audit: Batch<audit_entry::ActiveModel>,
}

impl Rows {
    fn new() -> Self {
        Self {
            accounts: Batch::new(),
            families: Batch::new(),
            members: Batch::new(),
            responsibilities: Batch::new(),
            consents: Batch::new(),
            team: Batch::new(),
            plans: Batch::new(),
            outcomes: Batch::new(),
            outcome_members: Batch::new(),
            notes: Batch::new(),
            ratings: Batch::new(),
            actions: Batch::new(),
            changes: Batch::new(),
            audit: Batch::new(),
        }
    }

    async fn write(&mut self, db: &DatabaseConnection) -> AppResult<usize> {
        let txn = db.begin().await?;
        let mut n = self.accounts.write(&txn).await?;
        n += self.families.write(&txn).await?;
        n += self.members.write(&txn).await?;
        n += self.responsibilities.write(&txn).await?;
        n += self.consents.write(&txn).await?;
        n += self.team.write(&txn).await?;
        n += self.plans.write(&txn).await?;
        n += self.outcomes.write(&txn).await?;
        n += self.outcome_members.write(&txn).await?;
        n += self.notes.write(&txn).await?;
        n += self.ratings.write(&txn).await?;
        n += self.actions.write(&txn).await?;
        n += self.changes.write(&txn).await?;
        n += self.audit.write(&txn).await?;
        txn.commit().await?;
        Ok(n)
    }
}

struct Staff {
    id: Uuid,
    organisation_id: Uuid,
}

/// Fills `db` with `families` generated families (on top of whatever is there).
pub async fn county(
    db: &DatabaseConnection,
    families: usize,
    now: DateTime<Utc>,
) -> AppResult<Generated> {
    let mut rng = StdRng::seed_from_u64(families as u64);
    let mut generated = Generated::default();
    let kinds = [
        OrganisationKind::Education,
        OrganisationKind::Health,
        OrganisationKind::Council,
        OrganisationKind::Housing,
        OrganisationKind::Police,
        OrganisationKind::Voluntary,
    ];
    let organisations: Vec<organisation::Model> = (0..30)
        .map(|i| organisation::Model {
            id: Uuid::now_v7(),
            name: format!("Generated organisation {}", i + 1),
            kind: kinds[i % kinds.len()],
            created_at: now - Duration::days(900),
        })
        .collect();
    let staff_count = (families / 8).max(10);
    let mut orgs = Batch::<organisation::ActiveModel>::new();
    let mut accounts = Batch::<account::ActiveModel>::new();
    let mut people = Batch::<practitioner::ActiveModel>::new();
    let mut roles = Batch::<practitioner_role::ActiveModel>::new();
    let mut staff = Vec::with_capacity(staff_count);
    for o in &organisations {
        orgs.push(o.clone());
    }
    for n in 1..=staff_count {
        let account_id = Uuid::now_v7();
        let organisation_id = organisations[rng.random_range(0..organisations.len())].id;
        accounts.push(account::Model {
            id: account_id,
            email: practitioner_email(n),
            created_at: now - Duration::days(800),
        });
        let id = Uuid::now_v7();
        people.push(practitioner::Model {
            id,
            account_id,
            organisation_id,
            name: format!("Practitioner {n}"),
            created_at: now - Duration::days(800),
        });
        roles.push(practitioner_role::Model {
            practitioner_id: id,
            role: Role::Practitioner,
        });
        staff.push(Staff {
            id,
            organisation_id,
        });
    }
    let txn = db.begin().await?;
    generated.rows += orgs.write(&txn).await?;
    generated.rows += accounts.write(&txn).await?;
    generated.rows += people.write(&txn).await?;
    generated.rows += roles.write(&txn).await?;
    txn.commit().await?;
    generated.practitioners = staff_count;

    let mut rows = Rows::new();
    for n in 1..=families {
        family_rows(&mut rows, &mut rng, &staff, n, now);
        if n % CHUNK == 0 || n == families {
            generated.rows += rows.write(db).await?;
        }
    }
    generated.families = families;
    // Fresh statistics, so the planner uses the indexes at once: before autovacuum got to the
    // new rows, PostgreSQL scanned all ratings for one plan (48 ms instead of 0.1 ms).
    db.execute_unprepared("ANALYZE").await?;
    Ok(generated)
}

fn family_rows(rows: &mut Rows, rng: &mut StdRng, staff: &[Staff], n: usize, now: DateTime<Utc>) {
    let days =
        |rng: &mut StdRng, from: i64, to: i64| now - Duration::days(rng.random_range(from..to));
    let opened = days(rng, 200, 700);
    let family_id = Uuid::now_v7();
    rows.families.push(family::Model {
        id: family_id,
        reference: format!("GEN-{n:07}"),
        local_area: LOCALITIES[n % LOCALITIES.len()].to_owned(),
        need_level: rng.random_range(2..=3),
        created_at: opened,
    });
    // Members: the parent who signs in, perhaps a second adult, one to three children.
    let account_id = Uuid::now_v7();
    rows.accounts.push(account::Model {
        id: account_id,
        email: parent_email(n),
        created_at: opened,
    });
    let born = |rng: &mut StdRng, age_from: i64, age_to: i64| -> NaiveDate {
        (now - Duration::days(rng.random_range(age_from * 365..age_to * 365))).date_naive()
    };
    let parent = Uuid::now_v7();
    let mut members = vec![(parent, MemberRelation::AdultWithParentalResponsibility)];
    if rng.random_bool(0.5) {
        members.push((
            Uuid::now_v7(),
            MemberRelation::AdultWithParentalResponsibility,
        ));
    }
    for _ in 0..rng.random_range(1..=3) {
        members.push((Uuid::now_v7(), MemberRelation::Child));
    }
    // Young people of 16 or more: the default age from which they decide about their own
    // information.
    let sixteen = (now - Duration::days(16 * 365)).date_naive();
    let mut deciding = vec![];
    for (i, (id, relation)) in members.iter().enumerate() {
        let child = *relation == MemberRelation::Child;
        let date_of_birth = if child {
            born(rng, 4, 17)
        } else {
            born(rng, 25, 50)
        };
        if child && date_of_birth <= sixteen {
            deciding.push(*id);
        }
        rows.members.push(family_member::Model {
            id: *id,
            family_id,
            account_id: (i == 0).then_some(account_id),
            name: format!(
                "{} {i} of family {n}",
                if child { "Child" } else { "Adult" }
            ),
            date_of_birth,
            relation: *relation,
            competent_to_consent: false,
            created_at: opened,
        });
    }
    let children: Vec<Uuid> = members
        .iter()
        .filter(|(_, r)| *r == MemberRelation::Child)
        .map(|(id, _)| *id)
        .collect();
    // Issue 14: each parent holds parental responsibility for each child.
    for (adult, relation) in &members {
        if *relation == MemberRelation::AdultWithParentalResponsibility {
            for child in &children {
                rows.responsibilities.push(parental_responsibility::Model {
                    family_id,
                    adult_member_id: *adult,
                    child_member_id: *child,
                });
            }
        }
    }
    // The team: two to four practitioners; the first leads the plan.
    let mut team: Vec<&Staff> = Vec::new();
    while team.len() < rng.random_range(2..=4) {
        let s = &staff[rng.random_range(0..staff.len())];
        if !team.iter().any(|t| t.id == s.id) {
            team.push(s);
        }
    }
    rows.consents.push(consent::Model {
        id: Uuid::now_v7(),
        family_id,
        given_by_member_id: parent,
        subject_member_id: None,
        scope: ConsentScope::AllPartners,
        expires_at: None,
        evidence: Some(format!("Form GEN-{n:07}")),
        recorded_by_practitioner_id: Some(team[0].id),
        created_at: opened,
        withdrawn_at: None,
        withdrawn_by_member_id: None,
    });
    // Each of them has given their own consent, for all partners, so that a practitioner's
    // screen reads their standing as in a real county. No random draw: the rest of the county
    // is the same as without them.
    for young in deciding {
        rows.consents.push(consent::Model {
            id: Uuid::now_v7(),
            family_id,
            given_by_member_id: young,
            subject_member_id: Some(young),
            scope: ConsentScope::AllPartners,
            expires_at: None,
            evidence: None,
            recorded_by_practitioner_id: None,
            created_at: opened,
            withdrawn_at: None,
            withdrawn_by_member_id: None,
        });
    }
    for t in &team {
        rows.team.push(team_member::Model {
            id: Uuid::now_v7(),
            family_id,
            practitioner_id: t.id,
            added_by_practitioner_id: Some(team[0].id),
            joined_at: opened,
            left_at: None,
            removed_by_practitioner_id: None,
            leaving_reason: None,
        });
    }
    let plan_id = Uuid::now_v7();
    let mut version = 0;
    let change = |rows: &mut Rows,
                  version: &mut i32,
                  outcome_id: Option<Uuid>,
                  action_id: Option<Uuid>,
                  by: (Option<Uuid>, Option<Uuid>),
                  what: &str,
                  at: DateTime<Utc>| {
        *version += 1;
        rows.changes.push(plan_change::Model {
            id: Uuid::now_v7(),
            plan_id,
            family_id,
            outcome_id,
            action_id,
            by_member_id: by.0,
            by_practitioner_id: by.1,
            by_side: if by.1.is_some() {
                ChangeSide::Practitioner
            } else {
                ChangeSide::Family
            },
            what: what.to_owned(),
            detail: None,
            plan_version: *version,
            at,
        });
    };
    let started = opened + Duration::days(10);
    for position in 1..=rng.random_range(3..=12) {
        let outcome_id = Uuid::now_v7();
        let (code, label) = AREAS[rng.random_range(0..AREAS.len())];
        let by_practitioner = rng.random_bool(0.3);
        let proposer = team[rng.random_range(0..team.len())];
        let written = started + Duration::days(rng.random_range(0..20));
        rows.outcomes.push(outcome::Model {
            id: outcome_id,
            plan_id,
            family_id,
            position,
            words: format!("Outcome {position} of family {n}, in their own words"),
            area_code: code.to_owned(),
            area_label: label.to_owned(),
            framework_version: "generated".to_owned(),
            target_date: Some((now + Duration::days(rng.random_range(30..200))).date_naive()),
            status: OutcomeStatus::Chosen,
            proposed_by_member_id: (!by_practitioner).then_some(parent),
            proposed_by_practitioner_id: by_practitioner.then_some(proposer.id),
            decline_reason: None,
            created_at: written,
            updated_at: written,
            private: false,
        });
        let by = if by_practitioner {
            (None, Some(proposer.id))
        } else {
            (Some(parent), None)
        };
        change(
            rows,
            &mut version,
            Some(outcome_id),
            None,
            by,
            "wrote the outcome",
            written,
        );
        if !children.is_empty() && rng.random_bool(0.4) {
            rows.outcome_members.push(outcome_member::Model {
                outcome_id,
                member_id: children[rng.random_range(0..children.len())],
            });
        }
        for i in 0..rng.random_range(0..=3) {
            let author = team[rng.random_range(0..team.len())];
            let at = written + Duration::days(5 + i * 7);
            rows.notes.push(outcome_note::Model {
                id: Uuid::now_v7(),
                outcome_id,
                family_id,
                practitioner_id: author.id,
                organisation_id: author.organisation_id,
                body: format!("A note on outcome {position}"),
                created_at: at,
            });
            change(
                rows,
                &mut version,
                Some(outcome_id),
                None,
                (None, Some(author.id)),
                "added a note",
                at,
            );
        }
        for i in 0..rng.random_range(2..=6) {
            let family_side = i % 2 == 0;
            let rater = team[rng.random_range(0..team.len())];
            let at = written + Duration::days(14 * (i + 1));
            rows.ratings.push(progress_rating::Model {
                id: Uuid::now_v7(),
                outcome_id,
                family_id,
                source: if family_side {
                    RatingSource::Family
                } else {
                    RatingSource::Practitioner
                },
                score: rng.random_range(1..=10),
                comment: None,
                member_id: family_side.then_some(parent),
                practitioner_id: (!family_side).then_some(rater.id),
                rated_at: at,
                private: false,
            });
            let by = if family_side {
                (Some(parent), None)
            } else {
                (None, Some(rater.id))
            };
            change(
                rows,
                &mut version,
                Some(outcome_id),
                None,
                by,
                "rated progress",
                at,
            );
        }
        for _ in 0..rng.random_range(1..=3) {
            let action_id = Uuid::now_v7();
            let creator = team[rng.random_range(0..team.len())];
            let to_family = rng.random_bool(0.3);
            let done = rng.random_bool(0.4);
            let at = written + Duration::days(3);
            rows.actions.push(plan_action::Model {
                id: action_id,
                outcome_id,
                plan_id,
                family_id,
                description: format!("A step towards outcome {position}"),
                assignee_practitioner_id: (!to_family).then_some(creator.id),
                assignee_member_id: to_family.then_some(parent),
                due_date: Some((now + Duration::days(rng.random_range(-60..90))).date_naive()),
                done_at: done.then_some(at + Duration::days(10)),
                done_by_member_id: None,
                done_by_practitioner_id: done.then_some(creator.id),
                created_by_member_id: None,
                created_by_practitioner_id: Some(creator.id),
                created_at: at,
                service_id: None,
            });
            change(
                rows,
                &mut version,
                Some(outcome_id),
                Some(action_id),
                (None, Some(creator.id)),
                "added an action",
                at,
            );
        }
    }
    rows.plans.push(plan::Model {
        id: plan_id,
        family_id,
        status: PlanStatus::Active,
        version,
        review_date: Some((now + Duration::days(rng.random_range(10..90))).date_naive()),
        lead_professional_id: Some(team[0].id),
        created_at: started,
        created_by_member_id: Some(parent),
        created_by_practitioner_id: None,
        activated_at: Some(started + Duration::days(1)),
        closed_at: None,
        closing_summary: None,
        updated_at: now - Duration::days(1),
    });
    for t in &team {
        for _ in 0..rng.random_range(1..=3) {
            rows.audit.push(audit_entry::Model {
                id: Uuid::now_v7(),
                family_id,
                actor_practitioner_id: Some(t.id),
                actor_member_id: None,
                actor_organisation_id: Some(t.organisation_id),
                actor_role: "practitioner".to_owned(),
                kind: "read".to_owned(),
                what: "plan".to_owned(),
                override_id: None,
                occurred_at: days(rng, 1, 100),
                outcome_id: None,
                about_member_id: None,
            });
        }
    }
}
