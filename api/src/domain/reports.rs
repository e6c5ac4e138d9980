//! Evaluation reports for locality managers and the partnership: figures over a period and a
//! local area (or all areas), no names, small counts suppressed.
//!
//! Definitions (also in the GraphQL descriptions):
//! - *Requests for support* (issue 17, [`requests_for_support`]): requests received in the
//!   period, whichever way they came in (the app, the public front door, a professional's
//!   referral, an urgent alert). A local area's figures count the requests about a family of
//!   that area (known when asked, or linked by the hub's decision); a request not linked to
//!   any family (an anonymous one answered with advice, say) counts only in the whole
//!   partnership's figures. *By decision*: the hub's decision by the end of the period, or
//!   undecided. *Decided within their clock*: of those decided by the end of the period, the
//!   ones decided by their due time (24 hours, or 2 hours where a child may be at risk of
//!   significant harm). *Consultations*: questions to the hub's consultation line asked in
//!   the period (a local area's: those naming a family of the area), and of those the ones
//!   turned into a referral by the end of the period.
//! - *Families who got early help*: families with a plan started in the period.
//! - *Open plans by need level*: plans open at the end of the period, by the family's need
//!   level at that time (from the need-level history).
//! - *Days from a plan's start to an accepted lead professional*: `plans.created_at` to
//!   `plans.activated_at`, for plans activated in the period — a plan becomes active exactly
//!   when a nominated lead professional accepts.
//! - *Outcomes chosen and achieved by area*: outcomes written in the period that the family
//!   chose (chosen, achieved or not achieved now), and of those the ones achieved.
//! - *Feedback*: per question of the experience questionnaire, the answers given in the period
//!   by family adults and by young people, and the share of them that were 4 or 5. Each answer
//!   counts (anonymous feedback cannot be told apart by person).
//! - *Follow-up*: follow-ups whose invitation went out in the period; the share answered, and
//!   of those answering "things have stayed better", the share answering 4 or 5.
//! - *Stepped up*: families whose plan closed in the period and whose need level was changed
//!   to 3 or 4 within six calendar months after the closing.
//!
//! Suppression (see [`Count`] and [`Share`]): any count below [`THRESHOLD`], zero included, is
//! shown as "<5". A share is a count out of a base; its count is also withheld when the rest of
//! the base (base − count) is below the threshold, since it would give that small count away,
//! and its percentage is shown only when both count and base are shown. Where a table shows a
//! total (open plans by need level), a single suppressed cell would be recoverable from the
//! total and the others, so the next smallest cell is suppressed too.
use crate::error::AppResult;
use chrono::{DateTime, Months, NaiveDate, NaiveTime, Utc};
use entities::feedback::GiverSide;
use entities::follow_up::FollowUpStatus;
use entities::outcome::OutcomeStatus;
use entities::questionnaire::QuestionnaireKind;
use entities::support_request::{Decision, WayIn};
use entities::{
    consultation, family, feedback, feedback_answer, follow_up, need_level_change, outcome, plan,
    question, support_request,
};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Counts below this are suppressed.
pub const THRESHOLD: i64 = 5;

/// A count as published: the value, unless suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    value: i64,
    pub suppressed: bool,
}

impl Count {
    pub fn new(value: i64) -> Self {
        Self {
            value,
            suppressed: value < THRESHOLD,
        }
    }

    /// The value, when it may be shown.
    pub fn shown(&self) -> Option<i64> {
        (!self.suppressed).then_some(self.value)
    }

    /// "<5" or the number, for a spreadsheet.
    pub fn display(&self) -> String {
        match self.shown() {
            Some(v) => v.to_string(),
            None => format!("<{THRESHOLD}"),
        }
    }
}

/// A count out of a base, with the percentage when both may be shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub count: Count,
    pub base: Count,
    pub percent: Option<f64>,
}

impl Share {
    pub fn new(count: i64, base: i64) -> Self {
        let mut shown = Count::new(count);
        // The rest of the base would give a small count away.
        if base - count < THRESHOLD {
            shown.suppressed = true;
        }
        let base = Count::new(base);
        let percent = match (shown.shown(), base.shown()) {
            (Some(c), Some(b)) if b > 0 => Some((c as f64 * 1000.0 / b as f64).round() / 10.0),
            _ => None,
        };
        Self {
            count: shown,
            base,
            percent,
        }
    }
}

