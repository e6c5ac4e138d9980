use super::text;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, Utc};
use entities::practitioner_role::Role;
use entities::{account, organisation, practitioner, practitioner_role};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub struct NewPractitioner<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub organisation_id: Uuid,
    pub roles: &'a [Role],
}

pub async fn create(
    db: &impl ConnectionTrait,
    new: NewPractitioner<'_>,
    now: DateTime<Utc>,
) -> AppResult<practitioner::Model> {
    let mut errors = vec![];
    let name = text::required(
        "name",
        "the practitioner's name",
        new.name,
        200,
        &mut errors,
    );
    let email = text::email("email", new.email, &mut errors);
    if organisation::Entity::find_by_id(new.organisation_id)
        .one(db)
        .await?
        .is_none()
    {
        errors.push(UserError::new(
            &["organisation"],
            UserErrorCode::NotFound,
            "We could not find that organisation.",
        ));
    }
    if errors.is_empty() {
        ensure_email_free(db, &email, "email", &mut errors).await?;
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let account_id = create_account(db, &email, now).await?;
    let practitioner = practitioner::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        organisation_id: Set(new.organisation_id),
        name: Set(name),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let mut roles = new.roles.to_vec();
    if roles.is_empty() {
        roles.push(Role::Practitioner);
    }
    roles.sort_by_key(|r| *r as u8);
    roles.dedup();
    for role in roles {
        practitioner_role::ActiveModel {
            practitioner_id: Set(practitioner.id),
            role: Set(role),
        }
        .insert(db)
        .await?;
    }
    Ok(practitioner)
}

/// Adds a `TAKEN` error when any person already signs in with this email.
pub async fn ensure_email_free(
    db: &impl ConnectionTrait,
    email: &str,
    field: &str,
    errors: &mut Vec<UserError>,
) -> AppResult<()> {
    if super::accounts::account_by_email(db, email)
        .await?
        .is_some()
    {
        errors.push(UserError::new(
            &[field],
            UserErrorCode::Taken,
            "Someone already signs in with this email address.",
        ));
    }
    Ok(())
}

pub async fn create_account(
    db: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let account = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(account.id)
}

/// A practitioner's roles, in declaration order.
pub async fn roles_of(db: &impl ConnectionTrait, practitioner_id: Uuid) -> AppResult<Vec<Role>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut roles: Vec<Role> = practitioner_role::Entity::find()
        .filter(practitioner_role::Column::PractitionerId.eq(practitioner_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect();
    roles.sort_by_key(|r| *r as u8);
    Ok(roles)
}

/// The organisation's practitioners.
pub fn of_organisation(organisation_id: Uuid) -> sea_orm::Select<practitioner::Entity> {
    practitioner::Entity::find().filter(practitioner::Column::OrganisationId.eq(organisation_id))
}
