//! The Relay `Node` interface: any object fetched again by its global ID.
use super::assessment::Assessment;
use super::consent::{Consent, SafeguardingOverride};
use super::family::{Family, FamilyMember, NeedLevelChange};
use super::feedback::{Feedback, FollowUp, YoungPersonView};
use super::ids::{self, Kind};
use super::lead::LeadNomination;
use super::meeting::Meeting;
use super::organisation::{Organisation, Practitioner};
use super::plan::{Outcome, Plan, PlanAction};
use super::{authorize, services};
use crate::access::{self, Action};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, ID, Interface};

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "A global ID, opaque to clients."))]
pub enum Node {
    Organisation(Organisation),
    Practitioner(Practitioner),
    Family(Family),
    FamilyMember(FamilyMember),
    NeedLevelChange(NeedLevelChange),
    Consent(Consent),
    SafeguardingOverride(SafeguardingOverride),
    Plan(Plan),
    Outcome(Outcome),
    PlanAction(PlanAction),
    Feedback(Feedback),
    YoungPersonView(YoungPersonView),
    FollowUp(FollowUp),
    LeadNomination(LeadNomination),
    Meeting(Meeting),
    Assessment(Assessment),
}

/// What one lookup by ID adds to a query's complexity: a permission check and a query.
pub const LOOKUP_COST: usize = 10;
/// Most lookups by ID (`node`, and each ID of `nodes`) one request may make.
pub const MAX_LOOKUPS: usize = 100;

/// Loads the object behind a global ID: `None` if there is none, an error if the viewer
/// may not see it, or if the request has already made [`MAX_LOOKUPS`] lookups.
pub async fn load(ctx: &Context<'_>, id: &ID) -> AppResult<Option<Node>> {
    if super::request_state(ctx)?.count_lookup() > MAX_LOOKUPS {
        return Err(AppError::TooLarge(format!(
            "A request can look up at most {MAX_LOOKUPS} objects by ID. Please split it into several requests."
        )));
    }
    let (kind, uuid) = ids::decode_any(id)?;
    let db = &services(ctx)?.db;
    Ok(match kind {
        Kind::Organisation => {
            authorize(ctx, Action::ReadDirectory).await?;
            crate::domain::records::by_id::<entities::organisation::Entity>(db, uuid)
                .await?
                .map(|o| Node::Organisation(Organisation(o)))
        }
        Kind::Practitioner => {
            authorize(ctx, Action::ReadDirectory).await?;
            crate::domain::records::by_id::<entities::practitioner::Entity>(db, uuid)
                .await?
                .map(|p| Node::Practitioner(Practitioner(p)))
        }
        Kind::Family => Family::load(ctx, uuid).await?.map(Node::Family),
        Kind::Plan => Plan::load(ctx, uuid).await?.map(Node::Plan),
        Kind::Outcome => Outcome::load(ctx, uuid).await?.map(Node::Outcome),
        Kind::PlanAction => PlanAction::load(ctx, uuid).await?.map(Node::PlanAction),
        Kind::FamilyMember => FamilyMember::load(ctx, uuid).await?.map(Node::FamilyMember),
        Kind::NeedLevelChange => NeedLevelChange::load(ctx, uuid)
            .await?
            .map(Node::NeedLevelChange),
        Kind::Consent => {
            match crate::domain::records::by_id::<entities::consent::Entity>(db, uuid).await? {
                Some(c) => {
                    authorize(
                        ctx,
                        Action::ReadConsents {
                            family_id: c.family_id,
                        },
                    )
                    .await?;
                    Some(Node::Consent(Consent(c)))
                }
                None => None,
            }
        }
        Kind::LeadNomination => LeadNomination::load(ctx, uuid)
            .await?
            .map(Node::LeadNomination),
        Kind::Meeting => Meeting::load(ctx, uuid).await?.map(Node::Meeting),
        // Reached through their parents (meeting, assessment, family, outcome, plan).
        Kind::MeetingView
        | Kind::AssessmentSection
        | Kind::TeamMembership
        | Kind::OutcomeNote
        | Kind::PlanChange
        // Issue 17: read through the hub's queue, the referrer's and the family's lists.
        | Kind::SupportRequest
        | Kind::InformationRequest
        | Kind::Consultation
        | Kind::LocalService
        | Kind::Notification
        | Kind::PushDevice
        | Kind::Restriction => None,
        Kind::Assessment => Assessment::load(ctx, uuid).await?.map(Node::Assessment),
        Kind::SafeguardingOverride => match crate::domain::records::by_id::<
            entities::safeguarding_override::Entity,
        >(db, uuid)
        .await?
        {
            Some(o) => {
                if !access::visibility::raised_override(super::viewer(ctx)?, o.practitioner_id) {
                    authorize(ctx, Action::ReviewSafeguardingOverrides).await?;
                }
                Some(Node::SafeguardingOverride(SafeguardingOverride(o)))
            }
            None => None,
        },
        Kind::Feedback => super::feedback::load_feedback(ctx, uuid)
            .await?
            .map(Node::Feedback),
        Kind::YoungPersonView => super::feedback::load_view(ctx, uuid)
            .await?
            .map(Node::YoungPersonView),
        Kind::FollowUp => super::feedback::load_follow_up(ctx, uuid)
            .await?
            .map(Node::FollowUp),
    })
}
