//! Outcomes: what the family wants to achieve, in their own words. Only family members
//! write, amend and choose them (DESIGN rule 3); practitioners propose outcomes and add
//! notes beside the family's words. Every change moves the plan's version on.
use super::audit::Actor;
use super::framework::OutcomeFramework;
use super::plans::{self, Subject};
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, NaiveDate, Utc};
use entities::outcome::{self, OutcomeStatus};
use entities::progress_rating::{self, RatingSource};
use entities::{family_member, outcome_member, outcome_note};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashSet;
use uuid::Uuid;

/// A gap this large between the family's and the practitioner's latest ratings is flagged.
pub const LARGE_RATING_GAP: i16 = 3;

pub async fn find(db: &impl ConnectionTrait, outcome_id: Uuid) -> AppResult<outcome::Model> {
    outcome::Entity::find_by_id(outcome_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The members an outcome is for; empty for the whole family.
pub async fn members_of(db: &impl ConnectionTrait, outcome_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(outcome_member::Entity::find()
        .filter(outcome_member::Column::OutcomeId.eq(outcome_id))
        .order_by_asc(outcome_member::Column::MemberId)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.member_id)
        .collect())
}

pub struct NewOutcome<'a> {
    pub words: &'a str,
    pub area_code: &'a str,
    pub for_members: &'a [Uuid],
    pub target_date: Option<NaiveDate>,
}

/// A family member writes an outcome (it is theirs, so it is chosen at once), or a
/// practitioner proposes one for the family to choose or decline.
pub async fn add(
    db: &impl ConnectionTrait,
    framework: &OutcomeFramework,
    plan_id: Uuid,
    expected: i32,
    new: NewOutcome<'_>,
    permit: &Permit,
) -> AppResult<outcome::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let words = text::required(
        "words",
        "the outcome in your own words",
        new.words,
        1000,
        &mut errors,
    );
    let area = area(framework, new.area_code, &mut errors);
    check_target_date(new.target_date, now, &mut errors);
    let (Some(area), true) = (area, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let plan = plans::advance(db, plan_id, expected, now).await?;
    check_members(db, plan.family_id, new.for_members).await?;
    let last = outcome::Entity::find()
        .filter(outcome::Column::PlanId.eq(plan.id))
        .order_by_desc(outcome::Column::Position)
        .one(db)
        .await?
        .map_or(0, |o| o.position);
    let (member, practitioner) = actor.ids();
    let status = if member.is_some() {
        OutcomeStatus::Chosen
    } else {
        OutcomeStatus::Proposed
    };
    let created = outcome::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan.id),
        family_id: Set(plan.family_id),
        position: Set(last + 1),
        words: Set(words),
        area_code: Set(area.code.clone()),
        area_label: Set(area.label.clone()),
        framework_version: Set(framework.version.clone()),
        target_date: Set(new.target_date),
        status: Set(status),
        proposed_by_member_id: Set(member),
        proposed_by_practitioner_id: Set(practitioner),
        decline_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        // Issue 14: a young person's own words start private to them and the team.
        private: Set(permit.writes_privately()),
    }
    .insert(db)
    .await?;
    set_members(db, created.id, new.for_members).await?;
    let what = if status == OutcomeStatus::Chosen {
        "wrote and chose an outcome"
    } else {
        "proposed an outcome"
    };
    plans::record_change(db, &plan, permit, Subject::outcome(created.id), what, None).await?;
    Ok(created)
}

/// What a family member changes about an outcome; `None` leaves a part as it is.
#[derive(Default)]
pub struct Amendment<'a> {
    pub words: Option<&'a str>,
    pub area_code: Option<&'a str>,
    pub for_members: Option<&'a [Uuid]>,
    /// `Some(None)` clears the target date.
    pub target_date: Option<Option<NaiveDate>>,
}

