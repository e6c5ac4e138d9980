//! Team Around the Family meetings and reviews: scheduled by the team, the family's views
//! given beforehand in their own words, then recorded (who came, summary, decisions, the
//! next review date). A young person may keep their view private (DESIGN rule 5): who reads
//! it is decided by `access::visibility::may_see_meeting_view`.
use super::{plans, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::NaiveDate;
use entities::family_member::{self, MemberRelation};
use entities::meeting::{self, MeetingKind};
use entities::{meeting_attendee, meeting_view, practitioner};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// How far back a meeting held earlier may still be added.
const MAX_DAYS_BACK: i64 = 366;

pub async fn find(db: &impl ConnectionTrait, meeting_id: Uuid) -> AppResult<meeting::Model> {
    meeting::Entity::find_by_id(meeting_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["meeting"],
                UserErrorCode::NotFound,
                "We could not find that meeting.",
            )
        })
}

/// Records a step on the family's current plan (history, audit, live event, digests).
async fn change(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    permit: &Permit,
    what: &str,
) -> AppResult<entities::plan::Model> {
    let now = permit.at();
    let plan = plans::advance_unconditionally(db, plan_id, now).await?;
    plans::record_change(db, &plan, permit, plans::Subject::PLAN, what, None).await?;
    Ok(plan)
}

fn kind_label(kind: MeetingKind) -> &'static str {
    match kind {
        MeetingKind::TeamAroundTheFamily => "a Team Around the Family meeting",
        MeetingKind::Review => "a review meeting",
    }
}

/// A practitioner on the team schedules a meeting of the family's current plan.
pub async fn schedule(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    kind: MeetingKind,
    held_on: NaiveDate,
    permit: &Permit,
) -> AppResult<meeting::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let by = actor.practitioner_id().ok_or(AppError::Forbidden)?;
    if held_on < now.date_naive() - chrono::Duration::days(MAX_DAYS_BACK) {
        return Err(AppError::invalid(
            &["heldOn"],
            UserErrorCode::OutOfRange,
            "Meetings can be added for dates up to a year ago.",
        ));
    }
    let plan = plans::current(db, family_id).await?.ok_or_else(|| {
        AppError::invalid(
            &["family"],
            UserErrorCode::NotAllowedNow,
            "The family needs a plan before the team can meet about it.",
        )
    })?;
    let meeting = meeting::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        plan_id: Set(plan.id),
        kind: Set(kind),
        held_on: Set(held_on),
        scheduled_by_practitioner_id: Set(by),
        created_at: Set(now),
        summary: Set(None),
        decisions: Set(None),
        next_review_date: Set(None),
        recorded_by_practitioner_id: Set(None),
        recorded_at: Set(None),
    }
    .insert(db)
    .await?;
    let what = format!(
        "scheduled {} for {}",
        kind_label(kind),
        held_on.format("%-d %B %Y")
    );
    change(db, plan.id, permit, &what).await?;
    Ok(meeting)
}

/// Who gives a view: the family member themselves.
pub struct Viewpoint<'a> {
    pub meeting_id: Uuid,
    pub member_id: Uuid,
    pub relation: MemberRelation,
    pub words: &'a str,
    /// Only a young person may keep their view from the rest of the family; theirs are
    /// private unless they say otherwise (`None`).
    pub private: Option<bool>,
}

