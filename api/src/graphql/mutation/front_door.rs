//! The front door (issue 17): the ways in (the app, the public `requestSupport`, a
//! professional's referral) and the hub's screening (claim, ask, decide).
use super::super::scalars::Date;
use super::super::support_request::{
    FamilySupportRequest, InformationRequest, Referral, SupportDecision, SupportRequest,
    SupportRequestReceipt,
};
use super::super::{services, viewer};
use super::{input_id, input_ids, write};
use crate::access::Action;
use crate::auth::ClientAddress;
use crate::domain::screening;
use crate::domain::support_requests::{self, NamedPerson};
use crate::error::{AppError, GqlResult, UserError};
use crate::graphql::ids::Kind;
use crate::viewer::{Actor, Viewer};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct FrontDoorMutation;

#[derive(InputObject)]
pub struct AskForSupportInput {
    /// What is happening, in your own words.
    pub what_is_happening: String,
    /// What you would like help with.
    pub help_wanted: Option<String>,
    /// Who in the family it is about (none: the whole family).
    #[graphql(default)]
    pub about: Vec<ID>,
    /// How and when to contact you.
    pub contact_by: Option<String>,
    /// A young person's choice: let your parents see this request. Adults' requests are
    /// shared with the other parents.
    #[graphql(default = false)]
    pub share_with_parents: bool,
}

#[derive(SimpleObject)]
pub struct AskForSupportPayload {
    pub support_request: Option<FamilySupportRequest>,
    pub user_errors: Vec<UserError>,
}

/// A child named at the public front door.
#[derive(InputObject)]
pub struct ChildInput {
    pub first_name: String,
    pub age: i32,
}

#[derive(InputObject)]
pub struct RequestSupportInput {
    /// Your name.
    pub name: String,
    /// An email address or a phone number is needed so that the hub can reply.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The children's first names and ages.
    #[graphql(default)]
    pub children: Vec<ChildInput>,
    pub what_is_happening: String,
    /// You agree that the hub may contact other agencies (the school, the health visitor...).
    pub agrees_to_agency_contact: bool,
    pub postcode: Option<String>,
    /// How and when to contact you.
    pub contact_by: Option<String>,
}

#[derive(SimpleObject)]
pub struct RequestSupportPayload {
    pub receipt: Option<SupportRequestReceipt>,
    pub user_errors: Vec<UserError>,
}

/// A person a referral is about.
#[derive(InputObject)]
pub struct ReferredPersonInput {
    pub name: String,
    /// A child (true) or an adult.
    pub child: bool,
    pub date_of_birth: Option<Date>,
}

