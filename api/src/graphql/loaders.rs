//! Batch loaders, one per request, so lists do not cost a query per row.
//! A loader only fetches; callers have asked the policy module before they use one.
use crate::error::AppError;
use async_graphql::dataloader::{DataLoader, Loader};
use entities::practitioner_role::Role;
use entities::{
    family_member, organisation, outcome_member, outcome_note, plan_action, practitioner,
    practitioner_role, progress_rating,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub struct Loaders {
    db: DatabaseConnection,
}

impl Loaders {
    pub fn new(db: DatabaseConnection) -> DataLoader<Self> {
        DataLoader::new(Self { db }, tokio::spawn)
    }
}

#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<sea_orm::DbErr>);

impl From<sea_orm::DbErr> for LoadError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self(Arc::new(e))
    }
}

impl From<Arc<LoadError>> for AppError {
    fn from(e: Arc<LoadError>) -> Self {
        AppError::Internal(anyhow::anyhow!("batch load failed: {}", e.0))
    }
}

impl From<LoadError> for crate::error::GqlError {
    fn from(e: LoadError) -> Self {
        AppError::from(e).into()
    }
}

impl From<LoadError> for AppError {
    fn from(e: LoadError) -> Self {
        AppError::Internal(anyhow::anyhow!("batch load failed: {}", e.0))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrganisationById(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PractitionerById(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RolesOf(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembersOf(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberById(pub Uuid);

impl Loader<MemberById> for Loaders {
    type Value = family_member::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MemberById],
    ) -> Result<HashMap<MemberById, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0);
        let rows = family_member::Entity::find()
            .filter(family_member::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| (MemberById(m.id), m)).collect())
    }
}

impl Loader<OrganisationById> for Loaders {
    type Value = organisation::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganisationById],
    ) -> Result<HashMap<OrganisationById, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0);
        let rows = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|o| (OrganisationById(o.id), o))
            .collect())
    }
}

impl Loader<PractitionerById> for Loaders {
    type Value = practitioner::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PractitionerById],
    ) -> Result<HashMap<PractitionerById, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0);
        let rows = practitioner::Entity::find()
            .filter(practitioner::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|p| (PractitionerById(p.id), p))
            .collect())
    }
}

impl Loader<RolesOf> for Loaders {
    type Value = Vec<Role>;
    type Error = LoadError;

    async fn load(&self, keys: &[RolesOf]) -> Result<HashMap<RolesOf, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0);
        let rows = practitioner_role::Entity::find()
            .filter(practitioner_role::Column::PractitionerId.is_in(ids))
            .all(&self.db)
            .await?;
        let mut roles: HashMap<RolesOf, Vec<Role>> = keys.iter().map(|k| (*k, vec![])).collect();
        for row in rows {
            roles
                .entry(RolesOf(row.practitioner_id))
                .or_default()
                .push(row.role);
        }
        // Declaration order: practitioner, hub worker, locality manager, admin.
        roles
            .values_mut()
            .for_each(|r| r.sort_by_key(|role| *role as u8));
        Ok(roles)
    }
}

impl Loader<MembersOf> for Loaders {
    type Value = Vec<family_member::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MembersOf],
    ) -> Result<HashMap<MembersOf, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0);
        let rows = family_member::Entity::find()
            .filter(family_member::Column::FamilyId.is_in(ids))
            .order_by_asc(family_member::Column::Id)
            .all(&self.db)
            .await?;
        let mut members: HashMap<MembersOf, Self::Value> =
            keys.iter().map(|k| (*k, vec![])).collect();
        for row in rows {
            members
                .entry(MembersOf(row.family_id))
                .or_default()
                .push(row);
        }
        Ok(members)
    }
}

/// The members an outcome is for (sorted; empty for the whole family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OutcomeMembersOf(pub Uuid);
/// Practitioners' notes on an outcome, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NotesOf(pub Uuid);
/// Progress ratings of an outcome, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RatingsOf(pub Uuid);
/// Actions under an outcome, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActionsOf(pub Uuid);

/// Groups rows under the keys asked for; every key gets a list, empty if nothing matched.
fn group<K: Copy + Eq + std::hash::Hash, M>(
    keys: &[K],
    rows: Vec<M>,
    key_of: impl Fn(&M) -> K,
) -> HashMap<K, Vec<M>> {
    let mut grouped: HashMap<K, Vec<M>> = keys.iter().map(|k| (*k, vec![])).collect();
    for row in rows {
        grouped.entry(key_of(&row)).or_default().push(row);
    }
    grouped
}

impl Loader<OutcomeMembersOf> for Loaders {
    type Value = Vec<Uuid>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OutcomeMembersOf],
    ) -> Result<HashMap<OutcomeMembersOf, Self::Value>, Self::Error> {
        let rows = outcome_member::Entity::find()
            .filter(outcome_member::Column::OutcomeId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(outcome_member::Column::MemberId)
            .all(&self.db)
            .await?;
        Ok(group(keys, rows, |r| OutcomeMembersOf(r.outcome_id))
            .into_iter()
            .map(|(k, rows)| (k, rows.into_iter().map(|r| r.member_id).collect()))
            .collect())
    }
}

impl Loader<NotesOf> for Loaders {
    type Value = Vec<outcome_note::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[NotesOf]) -> Result<HashMap<NotesOf, Self::Value>, Self::Error> {
        let rows = outcome_note::Entity::find()
            .filter(outcome_note::Column::OutcomeId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(outcome_note::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(keys, rows, |r| NotesOf(r.outcome_id)))
    }
}

impl Loader<RatingsOf> for Loaders {
    type Value = Vec<progress_rating::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RatingsOf],
    ) -> Result<HashMap<RatingsOf, Self::Value>, Self::Error> {
        let rows = progress_rating::Entity::find()
            .filter(progress_rating::Column::OutcomeId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(progress_rating::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(keys, rows, |r| RatingsOf(r.outcome_id)))
    }
}

impl Loader<ActionsOf> for Loaders {
    type Value = Vec<plan_action::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ActionsOf],
    ) -> Result<HashMap<ActionsOf, Self::Value>, Self::Error> {
        let rows = plan_action::Entity::find()
            .filter(plan_action::Column::OutcomeId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(plan_action::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(keys, rows, |r| ActionsOf(r.outcome_id)))
    }
}
