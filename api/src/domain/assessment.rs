//! The Early Help Assessment: the family's story told once. The family's own section is in
//! their words; each contributing organisation writes one section. Every write is a new
//! version of the section, so nothing written is ever lost; a write names the version it
//! was based on, and a stale one is refused.
use super::audit::{self};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use entities::assessment::{self, AssessmentStatus};
use entities::assessment_section::{self, FAMILY_SECTION};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    SqlErr,
};
use uuid::Uuid;

/// The family's latest assessment, open or finalised.
pub async fn latest(
    db: &impl ConnectionTrait,
    family_id: Uuid,
) -> AppResult<Option<assessment::Model>> {
    Ok(assessment::Entity::find()
        .filter(assessment::Column::FamilyId.eq(family_id))
        .order_by_desc(assessment::Column::OpenedAt)
        .order_by_desc(assessment::Column::Id)
        .one(db)
        .await?)
}

/// Whether the family has an assessment open (DESIGN rule 7 asks).
pub async fn is_open(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<bool> {
    Ok(latest(db, family_id)
        .await?
        .is_some_and(|a| a.status == AssessmentStatus::Open))
}

pub async fn open(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    permit: &Permit,
) -> AppResult<assessment::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    if is_open(db, family_id).await? {
        return Err(AppError::invalid(
            &["family"],
            UserErrorCode::Taken,
            "An assessment is already open for this family; add to it instead.",
        ));
    }
    let (member, practitioner) = actor.ids();
    let assessment = assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        status: Set(AssessmentStatus::Open),
        opened_at: Set(now),
        opened_by_member_id: Set(member),
        opened_by_practitioner_id: Set(practitioner),
        finalised_at: Set(None),
        finalised_by_practitioner_id: Set(None),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        family_id,
        actor,
        audit::Kind::Change,
        "opened an assessment",
        now,
    )
    .await?;
    Ok(assessment)
}

/// Whose section: the family's own, or an organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Family,
    Organisation(Uuid),
}

impl Section {
    pub fn key(self) -> String {
        match self {
            Section::Family => FAMILY_SECTION.to_owned(),
            Section::Organisation(id) => id.to_string(),
        }
    }
}

/// The three questions every section answers.
pub struct SectionText<'a> {
    pub going_well: &'a str,
    pub worries: &'a str,
    pub needs_to_change: &'a str,
}

/// The latest version of a section, if it has been written.
pub async fn current_section(
    db: &impl ConnectionTrait,
    assessment_id: Uuid,
    section: Section,
) -> AppResult<Option<assessment_section::Model>> {
    Ok(assessment_section::Entity::find()
        .filter(assessment_section::Column::AssessmentId.eq(assessment_id))
        .filter(assessment_section::Column::SectionKey.eq(section.key()))
        .order_by_desc(assessment_section::Column::Version)
        .one(db)
        .await?)
}

/// Writes a new version of `section`, based on `expected_version` (0 for the first).
pub async fn write_section(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    section: Section,
    expected_version: i32,
    body: SectionText<'_>,
    permit: &Permit,
) -> AppResult<assessment_section::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let going_well = optional_text("goingWell", body.going_well, &mut errors);
    let worries = optional_text("worries", body.worries, &mut errors);
    let needs_to_change = optional_text("needsToChange", body.needs_to_change, &mut errors);
    if errors.is_empty()
        && going_well.is_empty()
        && worries.is_empty()
        && needs_to_change.is_empty()
    {
        errors.push(crate::error::UserError::new(
            &["goingWell"],
            UserErrorCode::Required,
            "Please write something in at least one of the three parts.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let assessment = latest(db, family_id)
        .await?
        .filter(|a| a.status == AssessmentStatus::Open)
        .ok_or_else(|| {
            AppError::invalid(
                &["family"],
                UserErrorCode::NotAllowedNow,
                "There is no open assessment for this family. Open one first.",
            )
        })?;
    let current = current_section(db, assessment.id, section)
        .await?
        .map_or(0, |s| s.version);
    if current != expected_version {
        return Err(stale_section());
    }
    let (member, practitioner) = actor.ids();
    let written = assessment_section::ActiveModel {
        id: Set(Uuid::now_v7()),
        assessment_id: Set(assessment.id),
        family_id: Set(family_id),
        section_key: Set(section.key()),
        organisation_id: Set(match section {
            Section::Family => None,
            Section::Organisation(id) => Some(id),
        }),
        version: Set(current + 1),
        going_well: Set(going_well),
        worries: Set(worries),
        needs_to_change: Set(needs_to_change),
        written_by_member_id: Set(member),
        written_by_practitioner_id: Set(practitioner),
        written_at: Set(now),
    }
    .insert(db)
    .await
    // Two writers from the same version: the unique index lets only one in.
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => stale_section(),
        _ => e.into(),
    })?;
    let what = match section {
        Section::Family => "assessment: wrote the family's section",
        Section::Organisation(_) => "assessment: wrote their organisation's section",
    };
    audit::record(db, family_id, actor, audit::Kind::Change, what, now).await?;
    Ok(written)
}

fn optional_text(field: &str, value: &str, errors: &mut Vec<crate::error::UserError>) -> String {
    let value = value.trim();
    if value.chars().count() > 8000 {
        errors.push(crate::error::UserError::new(
            &[field],
            UserErrorCode::TooLong,
            "Please keep each part to 8000 characters or fewer.",
        ));
    }
    value.to_owned()
}

fn stale_section() -> AppError {
    AppError::invalid(
        &["expectedVersion"],
        UserErrorCode::StaleVersion,
        "Someone changed this section since you last looked at it, so nothing was changed. Please read the latest version and try again.",
    )
}

/// The lead professional closes the assessment to further additions.
pub async fn finalise(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    permit: &Permit,
) -> AppResult<assessment::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let assessment = latest(db, family_id)
        .await?
        .filter(|a| a.status == AssessmentStatus::Open)
        .ok_or_else(|| {
            AppError::invalid(
                &["family"],
                UserErrorCode::NotAllowedNow,
                "There is no open assessment to finalise.",
            )
        })?;
    let written = assessment_section::Entity::find()
        .filter(assessment_section::Column::AssessmentId.eq(assessment.id))
        .one(db)
        .await?;
    if written.is_none() {
        return Err(AppError::invalid(
            &["family"],
            UserErrorCode::NotAllowedNow,
            "Nothing has been written in this assessment yet.",
        ));
    }
    let mut active: assessment::ActiveModel = assessment.into();
    active.status = Set(AssessmentStatus::Finalised);
    active.finalised_at = Set(Some(now));
    active.finalised_by_practitioner_id = Set(actor.practitioner_id());
    let assessment = active.update(db).await?;
    audit::record(
        db,
        family_id,
        actor,
        audit::Kind::Change,
        "finalised the assessment",
        now,
    )
    .await?;
    Ok(assessment)
}

/// Every version of every section of the assessment, oldest first.
pub async fn section_versions(
    db: &impl ConnectionTrait,
    assessment_id: Uuid,
) -> AppResult<Vec<assessment_section::Model>> {
    use sea_orm::QueryOrder;
    Ok(assessment_section::Entity::find()
        .filter(assessment_section::Column::AssessmentId.eq(assessment_id))
        .order_by_asc(assessment_section::Column::SectionKey)
        .order_by_asc(assessment_section::Column::Version)
        .all(db)
        .await?)
}
