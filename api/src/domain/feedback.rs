//! Feedback: fixed questions answered 1–5 (or yes/no) plus free text, from a family adult, a
//! young person or a practitioner, about the plan, a meeting or the service.
//!
//! Anonymity really holds: when the giver asks, their id is not stored anywhere (only which
//! side they are on — family adult, young person, practitioner — for the evaluation), the time
//! is kept to the day (and the id is minted from that day) so it cannot be matched against the
//! access log, and no audit entry names them. Family members' feedback is their own voice, not a
//! change to the family's information, and is not written to the access log the family reads
//! (a young person's private feedback would otherwise show there); practitioners' named
//! feedback is audited as a change.
use super::audit::{self, Actor};
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use entities::feedback::{self, FeedbackSubject, GiverSide};
use entities::question::{self, AnswerKind};
use entities::questionnaire::{self, QuestionnaireKind};
use entities::{feedback_answer, plan};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashSet;
use uuid::Uuid;

/// Longest free text, in characters.
pub const MAX_FREE_TEXT: usize = 4000;

/// The current (highest) version of a kind of questionnaire.
pub async fn current_questionnaire(
    db: &impl ConnectionTrait,
    kind: QuestionnaireKind,
) -> AppResult<questionnaire::Model> {
    questionnaire::Entity::find()
        .filter(questionnaire::Column::Kind.eq(kind))
        .order_by_desc(questionnaire::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no {kind:?} questionnaire")))
}

/// A questionnaire's questions, in order.
pub async fn questions(
    db: &impl ConnectionTrait,
    questionnaire_id: Uuid,
) -> AppResult<Vec<question::Model>> {
    Ok(question::Entity::find()
        .filter(question::Column::QuestionnaireId.eq(questionnaire_id))
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?)
}

/// One answer as given: a score for a 1–5 question, yes or no for a yes/no one.
#[derive(Debug, Clone)]
pub struct Answer {
    pub question: String,
    pub score: Option<i32>,
    pub yes: Option<bool>,
}

pub struct NewFeedback<'a> {
    pub family_id: Uuid,
    pub kind: QuestionnaireKind,
    pub subject: FeedbackSubject,
    pub subject_id: Option<Uuid>,
    pub answers: &'a [Answer],
    pub free_text: Option<&'a str>,
    pub anonymous: bool,
    /// Only for young people, whose feedback is private unless they say otherwise.
    pub private: Option<bool>,
    pub follow_up_id: Option<Uuid>,
}

/// Records feedback by `actor`, who is on `side`.
pub async fn give(
    db: &impl ConnectionTrait,
    new: NewFeedback<'_>,
    side: GiverSide,
    permit: &Permit,
) -> AppResult<feedback::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let questionnaire = current_questionnaire(db, new.kind).await?;
    let questions = questions(db, questionnaire.id).await?;
    let mut errors = vec![];
    let scores = check_answers(&questions, new.answers, &mut errors);
    let free_text = new.free_text.filter(|t| !t.trim().is_empty()).map(|t| {
        text::required(
            "freeText",
            "what you want to say",
            t,
            MAX_FREE_TEXT,
            &mut errors,
        )
    });
    if scores.is_empty() && free_text.is_none() && errors.is_empty() {
        errors.push(UserError::new(
            &["answers"],
            UserErrorCode::Required,
            "Please answer at least one question, or tell us in your own words.",
        ));
    }
    let private = match (side, new.private) {
        (GiverSide::YoungPerson, private) => private.unwrap_or(true),
        (_, Some(true)) => {
            errors.push(UserError::new(
                &["private"],
                UserErrorCode::Invalid,
                "Only young people's feedback can be kept from the rest of the family.",
            ));
            false
        }
        (_, _) => false,
    };
    check_subject(db, new.family_id, new.subject, new.subject_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (member, practitioner) = if new.anonymous {
        (None, None)
    } else {
        actor.ids()
    };
    let (id, created_at) = if new.anonymous {
        let day = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
        let seconds = u64::try_from(day.timestamp()).unwrap_or(0);
        let stamp = uuid::Timestamp::from_unix(uuid::NoContext, seconds, 0);
        (Uuid::new_v7(stamp), day)
    } else {
        (Uuid::now_v7(), now)
    };
    let saved = feedback::ActiveModel {
        id: Set(id),
        family_id: Set(new.family_id),
        questionnaire_id: Set(questionnaire.id),
        subject: Set(new.subject),
        subject_id: Set(new.subject_id),
        giver_side: Set(side),
        giver_member_id: Set(member),
        giver_practitioner_id: Set(practitioner),
        anonymous: Set(new.anonymous),
        private: Set(private),
        free_text: Set(free_text),
        follow_up_id: Set(new.follow_up_id),
        created_at: Set(created_at),
    }
    .insert(db)
    .await?;
    if !scores.is_empty() {
        let rows = scores
            .into_iter()
            .map(|(code, score)| feedback_answer::ActiveModel {
                feedback_id: Set(saved.id),
                question_code: Set(code),
                score: Set(score),
            });
        feedback_answer::Entity::insert_many(rows).exec(db).await?;
    }
    if let (false, Actor::Practitioner { .. }) = (new.anonymous, actor) {
        audit::record(
            db,
            new.family_id,
            actor,
            audit::Kind::Change,
            "gave feedback",
            now,
        )
        .await?;
    }
    Ok(saved)
}

