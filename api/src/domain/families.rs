//! Family records: opening one, its members, and steps up and down the need levels.
use super::audit::{self};
use super::union::{Rows, Shared, Templates, Union};
use super::{practitioners, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, NaiveDate, Utc};
use entities::family_member::MemberRelation;
use entities::plan::{self, PlanStatus};
use entities::{family, family_member, need_level_change};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// A family and its plans in draft or active: branches 0 and 1, read back by
/// [`family_and_plan`]. The plans are a set the rest of the statement can share.
pub(super) fn with_open_plan(backend: DatabaseBackend, family_id: Uuid) -> (Union, Shared) {
    let mut union = Union::new(backend);
    union.branch::<family::Entity>(Condition::all().add(family::Column::Id.eq(family_id)));
    let plans = union.share::<plan::Entity>(
        "open_plan",
        Condition::all()
            .add(plan::Column::FamilyId.eq(family_id))
            .add(plan::Column::Status.ne(PlanStatus::Closed)),
    );
    union.branch_of::<plan::Entity>(&plans);
    (union, plans)
}

static WITH_PLANS: Templates = Templates::new(1, |backend, arguments| {
    with_open_plan(backend, arguments[0]).0
});

/// A family with its current plan (see `plans::current`), in one statement: whoever opens a
/// family almost always opens its plan next.
pub async fn with_current_plan(
    db: &impl ConnectionTrait,
    family_id: Uuid,
) -> AppResult<Option<(family::Model, Option<plan::Model>)>> {
    let rows = WITH_PLANS
        .get(db.get_database_backend())
        .rows(db, &[family_id.into()])
        .await?;
    family_and_plan(&rows)
}

/// The family and its current plan from the rows of a union that begins with
/// [`with_plans`]' branches; none when there is no such family.
pub(super) fn family_and_plan(
    rows: &Rows,
) -> AppResult<Option<(family::Model, Option<plan::Model>)>> {
    let Some(family) = rows.of::<family::Model>(0)?.into_iter().next() else {
        return Ok(None);
    };
    // There is at most one; should two ever be open, the newest, as the plan screen shows.
    let plan = rows
        .of::<plan::Model>(1)?
        .into_iter()
        .max_by_key(|p| (p.created_at, p.id));
    Ok(Some((family, plan)))
}

pub const LOWEST_LEVEL: i16 = 1;
pub const HIGHEST_LEVEL: i16 = 4;

fn check_level(level: i16, field: &str, errors: &mut Vec<UserError>) {
    if !(LOWEST_LEVEL..=HIGHEST_LEVEL).contains(&level) {
        errors.push(UserError::new(
            &[field],
            UserErrorCode::OutOfRange,
            "Need levels go from 1 (universal) to 4 (child protection).",
        ));
    }
}

