//! Evaluation reports as GraphQL types: figures only, no names, small counts suppressed.
//! The same figures as CSV are served by `reports_csv`.
use super::family::NeedLevel;
use super::scalars::Date;
use super::support_request::{SupportDecision, WayIn};
use super::{authorize, services};
use crate::access::Action;
use crate::domain::reports::{self, Count, Report, Scope, Share};
use crate::error::{AppError, GqlResult};
use async_graphql::{Context, Object, SimpleObject};

/// A count as published: empty and `suppressed` when below 5 (zero included).
#[derive(SimpleObject, Clone)]
pub struct ReportCount {
    pub value: Option<i32>,
    pub suppressed: bool,
    /// The number, or "<5".
    pub display: String,
}

impl From<Count> for ReportCount {
    fn from(c: Count) -> Self {
        Self {
            value: c.shown().map(|v| i32::try_from(v).unwrap_or(i32::MAX)),
            suppressed: c.suppressed,
            display: c.display(),
        }
    }
}

/// A count out of a base. The count is also withheld when the rest of the base is below 5
/// (it would give that small number away); the percentage only when count and base are shown.
#[derive(SimpleObject, Clone)]
pub struct ReportShare {
    pub count: ReportCount,
    pub base: ReportCount,
    /// 0–100, one decimal.
    pub percent: Option<f64>,
}

impl From<Share> for ReportShare {
    fn from(s: Share) -> Self {
        Self {
            count: s.count.into(),
            base: s.base.into(),
            percent: s.percent,
        }
    }
}

#[derive(SimpleObject)]
pub struct OpenPlansAtLevel {
    pub need_level: NeedLevel,
    pub plans: ReportCount,
}

#[derive(SimpleObject)]
pub struct OutcomeAreaFigures {
    pub code: String,
    pub label: String,
    /// Outcomes written in the period that the family chose (chosen, achieved or not achieved).
    pub chosen: ReportCount,
    /// Of those, achieved.
    pub achieved: ReportShare,
}

#[derive(SimpleObject)]
pub struct QuestionAgreement {
    pub code: String,
    pub text: String,
    /// Answers 4 or 5 from family adults, out of their answers in the period.
    pub families: ReportShare,
    /// Answers 4 or 5 from young people, out of their answers in the period.
    pub young_people: ReportShare,
}

/// Requests for support that came one way in.
#[derive(SimpleObject)]
pub struct RequestsByWayIn {
    pub way_in: WayIn,
    pub requests: ReportCount,
}

/// Requests for support by the hub's decision by the end of the period.
#[derive(SimpleObject)]
pub struct RequestsByDecision {
    /// Empty for the requests not decided by the end of the period.
    pub decision: Option<SupportDecision>,
    pub requests: ReportCount,
}

/// Figures for a period and a local area. Counts below 5 are suppressed; where a table has a
/// total, one suppressed cell takes the next smallest with it so it cannot be worked out.
pub struct EvaluationReport {
    scope: Scope,
    report: Report,
}

#[Object]
impl EvaluationReport {
    async fn from(&self) -> Date {
        Date(self.scope.from)
    }

    async fn to(&self) -> Date {
        Date(self.scope.to)
    }

    /// Empty for the whole partnership.
    async fn local_area(&self) -> Option<&str> {
        self.scope.local_area.as_deref()
    }

    /// Requests for support received in the period, every way in (the app, the public front
    /// door, professionals' referrals, urgent alerts). For a local area: the requests about a
    /// family of the area (known when asked, or linked by the hub's decision); requests linked
    /// to no family count only in the whole partnership's figures.
    async fn requests_for_support(&self) -> ReportCount {
        self.report.requests.total.into()
    }

    /// The requests above by the way they came in (`APP`, `ANONYMOUS`, `REFERRAL`, `URGENT`);
    /// the cells add up to `requestsForSupport`, so one small cell takes the next smallest
    /// with it.
    async fn requests_for_support_by_way_in(&self) -> Vec<RequestsByWayIn> {
        self.report
            .requests
            .by_way_in
            .iter()
            .map(|(way_in, count)| RequestsByWayIn {
                way_in: (*way_in).into(),
                requests: (*count).into(),
            })
            .collect()
    }

    /// The requests above by the hub's decision by the end of the period: advice, early help,
    /// child and family assessment (s17), child protection enquiry (s47), then undecided
    /// (`decision` empty). Suppressed as a table with a total.
    async fn requests_for_support_by_decision(&self) -> Vec<RequestsByDecision> {
        self.report
            .requests
            .by_decision
            .iter()
            .map(|(decision, count)| RequestsByDecision {
                decision: decision.map(Into::into),
                requests: (*count).into(),
            })
            .collect()
    }

