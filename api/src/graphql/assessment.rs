//! The Early Help Assessment as the app shows it: the family's section in their words and
//! one section per organisation, each with its earlier versions. Built only after the access
//! rules allowed reading the family's assessment.
use super::ids::{self, Kind};
use super::loaders::OrganisationById;
use super::organisation::Organisation;
use super::pagination::{Cursor, Page};
use super::plan::{Person, person};
use super::{authorize, loaders, services, viewer};
use crate::access::Action;
use crate::error::{AppError, AppResult, GqlResult};
use crate::viewer::Viewer;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entities::assessment_section::FAMILY_SECTION;
use entities::{assessment, assessment_section};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::assessment::AssessmentStatus")]
pub enum AssessmentStatus {
    /// Agencies and the family are still adding to it.
    Open,
    /// The lead professional closed it to additions.
    Finalised,
}

pub struct Assessment(pub assessment::Model);

impl Assessment {
    /// Every version of every section, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> GqlResult<Vec<assessment_section::Model>> {
        Ok(crate::domain::assessment::section_versions(&services(ctx)?.db, self.0.id).await?)
    }
}

/// Groups versions into sections, latest version first within each.
fn sections(versions: Vec<assessment_section::Model>) -> Vec<AssessmentSection> {
    let mut sections: Vec<AssessmentSection> = vec![];
    for version in versions {
        match sections
            .iter_mut()
            .find(|s| s.latest.section_key == version.section_key)
        {
            Some(section) => {
                let older = std::mem::replace(&mut section.latest, version);
                section.earlier.insert(0, older);
            }
            None => sections.push(AssessmentSection {
                latest: version,
                earlier: vec![],
            }),
        }
    }
    sections
}

impl Assessment {
    /// The assessment behind a global ID, if the viewer may read the family's assessment.
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<Self>> {
        let Some(found) =
            crate::domain::records::by_id::<assessment::Entity>(&services(ctx)?.db, id).await?
        else {
            return Ok(None);
        };
        authorize(
            ctx,
            Action::ReadAssessment {
                family_id: found.family_id,
            },
        )
        .await?;
        Ok(Some(Self(found)))
    }
}

#[Object]
impl Assessment {
    /// A global ID, opaque to clients.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Assessment, self.0.id)
    }

    /// The family it is about.
    async fn family(&self, ctx: &Context<'_>) -> GqlResult<Option<super::family::Family>> {
        Ok(super::family::Family::load(ctx, self.0.family_id).await?)
    }

    async fn status(&self) -> AssessmentStatus {
        self.0.status.into()
    }

    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }

    async fn opened_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(
            ctx,
            self.0.opened_by_member_id,
            self.0.opened_by_practitioner_id,
        )
        .await
    }

    async fn finalised_at(&self) -> Option<DateTime<Utc>> {
        self.0.finalised_at
    }

    async fn finalised_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        person(ctx, None, self.0.finalised_by_practitioner_id).await
    }

    /// The family's own section, in their words; empty until someone in the family writes it.
    async fn family_section(&self, ctx: &Context<'_>) -> GqlResult<Option<AssessmentSection>> {
        Ok(sections(self.versions(ctx).await?)
            .into_iter()
            .find(|s| s.latest.section_key == FAMILY_SECTION))
    }

    /// One section per organisation that contributed, in the order they first wrote.
    /// Always an empty list for a young person or an adult of the household without parental
    /// responsibility (agencies write about the parents too): that is the normal answer for
    /// them, not an error.
    async fn organisation_sections(&self, ctx: &Context<'_>) -> GqlResult<Vec<AssessmentSection>> {
        let refused = authorize(
            ctx,
            Action::ReadAgencySections {
                family_id: self.0.family_id,
            },
        )
        .await;
        match refused {
            Ok(_) => {}
            Err(AppError::Forbidden) if matches!(viewer(ctx)?, Viewer::FamilyMember(_)) => {
                return Ok(vec![]);
            }
            Err(err) => return Err(err.into()),
        }
        let mut sections: Vec<_> = sections(self.versions(ctx).await?)
            .into_iter()
            .filter(|s| s.latest.section_key != FAMILY_SECTION)
            .collect();
        sections.sort_by_key(|s| s.earlier.last().unwrap_or(&s.latest).written_at);
        Ok(sections)
    }
}

/// One section of the assessment: its latest version, and the versions before it.
pub struct AssessmentSection {
    latest: assessment_section::Model,
    /// Newest first.
    earlier: Vec<assessment_section::Model>,
}

#[Object]
impl AssessmentSection {
    /// Identifies the section across its versions (for a client's cache).
    async fn id(&self) -> ID {
        let first = self.earlier.last().unwrap_or(&self.latest);
        ids::encode(Kind::AssessmentSection, first.id)
    }

    /// The organisation that wrote it; empty for the family's own section.
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        let Some(id) = self.latest.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(OrganisationById(id))
            .await?
            .map(Organisation))
    }

    /// Give it back as `expectedVersion` when writing the section again.
    async fn version(&self) -> i32 {
        self.latest.version
    }

    async fn going_well(&self) -> &str {
        &self.latest.going_well
    }

    async fn worries(&self) -> &str {
        &self.latest.worries
    }

    async fn needs_to_change(&self) -> &str {
        &self.latest.needs_to_change
    }

    async fn written_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        version_author(ctx, &self.latest).await
    }

    async fn written_at(&self) -> DateTime<Utc> {
        self.latest.written_at
    }

    /// Earlier versions, newest first: nothing written is lost.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn earlier_versions(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, AssessmentSectionVersion>> {
        Ok(Page::new(first, after)?.slice(
            self.earlier.clone(),
            |v| v.id,
            AssessmentSectionVersion,
        )?)
    }
}

async fn version_author(
    ctx: &Context<'_>,
    version: &assessment_section::Model,
) -> GqlResult<Option<Person>> {
    person(
        ctx,
        version.written_by_member_id,
        version.written_by_practitioner_id,
    )
    .await
}

/// An earlier version of a section, as it was written.
pub struct AssessmentSectionVersion(assessment_section::Model);

#[Object]
impl AssessmentSectionVersion {
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn going_well(&self) -> &str {
        &self.0.going_well
    }

    async fn worries(&self) -> &str {
        &self.0.worries
    }

    async fn needs_to_change(&self) -> &str {
        &self.0.needs_to_change
    }

    async fn written_by(&self, ctx: &Context<'_>) -> GqlResult<Option<Person>> {
        version_author(ctx, &self.0).await
    }

    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}
