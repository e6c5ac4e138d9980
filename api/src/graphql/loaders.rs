//! Batch loaders, one per request, so lists do not cost a query per row, and the request's
//! plan views (see `plan::view`), which need no batching: a plan is read whole, once.
//! A loader only fetches; callers have asked the access rules before they use one.
//!
//! Loaders serve what has no parent to read it with (a family's members, a practitioner's
//! roles and organisation, people named outside a plan). Their batching delay is zero:
//! the batch is whatever the resolvers of one level ask for before the load task runs, and
//! nothing waits on a timer.
use super::plan::view::PlanView;
use crate::domain::people;
use crate::error::{AppError, AppResult};
use async_graphql::dataloader::{DataLoader, Loader};
use entities::practitioner_role::Role;
use entities::{family_member, organisation, practitioner};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// A plan view, read once by whichever resolver asks first.
type PlanViewCell = Arc<OnceCell<Arc<PlanView>>>;

pub struct Loaders {
    db: crate::db::Db,
    /// (plan id, plan version) → that plan as this request's viewer sees it.
    plan_views: Mutex<HashMap<(Uuid, i32), PlanViewCell>>,
    /// Issue 14: family → who could see its items ("who can see this"), read once.
    audiences: Mutex<HashMap<Uuid, AudienceCell>>,
}

type AudienceCell = Arc<OnceCell<Arc<crate::domain::growing_up::Audience>>>;

impl Loaders {
    pub fn new(db: crate::db::Db) -> DataLoader<Self> {
        let loaders = Self {
            db,
            plan_views: Mutex::default(),
            audiences: Mutex::default(),
        };
        DataLoader::new(loaders, tokio::spawn).delay(Duration::ZERO)
    }

    /// The plan view for `key`, made by `read` the first time it is asked for in this
    /// request; resolvers asking at the same time wait for that one read.
    pub async fn plan_view<F, Fut>(&self, key: (Uuid, i32), read: F) -> AppResult<Arc<PlanView>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<Arc<PlanView>>>,
    {
        let cell = {
            let mut views = self.plan_views.lock().unwrap_or_else(|e| e.into_inner());
            // Only the newest version of a plan is kept (a subscription lives long).
            views.retain(|(plan, version), _| *plan != key.0 || *version == key.1);
            views.entry(key).or_default().clone()
        };
        cell.get_or_try_init(read).await.cloned()
    }

    /// Who could see the family's items, read the first time it is asked for.
    pub async fn audience(
        &self,
        family_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
        ages: crate::access::Ages,
    ) -> AppResult<Arc<crate::domain::growing_up::Audience>> {
        let cell = {
            let mut known = self.audiences.lock().unwrap_or_else(|e| e.into_inner());
            known.entry(family_id).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            crate::domain::growing_up::audience(&self.db, family_id, now, ages)
                .await
                .map(Arc::new)
        })
        .await
        .cloned()
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
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = people::members(&self.db, &ids).await?;
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
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = people::organisations(&self.db, &ids).await?;
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
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = people::practitioners(&self.db, &ids).await?;
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
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = people::roles(&self.db, &ids).await?;
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
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = people::members_of_families(&self.db, &ids).await?;
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
