//! The consultation line (issue 17): ask, answer, and turn into a referral in one step.
use super::super::consultation::Consultation;
use super::super::scalars::Date;
use super::super::services;
use super::super::support_request::Referral;
use super::{input_id, write};
use crate::access::Action;
use crate::domain::consultations;
use crate::domain::support_requests::NamedPerson;
use crate::error::{AppError, GqlResult, UserError};
use crate::graphql::ids::Kind;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct ConsultationMutation;

#[derive(InputObject)]
pub struct ConsultHubInput {
    /// The situation, without naming the family unless it has consented.
    pub situation: String,
    /// The family, named only with its consent.
    pub family: Option<ID>,
    #[graphql(default = false)]
    pub family_consented: bool,
}

#[derive(InputObject)]
pub struct AnswerConsultationInput {
    pub consultation: ID,
    pub advice: String,
    /// The advice is to refer.
    pub advise_referral: bool,
}

#[derive(SimpleObject)]
pub struct ConsultationPayload {
    pub consultation: Option<Consultation>,
    pub user_errors: Vec<UserError>,
}

/// A person the referral is about.
#[derive(InputObject)]
pub struct ConsultationPersonInput {
    pub name: String,
    pub child: bool,
    pub date_of_birth: Option<Date>,
}

#[derive(InputObject)]
pub struct ReferFromConsultationInput {
    pub consultation: ID,
    /// The people it is about, when the consultation did not name a known family.
    #[graphql(default)]
    pub people: Vec<ConsultationPersonInput>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub postcode: Option<String>,
    pub local_area: Option<String>,
    pub family_consented: bool,
    #[graphql(default = false)]
    pub significant_harm: bool,
    pub significant_harm_reason: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReferFromConsultationPayload {
    pub referral: Option<Referral>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl ConsultationMutation {
    /// A practitioner asks the hub's consultation line whether they should refer. Grants no
    /// access to any family's record.
    async fn consult_hub(
        &self,
        ctx: &Context<'_>,
        input: ConsultHubInput,
    ) -> GqlResult<ConsultationPayload> {
        let (asked, user_errors) = write(ctx, Action::ConsultHub, async |txn, permit| {
            let family_id = input
                .family
                .as_ref()
                .map(|id| input_id(id, Kind::Family, "family"))
                .transpose()?;
            let question = consultations::Question {
                situation: &input.situation,
                family_id,
                family_consented: input.family_consented,
            };
            consultations::ask(txn, question, permit).await
        })
        .await?;
        Ok(ConsultationPayload {
            consultation: asked.map(Consultation),
            user_errors,
        })
    }

    /// A hub worker answers a consultation with advice, once.
    async fn answer_consultation(
        &self,
        ctx: &Context<'_>,
        input: AnswerConsultationInput,
    ) -> GqlResult<ConsultationPayload> {
        let (answered, user_errors) =
            write(ctx, Action::AnswerConsultations, async |txn, permit| {
                let id = input_id(&input.consultation, Kind::Consultation, "consultation")?;
                consultations::answer(txn, id, &input.advice, input.advise_referral, permit).await
            })
            .await?;
        Ok(ConsultationPayload {
            consultation: answered.map(Consultation),
            user_errors,
        })
    }

    /// The practitioner who asked turns their consultation into a referral in one step: the
    /// situation (and the hub's advice) become its concerns, the family named, if any, its
    /// family.
    async fn refer_from_consultation(
        &self,
        ctx: &Context<'_>,
        input: ReferFromConsultationInput,
    ) -> GqlResult<ReferFromConsultationPayload> {
        let clocks = services(ctx)?
            .settings
            .support_clocks()
            .map_err(AppError::Internal)?;
        let (referral, user_errors) = write(ctx, Action::ReferFamily, async |txn, permit| {
            let consultation_id =
                input_id(&input.consultation, Kind::Consultation, "consultation")?;
            let from = consultations::FromConsultation {
                consultation_id,
                people: input
                    .people
                    .iter()
                    .map(|p| NamedPerson {
                        name: &p.name,
                        child: p.child,
                        date_of_birth: p.date_of_birth.as_ref().map(|d| d.0),
                        age: None,
                        member_id: None,
                    })
                    .collect(),
                contact_name: input.contact_name.as_deref(),
                contact_email: input.contact_email.as_deref(),
                contact_phone: input.contact_phone.as_deref(),
                postcode: input.postcode.as_deref(),
                local_area: input.local_area.as_deref(),
                family_consented: input.family_consented,
                significant_harm: input.significant_harm,
                significant_harm_reason: input.significant_harm_reason.as_deref(),
            };
            consultations::refer(txn, from, &clocks, permit).await
        })
        .await?;
        Ok(ReferFromConsultationPayload {
            referral: referral.map(Referral),
            user_errors,
        })
    }
}
