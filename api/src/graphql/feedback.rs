//! Feedback, young people's views, questionnaires and follow-ups as GraphQL types.
//! Lists go through [`voice_scope`] and single items through [`may_see_voice`]: a young
//! person's private items never reach other family members (DESIGN rule 5).
use super::family::FamilyMember;
use super::ids::{self, Kind};
use super::loaders::{MemberById, PractitionerById};
use super::organisation::Practitioner;
use super::pagination::{Cursor, Page};
use super::visible_to::VisibleTo;
use super::{authorize, loaders, services, viewer};
use crate::access::visibility::{VoiceItem, VoiceScope};
use crate::access::{self, Action};
use crate::error::{AppError, AppResult, GqlResult};
use async_graphql::connection::{Connection, Edge, OpaqueCursor};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::feedback::GiverSide;
use entities::follow_up::{self, FollowUpStatus as Status};
use entities::{feedback, feedback_answer, question, young_person_view};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::feedback::FeedbackSubject")]
pub enum FeedbackSubject {
    /// The family's plan.
    Plan,
    /// A Team Around the Family meeting or review.
    Meeting,
    /// The Early Help service as a whole.
    Service,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::feedback::GiverSide")]
pub enum FeedbackGiverSide {
    FamilyAdult,
    YoungPerson,
    Practitioner,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::questionnaire::QuestionnaireKind")]
pub enum QuestionnaireKind {
    /// How it is going, while the family has help.
    Experience,
    /// Six months after the family's plan closed.
    FollowUp,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::question::AnswerKind")]
pub enum AnswerKind {
    /// A score from 1 (strongly disagree) to 5 (strongly agree).
    Scale,
    /// Yes or no.
    YesNo,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::follow_up::FollowUpStatus")]
pub enum FollowUpStatus {
    /// Not due yet.
    Scheduled,
    /// The invitation went out; waiting for an answer.
    Invited,
    /// A reminder went out; still waiting for an answer.
    Reminded,
    Answered,
    /// No answer came in time.
    Expired,
}

/// One question, with the code that answers and reports use.
#[derive(SimpleObject)]
pub struct Question {
    pub code: String,
    pub text: String,
    pub answer_kind: AnswerKind,
}

impl From<question::Model> for Question {
    fn from(q: question::Model) -> Self {
        Self {
            code: q.code,
            text: q.text,
            answer_kind: q.answer_kind.into(),
        }
    }
}

/// A versioned set of questions.
#[derive(SimpleObject)]
pub struct Questionnaire {
    pub kind: QuestionnaireKind,
    pub version: i32,
    pub title: String,
    /// In the order they are asked.
    pub questions: Vec<Question>,
}

pub async fn questionnaire(
    db: &impl ConnectionTrait,
    kind: entities::questionnaire::QuestionnaireKind,
) -> AppResult<Questionnaire> {
    let current = crate::domain::feedback::current_questionnaire(db, kind).await?;
    let questions = crate::domain::feedback::questions(db, current.id).await?;
    Ok(Questionnaire {
        kind: current.kind.into(),
        version: current.version,
        title: current.title,
        questions: questions.into_iter().map(Question::from).collect(),
    })
}

/// One answer: a score from 1 to 5, or yes or no.
#[derive(SimpleObject, Clone)]
pub struct FeedbackAnswer {
    /// The question's code.
    pub question: String,
    /// The question as it was asked.
    pub text: String,
    /// For 1–5 questions.
    pub score: Option<i32>,
    /// For yes/no questions.
    pub yes: Option<bool>,
}

/// Feedback about the plan, a meeting or the service.
pub struct Feedback {
    model: feedback::Model,
    answers: Vec<FeedbackAnswer>,
}

#[Object]
impl Feedback {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Feedback, self.model.id)
    }

    async fn about(&self) -> FeedbackSubject {
        self.model.subject.into()
    }

    /// The ID of the plan or meeting it is about; empty for the service as a whole.
    async fn subject_id(&self) -> Option<ID> {
        let kind = match self.model.subject {
            entities::feedback::FeedbackSubject::Plan => Kind::Plan,
            entities::feedback::FeedbackSubject::Meeting => Kind::Meeting,
            entities::feedback::FeedbackSubject::Service => return None,
        };
        self.model.subject_id.map(|id| ids::encode(kind, id))
    }

