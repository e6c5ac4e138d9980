//! `GET /reports/evaluation.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&localArea=…`: the evaluation
//! report as CSV for a spreadsheet, with the same bearer-token sign-in and the same policy
//! decision as `Query.evaluationReport`. Suppressed counts read "<5".
use crate::access::{self, Action};
use crate::app::{AppState, authenticate, http_error};
use crate::config::NeedLevelLabels;
use crate::domain::reports::{self, Count, Report, Share};
use crate::error::AppError;
use crate::graphql::scalars::Date;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use entities::support_request::{Decision, WayIn};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    from: Option<String>,
    to: Option<String>,
    local_area: Option<String>,
}

pub async fn evaluation_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    let viewer = match authenticate(&state, &headers).await {
        Ok((viewer, _)) => viewer,
        Err(err) => return refusal(err),
    };
    let now = state.services.clock.now();
    let known = access::FactsCache::default();
    if let Err(err) = access::grant_read(
        &state.services.db,
        &viewer,
        Action::ReadEvaluationReports,
        now,
        state.services.settings.ages(),
        &known,
    )
    .await
    {
        return refusal(err);
    }
    let (Some(from), Some(to)) = (date(params.from), date(params.to)) else {
        return refusal(AppError::BadUserInput(
            "Please give the period as from=YYYY-MM-DD&to=YYYY-MM-DD.".into(),
        ));
    };
    let scope = match crate::graphql::report::scope(from, to, params.local_area) {
        Ok(scope) => scope,
        Err(err) => return refusal(err),
    };
    let report = match reports::evaluation(&state.services.db, &scope).await {
        Ok(report) => report,
        Err(err) => return refusal(err),
    };
    let mut body = csv(&report, &state.services.settings.need_level_labels);
    // Issue 14: its own figure, read beside the report.
    match reports::feeling_unsafe_alerts(&state.services.db, &scope).await {
        Ok(alerts) => row(
            &mut body,
            ["feeling_unsafe_alerts", "", &alerts.display(), "", ""],
        ),
        Err(err) => return refusal(err),
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"evaluation.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}

fn date(value: Option<String>) -> Option<Date> {
    NaiveDate::parse_from_str(value?.trim(), "%Y-%m-%d")
        .ok()
        .map(Date)
}

fn refusal(err: AppError) -> Response {
    let status = match err {
        AppError::Unauthenticated | AppError::SessionExpired => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::ConsentRequired => StatusCode::FORBIDDEN,
        AppError::BadUserInput(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    http_error(status, err.code(), &err.to_string())
}

/// One row per figure: `measure,breakdown,value,base,percent`.
pub fn csv(report: &Report, labels: &NeedLevelLabels) -> String {
    let mut out = String::from("measure,breakdown,value,base,percent\r\n");
    requests(&mut out, report);
    let mut count = |measure: &str, breakdown: &str, c: Count| {
        row(&mut out, [measure, breakdown, &c.display(), "", ""]);
    };
    count(
        "families_got_early_help",
        "",
        report.families_got_early_help,
    );
    for (i, c) in report.open_plans_by_need_level.iter().enumerate() {
        let level = i as i16 + 1;
        count(
            "open_plans_at_period_end",
            &format!("level {level}: {}", labels.label(level)),
            *c,
        );
    }
    count("open_plans_at_period_end", "total", report.open_plans_total);
    let median = report
        .median_days_to_lead_professional
        .map_or(String::new(), |d| format!("{d:.1}"));
    row(
        &mut out,
        [
            "median_days_plan_start_to_lead_professional",
            "",
            &median,
            &report.plans_activated.display(),
            "",
        ],
    );
    for area in &report.outcome_areas {
        row(
            &mut out,
            [
                "outcomes_chosen",
                &area.label,
                &area.chosen.display(),
                "",
                "",
            ],
        );
        share(&mut out, "outcomes_achieved", &area.label, area.achieved);
    }
    for q in &report.questions {
        share(
            &mut out,
            "feedback_4_or_5_family_adults",
            &q.text,
            q.families,
        );
        share(
            &mut out,
            "feedback_4_or_5_young_people",
            &q.text,
            q.young_people,
        );
    }
    share(
        &mut out,
        "follow_up_response_rate",
        "",
        report.follow_up_responses,
    );
    share(
        &mut out,
        "follow_up_stayed_better",
        "",
        report.follow_up_stayed_better,
    );
    share(
        &mut out,
        "stepped_up_within_six_months_of_closing",
        "",
        report.stepped_up,
    );
    out
}

/// Issue 17: the requests for support and the consultation line.
fn requests(out: &mut String, report: &Report) {
    let r = &report.requests;
    let count = |out: &mut String, measure: &str, breakdown: &str, c: Count| {
        row(out, [measure, breakdown, &c.display(), "", ""]);
    };
    count(out, "requests_for_support", "", r.total);
    for (way_in, c) in &r.by_way_in {
        count(
            out,
            "requests_for_support_by_way_in",
            way_in_label(*way_in),
            *c,
        );
    }
    for (decision, c) in &r.by_decision {
        count(
            out,
            "requests_for_support_by_decision",
            decision.map_or("undecided", decision_label),
            *c,
        );
    }
    share(out, "requests_decided_within_clock", "", r.decided_in_time);
    count(out, "consultations_asked", "", r.consultations);
    share(
        out,
        "consultations_became_referral",
        "",
        r.consultations_referred,
    );
}

fn way_in_label(way_in: WayIn) -> &'static str {
    match way_in {
        WayIn::App => "app",
        WayIn::Anonymous => "anonymous",
        WayIn::Referral => "referral",
        WayIn::Urgent => "urgent",
    }
}

fn decision_label(decision: Decision) -> &'static str {
    match decision {
        Decision::Advice => "advice",
        Decision::EarlyHelp => "early help",
        Decision::Section17 => "child and family assessment (s17)",
        Decision::Section47 => "child protection enquiry (s47)",
    }
}

fn share(out: &mut String, measure: &str, breakdown: &str, s: Share) {
    let percent = s.percent.map_or(String::new(), |p| format!("{p:.1}"));
    row(
        out,
        [
            measure,
            breakdown,
            &s.count.display(),
            &s.base.display(),
            &percent,
        ],
    );
}

fn row<const N: usize>(out: &mut String, cells: [&str; N]) {
    let cells: Vec<String> = cells.iter().map(|c| field(c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// Quotes a field when needed, and keeps a spreadsheet from reading text as a formula.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
    }
}