    /// Of the requests above decided by the end of the period, those decided by their due
    /// time: 24 hours from receipt, or 2 hours where a child may be at risk of significant
    /// harm (the service's settings).
    async fn requests_decided_within_clock(&self) -> ReportShare {
        self.report.requests.decided_in_time.into()
    }

    /// Questions to the hub's consultation line asked in the period. For a local area: those
    /// naming a family of the area (unnamed ones count only in the partnership's figures).
    async fn consultations_asked(&self) -> ReportCount {
        self.report.requests.consultations.into()
    }

    /// Of the consultations above, those turned into a referral by the end of the period.
    async fn consultations_became_referral(&self) -> ReportShare {
        self.report.requests.consultations_referred.into()
    }

    /// Families who got early help: families with a plan started in the period.
    async fn families_got_early_help(&self) -> ReportCount {
        self.report.families_got_early_help.into()
    }

    /// Plans open at the end of the period, by the family's need level at that time.
    async fn open_plans_by_need_level(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<OpenPlansAtLevel>> {
        let mut rows = vec![];
        for (i, count) in self.report.open_plans_by_need_level.iter().enumerate() {
            rows.push(OpenPlansAtLevel {
                need_level: NeedLevel::new(ctx, i as i16 + 1)?,
                plans: (*count).into(),
            });
        }
        Ok(rows)
    }

    async fn open_plans_total(&self) -> ReportCount {
        self.report.open_plans_total.into()
    }

    /// Plans that gained an accepted lead professional (and so became active) in the period.
    async fn plans_with_lead_professional_accepted(&self) -> ReportCount {
        self.report.plans_activated.into()
    }

    /// Median days from a plan's start to an accepted lead professional, over the plans
    /// above; empty when fewer than 5.
    async fn median_days_to_lead_professional(&self) -> Option<f64> {
        self.report.median_days_to_lead_professional
    }

    async fn outcome_areas(&self) -> Vec<OutcomeAreaFigures> {
        self.report
            .outcome_areas
            .iter()
            .map(|a| OutcomeAreaFigures {
                code: a.code.clone(),
                label: a.label.clone(),
                chosen: a.chosen.into(),
                achieved: a.achieved.into(),
            })
            .collect()
    }

    /// Per question of the feedback questionnaire. Each answer counts once.
    async fn feedback(&self) -> Vec<QuestionAgreement> {
        self.report
            .questions
            .iter()
            .map(|q| QuestionAgreement {
                code: q.code.clone(),
                text: q.text.clone(),
                families: q.families.into(),
                young_people: q.young_people.into(),
            })
            .collect()
    }

    /// Follow-ups invited in the period: answered out of invited (the response rate).
    async fn follow_up_responses(&self) -> ReportShare {
        self.report.follow_up_responses.into()
    }

    /// Of those answering, the ones saying things have stayed better (4 or 5).
    async fn follow_up_stayed_better(&self) -> ReportShare {
        self.report.follow_up_stayed_better.into()
    }

    /// Families whose plan closed in the period and who were stepped up to statutory services
    /// (need level 3 or 4) within six months of the closing, out of those families.
    async fn stepped_up_after_closing(&self) -> ReportShare {
        self.report.stepped_up.into()
    }

    /// Issue 14: "I don't feel safe" alerts received in the period from members of the
    /// area's families (each press of the button, a retry with its idempotency key aside).
    /// Counts only.
    async fn feeling_unsafe_alerts(&self, ctx: &Context<'_>) -> GqlResult<ReportCount> {
        let db = &services(ctx)?.db;
        Ok(reports::feeling_unsafe_alerts(db, &self.scope)
            .await?
            .into())
    }
}

/// Checks the period asked for.
pub fn scope(from: Date, to: Date, local_area: Option<String>) -> Result<Scope, AppError> {
    if to.0 < from.0 {
        return Err(AppError::BadUserInput(
            "The end of the period must not be before its start.".into(),
        ));
    }
    if (to.0 - from.0).num_days() > 3660 {
        return Err(AppError::BadUserInput(
            "Please ask for a period of at most ten years.".into(),
        ));
    }
    let local_area = local_area
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    Ok(Scope {
        from: from.0,
        to: to.0,
        local_area,
    })
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// The evaluation report for a period (dates inclusive) and a local area, or the whole
    /// partnership when no area is given. Locality managers. Also as CSV at
    /// `GET /reports/evaluation.csv?from=…&to=…&localArea=…`.
    async fn evaluation_report(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        local_area: Option<String>,
    ) -> GqlResult<EvaluationReport> {
        authorize(ctx, Action::ReadEvaluationReports).await?;
        let scope = scope(from, to, local_area)?;
        let report = reports::evaluation(&services(ctx)?.db, &scope).await?;
        Ok(EvaluationReport { scope, report })
    }
}
