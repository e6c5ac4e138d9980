//! Consents, the team around the family, safeguarding overrides and the access log.
//! Each object here is built only after the access rules allowed reading its family's data.
use super::family::FamilyMember;
use super::ids::{self, Kind};
use super::loaders::{MemberById, OrganisationById, PractitionerById};
use super::organisation::{Organisation, Practitioner};
use super::{loaders, services};
use crate::error::{AppError, GqlResult};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{
    audit_entry, consent, organisation, practitioner, safeguarding_override, team_member,
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::consent::ConsentScope")]
pub enum ConsentScope {
    /// Every partner organisation.
    AllPartners,
    /// Only the organisations named.
    NamedOrganisations,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConsentStatus {
    Active,
    Withdrawn,
    Expired,
}

async fn member(ctx: &Context<'_>, id: uuid::Uuid) -> GqlResult<Option<FamilyMember>> {
    Ok(loaders(ctx)?
        .load_one(MemberById(id))
        .await?
        .map(FamilyMember))
}

async fn practitioner(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> GqlResult<Option<Practitioner>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loaders(ctx)?
        .load_one(PractitionerById(id))
        .await?
        .map(Practitioner))
}

/// A family's consent to share its information, or a young person's for their own.
pub struct Consent(pub consent::Model);

#[Object]
impl Consent {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Consent, self.0.id)
    }

    async fn status(&self, ctx: &Context<'_>) -> GqlResult<ConsentStatus> {
        let now = services(ctx)?.clock.now();
        Ok(match (self.0.withdrawn_at, self.0.expires_at) {
            (Some(_), _) => ConsentStatus::Withdrawn,
            (None, Some(at)) if at <= now => ConsentStatus::Expired,
            _ => ConsentStatus::Active,
        })
    }

    async fn scope(&self) -> ConsentScope {
        self.0.scope.into()
    }

    /// The organisations named, when the scope is NAMED_ORGANISATIONS.
    async fn organisations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Organisation>> {
        let db = &services(ctx)?.db;
        let ids = crate::domain::consent::organisations_of(db, self.0.id).await?;
        let found = loaders(ctx)?
            .load_many(ids.into_iter().map(OrganisationById))
            .await?;
        let mut organisations: Vec<organisation::Model> = found.into_values().collect();
        organisations.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(organisations.into_iter().map(Organisation).collect())
    }

    /// The family member who gave it.
    async fn given_by(&self, ctx: &Context<'_>) -> GqlResult<FamilyMember> {
        Ok(member(ctx, self.0.given_by_member_id)
            .await?
            .ok_or(AppError::NotFound)?)
    }

    /// Set when this is a young person's consent for their own information.
    async fn for_own_information_of(&self, ctx: &Context<'_>) -> GqlResult<Option<FamilyMember>> {
        match self.0.subject_member_id {
            Some(id) => member(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn given_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it stops being in force, if it was given for a limited time.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    /// E.g. the reference of a signed consent form.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }

    /// The practitioner who recorded consent given on paper.
    async fn recorded_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        practitioner(ctx, self.0.recorded_by_practitioner_id).await
    }

    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }

    async fn withdrawn_by(&self, ctx: &Context<'_>) -> GqlResult<Option<FamilyMember>> {
        match self.0.withdrawn_by_member_id {
            Some(id) => member(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// A practitioner's time on the team around the family.
pub struct TeamMembership(pub team_member::Model);

#[Object]
impl TeamMembership {
    /// Identifies the membership (for a client's cache); reached through the family's team.
    async fn id(&self) -> async_graphql::ID {
        super::ids::encode(super::ids::Kind::TeamMembership, self.0.id)
    }

    /// The family whose team it is.
    async fn family(&self, ctx: &Context<'_>) -> GqlResult<Option<super::family::Family>> {
        Ok(super::family::Family::load(ctx, self.0.family_id).await?)
    }

    async fn practitioner(&self, ctx: &Context<'_>) -> GqlResult<Practitioner> {
        Ok(practitioner(ctx, Some(self.0.practitioner_id))
            .await?
            .ok_or(AppError::NotFound)?)
    }

    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }

    /// Whether they are on the team now.
    async fn current(&self) -> bool {
        self.0.left_at.is_none()
    }

    async fn left_at(&self) -> Option<DateTime<Utc>> {
        self.0.left_at
    }

    async fn leaving_reason(&self) -> Option<&str> {
        self.0.leaving_reason.as_deref()
    }

    async fn added_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        practitioner(ctx, self.0.added_by_practitioner_id).await
    }

    /// Set when someone else removed them; empty when they left.
    async fn removed_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        practitioner(ctx, self.0.removed_by_practitioner_id).await
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OverrideReviewOutcome {
    /// The concern justified proceeding without consent.
    Upheld,
    /// It did not; the access ends at once.
    NotUpheld,
}

#[derive(SimpleObject)]
pub struct OverrideReview {
    pub reviewed_at: DateTime<Utc>,
    pub reviewed_by: Option<Practitioner>,
    pub outcome: OverrideReviewOutcome,
    pub notes: String,
    pub keep_hidden_from_family: bool,
}

/// Time-limited access without consent where a child may be at risk of significant harm.
pub struct SafeguardingOverride(pub safeguarding_override::Model);

#[Object]
impl SafeguardingOverride {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::SafeguardingOverride, self.0.id)
    }

    /// The family record's reference (the reviewer does not otherwise see the family).
    async fn family_reference(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let family = crate::domain::records::by_id::<entities::family::Entity>(
            &services(ctx)?.db,
            self.0.family_id,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        Ok(family.reference)
    }

    async fn raised_by(&self, ctx: &Context<'_>) -> GqlResult<Practitioner> {
        Ok(practitioner(ctx, Some(self.0.practitioner_id))
            .await?
            .ok_or(AppError::NotFound)?)
    }

    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Hidden from the family until reviewed, because telling them could increase the risk.
    async fn withheld_from_family(&self) -> bool {
        self.0.withhold_from_family
    }

    async fn raised_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// Whether it still gives access.
    async fn active(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let now = services(ctx)?.clock.now();
        Ok(self.0.expires_at > now
            && self.0.review_outcome.as_deref() != Some(crate::domain::safeguarding::NOT_UPHELD))
    }

    async fn review(&self, ctx: &Context<'_>) -> GqlResult<Option<OverrideReview>> {
        let (Some(reviewed_at), Some(outcome)) =
            (self.0.reviewed_at, self.0.review_outcome.as_deref())
        else {
            return Ok(None);
        };
        Ok(Some(OverrideReview {
            reviewed_at,
            reviewed_by: practitioner(ctx, self.0.reviewed_by_practitioner_id).await?,
            outcome: if outcome == crate::domain::safeguarding::UPHELD {
                OverrideReviewOutcome::Upheld
            } else {
                OverrideReviewOutcome::NotUpheld
            },
            notes: self.0.review_notes.clone().unwrap_or_default(),
            keep_hidden_from_family: self.0.keep_hidden_after_review,
        }))
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AccessKind {
    Read,
    Change,
    Consent,
    Override,
    /// Issue 14: a restriction recorded, lifted or reviewed (in the full trail only).
    Restriction,
    /// Issue 14: an urgent alert ("I don't feel safe"); never in the family's own log.
    Alert,
}

/// Who read or changed the family's information.
#[derive(SimpleObject)]
pub struct AccessLogActor {
    /// The person's name; empty for changes made by an operator at the command line.
    pub name: Option<String>,
    /// Their organisation, for practitioners.
    pub organisation: Option<String>,
    /// The capacity they acted in: practitioner, hub worker, family member...
    pub role: String,
}

/// One line of the family's access log.
pub struct AccessLogEntry(pub audit_entry::Model);

#[Object]
impl AccessLogEntry {
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    async fn kind(&self) -> AccessKind {
        match self.0.kind.as_str() {
            "read" => AccessKind::Read,
            "consent" => AccessKind::Consent,
            "override" => AccessKind::Override,
            "restriction" => AccessKind::Restriction,
            "alert" => AccessKind::Alert,
            _ => AccessKind::Change,
        }
    }

    /// What was read or changed, in words.
    async fn what(&self) -> &str {
        &self.0.what
    }

    /// Whether this relied on a safeguarding override rather than consent.
    async fn under_safeguarding_override(&self) -> bool {
        self.0.override_id.is_some()
    }

    async fn actor(&self, ctx: &Context<'_>) -> GqlResult<AccessLogActor> {
        let mut name = None;
        let mut organisation = None;
        if let Some(id) = self.0.actor_practitioner_id {
            name = loaders(ctx)?
                .load_one(PractitionerById(id))
                .await?
                .map(|p: practitioner::Model| p.name);
        }
        if let Some(id) = self.0.actor_organisation_id {
            organisation = loaders(ctx)?
                .load_one(OrganisationById(id))
                .await?
                .map(|o| o.name);
        }
        if let Some(id) = self.0.actor_member_id {
            name = loaders(ctx)?
                .load_one(MemberById(id))
                .await?
                .map(|m| m.name);
        }
        Ok(AccessLogActor {
            name,
            organisation,
            role: self.0.actor_role.clone(),
        })
    }
}
