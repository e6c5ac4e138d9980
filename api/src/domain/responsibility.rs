//! Issue 14: parental responsibility per adult–child pair. An adult with parental
//! responsibility may hold it for one child of the family and not another (step-families):
//! without it for a child they still see the whole-family plan and the items about that child
//! (unless restricted), but decide nothing only about that child, and their consent does not
//! cover that child's items (`standing::practitioner`). Pairs are made when people are added
//! (every holder for a new child, every child for a new holder, unless the input names them)
//! and changed by the hub, the lead professional or a locality manager, with a reason,
//! audited.
use super::{audit, standing, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use entities::{family_member, parental_responsibility, parental_responsibility_change};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// Gives parental responsibility for the pairs a new member makes: a new child to `with`
/// (the adults named) or every holder of the family; a new adult with parental
/// responsibility for `with` (the children named) or every child of the family.
pub async fn on_member_added(
    db: &impl ConnectionTrait,
    member: &family_member::Model,
    with: Option<&[Uuid]>,
) -> AppResult<()> {
    let child = Permit::is_child(member.relation);
    if !child && !Permit::may_hold_responsibility(member.relation) {
        return match with {
            Some(named) if !named.is_empty() => Err(AppError::invalid(
                &["parentalResponsibilityWith"],
                UserErrorCode::Invalid,
                "Only an adult with parental responsibility, or a child, can be given it.",
            )),
            _ => Ok(()),
        };
    }
    let others: Vec<family_member::Model> = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(member.family_id))
        .filter(family_member::Column::Id.ne(member.id))
        .all(db)
        .await?
        .into_iter()
        .filter(|m| {
            if child {
                Permit::may_hold_responsibility(m.relation)
            } else {
                Permit::is_child(m.relation)
            }
        })
        .collect();
    let chosen: Vec<Uuid> = match with {
        None => others.iter().map(|m| m.id).collect(),
        Some(named) => {
            if named.iter().any(|n| !others.iter().any(|m| m.id == *n)) {
                let message = if child {
                    "Name adults of this family who hold parental responsibility."
                } else {
                    "Name children of this family."
                };
                return Err(AppError::invalid(
                    &["parentalResponsibilityWith"],
                    UserErrorCode::NotFound,
                    message,
                ));
            }
            named.to_vec()
        }
    };
    let mut pairs: Vec<(Uuid, Uuid)> = chosen
        .into_iter()
        .map(|other| {
            if child {
                (other, member.id)
            } else {
                (member.id, other)
            }
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    if pairs.is_empty() {
        return Ok(());
    }
    parental_responsibility::Entity::insert_many(pairs.into_iter().map(|(adult, child)| {
        parental_responsibility::ActiveModel {
            family_id: Set(member.family_id),
            adult_member_id: Set(adult),
            child_member_id: Set(child),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

pub struct Change<'a> {
    pub adult: Uuid,
    pub child: Uuid,
    pub holds: bool,
    pub reason: &'a str,
}

/// Records that `adult` holds (or no longer holds) parental responsibility for `child`, with
/// the reason; audited. Taking it away narrows what their consent covers, so it waits for
/// changes granted before it ([`standing::lock_for_access_change`]).
pub async fn set(
    db: &impl ConnectionTrait,
    change: Change<'_>,
    permit: &Permit,
) -> AppResult<parental_responsibility_change::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let family_id = permit.family_id().ok_or(AppError::Forbidden)?;
    let mut errors: Vec<UserError> = vec![];
    let reason = text::required("reason", "the reason", change.reason, 2000, &mut errors);
    let adult = super::families::member(db, change.adult).await?;
    let child = super::families::member(db, change.child).await?;
    if adult.family_id != family_id || child.family_id != family_id {
        return Err(AppError::NotFound);
    }
    if !Permit::may_hold_responsibility(adult.relation) {
        errors.push(UserError::new(
            &["adult"],
            UserErrorCode::Invalid,
            "Only an adult recorded with parental responsibility can hold it for a child.",
        ));
    }
    if !Permit::is_child(child.relation) {
        errors.push(UserError::new(
            &["child"],
            UserErrorCode::Invalid,
            "Parental responsibility is held for a child of the family.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    standing::lock_for_access_change(db, family_id).await?;
    let held = holds(db, adult.id, child.id).await?;
    if held == change.holds {
        return Err(AppError::invalid(
            &["holds"],
            UserErrorCode::Unchanged,
            if held {
                "This adult already holds parental responsibility for this child."
            } else {
                "This adult does not hold parental responsibility for this child."
            },
        ));
    }
    if change.holds {
        parental_responsibility::ActiveModel {
            family_id: Set(family_id),
            adult_member_id: Set(adult.id),
            child_member_id: Set(child.id),
        }
        .insert(db)
        .await?;
    } else {
        parental_responsibility::Entity::delete_many()
            .filter(parental_responsibility::Column::AdultMemberId.eq(adult.id))
            .filter(parental_responsibility::Column::ChildMemberId.eq(child.id))
            .exec(db)
            .await?;
    }
    let recorded = parental_responsibility_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        adult_member_id: Set(adult.id),
        child_member_id: Set(child.id),
        holds: Set(change.holds),
        reason: Set(reason),
        by_practitioner_id: Set(actor.practitioner_id()),
        at: Set(now),
    }
    .insert(db)
    .await?;
    let what = if change.holds {
        "recorded that an adult holds parental responsibility for a child"
    } else {
        "recorded that an adult no longer holds parental responsibility for a child"
    };
    let entry = audit::Entry {
        family_id,
        actor,
        kind: audit::Kind::Change,
        what,
    };
    let about = audit::Subject {
        outcome: None,
        member: Some(child.id),
    };
    audit::record_about(db, entry, about, now).await?;
    Ok(recorded)
}

async fn holds(db: &impl ConnectionTrait, adult: Uuid, child: Uuid) -> AppResult<bool> {
    Ok(parental_responsibility::Entity::find_by_id((adult, child))
        .one(db)
        .await?
        .is_some())
}

/// The children `adult` holds parental responsibility for.
pub async fn children_of(db: &impl ConnectionTrait, adult: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(parental_responsibility::Entity::find()
        .filter(parental_responsibility::Column::AdultMemberId.eq(adult))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.child_member_id)
        .collect())
}