#[derive(InputObject)]
pub struct ReferFamilyInput {
    /// The family's record, when it is known to the service.
    pub family: Option<ID>,
    /// The people the referral is about (required when the family is not known).
    #[graphql(default)]
    pub people: Vec<ReferredPersonInput>,
    pub postcode: Option<String>,
    pub local_area: Option<String>,
    /// How the hub can reach the family.
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub concerns: String,
    /// The needs you see, on the four levels (1 universal to 4 child protection).
    pub needs_level: Option<i32>,
    pub what_has_been_tried: Option<String>,
    /// The family has consented to this referral.
    pub family_consented: bool,
    /// A child may be at risk of significant harm: then no consent is needed, the reason
    /// is, and the hub decides within 2 hours.
    #[graphql(default = false)]
    pub significant_harm: bool,
    pub significant_harm_reason: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReferFamilyPayload {
    pub referral: Option<Referral>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ClaimSupportRequestInput {
    pub request: ID,
}

#[derive(SimpleObject)]
pub struct SupportRequestPayload {
    pub support_request: Option<SupportRequest>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct AskForInformationInput {
    pub request: ID,
    /// For whoever asked or referred; the clock keeps running.
    pub question: String,
}

#[derive(InputObject)]
pub struct AnswerInformationRequestInput {
    pub question: ID,
    pub answer: String,
}

#[derive(SimpleObject)]
pub struct InformationRequestPayload {
    pub information_request: Option<InformationRequest>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct NewFamilyRecordInput {
    pub reference: String,
    pub local_area: String,
}

#[derive(InputObject)]
pub struct DecideSupportRequestInput {
    pub request: ID,
    pub decision: SupportDecision,
    /// Why: kept with the request and the family's history.
    pub reason: String,
    /// Advice and guidance for the family (required for ADVICE).
    pub advice: Option<String>,
    /// Directory entries the advice points at (`services`).
    #[graphql(default)]
    pub services: Vec<ID>,
    /// Link this existing family record (found by matching)...
    pub family: Option<ID>,
    /// ...or open a new one (early help, s17, s47).
    pub new_family: Option<NewFamilyRecordInput>,
    /// Early help: the first team members.
    #[graphql(default)]
    pub team: Vec<ID>,
    /// Early help: a suggested lead professional.
    pub suggested_lead: Option<ID>,
    /// Child protection enquiry: telling the family would increase the risk.
    #[graphql(default = false)]
    pub withhold_from_family: bool,
}

fn clocks(ctx: &Context<'_>) -> crate::error::AppResult<support_requests::Clocks> {
    services(ctx)?
        .settings
        .support_clocks()
        .map_err(AppError::Internal)
}

#[Object]
impl FrontDoorMutation {
    /// A family member asks the hub for help, in their own words. A young person's request
    /// stays with the hub and the team unless they share it with their parents.
    async fn ask_for_support(
        &self,
        ctx: &Context<'_>,
        input: AskForSupportInput,
    ) -> GqlResult<AskForSupportPayload> {
        let viewer = viewer(ctx)?;
        let Viewer::FamilyMember(m) = viewer else {
            return Err(super::super::refusal(viewer).into());
        };
        let action = Action::AskForSupport {
            family_id: m.family_id,
        };
        let clocks = clocks(ctx)?;
        let (asked, user_errors) = write(ctx, action, async |txn, permit| {
            let about = input_ids(&input.about, Kind::FamilyMember, "about")?;
            let asked = support_requests::FromFamily {
                what_is_happening: &input.what_is_happening,
                help_wanted: input.help_wanted.as_deref(),
                about: &about,
                contact_by: input.contact_by.as_deref(),
                share_with_parents: input.share_with_parents,
            };
            support_requests::ask_from_app(txn, asked, &clocks, permit).await
        })
        .await?;
        Ok(AskForSupportPayload {
            support_request: asked.map(FamilySupportRequest),
            user_errors,
        })
    }

    /// The public front door: anyone asks for help, no account needed. Answers with a short
    /// reference and what happens next, never with data; rate-limited per address.
    async fn request_support(
        &self,
        ctx: &Context<'_>,
        input: RequestSupportInput,
    ) -> GqlResult<RequestSupportPayload> {
        let s = services(ctx)?;
        // Callers who are not signed in are counted per address, refused requests included;
        // a signed-in caller is known and not limited here.
        if let Viewer::Anonymous = viewer(ctx)? {
            let client = ctx
                .data_opt::<ClientAddress>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.clone());
            crate::auth::rate_limit::hit_support_request(
                &s.db,
                &client,
                s.settings.request_support_limit_per_address,
                s.clock.now(),
            )
            .await?;
        }
        let clocks = clocks(ctx)?;
        let children: Vec<(String, i32)> = input
            .children
            .iter()
            .map(|c| (c.first_name.clone(), c.age))
            .collect();
        let asked = support_requests::Anonymous {
            name: &input.name,
            email: input.email.as_deref(),
            phone: input.phone.as_deref(),
            children: &children,
            what_is_happening: &input.what_is_happening,
            agrees_to_agency_contact: input.agrees_to_agency_contact,
            postcode: input.postcode.as_deref(),
            contact_by: input.contact_by.as_deref(),
        };
        let (asked, user_errors) = write(
            ctx,
            Action::RequestSupportAnonymously,
            async |txn, permit| {
                support_requests::ask_anonymously(txn, asked, &clocks, permit).await
            },
        )
        .await?;
        Ok(RequestSupportPayload {
            receipt: asked.map(|r| SupportRequestReceipt {
                reference: r.reference,
                what_happens_next: support_requests::WHAT_HAPPENS_NEXT.to_owned(),
            }),
            user_errors,
        })
    }

    /// A professional refers a family, known to the service or not. The family's consent is
    /// needed unless a child may be at risk of significant harm (with a reason: the 2-hour
    /// clock). The referrer then sees the referral's status and outcome in `myReferrals`.
    async fn refer_family(
        &self,
        ctx: &Context<'_>,
        input: ReferFamilyInput,
    ) -> GqlResult<ReferFamilyPayload> {
        let clocks = clocks(ctx)?;
        let (referral, user_errors) = write(ctx, Action::ReferFamily, async |txn, permit| {
            let family_id = input
                .family
                .as_ref()
                .map(|id| input_id(id, Kind::Family, "family"))
                .transpose()?;
            let people = input
                .people
                .iter()
                .map(|p| NamedPerson {
                    name: &p.name,
                    child: p.child,
                    date_of_birth: p.date_of_birth.as_ref().map(|d| d.0),
                    age: None,
                    member_id: None,
                })
                .collect();
            let needs_level = input
                .needs_level
                .map(|l| i16::try_from(l).unwrap_or(i16::MAX));
            let referral = support_requests::Referral {
                family_id,
                people,
                postcode: input.postcode.as_deref(),
                local_area: input.local_area.as_deref(),
                contact_name: input.contact_name.as_deref(),
                contact_email: input.contact_email.as_deref(),
                contact_phone: input.contact_phone.as_deref(),
                concerns: &input.concerns,
                needs_level,
                what_tried: input.what_has_been_tried.as_deref(),
                family_consented: input.family_consented,
                significant_harm: input.significant_harm,
                significant_harm_reason: input.significant_harm_reason.as_deref(),
            };
            support_requests::refer(txn, referral, &clocks, permit).await
        })
        .await?;
        Ok(ReferFamilyPayload {
            referral: referral.map(Referral),
            user_errors,
        })
    }

    /// A hub worker takes a request to screen. Two cannot both claim one.
    async fn claim_support_request(
        &self,
        ctx: &Context<'_>,
        input: ClaimSupportRequestInput,
    ) -> GqlResult<SupportRequestPayload> {
        let (claimed, user_errors) =
            write(ctx, Action::ScreenSupportRequests, async |txn, permit| {
                let id = input_id(&input.request, Kind::SupportRequest, "request")?;
                screening::claim(txn, id, permit).await
            })
            .await?;
        Ok(SupportRequestPayload {
            support_request: claimed.map(SupportRequest::one),
            user_errors,
        })
    }

    /// The hub asks whoever asked (or referred) for more information; the clock keeps running.
    async fn ask_for_information(
        &self,
        ctx: &Context<'_>,
        input: AskForInformationInput,
    ) -> GqlResult<InformationRequestPayload> {
        let (asked, user_errors) =
            write(ctx, Action::ScreenSupportRequests, async |txn, permit| {
                let id = input_id(&input.request, Kind::SupportRequest, "request")?;
                screening::ask_for_information(txn, id, &input.question, permit).await
            })
            .await?;
        Ok(InformationRequestPayload {
            information_request: asked.map(InformationRequest),
            user_errors,
        })
    }

    /// Whoever asked answers the hub's question in the app; or the hub records an answer
    /// given to it (on the phone, say).
    async fn answer_information_request(
        &self,
        ctx: &Context<'_>,
        input: AnswerInformationRequestInput,
    ) -> GqlResult<InformationRequestPayload> {
        let s = services(ctx)?;
        let question_id = match input_id(&input.question, Kind::InformationRequest, "question") {
            Ok(id) => id,
            Err(AppError::Invalid(user_errors)) => {
                return Ok(InformationRequestPayload {
                    information_request: None,
                    user_errors,
                });
            }
            Err(other) => return Err(other.into()),
        };
        let is_asker = screening::asked_by(&s.db, question_id, Actor::of(viewer(ctx)?)).await?;
        let action = Action::AnswerSupportQuestion { is_asker };
        let (answered, user_errors) = write(ctx, action, async |txn, permit| {
            screening::answer(txn, question_id, &input.answer, permit).await
        })
        .await?;
        Ok(InformationRequestPayload {
            information_request: answered.map(InformationRequest),
            user_errors,
        })
    }

    /// The hub's decision, with its reason: advice and guidance; early help (link the
    /// family's existing record or open one, add the first team, suggest a lead); or passed to
    /// children's social care for an s17 assessment or an s47 enquiry (need level 3 or 4, with
    /// the history entry). Audited.
    async fn decide_support_request(
        &self,
        ctx: &Context<'_>,
        input: DecideSupportRequestInput,
    ) -> GqlResult<SupportRequestPayload> {
        let (decided, user_errors) =
            write(ctx, Action::ScreenSupportRequests, async |txn, permit| {
                let request_id = input_id(&input.request, Kind::SupportRequest, "request")?;
                let family_id = input
                    .family
                    .as_ref()
                    .map(|id| input_id(id, Kind::Family, "family"))
                    .transpose()?;
                let team = input_ids(&input.team, Kind::Practitioner, "team")?;
                let signposted = input_ids(&input.services, Kind::LocalService, "services")?;
                let suggested_lead = input
                    .suggested_lead
                    .as_ref()
                    .map(|id| input_id(id, Kind::Practitioner, "suggestedLead"))
                    .transpose()?;
                let decide = screening::Decide {
                    request_id,
                    decision: input.decision.into(),
                    reason: &input.reason,
                    advice: input.advice.as_deref(),
                    services: &signposted,
                    family_id,
                    new_family: input.new_family.as_ref().map(|n| screening::NewRecord {
                        reference: &n.reference,
                        local_area: &n.local_area,
                    }),
                    team: &team,
                    suggested_lead,
                    withhold_from_family: input.withhold_from_family,
                };
                screening::decide(txn, decide, permit).await
            })
            .await?;
        Ok(SupportRequestPayload {
            support_request: decided.map(SupportRequest::one),
            user_errors,
        })
    }
}
