use super::text;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entities::organisation::{self, OrganisationKind};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    kind: OrganisationKind,
    now: DateTime<Utc>,
) -> AppResult<organisation::Model> {
    let mut errors = vec![];
    let name = text::required("name", "the organisation's name", name, 200, &mut errors);
    if errors.is_empty() && find_by_name(db, &name).await?.is_some() {
        errors.push(crate::error::UserError::new(
            &["name"],
            crate::error::UserErrorCode::Taken,
            "An organisation with this name already exists.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(kind),
        created_at: Set(now),
    }
    .insert(db)
    .await?)
}

pub async fn find_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> AppResult<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name.trim()))
        .one(db)
        .await?)
}

/// Every organisation (the directory of partners).
pub fn all() -> sea_orm::Select<organisation::Entity> {
    organisation::Entity::find()
}