/// Which data the report covers: dates inclusive, and one local area or all.
#[derive(Debug, Clone)]
pub struct Scope {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub local_area: Option<String>,
}

impl Scope {
    fn start(&self) -> DateTime<Utc> {
        self.from.and_time(NaiveTime::MIN).and_utc()
    }

    /// The first instant after the period.
    fn end(&self) -> DateTime<Utc> {
        (self.to + chrono::Days::new(1))
            .and_time(NaiveTime::MIN)
            .and_utc()
    }

    fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.start() && at < self.end()
    }

    fn families(&self) -> SelectStatement {
        let mut select = family::Entity::find()
            .select_only()
            .column(family::Column::Id);
        if let Some(area) = &self.local_area {
            select = select.filter(family::Column::LocalArea.eq(area.as_str()));
        }
        select.into_query()
    }
}

#[derive(Debug, Clone)]
pub struct OutcomeArea {
    pub code: String,
    pub label: String,
    pub chosen: Count,
    /// Achieved, out of chosen.
    pub achieved: Share,
}

#[derive(Debug, Clone)]
pub struct QuestionFigures {
    pub code: String,
    pub text: String,
    /// Answers 4–5 from family adults, out of their answers.
    pub families: Share,
    pub young_people: Share,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub requests: RequestFigures,
    pub families_got_early_help: Count,
    /// Levels 1 to 4, in order.
    pub open_plans_by_need_level: [Count; 4],
    pub open_plans_total: Count,
    pub plans_activated: Count,
    pub median_days_to_lead_professional: Option<f64>,
    pub outcome_areas: Vec<OutcomeArea>,
    pub questions: Vec<QuestionFigures>,
    /// Answered, out of invited: the response rate.
    pub follow_up_responses: Share,
    pub follow_up_stayed_better: Share,
    /// Families stepped up, out of families whose plan closed in the period.
    pub stepped_up: Share,
}

