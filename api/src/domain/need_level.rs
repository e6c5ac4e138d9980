//! DESIGN rule 7: a family steps down from statutory social care (level 3, child in need,
//! or 4, child protection) to early help only once an assessment is open and a lead
//! professional has accepted, so that someone holds the family's plan on the way down.
use super::{assessment, plans};
use crate::error::{AppError, AppResult, UserErrorCode};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The lowest statutory level: 3 (child in need, s17).
pub const STATUTORY_FROM: i16 = 3;

/// Whether moving from `from` to `to` leaves statutory social care.
pub fn is_step_down_from_statutory(from: i16, to: i16) -> bool {
    from >= STATUTORY_FROM && to < STATUTORY_FROM
}

/// Refuses a step down from statutory care that rule 7 does not allow yet.
pub async fn check_step_down(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    from: i16,
    to: i16,
) -> AppResult<()> {
    if !is_step_down_from_statutory(from, to) {
        return Ok(());
    }
    let assessment_open = assessment::is_open(db, family_id).await?;
    let lead_accepted = plans::current(db, family_id)
        .await?
        .is_some_and(|p| p.lead_professional_id.is_some());
    let missing = match (assessment_open, lead_accepted) {
        (true, true) => return Ok(()),
        (false, false) => "an Early Help Assessment is open and a lead professional has accepted",
        (false, true) => "an Early Help Assessment is open",
        (true, false) => "a lead professional has accepted",
    };
    Err(AppError::invalid(
        &["level"],
        UserErrorCode::NotAllowedNow,
        format!("The family can step down to early help only once {missing}."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_leaving_statutory_levels_is_a_step_down_from_statutory() {
        assert!(is_step_down_from_statutory(4, 2));
        assert!(is_step_down_from_statutory(3, 2));
        assert!(is_step_down_from_statutory(3, 1));
        assert!(!is_step_down_from_statutory(4, 3));
        assert!(!is_step_down_from_statutory(2, 1));
        assert!(!is_step_down_from_statutory(2, 3));
    }
}
