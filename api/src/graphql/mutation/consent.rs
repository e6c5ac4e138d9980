//! Consent: given and withdrawn by the family in the app, recorded from paper by a
//! practitioner, and young people's competence to consent for themselves.
use super::super::consent::{Consent, ConsentScope};
use super::super::family::{Family, FamilyMember};
use super::super::scalars::Date;
use super::super::{if_still_readable, services, viewer};
use super::{input_id, input_ids, write};
use crate::access::Action;
use crate::domain::consent;
use crate::error::{AppError, AppResult, GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entities::family_member;
use sea_orm::ConnectionTrait;

#[derive(Default)]
pub struct ConsentMutation;

#[derive(InputObject)]
pub struct GiveConsentInput {
    pub family: ID,
    pub scope: ConsentScope,
    /// The organisations to share with, when the scope is NAMED_ORGANISATIONS.
    #[graphql(default)]
    pub organisations: Vec<ID>,
    /// The last day the consent is in force; none for "until I withdraw it".
    pub expires_on: Option<Date>,
    /// A young person's consent for their own information, rather than the family's.
    #[graphql(default = false)]
    pub for_own_information: bool,
}

#[derive(InputObject)]
pub struct RecordPaperConsentInput {
    pub family: ID,
    /// The family member who signed.
    pub given_by: ID,
    pub scope: ConsentScope,
    #[graphql(default)]
    pub organisations: Vec<ID>,
    pub expires_on: Option<Date>,
    #[graphql(default = false)]
    pub for_own_information: bool,
    /// The evidence, e.g. the signed form's reference.
    pub evidence: String,
}

#[derive(InputObject)]
pub struct WithdrawConsentInput {
    pub consent: ID,
}

#[derive(SimpleObject)]
pub struct ConsentPayload {
    pub consent: Option<Consent>,
    /// The family whose consents these are, as it is now (null when the viewer may no longer
    /// read it).
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

impl ConsentPayload {
    async fn of(
        ctx: &Context<'_>,
        family_id: uuid::Uuid,
        (consent, user_errors): (Option<entities::consent::Model>, Vec<UserError>),
    ) -> GqlResult<Self> {
        Ok(Self {
            consent: consent.map(Consent),
            family: if_still_readable(Family::load(ctx, family_id)).await?,
            user_errors,
        })
    }
}

#[derive(InputObject)]
pub struct RecordCompetenceAssessmentInput {
    /// The young person.
    pub member: ID,
    /// Whether they can decide about sharing their own information (Gillick/Fraser).
    pub competent_to_consent: bool,
}

#[derive(SimpleObject)]
pub struct RecordCompetenceAssessmentPayload {
    pub member: Option<FamilyMember>,
    /// The young person's family, as it is now.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

async fn member_model(
    db: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> AppResult<family_member::Model> {
    crate::domain::records::by_id::<entities::family_member::Entity>(db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[Object]
impl ConsentMutation {
    /// A family member gives consent in the app: a parent or carer for the family, or a
    /// young person assessed as competent for their own information.
    async fn give_consent(
        &self,
        ctx: &Context<'_>,
        input: GiveConsentInput,
    ) -> GqlResult<ConsentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::ManageOwnConsent { family_id };
        let (consent, user_errors) = write(ctx, action, async |txn, permit| {
            let member_id = permit.actor().member_id().ok_or(AppError::Forbidden)?;
            let giver = member_model(txn, member_id).await?;
            let organisation_ids =
                input_ids(&input.organisations, Kind::Organisation, "organisations")?;
            let new = consent::NewConsent {
                family_id,
                giver: &giver,
                for_own_information: input.for_own_information,
                scope: input.scope.into(),
                organisation_ids: &organisation_ids,
                expires_on: input.expires_on.map(|d| d.0),
                evidence: None,
                recorded_by: None,
            };
            consent::give(txn, new, permit).await
        })
        .await?;
        ConsentPayload::of(ctx, family_id, (consent, user_errors)).await
    }

    /// A practitioner records consent the family gave on paper, with its evidence. The family
    /// sees it in the app and can withdraw it.
    async fn record_paper_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordPaperConsentInput,
    ) -> GqlResult<ConsentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::RecordPaperConsent { family_id };
        let (consent, user_errors) = write(ctx, action, async |txn, permit| {
            let giver_id = input_id(&input.given_by, Kind::FamilyMember, "givenBy")?;
            let giver = member_model(txn, giver_id).await?;
            let organisation_ids =
                input_ids(&input.organisations, Kind::Organisation, "organisations")?;
            let new = consent::NewConsent {
                family_id,
                giver: &giver,
                for_own_information: input.for_own_information,
                scope: input.scope.into(),
                organisation_ids: &organisation_ids,
                expires_on: input.expires_on.map(|d| d.0),
                evidence: Some(&input.evidence),
                recorded_by: permit.actor().practitioner_id(),
            };
            consent::give(txn, new, permit).await
        })
        .await?;
        ConsentPayload::of(ctx, family_id, (consent, user_errors)).await
    }

    /// Withdraws a consent, with effect on the very next request of anyone who relied on it.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        input: WithdrawConsentInput,
    ) -> GqlResult<ConsentPayload> {
        let consent_id = ids::decode(&input.consent, Kind::Consent)?;
        // Anonymous callers learn nothing, not even whether the ID exists.
        if matches!(viewer(ctx)?, Viewer::Anonymous) {
            return Err(AppError::Unauthenticated.into());
        }
        let found = consent::find(&services(ctx)?.db, consent_id).await?;
        let action = Action::ManageOwnConsent {
            family_id: found.family_id,
        };
        let (consent, user_errors) = write(ctx, action, async |txn, permit| {
            let member_id = permit.actor().member_id().ok_or(AppError::Forbidden)?;
            let by = member_model(txn, member_id).await?;
            consent::withdraw(txn, consent_id, &by, permit).await
        })
        .await?;
        ConsentPayload::of(ctx, found.family_id, (consent, user_errors)).await
    }

    /// A practitioner on the team records whether a young person can consent for themselves.
    async fn record_competence_assessment(
        &self,
        ctx: &Context<'_>,
        input: RecordCompetenceAssessmentInput,
    ) -> GqlResult<RecordCompetenceAssessmentPayload> {
        let member_id = ids::decode(&input.member, Kind::FamilyMember)?;
        // Anonymous callers learn nothing, not even whether the ID exists.
        if matches!(viewer(ctx)?, Viewer::Anonymous) {
            return Err(AppError::Unauthenticated.into());
        }
        let found = member_model(&services(ctx)?.db, member_id).await?;
        let action = Action::AssessCompetence {
            family_id: found.family_id,
        };
        let (member, user_errors) = write(ctx, action, async |txn, permit| {
            consent::assess_competence(txn, member_id, input.competent_to_consent, permit).await
        })
        .await?;
        Ok(RecordCompetenceAssessmentPayload {
            member: member.map(FamilyMember),
            family: if_still_readable(Family::load(ctx, found.family_id)).await?,
            user_errors,
        })
    }
}