/// Amends `current` (the outcome and its members as read before the plan's version was
/// checked: any change since moved the version on, so the check refuses a stale read).
pub async fn amend(
    db: &impl ConnectionTrait,
    framework: &OutcomeFramework,
    (current, current_members): (&outcome::Model, &[Uuid]),
    expected: i32,
    change: Amendment<'_>,
    permit: &Permit,
) -> AppResult<outcome::Model> {
    let now = permit.at();
    let mut errors = vec![];
    let words = change.words.map(|w| {
        text::required(
            "words",
            "the outcome in your own words",
            w,
            1000,
            &mut errors,
        )
    });
    let area = change.area_code.map(|c| area(framework, c, &mut errors));
    if let Some(date) = change.target_date {
        check_target_date(date, now, &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let outcome_id = current.id;
    if !matches!(
        current.status,
        OutcomeStatus::Proposed | OutcomeStatus::Chosen
    ) {
        return Err(not_now("This outcome is no longer open to changes."));
    }
    let plan = plans::advance(db, current.plan_id, expected, now).await?;
    let mut parts = vec![];
    let previous_words = current.words.clone();
    let mut active: outcome::ActiveModel = current.clone().into();
    if let Some(words) = words.filter(|w| *w != current.words) {
        active.words = Set(words);
        parts.push("the words");
    }
    if let Some(Some(area)) = area.filter(|a| a.is_some_and(|a| a.code != current.area_code)) {
        active.area_code = Set(area.code.clone());
        active.area_label = Set(area.label.clone());
        active.framework_version = Set(framework.version.clone());
        parts.push("the outcome area");
    }
    if let Some(date) = change.target_date.filter(|d| *d != current.target_date) {
        active.target_date = Set(date);
        parts.push("the target date");
    }
    if let Some(members) = change.for_members {
        check_members(db, current.family_id, members).await?;
        if sorted(members) != current_members {
            set_members(db, outcome_id, members).await?;
            parts.push("who it is for");
        }
    }
    if parts.is_empty() {
        return Err(AppError::invalid(
            &["outcome"],
            UserErrorCode::Unchanged,
            "That is how the outcome already reads, so nothing was changed.",
        ));
    }
    active.updated_at = Set(now);
    let updated = active.update(db).await?;
    let what = format!("amended {}", parts.join(", "));
    // The words before the change are kept in the history, never lost.
    let detail = (updated.words != previous_words).then_some(previous_words);
    plans::record_change(
        db,
        &plan,
        permit,
        Subject::outcome(outcome_id),
        &what,
        detail,
    )
    .await?;
    Ok(updated)
}

/// The moves an outcome's status can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The family moves a proposal (or one they declined before) into the plan.
    Choose,
    /// The family says no to a practitioner's proposal, optionally saying why.
    Decline,
    /// The family takes an outcome out of the plan.
    Withdraw,
    Achieved,
    NotAchieved,
}

impl Move {
    fn allowed_from(self) -> &'static [OutcomeStatus] {
        use OutcomeStatus::*;
        match self {
            Move::Choose => &[Proposed, Declined],
            Move::Decline => &[Proposed],
            Move::Withdraw => &[Proposed, Chosen],
            Move::Achieved | Move::NotAchieved => &[Chosen],
        }
    }

    fn to(self) -> OutcomeStatus {
        match self {
            Move::Choose => OutcomeStatus::Chosen,
            Move::Decline => OutcomeStatus::Declined,
            Move::Withdraw => OutcomeStatus::Withdrawn,
            Move::Achieved => OutcomeStatus::Achieved,
            Move::NotAchieved => OutcomeStatus::NotAchieved,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Move::Choose => "chose the outcome",
            Move::Decline => "declined the proposed outcome",
            Move::Withdraw => "withdrew the outcome",
            Move::Achieved => "recorded the outcome as achieved",
            Move::NotAchieved => "recorded the outcome as not achieved",
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Move::Choose => "Only a proposed or declined outcome can be chosen.",
            Move::Decline => "Only a proposed outcome can be declined.",
            Move::Withdraw => "Only a proposed or chosen outcome can be withdrawn.",
            Move::Achieved | Move::NotAchieved => {
                "Only a chosen outcome can be recorded as achieved or not achieved."
            }
        }
    }
}