/// Checks each answer against its question; returns (code, stored score).
fn check_answers(
    questions: &[question::Model],
    answers: &[Answer],
    errors: &mut Vec<UserError>,
) -> Vec<(String, i16)> {
    let mut seen = HashSet::new();
    let mut scores = vec![];
    for (i, answer) in answers.iter().enumerate() {
        let index = i.to_string();
        let field = ["answers", index.as_str()];
        let Some(question) = questions.iter().find(|q| q.code == answer.question) else {
            errors.push(UserError::new(
                &field,
                UserErrorCode::NotFound,
                format!("“{}” is not one of the questions.", answer.question),
            ));
            continue;
        };
        if !seen.insert(question.code.clone()) {
            errors.push(UserError::new(
                &field,
                UserErrorCode::Invalid,
                "Please answer each question once.",
            ));
            continue;
        }
        let score = match (question.answer_kind, answer.score, answer.yes) {
            (AnswerKind::Scale, Some(score @ 1..=5), None) => score as i16,
            (AnswerKind::YesNo, None, Some(yes)) => i16::from(yes),
            (AnswerKind::Scale, _, _) => {
                errors.push(UserError::new(
                    &field,
                    UserErrorCode::OutOfRange,
                    format!("Please give “{}” a score from 1 to 5.", question.text),
                ));
                continue;
            }
            (AnswerKind::YesNo, _, _) => {
                errors.push(UserError::new(
                    &field,
                    UserErrorCode::Invalid,
                    format!("Please answer yes or no to “{}”.", question.text),
                ));
                continue;
            }
        };
        scores.push((question.code.clone(), score));
    }
    scores
}

async fn check_subject(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    subject: FeedbackSubject,
    subject_id: Option<Uuid>,
    errors: &mut Vec<UserError>,
) -> AppResult<()> {
    match (subject, subject_id) {
        (FeedbackSubject::Service, None) => {}
        (FeedbackSubject::Service, Some(_)) => errors.push(UserError::new(
            &["subject"],
            UserErrorCode::Invalid,
            "Feedback about the service as a whole is not about one plan or meeting.",
        )),
        (FeedbackSubject::Plan | FeedbackSubject::Meeting, None) => errors.push(UserError::new(
            &["subject"],
            UserErrorCode::Required,
            "Please say which plan or meeting this is about.",
        )),
        (FeedbackSubject::Plan, Some(id)) => {
            let found = plan::Entity::find_by_id(id).one(db).await?;
            if found.is_none_or(|p| p.family_id != family_id) {
                errors.push(not_found());
            }
        }
        (FeedbackSubject::Meeting, Some(id)) => {
            if !meeting_of_family(db, family_id, id).await? {
                errors.push(not_found());
            }
        }
    }
    Ok(())
}

/// Whether `meeting_id` is one of the family's meetings.
async fn meeting_of_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    meeting_id: Uuid,
) -> AppResult<bool> {
    Ok(entities::meeting::Entity::find_by_id(meeting_id)
        .one(db)
        .await?
        .is_some_and(|m| m.family_id == family_id))
}

fn not_found() -> UserError {
    UserError::new(
        &["subject"],
        UserErrorCode::NotFound,
        "We could not find that in your family's plan.",
    )
}

/// The answers of several feedbacks, for showing them.
pub async fn answers_of(
    db: &impl ConnectionTrait,
    feedback_id: Uuid,
) -> AppResult<Vec<feedback_answer::Model>> {
    Ok(feedback_answer::Entity::find()
        .filter(feedback_answer::Column::FeedbackId.eq(feedback_id))
        .all(db)
        .await?)
}

/// The answers of the given feedback.
pub async fn answers_of_all(
    db: &impl ConnectionTrait,
    feedback_ids: Vec<Uuid>,
) -> AppResult<Vec<entities::feedback_answer::Model>> {
    use entities::feedback_answer;
    if feedback_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(feedback_answer::Entity::find()
        .filter(feedback_answer::Column::FeedbackId.is_in(feedback_ids))
        .all(db)
        .await?)
}

/// The questions of the given questionnaires, in their order.
pub async fn questions_of(
    db: &impl ConnectionTrait,
    questionnaire_ids: Vec<Uuid>,
) -> AppResult<Vec<entities::question::Model>> {
    use entities::question;
    if questionnaire_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(question::Entity::find()
        .filter(question::Column::QuestionnaireId.is_in(questionnaire_ids))
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?)
}

/// The family's feedback that `visible` lets the reader see (from `access::visibility`).
pub fn of_family(
    family_id: Uuid,
    visible: sea_orm::sea_query::Condition,
) -> sea_orm::Select<feedback::Entity> {
    feedback::Entity::find()
        .filter(feedback::Column::FamilyId.eq(family_id))
        .filter(visible)
}
