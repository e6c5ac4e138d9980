//! Issue 14, growing up in the plan: a young person's age from their date of birth and the
//! clock, and the competence assessment (Gillick/Fraser) with its minimum age, reason and
//! assessor. What each age and assessment changes for who sees what is decided in
//! `access` (facts, rules, visibility).
use super::audit;
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{Datelike, NaiveDate};
use entities::{competence_assessment, family_member};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

/// Whole years of age on `today` for someone born on `born`.
pub fn age_on(born: NaiveDate, today: NaiveDate) -> u32 {
    let years = today.year() - born.year();
    let had_birthday = (today.month(), today.day()) >= (born.month(), born.day());
    u32::try_from(if had_birthday { years } else { years - 1 }).unwrap_or(0)
}

/// A practitioner's assessment of whether a young person can decide for themselves.
pub struct CompetenceAssessment<'a> {
    pub member_id: Uuid,
    pub competent: bool,
    /// Why: what the young person understood, in the assessor's words.
    pub reason: &'a str,
    /// The youngest age at which an assessment may be recorded (a setting).
    pub minimum_age: u32,
}

/// Records the assessment (one row, never rewritten) and sets the member's standing. Below
/// the minimum age, without a reason, or for an adult: refused, nothing stored.
pub async fn assess_competence(
    db: &impl ConnectionTrait,
    new: CompetenceAssessment<'_>,
    permit: &Permit,
) -> AppResult<family_member::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let member = family_member::Entity::find_by_id(new.member_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if permit.family_id().is_some_and(|f| f != member.family_id) {
        return Err(AppError::NotFound);
    }
    if !Permit::decides_own_consent(member.relation) {
        return Err(AppError::invalid(
            &["member"],
            UserErrorCode::Invalid,
            "Only a child's competence to consent is assessed.",
        ));
    }
    let mut errors = vec![];
    let age = age_on(member.date_of_birth, now.date_naive());
    if age < new.minimum_age {
        errors.push(UserError::new(
            &["member"],
            UserErrorCode::OutOfRange,
            format!(
                "A young person's competence to consent for themselves is assessed from the age of {}; {} is {age}. Until then their parents' consent covers their information.",
                new.minimum_age, member.name
            ),
        ));
    }
    let reason = text::required(
        "reason",
        "the reason for your assessment",
        new.reason,
        2_000,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    competence_assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(member.family_id),
        member_id: Set(member.id),
        competent: Set(new.competent),
        reason: Set(reason),
        assessed_by_practitioner_id: Set(actor.practitioner_id()),
        assessed_at: Set(now),
    }
    .insert(db)
    .await?;
    let family_id = member.family_id;
    let mut active: family_member::ActiveModel = member.into();
    active.competent_to_consent = Set(new.competent);
    let member = active.update(db).await?;
    let what = if new.competent {
        "recorded that a young person can consent for themselves"
    } else {
        "recorded that a young person cannot yet consent for themselves"
    };
    audit::record(db, family_id, actor, audit::Kind::Change, what, now).await?;
    Ok(member)
}

#[cfg(test)]
mod tests {
    use super::age_on;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on(day(2012, 6, 2), day(2025, 6, 1)), 12);
        assert_eq!(age_on(day(2012, 6, 2), day(2025, 6, 2)), 13);
        assert_eq!(age_on(day(2008, 2, 29), day(2026, 2, 28)), 17);
        assert_eq!(age_on(day(2008, 2, 29), day(2026, 3, 1)), 18);
        assert_eq!(age_on(day(2030, 1, 1), day(2026, 3, 1)), 0);
    }
}