/// A family member gives (or rewrites) their views before the meeting.
pub async fn give_view(
    db: &impl ConnectionTrait,
    view: Viewpoint<'_>,
    permit: &Permit,
) -> AppResult<meeting_view::Model> {
    let now = permit.at();
    let mut errors = vec![];
    let words = text::required("words", "your views", view.words, 4000, &mut errors);
    let may_keep_private = Permit::keeps_views_private(view.relation);
    let private = view.private.unwrap_or(may_keep_private);
    if private && !may_keep_private {
        errors.push(UserError::new(
            &["private"],
            UserErrorCode::Invalid,
            "Views are private only for young people; the whole family reads an adult's views.",
        ));
    }
    let meeting = find(db, view.meeting_id).await?;
    if meeting.recorded_at.is_some() {
        return Err(AppError::invalid(
            &["meeting"],
            UserErrorCode::NotAllowedNow,
            "This meeting has already taken place, so views can no longer be added.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let existing = meeting_view::Entity::find()
        .filter(meeting_view::Column::MeetingId.eq(meeting.id))
        .filter(meeting_view::Column::MemberId.eq(view.member_id))
        .one(db)
        .await?;
    let saved = match existing {
        Some(found) => {
            let mut active: meeting_view::ActiveModel = found.into();
            active.words = Set(words);
            active.private = Set(private);
            active.given_at = Set(now);
            active.update(db).await?
        }
        None => {
            meeting_view::ActiveModel {
                id: Set(Uuid::now_v7()),
                meeting_id: Set(meeting.id),
                family_id: Set(meeting.family_id),
                member_id: Set(view.member_id),
                words: Set(words),
                private: Set(private),
                given_at: Set(now),
            }
            .insert(db)
            .await?
        }
    };
    change(
        db,
        meeting.plan_id,
        permit,
        "gave their views for a meeting",
    )
    .await?;
    Ok(saved)
}

/// What happened at a meeting.
pub struct Record<'a> {
    pub meeting_id: Uuid,
    pub members: &'a [Uuid],
    pub practitioners: &'a [Uuid],
    pub summary: &'a str,
    pub decisions: &'a str,
    /// Also becomes the plan's review date.
    pub next_review_date: Option<NaiveDate>,
}

/// Records a meeting once it was held.
pub async fn record(
    db: &impl ConnectionTrait,
    record: Record<'_>,
    permit: &Permit,
) -> AppResult<meeting::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let by = actor.practitioner_id().ok_or(AppError::Forbidden)?;
    let mut errors = vec![];
    let summary = text::required("summary", "a summary", record.summary, 8000, &mut errors);
    let decisions = record.decisions.trim().to_owned();
    if decisions.chars().count() > 8000 {
        errors.push(UserError::new(
            &["decisions"],
            UserErrorCode::TooLong,
            "Please keep the decisions to 8000 characters or fewer.",
        ));
    }
    let meeting = find(db, record.meeting_id).await?;
    if meeting.recorded_at.is_some() {
        return Err(AppError::invalid(
            &["meeting"],
            UserErrorCode::NotAllowedNow,
            "This meeting has already been recorded.",
        ));
    }
    if record
        .next_review_date
        .is_some_and(|d| d <= meeting.held_on)
    {
        errors.push(UserError::new(
            &["nextReviewDate"],
            UserErrorCode::OutOfRange,
            "The next review must come after the meeting.",
        ));
    }
    check_attendees(db, &meeting, &record, &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let rows = record
        .members
        .iter()
        .map(|m| (Some(*m), None))
        .chain(record.practitioners.iter().map(|p| (None, Some(*p))))
        .map(|(member, practitioner)| meeting_attendee::ActiveModel {
            id: Set(Uuid::now_v7()),
            meeting_id: Set(meeting.id),
            member_id: Set(member),
            practitioner_id: Set(practitioner),
        });
    for row in rows {
        row.insert(db).await?;
    }
    let plan_id = meeting.plan_id;
    let kind = meeting.kind;
    let mut active: meeting::ActiveModel = meeting.into();
    active.summary = Set(Some(summary));
    active.decisions = Set(Some(decisions).filter(|d| !d.is_empty()));
    active.next_review_date = Set(record.next_review_date);
    active.recorded_by_practitioner_id = Set(Some(by));
    active.recorded_at = Set(Some(now));
    let meeting = active.update(db).await?;
    let plan = change(
        db,
        plan_id,
        permit,
        &format!("recorded {}", kind_label(kind)),
    )
    .await?;
    if let Some(date) = record.next_review_date {
        plans::set_review_date(db, plan.id, plan.version, date, permit).await?;
    }
    Ok(meeting)
}

/// Everyone listed came from the family, or is a practitioner.
async fn check_attendees(
    db: &impl ConnectionTrait,
    meeting: &meeting::Model,
    record: &Record<'_>,
    errors: &mut Vec<UserError>,
) -> AppResult<()> {
    let members = family_member::Entity::find()
        .filter(family_member::Column::Id.is_in(record.members.to_vec()))
        .filter(family_member::Column::FamilyId.eq(meeting.family_id))
        .all(db)
        .await?;
    if members.len() != dedup_len(record.members) {
        errors.push(UserError::new(
            &["attendingMembers"],
            UserErrorCode::NotFound,
            "Please list only members of this family, each once.",
        ));
    }
    let practitioners = if record.practitioners.is_empty() {
        vec![]
    } else {
        practitioner::Entity::find()
            .filter(practitioner::Column::Id.is_in(record.practitioners.to_vec()))
            .all(db)
            .await?
    };
    if practitioners.len() != dedup_len(record.practitioners) {
        errors.push(UserError::new(
            &["attendingPractitioners"],
            UserErrorCode::NotFound,
            "Please list each practitioner who came once.",
        ));
    }
    if dedup_len(record.members) != record.members.len()
        || dedup_len(record.practitioners) != record.practitioners.len()
    {
        errors.push(UserError::new(
            &["attendingMembers"],
            UserErrorCode::Invalid,
            "Please list each person who came once.",
        ));
    }
    Ok(())
}

fn dedup_len(ids: &[Uuid]) -> usize {
    ids.iter().collect::<std::collections::BTreeSet<_>>().len()
}

/// The views given for a meeting, in the order given.
pub async fn views_of(
    db: &impl ConnectionTrait,
    meeting_id: Uuid,
) -> AppResult<Vec<meeting_view::Model>> {
    use sea_orm::QueryOrder;
    Ok(meeting_view::Entity::find()
        .filter(meeting_view::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_view::Column::Id)
        .all(db)
        .await?)
}

/// Who came to a meeting.
pub async fn attendees_of(
    db: &impl ConnectionTrait,
    meeting_id: Uuid,
) -> AppResult<Vec<meeting_attendee::Model>> {
    use sea_orm::QueryOrder;
    Ok(meeting_attendee::Entity::find()
        .filter(meeting_attendee::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_attendee::Column::Id)
        .all(db)
        .await?)
}

/// The family's meetings.
pub fn of_family(family_id: Uuid) -> sea_orm::Select<meeting::Entity> {
    meeting::Entity::find().filter(meeting::Column::FamilyId.eq(family_id))
}