pub async fn move_to(
    db: &impl ConnectionTrait,
    outcome_id: Uuid,
    expected: i32,
    step: Move,
    reason: Option<&str>,
    permit: &Permit,
) -> AppResult<outcome::Model> {
    let now = permit.at();
    let mut errors = vec![];
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| text::required("reason", "the reason", r, 2000, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let current = find(db, outcome_id).await?;
    let plan = plans::advance(db, current.plan_id, expected, now).await?;
    if !step.allowed_from().contains(&current.status) {
        return Err(not_now(step.refusal()));
    }
    let mut active: outcome::ActiveModel = current.into();
    active.status = Set(step.to());
    if step == Move::Decline {
        active.decline_reason = Set(reason.clone());
    }
    active.updated_at = Set(now);
    let updated = active.update(db).await?;
    plans::record_change(
        db,
        &plan,
        permit,
        Subject::outcome(outcome_id),
        step.what(),
        reason,
    )
    .await?;
    Ok(updated)
}

/// The family puts the plan's outcomes in their order of priority; `ordered` names every
/// outcome in the plan once.
pub async fn reorder(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    expected: i32,
    ordered: &[Uuid],
    permit: &Permit,
) -> AppResult<Vec<outcome::Model>> {
    let now = permit.at();
    let plan = plans::advance(db, plan_id, expected, now).await?;
    let outcomes = outcome::Entity::find()
        .filter(outcome::Column::PlanId.eq(plan_id))
        .all(db)
        .await?;
    // A young person's private outcomes are not the actor's to see (issue 14): they keep
    // their order after the ones listed.
    let mut kept: Vec<&outcome::Model> = outcomes
        .iter()
        .filter(|o| permit.kept_from_actor(o.private.then_some(o.proposed_by_member_id).flatten()))
        .collect();
    kept.sort_by_key(|o| (o.position, o.id));
    let given: HashSet<Uuid> = ordered.iter().copied().collect();
    let existing: HashSet<Uuid> = outcomes
        .iter()
        .map(|o| o.id)
        .filter(|id| !kept.iter().any(|k| k.id == *id))
        .collect();
    if given.len() != ordered.len() || given != existing {
        return Err(AppError::invalid(
            &["outcomes"],
            UserErrorCode::Invalid,
            "Please list every outcome in the plan exactly once, in the order you want.",
        ));
    }
    let ordered: Vec<Uuid> = ordered
        .iter()
        .copied()
        .chain(kept.iter().map(|k| k.id))
        .collect();
    let mut reordered = Vec::with_capacity(outcomes.len());
    for (index, id) in ordered.iter().enumerate() {
        let Some(outcome) = outcomes.iter().find(|o| o.id == *id) else {
            continue;
        };
        let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
        if outcome.position == position {
            reordered.push(outcome.clone());
            continue;
        }
        let mut active: outcome::ActiveModel = outcome.clone().into();
        active.position = Set(position);
        active.updated_at = Set(now);
        reordered.push(active.update(db).await?);
    }
    plans::record_change(
        db,
        &plan,
        permit,
        Subject::PLAN,
        "reordered the outcomes",
        None,
    )
    .await?;
    Ok(reordered)
}

/// A practitioner's note beside the family's words.
pub async fn add_note(
    db: &impl ConnectionTrait,
    outcome_id: Uuid,
    expected: i32,
    body: &str,
    permit: &Permit,
) -> AppResult<outcome_note::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let body = text::required("body", "your note", body, 4000, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let Actor::Practitioner {
        id,
        organisation_id,
        ..
    } = actor
    else {
        return Err(AppError::Forbidden);
    };
    let current = find(db, outcome_id).await?;
    let plan = plans::advance(db, current.plan_id, expected, now).await?;
    let note = outcome_note::ActiveModel {
        id: Set(Uuid::now_v7()),
        outcome_id: Set(outcome_id),
        family_id: Set(current.family_id),
        practitioner_id: Set(id),
        organisation_id: Set(organisation_id),
        body: Set(body),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    plans::record_change(
        db,
        &plan,
        permit,
        Subject::outcome(outcome_id),
        "added a note",
        None,
    )
    .await?;
    Ok(note)
}

/// Rates progress towards a chosen outcome, 1 to 10: the family's rating and the
/// practitioners' are kept apart.
pub async fn rate(
    db: &impl ConnectionTrait,
    outcome_id: Uuid,
    expected: i32,
    score: i32,
    comment: Option<&str>,
    permit: &Permit,
) -> AppResult<progress_rating::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    if !(1..=10).contains(&score) {
        errors.push(UserError::new(
            &["score"],
            UserErrorCode::OutOfRange,
            "Please give a score from 1 to 10.",
        ));
    }
    let comment = comment
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| text::required("comment", "a comment", c, 2000, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let current = find(db, outcome_id).await?;
    let plan = plans::advance(db, current.plan_id, expected, now).await?;
    if current.status != OutcomeStatus::Chosen {
        return Err(not_now(
            "Progress can be rated only on an outcome the family has chosen.",
        ));
    }
    let (member, practitioner) = actor.ids();
    let source = if member.is_some() {
        RatingSource::Family
    } else {
        RatingSource::Practitioner
    };
    let rating = progress_rating::ActiveModel {
        id: Set(Uuid::now_v7()),
        outcome_id: Set(outcome_id),
        family_id: Set(current.family_id),
        source: Set(source),
        score: Set(i16::try_from(score).unwrap_or(0)),
        comment: Set(comment),
        member_id: Set(member),
        practitioner_id: Set(practitioner),
        rated_at: Set(now),
        private: Set(permit.writes_privately()),
    }
    .insert(db)
    .await?;
    let what = format!("rated progress {score} out of 10");
    plans::record_change(db, &plan, permit, Subject::outcome(outcome_id), &what, None).await?;
    Ok(rating)
}

/// The latest family and practitioner ratings side by side, and whether they are far apart.
pub fn gap_is_large(family: Option<i16>, practitioner: Option<i16>) -> bool {
    matches!((family, practitioner), (Some(f), Some(p)) if (f - p).abs() >= LARGE_RATING_GAP)
}

fn area<'f>(
    framework: &'f OutcomeFramework,
    code: &str,
    errors: &mut Vec<UserError>,
) -> Option<&'f super::framework::OutcomeArea> {
    let found = framework.area(code.trim());
    if found.is_none() {
        errors.push(UserError::new(
            &["area"],
            UserErrorCode::Invalid,
            "Please pick one of the outcome areas the app offers.",
        ));
    }
    found
}

