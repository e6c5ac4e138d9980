//! Feedback, young people's views and the six-month follow-up.
use super::super::family::Family;
use super::super::feedback::{self as types, Feedback, FeedbackSubject, FollowUp, YoungPersonView};
use super::super::{authorize, if_still_readable, services, viewer};
use super::{input_id, write};
use crate::access::Action;
use crate::domain::feedback::{self, Answer, NewFeedback};
use crate::domain::{families, follow_ups, views};
use crate::error::{AppError, GqlResult, UserError, UserErrorCode};
use crate::graphql::ids::{self, Kind};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entities::feedback::GiverSide;
use entities::questionnaire::QuestionnaireKind;
use uuid::Uuid;

#[derive(Default)]
pub struct FeedbackMutation;

/// An answer to one question: `score` for 1–5 questions, `yes` for yes/no ones.
#[derive(InputObject)]
pub struct FeedbackAnswerInput {
    /// The question's code, from `questionnaire`.
    pub question: String,
    pub score: Option<i32>,
    pub yes: Option<bool>,
}

#[derive(InputObject)]
pub struct GiveFeedbackInput {
    pub family: ID,
    pub about: FeedbackSubject,
    /// The plan or meeting it is about (not for SERVICE).
    pub subject: Option<ID>,
    #[graphql(default)]
    pub answers: Vec<FeedbackAnswerInput>,
    /// Anything else, in the giver's own words.
    pub free_text: Option<String>,
    /// Do not keep the giver's name: the team sees the answers without it.
    #[graphql(default)]
    pub anonymous: bool,
    /// Young people only: keep it from the rest of the family (the default for them).
    pub private: Option<bool>,
}

#[derive(SimpleObject)]
pub struct GiveFeedbackPayload {
    pub feedback: Option<Feedback>,
    /// The family the feedback is about, as it is now.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ShareViewInput {
    /// What you want your worker to know, in your own words.
    pub words: String,
    /// Keep it from the rest of the family (only the team around the family reads it).
    #[graphql(default = true)]
    pub private: bool,
}

#[derive(SimpleObject)]
pub struct ShareViewPayload {
    pub view: Option<YoungPersonView>,
    /// The young person's family, with its views as they are now.
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct FollowUpInput {
    pub follow_up: ID,
    #[graphql(default)]
    pub answers: Vec<FeedbackAnswerInput>,
    pub free_text: Option<String>,
    /// Young people only: keep the answers from the rest of the family (their default).
    pub private: Option<bool>,
}

#[derive(SimpleObject)]
pub struct FollowUpPayload {
    pub follow_up: Option<FollowUp>,
    pub feedback: Option<Feedback>,
    pub user_errors: Vec<UserError>,
}

fn answers(given: &[FeedbackAnswerInput]) -> Vec<Answer> {
    given
        .iter()
        .map(|a| Answer {
            question: a.question.trim().to_owned(),
            score: a.score,
            yes: a.yes,
        })
        .collect()
}

/// Which side of the work the viewer is on, for the evaluation.
fn side(viewer: &Viewer) -> Result<GiverSide, AppError> {
    use crate::access::visibility::{Side, side_of};
    match side_of(viewer) {
        Some(Side::YoungPerson) => Ok(GiverSide::YoungPerson),
        Some(Side::FamilyAdult) => Ok(GiverSide::FamilyAdult),
        Some(Side::Practitioner) => Ok(GiverSide::Practitioner),
        None => Err(AppError::Unauthenticated),
    }
}

fn family_of(viewer: &Viewer) -> Uuid {
    match viewer {
        Viewer::FamilyMember(m) => m.family_id,
        _ => Uuid::nil(),
    }
}

#[Object]
impl FeedbackMutation {
    /// Gives feedback about the family's plan, a meeting or the service: answers to the
    /// questionnaire's questions (1–5) and free text. Family members and the team around the
    /// family. A young person's feedback is private to the team unless they say otherwise;
    /// anyone may ask to be anonymous, and then their name is not kept.
    async fn give_feedback(
        &self,
        ctx: &Context<'_>,
        input: GiveFeedbackInput,
    ) -> GqlResult<GiveFeedbackPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        let action = Action::GiveFeedback { family_id };
        let side = side(viewer(ctx)?)?;
        let (feedback, user_errors) = write(ctx, action, async |txn, permit| {
            let subject_id = match (&input.subject, input.about) {
                (Some(id), FeedbackSubject::Plan) => Some(input_id(id, Kind::Plan, "subject")?),
                (Some(id), FeedbackSubject::Meeting) => {
                    Some(input_id(id, Kind::Meeting, "subject")?)
                }
                (Some(_), FeedbackSubject::Service) => {
                    return Err(AppError::invalid(
                        &["subject"],
                        UserErrorCode::Invalid,
                        "Feedback about the service as a whole is not about one plan or meeting.",
                    ));
                }
                (None, _) => None,
            };
            let answers = answers(&input.answers);
            let new = NewFeedback {
                family_id,
                kind: QuestionnaireKind::Experience,
                subject: input.about.into(),
                subject_id,
                answers: &answers,
                free_text: input.free_text.as_deref(),
                anonymous: input.anonymous,
                private: input.private,
                follow_up_id: None,
            };
            let saved = feedback::give(txn, new, side, permit).await?;
            types::given(txn, saved).await
        })
        .await?;
        Ok(GiveFeedbackPayload {
            feedback,
            family: if_still_readable(Family::load(ctx, family_id)).await?,
            user_errors,
        })
    }