pub struct NewFamily<'a> {
    pub reference: &'a str,
    pub local_area: &'a str,
    pub need_level: i16,
    /// Who decided the starting level; None from the command line.
    pub decided_by: Option<Uuid>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    new: NewFamily<'_>,
    permit: &Permit,
) -> AppResult<family::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let reference = text::required(
        "reference",
        "the family's reference",
        new.reference,
        64,
        &mut errors,
    );
    let local_area = text::required(
        "localArea",
        "the local area",
        new.local_area,
        200,
        &mut errors,
    );
    check_level(new.need_level, "needLevel", &mut errors);
    if errors.is_empty() && find_by_reference(db, &reference).await?.is_some() {
        errors.push(UserError::new(
            &["reference"],
            UserErrorCode::Taken,
            "A family record with this reference already exists.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let family = family::ActiveModel {
        id: Set(Uuid::now_v7()),
        reference: Set(reference),
        local_area: Set(local_area),
        need_level: Set(new.need_level),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    record_change(
        db,
        family.id,
        None,
        new.need_level,
        "Family record opened",
        new.decided_by,
        now,
    )
    .await?;
    audit::record(
        db,
        family.id,
        actor,
        audit::Kind::Change,
        "opened the family record",
        now,
    )
    .await?;
    Ok(family)
}

pub async fn find_by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> AppResult<Option<family::Model>> {
    Ok(family::Entity::find()
        .filter(family::Column::Reference.eq(reference.trim()))
        .one(db)
        .await?)
}

pub struct NewMember<'a> {
    pub family_id: Uuid,
    pub name: &'a str,
    pub date_of_birth: NaiveDate,
    pub relation: MemberRelation,
    /// Given when the person will sign in to the app.
    pub email: Option<&'a str>,
    /// Issue 14: for a child, the adults who hold parental responsibility for them; for an
    /// adult with parental responsibility, the children they hold it for. None: every one.
    pub parental_responsibility_with: Option<&'a [Uuid]>,
}

pub async fn add_member(
    db: &impl ConnectionTrait,
    new: NewMember<'_>,
    permit: &Permit,
) -> AppResult<family_member::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let name = text::required("name", "the person's name", new.name, 200, &mut errors);
    if new.date_of_birth > now.date_naive() {
        errors.push(UserError::new(
            &["dateOfBirth"],
            UserErrorCode::OutOfRange,
            "The date of birth cannot be in the future.",
        ));
    }
    let email = new
        .email
        .filter(|e| !e.trim().is_empty())
        .map(|e| text::email("email", e, &mut errors));
    if let Some(email) = &email
        && errors.is_empty()
    {
        practitioners::ensure_email_free(db, email, "email", &mut errors).await?;
    }
    if family::Entity::find_by_id(new.family_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let account_id = match email {
        Some(email) => Some(practitioners::create_account(db, &email, now).await?),
        None => None,
    };
    let member = family_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(new.family_id),
        account_id: Set(account_id),
        name: Set(name),
        date_of_birth: Set(new.date_of_birth),
        relation: Set(new.relation),
        competent_to_consent: Set(false),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    super::responsibility::on_member_added(db, &member, new.parental_responsibility_with).await?;
    audit::record(
        db,
        new.family_id,
        actor,
        audit::Kind::Change,
        "added a family member",
        now,
    )
    .await?;
    Ok(member)
}

/// Steps a family up or down the threshold framework, recording who decided and why.
/// Call inside a write transaction: the level and its history change together.
pub async fn change_need_level(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    to_level: i16,
    reason: &str,
    permit: &Permit,
) -> AppResult<(family::Model, need_level_change::Model)> {
    let (actor, now) = (permit.actor(), permit.at());
    let decided_by = actor.practitioner_id().ok_or(AppError::Forbidden)?;
    let mut errors = vec![];
    check_level(to_level, "level", &mut errors);
    let reason = text::required(
        "reason",
        "the reason for the change",
        reason,
        2000,
        &mut errors,
    );
    let family = family::Entity::find_by_id(family_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if errors.is_empty() && family.need_level == to_level {
        errors.push(UserError::new(
            &["level"],
            UserErrorCode::Unchanged,
            "The family is already at this need level.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    super::need_level::check_step_down(db, family_id, family.need_level, to_level).await?;
    // Compare-and-set on the level read above, so two simultaneous decisions cannot both
    // record a step from the same level.
    let updated = family::Entity::update_many()
        .col_expr(family::Column::NeedLevel, Expr::value(to_level))
        .filter(family::Column::Id.eq(family_id))
        .filter(family::Column::NeedLevel.eq(family.need_level))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::invalid(
            &["level"],
            UserErrorCode::Conflict,
            "Someone else changed this family's need level a moment ago. Please look again.",
        ));
    }
    let change = record_change(
        db,
        family_id,
        Some(family.need_level),
        to_level,
        &reason,
        Some(decided_by),
        now,
    )
    .await?;
    let what = if to_level > family.need_level {
        "stepped the need level up"
    } else {
        "stepped the need level down"
    };
    audit::record(db, family_id, actor, audit::Kind::Change, what, now).await?;
    let family = family::Model {
        need_level: to_level,
        ..family
    };
    Ok((family, change))
}

async fn record_change(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    from_level: Option<i16>,
    to_level: i16,
    reason: &str,
    decided_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<need_level_change::Model> {
    Ok(need_level_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        from_level: Set(from_level),
        to_level: Set(to_level),
        reason: Set(reason.to_owned()),
        decided_by: Set(decided_by),
        decided_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// A family member by id.
pub async fn member(db: &impl ConnectionTrait, member_id: Uuid) -> AppResult<family_member::Model> {
    family_member::Entity::find_by_id(member_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The family's need-level decisions.
pub fn need_level_history(family_id: Uuid) -> sea_orm::Select<need_level_change::Entity> {
    need_level_change::Entity::find().filter(need_level_change::Column::FamilyId.eq(family_id))
}

/// Every family record, or those of one local area.
pub fn all(local_area: Option<&str>) -> sea_orm::Select<family::Entity> {
    let select = family::Entity::find();
    match local_area {
        Some(area) => select.filter(family::Column::LocalArea.eq(area.trim())),
        None => select,
    }
}
