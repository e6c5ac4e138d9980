//! Accounts: who an account belongs to, found by email as a person types it.
use crate::error::AppResult;
use crate::viewer::{FamilyMemberViewer, PractitionerViewer, Viewer};
use entities::{account, family_member, practitioner};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Who the account belongs to, as a viewer of the session `session_id`.
pub async fn viewer_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    session_id: Uuid,
) -> AppResult<Option<Viewer>> {
    if let Some(p) = practitioner::Entity::find()
        .filter(practitioner::Column::AccountId.eq(account_id))
        .one(db)
        .await?
    {
        let roles = crate::domain::practitioners::roles_of(db, p.id).await?;
        return Ok(Some(Viewer::Practitioner(PractitionerViewer {
            session_id,
            account_id,
            practitioner_id: p.id,
            organisation_id: p.organisation_id,
            roles,
        })));
    }
    let member = family_member::Entity::find()
        .filter(family_member::Column::AccountId.eq(account_id))
        .one(db)
        .await?;
    Ok(member.map(|m| {
        Viewer::FamilyMember(FamilyMemberViewer {
            session_id,
            account_id,
            member_id: m.id,
            family_id: m.family_id,
            relation: m.relation,
        })
    }))
}

/// Finds the account for an email address, as typed by a person (any case, stray spaces).
pub async fn account_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> AppResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(normalise_email(email)))
        .one(db)
        .await?)
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}