fn check_target_date(date: Option<NaiveDate>, now: DateTime<Utc>, errors: &mut Vec<UserError>) {
    if date.is_some_and(|d| d < now.date_naive()) {
        errors.push(UserError::new(
            &["targetDate"],
            UserErrorCode::OutOfRange,
            "Please pick a target date from today on.",
        ));
    }
}

/// Checks that everyone named belongs to the family.
async fn check_members(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    members: &[Uuid],
) -> AppResult<()> {
    if members.is_empty() {
        return Ok(());
    }
    let found = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family_id))
        .filter(family_member::Column::Id.is_in(members.iter().copied()))
        .all(db)
        .await?;
    let unique: HashSet<&Uuid> = members.iter().collect();
    if found.len() != unique.len() {
        return Err(AppError::invalid(
            &["for"],
            UserErrorCode::NotFound,
            "Everyone an outcome is for must be a member of this family.",
        ));
    }
    Ok(())
}

async fn set_members(
    db: &impl ConnectionTrait,
    outcome_id: Uuid,
    members: &[Uuid],
) -> AppResult<()> {
    outcome_member::Entity::delete_many()
        .filter(outcome_member::Column::OutcomeId.eq(outcome_id))
        .exec(db)
        .await?;
    let rows: Vec<_> = sorted(members)
        .into_iter()
        .map(|member_id| outcome_member::ActiveModel {
            outcome_id: Set(outcome_id),
            member_id: Set(member_id),
        })
        .collect();
    if !rows.is_empty() {
        outcome_member::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

fn sorted(members: &[Uuid]) -> Vec<Uuid> {
    let mut members = members.to_vec();
    members.sort_unstable();
    members.dedup();
    members
}

fn not_now(message: &str) -> AppError {
    AppError::invalid(&["outcome"], UserErrorCode::NotAllowedNow, message)
}