pub async fn evaluation(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<Report> {
    let families = family::Entity::find()
        .filter(family::Column::Id.in_subquery(scope.families()))
        .all(db)
        .await?;
    let plans = plan::Entity::find()
        .filter(plan::Column::FamilyId.in_subquery(scope.families()))
        .all(db)
        .await?;
    let changes = need_level_change::Entity::find()
        .filter(need_level_change::Column::FamilyId.in_subquery(scope.families()))
        .all(db)
        .await?;

    let helped: HashSet<Uuid> = plans
        .iter()
        .filter(|p| scope.contains(p.created_at))
        .map(|p| p.family_id)
        .collect();
    let (open_plans_by_need_level, open_plans_total) =
        open_plans(scope, &families, &plans, &changes);

    let mut days: Vec<f64> = plans
        .iter()
        .filter_map(|p| {
            p.activated_at
                .filter(|at| scope.contains(*at))
                .map(|at| (p, at))
        })
        .map(|(p, at)| (at - p.created_at).num_seconds() as f64 / 86_400.0)
        .collect();
    let plans_activated = Count::new(days.len() as i64);
    let median_days_to_lead_professional = plans_activated
        .shown()
        .map(|_| (median(&mut days) * 10.0).round() / 10.0);

    let (follow_up_responses, follow_up_stayed_better) = follow_up_responses(db, scope).await?;
    Ok(Report {
        requests: requests_for_support(db, scope).await?,
        families_got_early_help: Count::new(helped.len() as i64),
        open_plans_by_need_level,
        open_plans_total,
        plans_activated,
        median_days_to_lead_professional,
        outcome_areas: outcome_areas(db, scope).await?,
        questions: questions(db, scope).await?,
        follow_up_responses,
        follow_up_stayed_better,
        stepped_up: stepped_up(scope, &plans, &changes),
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn open_plans(
    scope: &Scope,
    families: &[family::Model],
    plans: &[plan::Model],
    changes: &[need_level_change::Model],
) -> ([Count; 4], Count) {
    let end = scope.end();
    let mut counts = [0_i64; 4];
    for p in plans
        .iter()
        .filter(|p| p.created_at < end && p.closed_at.is_none_or(|at| at >= end))
    {
        let level = changes
            .iter()
            .filter(|c| c.family_id == p.family_id && c.decided_at < end)
            .max_by_key(|c| (c.decided_at, c.id))
            .map(|c| c.to_level)
            .or_else(|| {
                families
                    .iter()
                    .find(|f| f.id == p.family_id)
                    .map(|f| f.need_level)
            });
        if let Some(level @ 1..=4) = level {
            counts[usize::try_from(level - 1).unwrap_or(0)] += 1;
        }
    }
    let total = Count::new(counts.iter().sum());
    let mut cells = counts.map(Count::new);
    // One suppressed cell beside a shown total could be worked out: hide the next smallest.
    if !total.suppressed
        && cells.iter().filter(|c| c.suppressed).count() == 1
        && let Some(next) = (0..4)
            .filter(|i| !cells[*i].suppressed)
            .min_by_key(|i| (counts[*i], *i))
    {
        cells[next].suppressed = true;
    }
    (cells, total)
}

async fn outcome_areas(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<Vec<OutcomeArea>> {
    let outcomes = outcome::Entity::find()
        .filter(outcome::Column::FamilyId.in_subquery(scope.families()))
        .all(db)
        .await?;
    let mut areas: BTreeMap<String, (String, i64, i64)> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| scope.contains(o.created_at)) {
        let chosen = matches!(
            o.status,
            OutcomeStatus::Chosen | OutcomeStatus::Achieved | OutcomeStatus::NotAchieved
        );
        let entry = areas
            .entry(o.area_code.clone())
            .or_insert_with(|| (o.area_label.clone(), 0, 0));
        entry.1 += i64::from(chosen);
        entry.2 += i64::from(o.status == OutcomeStatus::Achieved);
    }
    Ok(areas
        .into_iter()
        .map(|(code, (label, chosen, achieved))| OutcomeArea {
            code,
            label,
            chosen: Count::new(chosen),
            achieved: Share::new(achieved, chosen),
        })
        .collect())
}

/// Answers in the period to questionnaires of `kind`, with who gave them.
async fn answers(
    db: &impl ConnectionTrait,
    scope: &Scope,
    kind: QuestionnaireKind,
) -> AppResult<Vec<(feedback::Model, feedback_answer::Model)>> {
    let questionnaires = entities::questionnaire::Entity::find()
        .select_only()
        .column(entities::questionnaire::Column::Id)
        .filter(entities::questionnaire::Column::Kind.eq(kind))
        .into_query();
    let given: HashMap<Uuid, feedback::Model> = feedback::Entity::find()
        .filter(feedback::Column::FamilyId.in_subquery(scope.families()))
        .filter(feedback::Column::QuestionnaireId.in_subquery(questionnaires))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let ids: Vec<Uuid> = given.keys().copied().collect();
    let mut rows = vec![];
    for chunk in ids.chunks(500) {
        for answer in feedback_answer::Entity::find()
            .filter(feedback_answer::Column::FeedbackId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            if let Some(f) = given.get(&answer.feedback_id) {
                rows.push((f.clone(), answer));
            }
        }
    }
    Ok(rows)
}

async fn questions(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<Vec<QuestionFigures>> {
    let current = super::feedback::current_questionnaire(db, QuestionnaireKind::Experience).await?;
    let asked: Vec<question::Model> = super::feedback::questions(db, current.id).await?;
    let rows = answers(db, scope, QuestionnaireKind::Experience).await?;
    let share = |code: &str, side: GiverSide| {
        let given: Vec<i16> = rows
            .iter()
            .filter(|(f, a)| a.question_code == code && f.giver_side == side)
            .filter(|(f, _)| scope.contains(f.created_at))
            .map(|(_, a)| a.score)
            .collect();
        let agree = given.iter().filter(|s| **s >= 4).count();
        Share::new(agree as i64, given.len() as i64)
    };
    Ok(asked
        .into_iter()
        .map(|q| QuestionFigures {
            families: share(&q.code, GiverSide::FamilyAdult),
            young_people: share(&q.code, GiverSide::YoungPerson),
            code: q.code,
            text: q.text,
        })
        .collect())
}

/// (answered out of invited, "stayed better" 4–5 out of those answering it).
async fn follow_up_responses(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> AppResult<(Share, Share)> {
    let invited: Vec<follow_up::Model> = follow_up::Entity::find()
        .filter(follow_up::Column::FamilyId.in_subquery(scope.families()))
        .filter(follow_up::Column::InvitedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|f| f.invited_at.is_some_and(|at| scope.contains(at)))
        .collect();
    let answered = invited
        .iter()
        .filter(|f| f.status == FollowUpStatus::Answered)
        .count();
    let cohort: HashSet<Uuid> = invited.iter().map(|f| f.id).collect();
    let stayed: Vec<i16> = answers(db, scope, QuestionnaireKind::FollowUp)
        .await?
        .into_iter()
        .filter(|(f, a)| {
            a.question_code == "stayed_better"
                && f.follow_up_id.is_some_and(|id| cohort.contains(&id))
        })
        .map(|(_, a)| a.score)
        .collect();
    let better = stayed.iter().filter(|s| **s >= 4).count();
    Ok((
        Share::new(answered as i64, invited.len() as i64),
        Share::new(better as i64, stayed.len() as i64),
    ))
}

fn stepped_up(scope: &Scope, plans: &[plan::Model], changes: &[need_level_change::Model]) -> Share {
    let mut closed: HashMap<Uuid, Vec<DateTime<Utc>>> = HashMap::new();
    for p in plans {
        if let Some(at) = p.closed_at.filter(|at| scope.contains(*at)) {
            closed.entry(p.family_id).or_default().push(at);
        }
    }
    let stepped = closed
        .iter()
        .filter(|(family_id, closings)| {
            closings.iter().any(|closed_at| {
                let until = closed_at
                    .checked_add_months(Months::new(6))
                    .unwrap_or(*closed_at);
                changes.iter().any(|c| {
                    c.family_id == **family_id
                        && (3..=4).contains(&c.to_level)
                        && c.decided_at > *closed_at
                        && c.decided_at <= until
                })
            })
        })
        .count();
    Share::new(stepped as i64, closed.len() as i64)
}

/// Issue 14: "I don't feel safe" alerts received in the period from members of the area's
/// families (urgent requests for support that a family member raised). Counts only, with
/// the same suppression as every count.
pub async fn feeling_unsafe_alerts(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<Count> {
    use entities::support_request::{self, WayIn};
    let received = support_request::Entity::find()
        .select_only()
        .column(support_request::Column::ReceivedAt)
        .filter(support_request::Column::WayIn.eq(WayIn::Urgent))
        .filter(support_request::Column::RequestedByMemberId.is_not_null())
        .filter(support_request::Column::FamilyId.in_subquery(scope.families()))
        .into_tuple::<DateTime<Utc>>()
        .all(db)
        .await?;
    // Compared here, not in SQL: SQLite compares timestamps as text.
    let n = received
        .into_iter()
        .filter(|at| scope.contains(*at))
        .count();
    Ok(Count::new(i64::try_from(n).unwrap_or(i64::MAX)))
}

/// Issue 17: the requests for support received in the period and the consultations asked.
#[derive(Debug, Clone)]
pub struct RequestFigures {
    pub total: Count,
    /// In the order of [`WAYS_IN`].
    pub by_way_in: Vec<(WayIn, Count)>,
    /// In the order of [`DECISIONS`], then the undecided (`None`).
    pub by_decision: Vec<(Option<Decision>, Count)>,
    /// Decided by their due time, out of those decided by the end of the period.
    pub decided_in_time: Share,
    pub consultations: Count,
    /// Turned into a referral, out of the consultations asked.
    pub consultations_referred: Share,
}

pub const WAYS_IN: [WayIn; 4] = [WayIn::App, WayIn::Anonymous, WayIn::Referral, WayIn::Urgent];
pub const DECISIONS: [Decision; 4] = [
    Decision::Advice,
    Decision::EarlyHelp,
    Decision::Section17,
    Decision::Section47,
];

/// Cells of a table with a total, suppressed: a single suppressed cell beside a shown total
/// takes the next smallest with it.
fn table(counts: &[i64]) -> (Vec<Count>, Count) {
    let total = Count::new(counts.iter().sum());
    let mut cells: Vec<Count> = counts.iter().copied().map(Count::new).collect();
    if !total.suppressed
        && cells.iter().filter(|c| c.suppressed).count() == 1
        && let Some(next) = (0..cells.len())
            .filter(|i| !cells[*i].suppressed)
            .min_by_key(|i| (counts[*i], *i))
    {
        cells[next].suppressed = true;
    }
    (cells, total)
}

/// Issue 17: "requests for support" from the requests themselves (see the module's
/// definitions).
pub async fn requests_for_support(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> AppResult<RequestFigures> {
    let mut select = support_request::Entity::find()
        .filter(support_request::Column::ReceivedAt.gte(scope.start()))
        .filter(support_request::Column::ReceivedAt.lt(scope.end()));
    if let Some(area) = &scope.local_area {
        select = select.filter(support_request::Column::LocalArea.eq(area.as_str()));
    }
    let requests = select.all(db).await?;
    let end = scope.end();
    let decided = |r: &support_request::Model| {
        r.decision
            .filter(|_| r.decided_at.is_some_and(|at| at < end))
    };
    let way_in: Vec<i64> = WAYS_IN
        .iter()
        .map(|w| requests.iter().filter(|r| r.way_in == *w).count() as i64)
        .collect();
    let mut by_decision: Vec<i64> = DECISIONS
        .iter()
        .map(|d| requests.iter().filter(|r| decided(r) == Some(*d)).count() as i64)
        .collect();
    by_decision.push(requests.iter().filter(|r| decided(r).is_none()).count() as i64);
    let (way_in_cells, total) = table(&way_in);
    let (decision_cells, _) = table(&by_decision);
    let in_time: Vec<bool> = requests
        .iter()
        .filter(|r| decided(r).is_some())
        .filter_map(super::support_requests::decided_in_time)
        .collect();

    let mut select = consultation::Entity::find()
        .filter(consultation::Column::AskedAt.gte(scope.start()))
        .filter(consultation::Column::AskedAt.lt(end));
    if scope.local_area.is_some() {
        select = select.filter(consultation::Column::FamilyId.in_subquery(scope.families()));
    }
    let consultations = select.all(db).await?;
    let referral_ids: Vec<uuid::Uuid> =
        consultations.iter().filter_map(|c| c.referral_id).collect();
    let referred_in_period = support_request::Entity::find()
        .filter(support_request::Column::Id.is_in(referral_ids))
        .filter(support_request::Column::ReceivedAt.lt(end))
        .all(db)
        .await?
        .len();
    Ok(RequestFigures {
        total,
        by_way_in: WAYS_IN.into_iter().zip(way_in_cells).collect(),
        by_decision: DECISIONS
            .into_iter()
            .map(Some)
            .chain([None])
            .zip(decision_cells)
            .collect(),
        decided_in_time: Share::new(
            in_time.iter().filter(|t| **t).count() as i64,
            in_time.len() as i64,
        ),
        consultations: Count::new(consultations.len() as i64),
        consultations_referred: Share::new(referred_in_period as i64, consultations.len() as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_and_what_would_give_them_away_are_suppressed() {
        assert_eq!(Count::new(4).display(), "<5");
        assert_eq!(Count::new(0).display(), "<5");
        assert_eq!(Count::new(5).display(), "5");
        let share = Share::new(6, 10);
        assert_eq!(
            (share.count.shown(), share.base.shown(), share.percent),
            (None, Some(10), None)
        );
        let share = Share::new(6, 12);
        assert_eq!(share.percent, Some(50.0));
        let share = Share::new(3, 20);
        assert_eq!((share.count.shown(), share.percent), (None, None));
    }

    #[test]
    fn one_suppressed_cell_beside_a_total_takes_the_next_smallest_with_it() {
        let scope = Scope {
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
            local_area: None,
        };
        let at = scope.start();
        let family = |level: i16| family::Model {
            id: Uuid::now_v7(),
            reference: Uuid::now_v7().to_string(),
            local_area: "North".into(),
            need_level: level,
            created_at: at,
        };
        let families: Vec<_> = [(1, 5), (2, 9), (3, 2), (4, 6)]
            .into_iter()
            .flat_map(|(level, n)| (0..n).map(move |_| level))
            .map(family)
            .collect();
        let plans: Vec<_> = families
            .iter()
            .map(|f| plan::Model {
                id: Uuid::now_v7(),
                family_id: f.id,
                status: plan::PlanStatus::Active,
                version: 1,
                review_date: None,
                lead_professional_id: None,
                created_at: at,
                created_by_member_id: None,
                created_by_practitioner_id: None,
                activated_at: None,
                closed_at: None,
                closing_summary: None,
                updated_at: at,
            })
            .collect();
        let (cells, total) = open_plans(&scope, &families, &plans, &[]);
        assert_eq!(total.shown(), Some(22));
        let shown: Vec<Option<i64>> = cells.iter().map(Count::shown).collect();
        assert_eq!(shown, [None, Some(9), None, Some(6)]);
    }
}