    /// Whether the giver asked not to be named. Their name is not kept.
    async fn anonymous(&self) -> bool {
        self.model.anonymous
    }

    /// A young person's feedback kept from the rest of the family.
    async fn private(&self) -> bool {
        self.model.private
    }

    /// Who can see this feedback (as the person who gave it).
    async fn visible_to(&self, ctx: &Context<'_>) -> GqlResult<VisibleTo> {
        let about: Vec<Uuid> = self.model.giver_member_id.into_iter().collect();
        Ok(VisibleTo::of(ctx, self.model.family_id, &about, self.model.private).await?)
    }

    /// Who gave it, broadly; empty when anonymous (in a small family the side alone could
    /// tell who it was).
    async fn giver_side(&self) -> Option<FeedbackGiverSide> {
        (!self.model.anonymous).then(|| self.model.giver_side.into())
    }

    /// The family member who gave it; empty when anonymous or given by a practitioner.
    async fn given_by(&self, ctx: &Context<'_>) -> GqlResult<Option<FamilyMember>> {
        let Some(id) = self.model.giver_member_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(MemberById(id))
            .await?
            .map(FamilyMember))
    }

    /// The practitioner who gave it, unless anonymous.
    async fn given_by_practitioner(&self, ctx: &Context<'_>) -> GqlResult<Option<Practitioner>> {
        let Some(id) = self.model.giver_practitioner_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(PractitionerById(id))
            .await?
            .map(Practitioner))
    }

    async fn answers(&self) -> &[FeedbackAnswer] {
        &self.answers
    }

    /// What the giver said in their own words.
    async fn free_text(&self) -> Option<&str> {
        self.model.free_text.as_deref()
    }

    /// When it was given; for anonymous feedback only the day (midnight UTC).
    async fn given_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// "What I want my worker to know": a young person's view in their own words.
pub struct YoungPersonView(pub young_person_view::Model);

#[Object]
impl YoungPersonView {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::YoungPersonView, self.0.id)
    }

    async fn words(&self) -> &str {
        &self.0.words
    }

    /// Kept from the rest of the family: only the team and the young person read it.
    async fn private(&self) -> bool {
        self.0.private
    }

    /// Who can see this view.
    async fn visible_to(&self, ctx: &Context<'_>) -> GqlResult<VisibleTo> {
        Ok(VisibleTo::of(ctx, self.0.family_id, &[self.0.member_id], self.0.private).await?)
    }

    async fn given_by(&self, ctx: &Context<'_>) -> GqlResult<FamilyMember> {
        Ok(loaders(ctx)?
            .load_one(MemberById(self.0.member_id))
            .await?
            .map(FamilyMember)
            .ok_or(AppError::NotFound)?)
    }

    async fn shared_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The signed-in person's follow-up after their family's plan closed.
pub struct FollowUp(pub follow_up::Model);

#[Object]
impl FollowUp {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::FollowUp, self.0.id)
    }

    async fn status(&self) -> FollowUpStatus {
        self.0.status.into()
    }

    /// Whether it can be answered now (invited or reminded).
    async fn open(&self) -> bool {
        matches!(self.0.status, Status::Invited | Status::Reminded)
    }

    async fn invited_at(&self) -> Option<DateTime<Utc>> {
        self.0.invited_at
    }

    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }

    /// The questions to answer.
    async fn questionnaire(&self, ctx: &Context<'_>) -> GqlResult<Questionnaire> {
        let db = &services(ctx)?.db;
        Ok(questionnaire(db, entities::questionnaire::QuestionnaireKind::FollowUp).await?)
    }
}

fn feedback_item(f: &feedback::Model) -> VoiceItem {
    VoiceItem {
        by_member: f.giver_member_id,
        by_practitioner: f.giver_side == GiverSide::Practitioner,
        anonymous: f.anonymous,
        private: f.private,
    }
}

fn view_item(v: &young_person_view::Model) -> VoiceItem {
    VoiceItem {
        by_member: Some(v.member_id),
        by_practitioner: false,
        anonymous: false,
        private: v.private,
    }
}

