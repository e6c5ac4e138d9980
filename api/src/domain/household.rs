//! Sharing the plan within the household: a parent with parental responsibility shares the
//! family's plan with an adult of the household who has none (a grandparent, a new partner),
//! and may stop at any time, with effect on that adult's next request. Both are audited, and
//! the adult is told (no details: what they can see changed).
use super::notify;
use super::{audit, families, standing};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use entities::{family_member, household_share};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// Whether sharing changes anything for `member`: the rules let them read the plan once it is
/// shared, and not before.
fn sharing_applies(member: &family_member::Model) -> bool {
    Permit::reads_the_plan_once_shared(member.relation)
}

async fn target(
    db: &impl ConnectionTrait,
    permit: &Permit,
    member_id: Uuid,
) -> AppResult<family_member::Model> {
    let not_found = || {
        AppError::invalid(
            &["member"],
            UserErrorCode::NotFound,
            "We could not find that person in your family.",
        )
    };
    let member = families::member(db, member_id)
        .await
        .map_err(|_| not_found())?;
    if Some(member.family_id) != permit.family_id() {
        return Err(not_found());
    }
    if !sharing_applies(&member) {
        return Err(AppError::invalid(
            &["member"],
            UserErrorCode::Invalid,
            "This person already sees the plan as a parent or young person of the family; sharing is for other adults of the household.",
        ));
    }
    Ok(member)
}

/// The share in force for `member_id`, if any.
pub async fn in_force(
    db: &impl ConnectionTrait,
    member_id: Uuid,
) -> AppResult<Option<household_share::Model>> {
    Ok(household_share::Entity::find()
        .filter(household_share::Column::MemberId.eq(member_id))
        .filter(household_share::Column::StoppedAt.is_null())
        .one(db)
        .await?)
}

/// Members of `family_id` the plan is shared with now.
pub async fn shared_with(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(household_share::Entity::find()
        .filter(household_share::Column::FamilyId.eq(family_id))
        .filter(household_share::Column::StoppedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.member_id)
        .collect())
}

pub async fn share(
    db: &impl ConnectionTrait,
    permit: &Permit,
    member_id: Uuid,
) -> AppResult<family_member::Model> {
    let member = target(db, permit, member_id).await?;
    let by = permit.actor().member_id().ok_or(AppError::Forbidden)?;
    if in_force(db, member.id).await?.is_some() {
        return Err(AppError::invalid(
            &["member"],
            UserErrorCode::Unchanged,
            "The plan is already shared with this person.",
        ));
    }
    household_share::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(member.family_id),
        member_id: Set(member.id),
        shared_by_member_id: Set(by),
        shared_at: Set(permit.at()),
        stopped_at: Set(None),
        stopped_by_member_id: Set(None),
    }
    .insert(db)
    .await?;
    changed(
        db,
        permit,
        &member,
        "shared the plan with another adult of the household",
    )
    .await?;
    Ok(member)
}

pub async fn stop(
    db: &impl ConnectionTrait,
    permit: &Permit,
    member_id: Uuid,
) -> AppResult<family_member::Model> {
    let member = target(db, permit, member_id).await?;
    let by = permit.actor().member_id().ok_or(AppError::Forbidden)?;
    standing::lock_for_access_change(db, member.family_id).await?;
    let Some(share) = in_force(db, member.id).await? else {
        return Err(AppError::invalid(
            &["member"],
            UserErrorCode::Unchanged,
            "The plan is not shared with this person.",
        ));
    };
    let mut share: household_share::ActiveModel = share.into();
    share.stopped_at = Set(Some(permit.at()));
    share.stopped_by_member_id = Set(Some(by));
    share.update(db).await?;
    changed(
        db,
        permit,
        &member,
        "stopped sharing the plan with another adult of the household",
    )
    .await?;
    Ok(member)
}

async fn changed(
    db: &impl ConnectionTrait,
    permit: &Permit,
    member: &family_member::Model,
    what: &str,
) -> AppResult<()> {
    let now = permit.at();
    audit::record(
        db,
        member.family_id,
        permit.actor(),
        audit::Kind::Consent,
        what,
        now,
    )
    .await?;
    let about = notify::About::family(member.family_id);
    if let Some(notice) = notify::Notice::of(permit, notify::Kind::HouseholdSharingChanged, about)
        && let Some(account) = member.account_id
    {
        notify::tell(db, &notice, &[account], now).await?;
    }
    Ok(())
}
