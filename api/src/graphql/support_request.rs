//! Requests for support (issue 17), as three readers see them: the hub ([`SupportRequest`],
//! everything, with its clock and possible matches), the family in the app
//! ([`FamilySupportRequest`]: status, the advice, who will contact them) and the referrer
//! ([`Referral`]: status and outcome, nothing more).
use super::family::Family;
use super::ids::{self, Kind};
use super::loaders::PractitionerById;
use super::organisation::Practitioner;
use super::pagination::{Cursor, MAX_PAGE, Page};
use super::scalars::Date;
use super::{authorize, loaders, services, viewer};
use crate::access::{Action, visibility};
use crate::domain::{screening, support_requests};
use crate::error::{AppError, AppResult, GqlResult};
use crate::viewer::Viewer;
use async_graphql::connection::{Connection, CursorType, Edge, OpaqueCursor};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{support_request, support_request_person, support_request_question};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::OnceCell;
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::support_request::WayIn")]
pub enum WayIn {
    /// A family member, from the app.
    App,
    /// Someone with no account, through the public front door.
    Anonymous,
    /// A professional's referral.
    Referral,
    /// An urgent alert about a known family (a concern from outside the team, "I don't feel safe").
    Urgent,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::support_request::RequestStatus")]
pub enum SupportRequestStatus {
    /// Waiting for a hub worker.
    Received,
    /// A hub worker is looking at it.
    Screening,
    Decided,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::support_request::Decision")]
pub enum SupportDecision {
    /// Advice and guidance, with signposting.
    Advice,
    /// Early help: a family record and its first team.
    EarlyHelp,
    /// Passed to children's social care for a child and family assessment (s17): need level 3.
    #[graphql(name = "CHILD_AND_FAMILY_ASSESSMENT")]
    Section17,
    /// Passed to children's social care for a child protection enquiry (s47): need level 4.
    #[graphql(name = "CHILD_PROTECTION_ENQUIRY")]
    Section47,
}

/// Where a request stands against its clock.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::support_requests::ClockState")]
pub enum ClockState {
    /// Decided: the clock has stopped.
    Stopped,
    OnTime,
    /// A quarter of its time or less is left.
    NearlyDue,
    Overdue,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::screening::MatchReason")]
pub enum MatchReason {
    /// A child of the record has the same name and date of birth (or first name and age).
    SameChild,
    /// An earlier request linked to the record names the same adult at the same postcode.
    SameAdultAndPostcode,
}

/// What the family sees of where its request is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FamilyRequestStatus {
    Received,
    BeingLookedAt,
    Decided,
}

/// A person a request names.
#[derive(SimpleObject)]
pub struct RequestedPerson {
    pub name: String,
    pub child: bool,
    pub date_of_birth: Option<Date>,
    pub age: Option<i32>,
}

/// A possible existing family record for a request: the hub links one or opens a new one.
#[derive(SimpleObject)]
pub struct PossibleFamilyMatch {
    pub family: Family,
    pub reason: MatchReason,
}

/// The hub's question about a request, and the answer.
pub struct InformationRequest(pub support_request_question::Model);

#[Object]
impl InformationRequest {
    async fn id(&self) -> ID {
        ids::encode(Kind::InformationRequest, self.0.id)
    }
    async fn question(&self) -> &str {
        &self.0.question
    }
    async fn asked_at(&self) -> DateTime<Utc> {
        self.0.asked_at
    }
    async fn answer(&self) -> Option<&str> {
        self.0.answer.as_deref()
    }
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
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

async fn questions(
    ctx: &Context<'_>,
    request_id: uuid::Uuid,
) -> GqlResult<Vec<InformationRequest>> {
    Ok(support_requests::questions(&services(ctx)?.db, request_id)
        .await?
        .into_iter()
        .map(InformationRequest)
        .collect())
}

/// One page of the hub's queue (or a single request): each kind of child — people,
/// questions, signposted services, possible matches, families — read once for the whole
/// page by the first resolver that needs it, so a page costs the same statements whatever
/// its length.
pub struct QueuePage {
    requests: Vec<support_request::Model>,
    ids: Vec<Uuid>,
    people: OnceCell<HashMap<Uuid, Vec<support_request_person::Model>>>,
    questions: OnceCell<HashMap<Uuid, Vec<support_request_question::Model>>>,
    services: OnceCell<HashMap<Uuid, Vec<entities::local_service::Model>>>,
    matches: OnceCell<HashMap<Uuid, Vec<screening::PossibleMatch>>>,
    families: OnceCell<HashMap<Uuid, entities::family::Model>>,
    practitioners: OnceCell<HashMap<Uuid, entities::practitioner::Model>>,
}

impl QueuePage {
    async fn people(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<&HashMap<Uuid, Vec<support_request_person::Model>>> {
        let db = &services(ctx)?.db;
        self.people
            .get_or_try_init(|| support_requests::people_of(db, &self.ids))
            .await
    }

    async fn questions(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<&HashMap<Uuid, Vec<support_request_question::Model>>> {
        let db = &services(ctx)?.db;
        self.questions
            .get_or_try_init(|| support_requests::questions_of(db, &self.ids))
            .await
    }

    async fn services(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<&HashMap<Uuid, Vec<entities::local_service::Model>>> {
        let db = &services(ctx)?.db;
        self.services
            .get_or_try_init(|| crate::domain::directory::signposted_of(db, &self.ids))
            .await
    }

    async fn matches(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<&HashMap<Uuid, Vec<screening::PossibleMatch>>> {
        let people = self.people(ctx).await?;
        let db = &services(ctx)?.db;
        self.matches
            .get_or_try_init(|| screening::possible_matches_of(db, &self.requests, people))
            .await
    }

    async fn families(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<&HashMap<Uuid, entities::family::Model>> {
        let db = &services(ctx)?.db;
        let ids: Vec<Uuid> = self.requests.iter().filter_map(|r| r.family_id).collect();
        self.families
            .get_or_try_init(|| support_requests::families_of(db, &ids))
            .await
    }

    /// The practitioners the page names (who referred, claimed, decided, is suggested).
    async fn practitioner(
        &self,
        ctx: &Context<'_>,
        id: Option<Uuid>,
    ) -> GqlResult<Option<Practitioner>> {
        let Some(id) = id else { return Ok(None) };
        let db = &services(ctx)?.db;
        let named: Vec<Uuid> = self
            .requests
            .iter()
            .flat_map(|r| {
                [
                    r.referred_by_practitioner_id,
                    r.claimed_by_practitioner_id,
                    r.decided_by_practitioner_id,
                    r.suggested_lead_practitioner_id,
                ]
            })
            .flatten()
            .collect();
        let found = self
            .practitioners
            .get_or_try_init(|| async {
                Ok::<_, AppError>(
                    crate::domain::people::practitioners(db, &named)
                        .await?
                        .into_iter()
                        .map(|p| (p.id, p))
                        .collect(),
                )
            })
            .await?;
        Ok(found.get(&id).cloned().map(Practitioner))
    }
}

/// A request for support as the hub screens it.
pub struct SupportRequest {
    model: support_request::Model,
    page: Arc<QueuePage>,
}

impl SupportRequest {
    /// A page of the queue, its children read once for the page.
    pub fn page(requests: Vec<support_request::Model>) -> Vec<Self> {
        let page = Arc::new(QueuePage {
            ids: requests.iter().map(|r| r.id).collect(),
            requests: requests.clone(),
            people: OnceCell::new(),
            questions: OnceCell::new(),
            services: OnceCell::new(),
            matches: OnceCell::new(),
            families: OnceCell::new(),
            practitioners: OnceCell::new(),
        });
        requests
            .into_iter()
            .map(|model| Self {
                model,
                page: page.clone(),
            })
            .collect()
    }

    /// One request (a mutation's payload).
    pub fn one(model: support_request::Model) -> Self {
        Self::page(vec![model]).remove(0)
    }
}

#[Object]
impl SupportRequest {
    async fn id(&self) -> ID {
        ids::encode(Kind::SupportRequest, self.model.id)
    }
    /// The short reference given to whoever asked.
    async fn reference(&self) -> &str {
        &self.model.reference
    }
    async fn way_in(&self) -> WayIn {
        self.model.way_in.into()
    }
    async fn status(&self) -> SupportRequestStatus {
        self.model.status.into()
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.model.received_at
    }
    /// When the decision is due: 24 hours from receipt, 2 hours where a child may be at risk
    /// of significant harm (both configurable).
    async fn due_at(&self) -> DateTime<Utc> {
        self.model.due_at
    }
    /// A child may be at risk of significant harm: the short clock.
    async fn significant_harm(&self) -> bool {
        self.model.significant_harm
    }
    async fn significant_harm_reason(&self) -> Option<&str> {
        self.model.significant_harm_reason.as_deref()
    }
    async fn clock(&self, ctx: &Context<'_>) -> GqlResult<ClockState> {
        Ok(support_requests::clock_state(&self.model, services(ctx)?.clock.now()).into())
    }
    /// The clock ran out before a decision.
    async fn overdue(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let state = support_requests::clock_state(&self.model, services(ctx)?.clock.now());
        Ok(state == support_requests::ClockState::Overdue)
    }
    /// A quarter of the time or less is left.
    async fn nearly_due(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let state = support_requests::clock_state(&self.model, services(ctx)?.clock.now());
        Ok(state == support_requests::ClockState::NearlyDue)
    }
    /// The family's record, when known or linked.
    async fn family(&self, ctx: &Context<'_>) -> GqlResult<Option<Family>> {
        let Some(id) = self.model.family_id else {
            return Ok(None);
        };
        match self.page.families(ctx).await?.get(&id) {
            Some(model) => Ok(Some(Family::readable(ctx, model.clone()).await?)),
            None => Ok(None),
        }
    }
    async fn local_area(&self) -> Option<&str> {
        self.model.local_area.as_deref()
    }
    /// The professional who referred (or raised the concern).
    async fn referred_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        self.page
            .practitioner(ctx, self.model.referred_by_practitioner_id)
            .await
    }
    /// Asked from the app by a member of the family.
    async fn asked_from_the_app(&self) -> bool {
        self.model.requested_by_member_id.is_some()
    }
    /// A young person's request that they have not shared with their parents.
    async fn private_from_parents(&self) -> bool {
        !self.model.shared_with_parents
    }
    async fn contact_name(&self) -> Option<&str> {
        self.model.contact_name.as_deref()
    }
    async fn contact_email(&self) -> Option<&str> {
        self.model.contact_email.as_deref()
    }
    async fn contact_phone(&self) -> Option<&str> {
        self.model.contact_phone.as_deref()
    }
    /// How and when to get in touch, in the asker's words.
    async fn contact_by(&self) -> Option<&str> {
        self.model.contact_by.as_deref()
    }
    async fn postcode(&self) -> Option<&str> {
        self.model.postcode.as_deref()
    }
    /// What is happening (a referral's concerns), in the words given.
    async fn what_is_happening(&self) -> &str {
        &self.model.what_is_happening
    }
    async fn help_wanted(&self) -> Option<&str> {
        self.model.help_wanted.as_deref()
    }
    /// The referrer's view of the family's needs on the four levels.
    async fn needs_level(&self) -> Option<i32> {
        self.model.needs_level.map(i32::from)
    }
    async fn what_has_been_tried(&self) -> Option<&str> {
        self.model.what_tried.as_deref()
    }
    /// The family agreed to the referral, or to the hub contacting other agencies.
    async fn consent_given(&self) -> bool {
        self.model.consent_given
    }
    async fn people(&self, ctx: &Context<'_>) -> GqlResult<Vec<RequestedPerson>> {
        let people = self.page.people(ctx).await?;
        Ok(people
            .get(&self.model.id)
            .into_iter()
            .flatten()
            .map(|p| RequestedPerson {
                child: p.relation == "child",
                name: p.name.clone(),
                date_of_birth: p.date_of_birth.map(Date),
                age: p.age.map(i32::from),
            })
            .collect())
    }
    /// Possible existing family records (same child's name and date of birth, or same adult
    /// and postcode). Nothing is merged: the hub links one or opens a new record.
    async fn possible_matches(&self, ctx: &Context<'_>) -> GqlResult<Vec<PossibleFamilyMatch>> {
        let found = self.page.matches(ctx).await?;
        let mut matches = vec![];
        for m in found.get(&self.model.id).into_iter().flatten() {
            matches.push(PossibleFamilyMatch {
                reason: m.reason.into(),
                family: Family::readable(ctx, m.family.clone()).await?,
            });
        }
        Ok(matches)
    }
    /// The hub worker looking at it.
    async fn claimed_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        self.page
            .practitioner(ctx, self.model.claimed_by_practitioner_id)
            .await
    }
    async fn questions(&self, ctx: &Context<'_>) -> GqlResult<Vec<InformationRequest>> {
        let asked = self.page.questions(ctx).await?;
        Ok(asked
            .get(&self.model.id)
            .into_iter()
            .flatten()
            .cloned()
            .map(InformationRequest)
            .collect())
    }
    async fn decision(&self) -> Option<SupportDecision> {
        self.model.decision.map(Into::into)
    }
    async fn decision_reason(&self) -> Option<&str> {
        self.model.decision_reason.as_deref()
    }
    async fn advice(&self) -> Option<&str> {
        self.model.advice.as_deref()
    }
    /// The directory entries the advice points at.
    async fn signposted_services(&self, ctx: &Context<'_>) -> GqlResult<Vec<LocalService>> {
        let services = self.page.services(ctx).await?;
        Ok(services
            .get(&self.model.id)
            .into_iter()
            .flatten()
            .cloned()
            .map(LocalService)
            .collect())
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.model.decided_at
    }
    /// Whether the decision came within the clock.
    async fn decided_in_time(&self) -> Option<bool> {
        support_requests::decided_in_time(&self.model)
    }
    async fn decided_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        self.page
            .practitioner(ctx, self.model.decided_by_practitioner_id)
            .await
    }
    async fn suggested_lead(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        self.page
            .practitioner(ctx, self.model.suggested_lead_practitioner_id)
            .await
    }
    /// Withheld from the family: telling them would increase the risk.
    async fn withheld_from_family(&self) -> bool {
        self.model.withhold_from_family
    }
}

/// A request for support, as the family sees it in the app.
pub struct FamilySupportRequest(pub support_request::Model);

impl FamilySupportRequest {
    fn asked_by_viewer(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(matches!(viewer(ctx)?, Viewer::FamilyMember(m)
            if self.0.requested_by_member_id == Some(m.member_id)))
    }
}

#[Object]
impl FamilySupportRequest {
    async fn id(&self) -> ID {
        ids::encode(Kind::SupportRequest, self.0.id)
    }
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn status(&self) -> FamilyRequestStatus {
        match self.0.status {
            support_request::RequestStatus::Received => FamilyRequestStatus::Received,
            support_request::RequestStatus::Screening => FamilyRequestStatus::BeingLookedAt,
            support_request::RequestStatus::Decided => FamilyRequestStatus::Decided,
        }
    }
    /// The hub's decision, once made.
    async fn decision(&self) -> Option<SupportDecision> {
        self.0.decision.map(Into::into)
    }
    /// The advice and guidance the hub gave.
    async fn advice(&self) -> Option<&str> {
        self.0.advice.as_deref()
    }
    /// The local services the hub pointed the family to.
    async fn signposted_services(&self, ctx: &Context<'_>) -> GqlResult<Vec<LocalService>> {
        signposted(ctx, self.0.id).await
    }
    /// Who will contact the family after an early help decision.
    async fn who_will_contact_you(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let id = screening::contact_after(&services(ctx)?.db, &self.0).await?;
        practitioner(ctx, id).await
    }
    /// What the family member wrote, for the one who asked.
    async fn what_is_happening(&self, ctx: &Context<'_>) -> GqlResult<Option<&str>> {
        Ok(self
            .asked_by_viewer(ctx)?
            .then_some(self.0.what_is_happening.as_str()))
    }
    /// The hub's questions, for the one who asked to answer.
    async fn questions(&self, ctx: &Context<'_>) -> GqlResult<Vec<InformationRequest>> {
        if !self.asked_by_viewer(ctx)? {
            return Ok(vec![]);
        }
        questions(ctx, self.0.id).await
    }
}

/// A professional's referral, as its referrer sees it: status and outcome, nothing more.
pub struct Referral(pub support_request::Model);

#[Object]
impl Referral {
    async fn id(&self) -> ID {
        ids::encode(Kind::SupportRequest, self.0.id)
    }
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn significant_harm(&self) -> bool {
        self.0.significant_harm
    }
    async fn status(&self) -> SupportRequestStatus {
        self.0.status.into()
    }
    async fn decision(&self) -> Option<SupportDecision> {
        self.0.decision.map(Into::into)
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// The hub's questions to the referrer.
    async fn questions(&self, ctx: &Context<'_>) -> GqlResult<Vec<InformationRequest>> {
        questions(ctx, self.0.id).await
    }
}

/// A local service in the directory (public information).
pub struct LocalService(pub entities::local_service::Model);

// Named on every row of a plan screen: see `graphql::plan`, "Rows".
#[Object(serial)]
impl LocalService {
    async fn id(&self) -> ID {
        ids::encode(Kind::LocalService, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn organisation(&self) -> &str {
        &self.0.organisation
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn categories(&self) -> Vec<&str> {
        self.0
            .categories
            .split(';')
            .filter(|c| !c.is_empty())
            .collect()
    }
    async fn local_area(&self) -> &str {
        &self.0.local_area
    }
    async fn minimum_age(&self) -> Option<i32> {
        self.0.min_age.map(i32::from)
    }
    async fn maximum_age(&self) -> Option<i32> {
        self.0.max_age.map(i32::from)
    }
    async fn contact(&self) -> Option<&str> {
        self.0.contact.as_deref()
    }
    async fn opening_times(&self) -> Option<&str> {
        self.0.opening_times.as_deref()
    }
}

async fn signposted(ctx: &Context<'_>, request_id: uuid::Uuid) -> GqlResult<Vec<LocalService>> {
    Ok(
        crate::domain::directory::signposted(&services(ctx)?.db, request_id)
            .await?
            .into_iter()
            .map(LocalService)
            .collect(),
    )
}

/// What the public front door answers: a reference and what happens next, never data.
#[derive(SimpleObject)]
pub struct SupportRequestReceipt {
    pub reference: String,
    pub what_happens_next: String,
}

#[derive(Default)]
pub struct SupportQuery;

#[Object]
impl SupportQuery {
    /// The directory of local services, for anyone (no account needed): full-text `search`
    /// over name, organisation, description and categories; one `category`; one `localArea`;
    /// services open to someone of `age`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn services(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        category: Option<String>,
        local_area: Option<String>,
        age: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, LocalService>> {
        authorize(ctx, Action::SearchLocalServices).await?;
        let db = &services(ctx)?.db;
        let query = crate::domain::directory::Search {
            text: search.as_deref(),
            category: category.as_deref(),
            local_area: local_area.as_deref(),
            age: age.map(|a| i16::try_from(a.clamp(0, 150)).unwrap_or(0)),
        };
        let select = crate::domain::directory::search(db.get_database_backend(), &query);
        Ok(Page::new(first, after)?
            .fetch(
                db,
                select,
                entities::local_service::Column::Id,
                |s| s.id,
                LocalService,
            )
            .await?)
    }

    /// The hub's queue: requests for support, the one due soonest first, with their clocks.
    /// By default the open ones (received and being screened).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn support_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<SupportRequestStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, SupportRequest>> {
        authorize(ctx, Action::ScreenSupportRequests).await?;
        let first = first.unwrap_or(20);
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(AppError::BadUserInput(format!(
                "You can ask for between 0 and {MAX_PAGE} items at a time; you asked for {first}."
            ))
            .into());
        }
        let after = after
            .map(|c| {
                Cursor::decode_cursor(&c).map(|c| c.0).map_err(|_| {
                    AppError::BadUserInput(
                        "That page cursor is not valid. Please start again from the first page."
                            .into(),
                    )
                })
            })
            .transpose()?;
        let statuses: Vec<support_request::RequestStatus> = match status {
            Some(s) if !s.is_empty() => s.into_iter().map(Into::into).collect(),
            _ => vec![
                support_request::RequestStatus::Received,
                support_request::RequestStatus::Screening,
            ],
        };
        let (rows, more) =
            screening::queue(&services(ctx)?.db, &statuses, after, first as u64).await?;
        let mut connection = Connection::new(after.is_some(), more);
        for request in SupportRequest::page(rows) {
            connection
                .edges
                .push(Edge::new(OpaqueCursor(request.model.id), request));
        }
        Ok(connection)
    }

    /// The referrals the signed-in practitioner made, oldest first: status and outcome only.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn my_referrals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Referral>> {
        authorize(ctx, Action::ReadOwnReferrals).await?;
        let id = viewer(ctx)?.practitioner_id().ok_or(AppError::Forbidden)?;
        Ok(Page::new(first, after)?
            .fetch(
                &services(ctx)?.db,
                support_requests::referred_by(id),
                support_request::Column::Id,
                |r| r.id,
                Referral,
            )
            .await?)
    }

    /// The family's requests for support that the signed-in member may see, oldest first:
    /// their own, and those shared with them. Requests withheld from the family never show.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn my_support_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, FamilySupportRequest>> {
        let viewer = viewer(ctx)?;
        let Viewer::FamilyMember(m) = viewer else {
            return Err(super::refusal(viewer).into());
        };
        authorize(
            ctx,
            Action::ReadFamilySupportRequests {
                family_id: m.family_id,
            },
        )
        .await?;
        use sea_orm::QueryOrder;
        let db = &services(ctx)?.db;
        let rows: Vec<support_request::Model> = support_requests::of_family(m.family_id)
            .order_by_asc(support_request::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter(|r| {
                visibility::may_see_support_request(viewer, support_requests::family_item(r))
            })
            .collect();
        // Issue 14: none about a child a restriction keeps from the reader.
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
        let named = support_requests::members_named(db, &ids).await?;
        let rows: Vec<support_request::Model> = rows
            .into_iter()
            .filter(|r| {
                visibility::may_see_members(viewer, named.get(&r.id).map_or(&[], Vec::as_slice))
            })
            .collect();
        Ok(Page::new(first, after)?.slice(rows, |r| r.id, FamilySupportRequest)?)
    }
}