/// Builds [`Feedback`] objects with their answers: one query for the answers of all of them.
async fn with_answers(
    db: &impl ConnectionTrait,
    rows: Vec<feedback::Model>,
) -> AppResult<Vec<Feedback>> {
    let ids: Vec<Uuid> = rows.iter().map(|f| f.id).collect();
    let questionnaires: Vec<Uuid> = rows.iter().map(|f| f.questionnaire_id).collect();
    let answers = crate::domain::feedback::answers_of_all(db, ids).await?;
    let questions = crate::domain::feedback::questions_of(db, questionnaires).await?;
    let mut by_feedback: HashMap<Uuid, Vec<feedback_answer::Model>> = HashMap::new();
    for answer in answers {
        by_feedback
            .entry(answer.feedback_id)
            .or_default()
            .push(answer);
    }
    Ok(rows
        .into_iter()
        .map(|model| {
            let given = by_feedback.remove(&model.id).unwrap_or_default();
            let answers = questions
                .iter()
                .filter(|q| q.questionnaire_id == model.questionnaire_id)
                .filter_map(|q| {
                    let answer = given.iter().find(|a| a.question_code == q.code)?;
                    let yes_no = q.answer_kind == entities::question::AnswerKind::YesNo;
                    Some(FeedbackAnswer {
                        question: q.code.clone(),
                        text: q.text.clone(),
                        score: (!yes_no).then_some(i32::from(answer.score)),
                        yes: yes_no.then_some(answer.score == 1),
                    })
                })
                .collect();
            Feedback { model, answers }
        })
        .collect())
}

/// The part of a family's feedback or views that `scope` lets the viewer see, as SQL.
fn scope_condition(
    scope: VoiceScope,
    anonymous: Option<feedback::Column>,
    by_practitioner: Option<Condition>,
    private: impl ColumnTrait,
    by_member: impl ColumnTrait,
) -> Condition {
    match scope {
        VoiceScope::Everything => Condition::all(),
        VoiceScope::Reached {
            family,
            withheld,
            reached,
        } => {
            let mut visible = Condition::any();
            if !reached.is_empty() {
                visible = visible.add(by_member.is_in(reached));
            }
            if family {
                let mut not_withheld = Condition::any().add(by_member.is_null());
                if withheld.is_empty() {
                    not_withheld = not_withheld.add(by_member.is_not_null());
                } else {
                    not_withheld = not_withheld.add(by_member.is_not_in(withheld));
                }
                visible = visible.add(not_withheld);
            }
            if visible.is_empty() {
                // Nothing in reach.
                return Condition::all()
                    .add(private.eq(true))
                    .add(private.eq(false));
            }
            visible
        }
        VoiceScope::SharedWithFamily {
            member_id,
            sees_private_of,
            withheld,
        } => {
            let mut not_private = Condition::any()
                .add(private.eq(false))
                .add(by_member.eq(member_id));
            if !sees_private_of.is_empty() {
                // Children under the privacy age: their parents still read it (issue 14).
                not_private = not_private.add(by_member.is_in(sees_private_of));
            }
            let mut shared = Condition::all().add(not_private);
            if !withheld.is_empty() {
                // Adult members: nothing of theirs reaches their parents.
                shared = shared.add(
                    Condition::any()
                        .add(by_member.is_null())
                        .add(by_member.is_not_in(withheld)),
                );
            }
            if let Some(anonymous) = anonymous {
                shared = shared.add(anonymous.eq(false));
            }
            if let Some(not_practitioner) = by_practitioner {
                shared = shared.add(not_practitioner);
            }
            shared
        }
        VoiceScope::Nothing => Condition::all()
            .add(private.eq(true))
            .add(private.eq(false)),
    }
}

