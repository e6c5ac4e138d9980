//! Young people's views: "what I want my worker to know", in their own words, private to the
//! team by default (DESIGN rule 5). The family's lead professional is emailed that there is
//! something to read — no words, no names in the email (rule 8). Like feedback, a view is the
//! young person's own voice and is not written to the family's access log.
use super::{notify, text};
use crate::error::{AppError, AppResult};
use entities::family_member;
use entities::young_person_view;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

/// Longest view, in characters: a short message.
pub const MAX_WORDS: usize = 2000;

pub async fn share(
    db: &impl ConnectionTrait,
    young_person: &family_member::Model,
    words: &str,
    private: bool,
    link: &str,
    permit: &crate::access::Permit,
) -> AppResult<young_person_view::Model> {
    let now = permit.at();
    if !crate::access::Permit::shares_views_with_the_team(young_person.relation) {
        return Err(AppError::Forbidden);
    }
    let mut errors = vec![];
    let words = text::required(
        "words",
        "what you want your worker to know",
        words,
        MAX_WORDS,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let view = young_person_view::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(young_person.family_id),
        member_id: Set(young_person.id),
        words: Set(words),
        private: Set(private),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let about = notify::About::family(young_person.family_id);
    if let Some(notice) = notify::Notice::of(permit, notify::Kind::YoungPersonViewToRead, about)
        && let Some(lead) = notify::lead_professional_account(db, young_person.family_id).await?
    {
        notify::tell(db, &notice.linking(link), &[lead], now).await?;
    }
    Ok(view)
}

/// The family's young people's views that `visible` lets the reader see.
pub fn of_family(
    family_id: Uuid,
    visible: sea_orm::sea_query::Condition,
) -> sea_orm::Select<young_person_view::Entity> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    young_person_view::Entity::find()
        .filter(young_person_view::Column::FamilyId.eq(family_id))
        .filter(visible)
}