    /// A young person tells their worker something, in their own words: private to the team
    /// unless they choose otherwise. Their lead professional is emailed that there is
    /// something to read.
    async fn share_view(
        &self,
        ctx: &Context<'_>,
        input: ShareViewInput,
    ) -> GqlResult<ShareViewPayload> {
        let viewer = viewer(ctx)?;
        let family_id = family_of(viewer);
        let action = Action::ShareView { family_id };
        let Viewer::FamilyMember(me) = viewer else {
            return Err(crate::graphql::refusal(viewer).into());
        };
        let s = services(ctx)?;
        let link = format!("{}/views", s.settings.public_url.trim_end_matches('/'));
        let (view, user_errors) = write(ctx, action, async |txn, permit| {
            let member = families::member(txn, me.member_id).await?;
            views::share(txn, &member, &input.words, input.private, &link, permit).await
        })
        .await?;
        Ok(ShareViewPayload {
            view: view.map(YoungPersonView),
            family: if_still_readable(Family::load(ctx, family_id)).await?,
            user_errors,
        })
    }

    /// Answers one's six-month follow-up (have things stayed better, have you needed more help
    /// since, did you know where to get it). Recorded as feedback about the closed plan.
    async fn follow_up(
        &self,
        ctx: &Context<'_>,
        input: FollowUpInput,
    ) -> GqlResult<FollowUpPayload> {
        // Follow-ups are family members' own; then only the person it is for answers it.
        authorize(ctx, Action::ReadOwnFollowUps).await?;
        let follow_up_id = ids::decode(&input.follow_up, Kind::FollowUp)?;
        let Some(found) = types::load_follow_up(ctx, follow_up_id).await? else {
            return Ok(FollowUpPayload {
                follow_up: None,
                feedback: None,
                user_errors: vec![UserError::new(
                    &["followUp"],
                    UserErrorCode::NotFound,
                    "We could not find those questions. The link may be wrong.",
                )],
            });
        };
        let viewer = viewer(ctx)?;
        let action = Action::AnswerFollowUp {
            family_id: found.0.family_id,
            for_viewer: true,
        };
        let side = side(viewer)?;
        let (answered, user_errors) = write(ctx, action, async |txn, permit| {
            let answers = answers(&input.answers);
            let given = follow_ups::FollowUpAnswers {
                follow_up_id,
                answers: &answers,
                free_text: input.free_text.as_deref(),
                private: input.private,
            };
            let (follow_up, saved) = follow_ups::answer(txn, given, side, permit).await?;
            Ok((follow_up, types::given(txn, saved).await?))
        })
        .await?;
        let (follow_up, feedback) = match answered {
            Some((f, fb)) => (Some(FollowUp(f)), Some(fb)),
            None => (None, None),
        };
        Ok(FollowUpPayload {
            follow_up,
            feedback,
            user_errors,
        })
    }
}
