//! Consent: given and withdrawn by the family in the app, recorded from paper by a
//! practitioner, and young people's competence to consent for themselves.
use super::super::consent::{Consent, ConsentScope};
use super::super::family::FamilyMember;
use super::super::scalars::Date;
use super::super::{authorize, services, viewer};
use super::{actor, input_id, input_ids, split};
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::consent;
use crate::error::{AppError, AppResult, GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::policy::Action;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entities::family_member;
use sea_orm::{ConnectionTrait, EntityTrait};

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
    pub user_errors: Vec<UserError>,
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
    pub user_errors: Vec<UserError>,
}

async fn member_model(
    db: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> AppResult<family_member::Model> {
    family_member::Entity::find_by_id(id)
        .one(db)
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
        let access = authorize(ctx, Action::ManageOwnConsent { family_id }).await?;
        let Viewer::FamilyMember(me) = viewer(ctx)? else {
            return Err(AppError::Forbidden.into());
        };
        let actor = actor(viewer(ctx)?, access)?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
        let giver = member_model(&txn, me.member_id).await?;
        let result = async {
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
            consent::give(&txn, new, actor, s.clock.now()).await
        }
        .await;
        let (consent, user_errors) = split(result)?;
        txn.commit().await?;
        Ok(ConsentPayload {
            consent: consent.map(Consent),
            user_errors,
        })
    }

    /// A practitioner records consent the family gave on paper, with its evidence. The family
    /// sees it in the app and can withdraw it.
    async fn record_paper_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordPaperConsentInput,
    ) -> GqlResult<ConsentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let access = authorize(ctx, Action::RecordPaperConsent { family_id }).await?;
        let actor = actor(viewer(ctx)?, access)?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
        let result = async {
            let giver_id = input_id(&input.given_by, Kind::FamilyMember, "givenBy")?;
            let giver = member_model(&txn, giver_id).await?;
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
                recorded_by: actor.practitioner_id(),
            };
            consent::give(&txn, new, actor, s.clock.now()).await
        }
        .await;
        let (consent, user_errors) = split(result)?;
        txn.commit().await?;
        Ok(ConsentPayload {
            consent: consent.map(Consent),
            user_errors,
        })
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
        let s = services(ctx)?;
        let found = entities::consent::Entity::find_by_id(consent_id)
            .one(&s.db)
            .await?
            .ok_or(AppError::NotFound)?;
        authorize(
            ctx,
            Action::ManageOwnConsent {
                family_id: found.family_id,
            },
        )
        .await?;
        let Viewer::FamilyMember(me) = viewer(ctx)? else {
            return Err(AppError::Forbidden.into());
        };
        let txn = begin_write(&s.db).await?;
        let by = member_model(&txn, me.member_id).await?;
        let (consent, user_errors) =
            split(consent::withdraw(&txn, consent_id, &by, s.clock.now()).await)?;
        txn.commit().await?;
        Ok(ConsentPayload {
            consent: consent.map(Consent),
            user_errors,
        })
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
        let s = services(ctx)?;
        let found = member_model(&s.db, member_id).await?;
        let access = authorize(
            ctx,
            Action::AssessCompetence {
                family_id: found.family_id,
            },
        )
        .await?;
        let actor = actor(viewer(ctx)?, access)?;
        let txn = begin_write(&s.db).await?;
        let result = consent::assess_competence(
            &txn,
            member_id,
            input.competent_to_consent,
            actor,
            s.clock.now(),
        )
        .await;
        let (member, user_errors) = split(result)?;
        txn.commit().await?;
        Ok(RecordCompetenceAssessmentPayload {
            member: member.map(FamilyMember),
            user_errors,
        })
    }
}
