//! The assessment: open it, write the family's or one's organisation's section, finalise.
use super::super::assessment::Assessment;
use super::super::{authorize, services, viewer};
use super::write;
use crate::access::Action;
use crate::domain::assessment::{self, Section, SectionText};
use crate::error::{AppError, AppResult, GqlResult, UserError};
use crate::graphql::ids::{self, Kind};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use uuid::Uuid;

#[derive(Default)]
pub struct AssessmentMutation;

#[derive(InputObject)]
pub struct AssessmentInput {
    pub family: ID,
}

#[derive(InputObject)]
pub struct WriteSectionInput {
    pub family: ID,
    /// The section's version you started from: 0 when writing it for the first time.
    pub expected_version: i32,
    /// What is going well.
    pub going_well: String,
    /// What we are worried about.
    pub worries: String,
    /// What needs to change.
    pub needs_to_change: String,
}

#[derive(SimpleObject)]
pub struct AssessmentPayload {
    /// The assessment as it is now (after the change, or unchanged if it was refused).
    pub assessment: Option<Assessment>,
    pub user_errors: Vec<UserError>,
}

async fn payload(
    ctx: &Context<'_>,
    family_id: Uuid,
    user_errors: Vec<UserError>,
) -> GqlResult<AssessmentPayload> {
    let db = &services(ctx)?.db;
    Ok(AssessmentPayload {
        assessment: assessment::latest(db, family_id).await?.map(Assessment),
        user_errors,
    })
}

impl AssessmentMutation {
    async fn write(
        ctx: &Context<'_>,
        input: WriteSectionInput,
        section_of: impl FnOnce(&Viewer) -> AppResult<(Action, Section)>,
    ) -> GqlResult<AssessmentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let (action, section) = section_of(viewer(ctx)?)?;
        let body = SectionText {
            going_well: &input.going_well,
            worries: &input.worries,
            needs_to_change: &input.needs_to_change,
        };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            assessment::write_section(
                txn,
                family_id,
                section,
                input.expected_version,
                body,
                permit,
            )
            .await
        })
        .await?;
        authorize(ctx, Action::ReadAssessment { family_id }).await?;
        payload(ctx, family_id, errors).await
    }
}

#[Object]
impl AssessmentMutation {
    /// Opens an assessment for the family: the family and agencies then add their sections.
    async fn open_assessment(
        &self,
        ctx: &Context<'_>,
        input: AssessmentInput,
    ) -> GqlResult<AssessmentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::StartPlanOrAssessment { family_id };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            assessment::open(txn, family_id, permit).await
        })
        .await?;
        payload(ctx, family_id, errors).await
    }

    /// Writes the family's own section, in their words: a new version, the old one kept.
    async fn write_family_section(
        &self,
        ctx: &Context<'_>,
        input: WriteSectionInput,
    ) -> GqlResult<AssessmentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        Self::write(ctx, input, |_| {
            Ok((Action::WriteFamilySection { family_id }, Section::Family))
        })
        .await
    }

    /// Writes the section of the signed-in practitioner's organisation.
    async fn write_organisation_section(
        &self,
        ctx: &Context<'_>,
        input: WriteSectionInput,
    ) -> GqlResult<AssessmentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        Self::write(ctx, input, |viewer| match viewer {
            Viewer::Practitioner(p) => Ok((
                Action::WriteAgencySection { family_id },
                Section::Organisation(p.organisation_id),
            )),
            Viewer::Anonymous => Err(AppError::Unauthenticated),
            Viewer::FamilyMember(_) => Err(AppError::Forbidden),
        })
        .await
    }

    /// The lead professional closes the assessment to further additions.
    async fn finalise_assessment(
        &self,
        ctx: &Context<'_>,
        input: AssessmentInput,
    ) -> GqlResult<AssessmentPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::LeadPlan { family_id };
        let (_, errors) = write(ctx, action, async |txn, permit| {
            assessment::finalise(txn, family_id, permit).await
        })
        .await?;
        payload(ctx, family_id, errors).await
    }
}