/// The family's feedback the viewer may read, newest first.
pub async fn family_feedback(
    ctx: &Context<'_>,
    family_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<Cursor, Feedback>> {
    let permit = authorize(ctx, Action::ReadVoice { family_id }).await?;
    let scope = access::visibility::voice_scope(viewer(ctx)?, permit.reach());
    let visible = scope_condition(
        scope,
        Some(feedback::Column::Anonymous),
        Some(Condition::all().add(feedback::Column::GiverSide.ne(GiverSide::Practitioner))),
        feedback::Column::Private,
        feedback::Column::GiverMemberId,
    );
    let select = crate::domain::feedback::of_family(family_id, visible);
    let db = &services(ctx)?.db;
    let page = Page::new(first, after)?
        .newest_first()
        .rows(db, select, feedback::Column::Id)
        .await?;
    let mut connection = Connection::new(page.has_previous, page.has_next);
    for item in with_answers(db, page.rows).await? {
        connection
            .edges
            .push(Edge::new(OpaqueCursor(item.model.id), item));
    }
    Ok(connection)
}

/// The young people's views the viewer may read, newest first.
pub async fn family_views(
    ctx: &Context<'_>,
    family_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<Cursor, YoungPersonView>> {
    let permit = authorize(ctx, Action::ReadVoice { family_id }).await?;
    let scope = access::visibility::voice_scope(viewer(ctx)?, permit.reach());
    let visible = scope_condition(
        scope,
        None,
        None,
        young_person_view::Column::Private,
        young_person_view::Column::MemberId,
    );
    let select = crate::domain::views::of_family(family_id, visible);
    Page::new(first, after)?
        .newest_first()
        .fetch(
            &services(ctx)?.db,
            select,
            young_person_view::Column::Id,
            |v| v.id,
            YoungPersonView,
        )
        .await
}

/// One item of feedback by its ID, if the viewer may read it. Refused, not hidden: DESIGN
/// wants explicit denials.
pub async fn load_feedback(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Feedback>> {
    let db = &services(ctx)?.db;
    let Some(found) = crate::domain::records::by_id::<entities::feedback::Entity>(db, id).await?
    else {
        return Ok(None);
    };
    let permit = authorize(
        ctx,
        Action::ReadVoice {
            family_id: found.family_id,
        },
    )
    .await?;
    if !access::visibility::may_see_voice(viewer(ctx)?, permit.reach(), feedback_item(&found)) {
        return Err(AppError::Forbidden);
    }
    Ok(with_answers(db, vec![found]).await?.pop())
}

pub async fn load_view(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<YoungPersonView>> {
    let db = &services(ctx)?.db;
    let Some(found) =
        crate::domain::records::by_id::<entities::young_person_view::Entity>(db, id).await?
    else {
        return Ok(None);
    };
    let permit = authorize(
        ctx,
        Action::ReadVoice {
            family_id: found.family_id,
        },
    )
    .await?;
    if !access::visibility::may_see_voice(viewer(ctx)?, permit.reach(), view_item(&found)) {
        return Err(AppError::Forbidden);
    }
    Ok(Some(YoungPersonView(found)))
}

/// A follow-up by its ID: only the person it is for.
pub async fn load_follow_up(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<FollowUp>> {
    let db = &services(ctx)?.db;
    let Some(found) = crate::domain::records::by_id::<entities::follow_up::Entity>(db, id).await?
    else {
        return Ok(None);
    };
    let for_viewer = access::visibility::is_about_viewer(viewer(ctx)?, &[found.member_id]);
    authorize(
        ctx,
        Action::AnswerFollowUp {
            family_id: found.family_id,
            for_viewer,
        },
    )
    .await?;
    Ok(Some(FollowUp(found)))
}

/// The single feedback just given, with its answers.
pub async fn given(db: &impl ConnectionTrait, model: feedback::Model) -> AppResult<Feedback> {
    with_answers(db, vec![model])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("feedback vanished")))
}

#[derive(Default)]
pub struct VoiceQuery;

#[Object]
impl VoiceQuery {
    /// The questions currently asked, with their codes: EXPERIENCE for `giveFeedback`,
    /// FOLLOW_UP for `followUp`.
    async fn questionnaire(
        &self,
        ctx: &Context<'_>,
        kind: QuestionnaireKind,
    ) -> GqlResult<Questionnaire> {
        authorize(ctx, Action::ReadQuestionnaires).await?;
        Ok(questionnaire(&services(ctx)?.db, kind.into()).await?)
    }

    /// The signed-in family member's follow-ups after their family's plan closed, newest
    /// first (at most a few: one per closed plan).
    async fn my_follow_ups(&self, ctx: &Context<'_>) -> GqlResult<Vec<FollowUp>> {
        authorize(ctx, Action::ReadOwnFollowUps).await?;
        let crate::viewer::Viewer::FamilyMember(me) = viewer(ctx)? else {
            return Err(AppError::Forbidden.into());
        };
        let rows = crate::domain::follow_ups::of_member(&services(ctx)?.db, me.member_id).await?;
        Ok(rows.into_iter().map(FollowUp).collect())
    }
}
