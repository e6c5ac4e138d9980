//! The consultation line (issue 17): a practitioner describes a situation and asks whether
//! they should refer; a hub worker answers with advice. It is an advice service, not a short
//! cut: naming the family needs the family's consent, and nothing here reads or opens any
//! family's record. Recorded for the evaluation (who asked, from which organisation, what was
//! advised, whether it became a referral), and turned into a referral in one step.
use super::support_requests::{self, Clocks, NamedPerson};
use super::{notify, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserErrorCode};
use entities::{consultation, family, support_request};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub struct Question<'a> {
    pub situation: &'a str,
    /// The family, named only with its consent.
    pub family_id: Option<Uuid>,
    pub family_consented: bool,
}

pub async fn ask(
    db: &impl ConnectionTrait,
    q: Question<'_>,
    permit: &Permit,
) -> AppResult<consultation::Model> {
    let crate::viewer::Actor::Practitioner {
        id,
        organisation_id,
        ..
    } = permit.actor()
    else {
        return Err(AppError::Forbidden);
    };
    let now = permit.at();
    let mut errors = vec![];
    let situation = text::required(
        "situation",
        "the situation you would like advice on",
        q.situation,
        4000,
        &mut errors,
    );
    if q.family_id.is_some() && !q.family_consented {
        errors.push(crate::error::UserError::new(
            &["family"],
            UserErrorCode::ConsentRequired,
            "Name the family only with its consent; otherwise describe the situation without naming them.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if let Some(family_id) = q.family_id
        && family::Entity::find_by_id(family_id)
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::invalid(
            &["family"],
            UserErrorCode::NotFound,
            "We could not find that family record.",
        ));
    }
    let asked = consultation::ActiveModel {
        id: Set(Uuid::now_v7()),
        asked_by_practitioner_id: Set(id),
        organisation_id: Set(organisation_id),
        situation: Set(situation),
        family_id: Set(q.family_id),
        family_consented: Set(q.family_consented),
        asked_at: Set(now),
        answered_by_practitioner_id: Set(None),
        advice: Set(None),
        advised_referral: Set(None),
        answered_at: Set(None),
        referral_id: Set(None),
    }
    .insert(db)
    .await?;
    Ok(asked)
}

fn not_found() -> AppError {
    AppError::invalid(
        &["consultation"],
        UserErrorCode::NotFound,
        "We could not find that consultation.",
    )
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<consultation::Model> {
    consultation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// A hub worker answers, once.
pub async fn answer(
    db: &impl ConnectionTrait,
    consultation_id: Uuid,
    advice: &str,
    advise_referral: bool,
    permit: &Permit,
) -> AppResult<consultation::Model> {
    let me = permit
        .actor()
        .practitioner_id()
        .ok_or(AppError::Forbidden)?;
    let now = permit.at();
    let mut errors = vec![];
    let advice = text::required("advice", "your advice", advice, 4000, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let found = find(db, consultation_id).await?;
    let answered = consultation::Entity::update_many()
        .col_expr(
            consultation::Column::AnsweredByPractitionerId,
            Expr::value(Some(me)),
        )
        .col_expr(consultation::Column::Advice, Expr::value(Some(advice)))
        .col_expr(
            consultation::Column::AdvisedReferral,
            Expr::value(Some(advise_referral)),
        )
        .col_expr(consultation::Column::AnsweredAt, Expr::value(Some(now)))
        .filter(consultation::Column::Id.eq(found.id))
        .filter(consultation::Column::AnsweredAt.is_null())
        .exec(db)
        .await?;
    if answered.rows_affected != 1 {
        return Err(AppError::invalid(
            &["consultation"],
            UserErrorCode::NotAllowedNow,
            "This consultation has already been answered.",
        ));
    }
    if let Some(notice) = notify::Notice::of(
        permit,
        notify::Kind::ConsultationAnswered,
        notify::About::default(),
    ) && let Some(asker) =
        notify::practitioner_account(db, found.asked_by_practitioner_id).await?
    {
        notify::tell(db, &notice, &[asker], now).await?;
    }
    find(db, consultation_id).await
}

/// The rest of a referral made from a consultation: the situation becomes its concerns.
pub struct FromConsultation<'a> {
    pub consultation_id: Uuid,
    pub people: Vec<NamedPerson<'a>>,
    pub contact_name: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub local_area: Option<&'a str>,
    pub family_consented: bool,
    pub significant_harm: bool,
    pub significant_harm_reason: Option<&'a str>,
}

/// The practitioner who asked turns their consultation into a referral, in one step.
pub async fn refer(
    db: &impl ConnectionTrait,
    from: FromConsultation<'_>,
    clocks: &Clocks,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let found = find(db, from.consultation_id).await?;
    // Someone else's consultation is not found: nothing of it shows.
    if permit.actor().practitioner_id() != Some(found.asked_by_practitioner_id) {
        return Err(not_found());
    }
    if found.referral_id.is_some() {
        return Err(AppError::invalid(
            &["consultation"],
            UserErrorCode::NotAllowedNow,
            "This consultation has already become a referral.",
        ));
    }
    let mut concerns = found.situation.clone();
    if let Some(advice) = &found.advice {
        concerns.push_str("\n\nThe hub's advice on the consultation line: ");
        concerns.push_str(advice);
    }
    let referral = support_requests::Referral {
        family_id: found.family_id,
        people: from.people,
        postcode: from.postcode,
        local_area: from.local_area,
        contact_name: from.contact_name,
        contact_email: from.contact_email,
        contact_phone: from.contact_phone,
        concerns: &concerns,
        needs_level: None,
        what_tried: None,
        family_consented: from.family_consented,
        significant_harm: from.significant_harm,
        significant_harm_reason: from.significant_harm_reason,
    };
    let referral = support_requests::refer(db, referral, clocks, permit).await?;
    consultation::Entity::update_many()
        .col_expr(
            consultation::Column::ReferralId,
            Expr::value(Some(referral.id)),
        )
        .filter(consultation::Column::Id.eq(found.id))
        .exec(db)
        .await?;
    Ok(referral)
}

/// The hub's list: waiting for an answer, or answered.
pub fn for_hub(answered: bool) -> sea_orm::Select<consultation::Entity> {
    let select = consultation::Entity::find();
    if answered {
        select.filter(consultation::Column::AnsweredAt.is_not_null())
    } else {
        select.filter(consultation::Column::AnsweredAt.is_null())
    }
}

/// A practitioner's own consultations.
pub fn asked_by(practitioner_id: Uuid) -> sea_orm::Select<consultation::Entity> {
    consultation::Entity::find()
        .filter(consultation::Column::AskedByPractitionerId.eq(practitioner_id))
}
