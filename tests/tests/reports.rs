//! Evaluation reports over HTTP (issue 7): figures for a seeded data set match figures
//! computed here independently from the seed; counts below 5 are suppressed (and a cell
//! that could be worked out from a total is suppressed with them); the CSV says the same,
//! for locality managers only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::feedback::{FeedbackSubject, GiverSide};
use entities::follow_up::FollowUpStatus;
use entities::outcome::OutcomeStatus;
use entities::plan::PlanStatus;
use entities::{
    family, family_member, feedback, feedback_answer, follow_up, need_level_change, outcome, plan,
};
use family_plan_tests::{Backend, TestApp, db_tests, demo, error_code, run_with};
use migration::m20261123_400000_voice_evaluation::{EXPERIENCE_V1, FOLLOW_UP_V1};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{Value, json};
use uuid::Uuid;

db_tests!(report_figures_match_the_seeded_data_and_small_counts_are_suppressed);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_requests_for_support_are_counted_by_way_in_decision_and_clock() {
    run_with(
        Backend::Sqlite,
        many_callers,
        requests_for_support_are_counted_by_way_in_decision_and_clock,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_requests_for_support_are_counted_by_way_in_decision_and_clock() {
    run_with(
        Backend::Postgres,
        many_callers,
        requests_for_support_are_counted_by_way_in_decision_and_clock,
    )
    .await;
}

const AREA: &str = "Elm Vale";
const OTHER_AREA: &str = "Oak Vale";
const REPORT: &str = r#"query($from: Date!, $to: Date!, $area: String) {
  evaluationReport(from: $from, to: $to, localArea: $area) {
    requestsForSupport { value suppressed display }
    familiesGotEarlyHelp { value }
    openPlansByNeedLevel { needLevel { level } plans { value suppressed display } }
    openPlansTotal { value }
    plansWithLeadProfessionalAccepted { value }
    medianDaysToLeadProfessional
    outcomeAreas { code chosen { value display } achieved { count { value display } base { value } percent } }
    feedback { code families { count { value display } base { value display } percent } youngPeople { count { display } base { display } percent } }
    followUpResponses { count { value display } base { value } percent }
    followUpStayedBetter { count { value display } base { value } percent }
    steppedUpAfterClosing { count { value display } base { value } percent }
  }
}"#;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc()
}

/// One family of the seed, with its plan.
#[derive(Clone)]
struct FamilySpec {
    area: &'static str,
    created: DateTime<Utc>,
    level: i16,
    plan_created: Option<DateTime<Utc>>,
    activated: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    /// Need-level changes: (to level, when).
    changes: Vec<(i16, DateTime<Utc>)>,
}

struct Seed {
    families: Vec<FamilySpec>,
    /// (area code, status) of outcomes written in the period, all in Elm Vale.
    outcomes: Vec<(&'static str, OutcomeStatus)>,
    /// (side, listened_to score, when) of feedback in Elm Vale.
    listened_to: Vec<(GiverSide, i16, DateTime<Utc>)>,
    /// Follow-ups of closed plans: (invited, answered with a "stayed better" score).
    follow_ups: Vec<(DateTime<Utc>, Option<i16>)>,
}

fn seed_spec() -> Seed {
    let mut families = vec![];
    // 20 open plans started in 2025: levels 6×1, 7×2, 5×3, 2×4; 7 activated after these days.
    let levels = [(1, 6), (2, 7), (3, 5), (4, 2)];
    let days = [3, 5, 8, 10, 12, 20, 30];
    for (i, level) in levels
        .iter()
        .flat_map(|(level, n)| std::iter::repeat_n(*level, *n))
        .enumerate()
    {
        let plan_created = at(2025, 2, 10);
        families.push(FamilySpec {
            area: AREA,
            created: at(2025, 2, 1),
            level,
            plan_created: Some(plan_created),
            activated: days.get(i).map(|d| plan_created + Duration::days(*d)),
            closed: None,
            changes: vec![],
        });
    }
    // 6 plans from 2024 closed in March 2025; two families stepped up within six months, one
    // more only after eight months (not counted).
    for i in 0..6 {
        let changes = match i {
            0 | 1 => vec![(3, at(2025, 5, 1))],
            2 => vec![(4, at(2025, 11, 1))],
            _ => vec![],
        };
        families.push(FamilySpec {
            area: AREA,
            created: at(2024, 6, 1),
            level: 2,
            plan_created: Some(at(2024, 7, 1)),
            activated: Some(at(2024, 7, 5)),
            closed: Some(at(2025, 3, 1)),
            changes,
        });
    }
    // Records opened before the period, with no plan.
    for _ in 0..3 {
        families.push(FamilySpec {
            area: AREA,
            created: at(2024, 1, 1),
            level: 1,
            plan_created: None,
            activated: None,
            closed: None,
            changes: vec![],
        });
    }
    // Another area: only in the partnership's figures.
    for _ in 0..4 {
        families.push(FamilySpec {
            area: OTHER_AREA,
            created: at(2025, 3, 1),
            level: 2,
            plan_created: Some(at(2025, 3, 2)),
            activated: None,
            closed: None,
            changes: vec![],
        });
    }
    let mut outcomes = vec![];
    outcomes.extend(std::iter::repeat_n(("school", OutcomeStatus::Achieved), 6));
    outcomes.extend(std::iter::repeat_n(("school", OutcomeStatus::Chosen), 6));
    outcomes.extend(std::iter::repeat_n(("home", OutcomeStatus::Achieved), 5));
    outcomes.extend(std::iter::repeat_n(("home", OutcomeStatus::Chosen), 2));
    outcomes.push(("home", OutcomeStatus::NotAchieved));
    outcomes.extend(std::iter::repeat_n(("home", OutcomeStatus::Proposed), 2));
    outcomes.extend(std::iter::repeat_n(("health", OutcomeStatus::Chosen), 3));
    let in_period = at(2025, 4, 1);
    let mut listened_to: Vec<(GiverSide, i16, DateTime<Utc>)> = [5, 5, 4, 4, 4, 5, 3, 2, 1, 2, 1]
        .into_iter()
        .map(|s| (GiverSide::FamilyAdult, s, in_period))
        .collect();
    listened_to.extend([5, 4, 2].map(|s| (GiverSide::YoungPerson, s, in_period)));
    listened_to.push((GiverSide::Practitioner, 5, in_period));
    listened_to.push((GiverSide::FamilyAdult, 5, at(2024, 12, 31)));
    let mut follow_ups = vec![];
    for score in [5, 4, 4, 2, 1, 5, 3] {
        follow_ups.push((at(2025, 9, 1), Some(score)));
    }
    for _ in 0..5 {
        follow_ups.push((at(2025, 9, 1), None));
    }
    Seed {
        families,
        outcomes,
        listened_to,
        follow_ups,
    }
}

/// Writes the seed with plain inserts (the report itself is read over HTTP).
async fn insert(db: &impl ConnectionTrait, seed: &Seed) {
    let mut elm_plans = vec![];
    let mut closed = vec![];
    for (i, f) in seed.families.iter().enumerate() {
        let family_id = Uuid::now_v7();
        family::ActiveModel {
            id: Set(family_id),
            reference: Set(format!("EH-SEED-{i:03}")),
            local_area: Set(f.area.to_owned()),
            need_level: Set(f.level),
            created_at: Set(f.created),
        }
        .insert(db)
        .await
        .unwrap();
        for (to, when) in &f.changes {
            need_level_change::ActiveModel {
                id: Set(Uuid::now_v7()),
                family_id: Set(family_id),
                from_level: Set(Some(f.level)),
                to_level: Set(*to),
                reason: Set("Seeded".into()),
                decided_by: Set(None),
                decided_at: Set(*when),
            }
            .insert(db)
            .await
            .unwrap();
        }
        let Some(created) = f.plan_created else {
            continue;
        };
        let status = match (f.closed, f.activated) {
            (Some(_), _) => PlanStatus::Closed,
            (None, Some(_)) => PlanStatus::Active,
            (None, None) => PlanStatus::Draft,
        };
        let plan_id = Uuid::now_v7();
        plan::ActiveModel {
            id: Set(plan_id),
            family_id: Set(family_id),
            status: Set(status),
            version: Set(1),
            review_date: Set(None),
            lead_professional_id: Set(None),
            created_at: Set(created),
            created_by_member_id: Set(None),
            created_by_practitioner_id: Set(None),
            activated_at: Set(f.activated),
            closed_at: Set(f.closed),
            closing_summary: Set(f.closed.map(|_| "Seeded".to_owned())),
            updated_at: Set(created),
        }
        .insert(db)
        .await
        .unwrap();
        if f.area == AREA {
            elm_plans.push((family_id, plan_id));
            if f.closed.is_some() {
                closed.push((family_id, plan_id));
            }
        }
    }
    for (i, (code, status)) in seed.outcomes.iter().enumerate() {
        let (family_id, plan_id) = elm_plans[i % elm_plans.len()];
        outcome::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id),
            family_id: Set(family_id),
            position: Set(1),
            words: Set("Seeded".into()),
            area_code: Set((*code).to_owned()),
            area_label: Set(code.to_uppercase()),
            framework_version: Set("seed".into()),
            target_date: Set(None),
            status: Set(*status),
            proposed_by_member_id: Set(None),
            proposed_by_practitioner_id: Set(None),
            decline_reason: Set(None),
            created_at: Set(at(2025, 3, 1)),
            updated_at: Set(at(2025, 3, 1)),
            private: Set(false),
        }
        .insert(db)
        .await
        .unwrap();
    }
    for (side, score, when) in &seed.listened_to {
        let (family_id, _) = elm_plans[0];
        let id = feedback_row(db, family_id, EXPERIENCE_V1, *side, None, *when).await;
        answer(db, id, "listened_to", *score).await;
    }
    for (i, (invited, stayed)) in seed.follow_ups.iter().enumerate() {
        let (family_id, plan_id) = closed[i % closed.len()];
        let member_id = Uuid::now_v7();
        family_member::ActiveModel {
            id: Set(member_id),
            family_id: Set(family_id),
            account_id: Set(None),
            name: Set(format!("Seeded person {i}")),
            date_of_birth: Set(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()),
            relation: Set(family_member::MemberRelation::AdultWithParentalResponsibility),
            competent_to_consent: Set(false),
            created_at: Set(at(2024, 6, 1)),
        }
        .insert(db)
        .await
        .unwrap();
        let follow_up_id = Uuid::now_v7();
        follow_up::ActiveModel {
            id: Set(follow_up_id),
            family_id: Set(family_id),
            plan_id: Set(plan_id),
            member_id: Set(member_id),
            plan_closed_at: Set(at(2025, 3, 1)),
            status: Set(if stayed.is_some() {
                FollowUpStatus::Answered
            } else {
                FollowUpStatus::Expired
            }),
            invited_at: Set(Some(*invited)),
            reminded_at: Set(None),
            answered_at: Set(stayed.map(|_| *invited + Duration::days(3))),
            expired_at: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
        if let Some(score) = stayed {
            let id = feedback_row(
                db,
                family_id,
                FOLLOW_UP_V1,
                GiverSide::FamilyAdult,
                Some(follow_up_id),
                *invited + Duration::days(3),
            )
            .await;
            answer(db, id, "stayed_better", *score).await;
        }
    }
}

async fn feedback_row(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    questionnaire: Uuid,
    side: GiverSide,
    follow_up: Option<Uuid>,
    when: DateTime<Utc>,
) -> Uuid {
    let id = Uuid::now_v7();
    feedback::ActiveModel {
        id: Set(id),
        family_id: Set(family_id),
        questionnaire_id: Set(questionnaire),
        subject: Set(FeedbackSubject::Service),
        subject_id: Set(None),
        giver_side: Set(side),
        giver_member_id: Set(None),
        giver_practitioner_id: Set(None),
        anonymous: Set(true),
        private: Set(false),
        free_text: Set(None),
        follow_up_id: Set(follow_up),
        created_at: Set(when),
    }
    .insert(db)
    .await
    .unwrap();
    id
}

async fn answer(db: &impl ConnectionTrait, feedback_id: Uuid, code: &str, score: i16) {
    feedback_answer::ActiveModel {
        feedback_id: Set(feedback_id),
        question_code: Set(code.to_owned()),
        score: Set(score),
    }
    .insert(db)
    .await
    .unwrap();
}

// ---- the same figures, computed here from the seed ----

fn in_2025(when: DateTime<Utc>) -> bool {
    when >= at(2025, 1, 1) - Duration::hours(10) && when < at(2026, 1, 1) - Duration::hours(10)
}

/// A count as the report must publish it.
fn count(n: usize) -> Value {
    if n < 5 { Value::Null } else { json!(n) }
}

/// (count, base, percent) as the report must publish a share.
fn share(n: usize, base: usize) -> (Value, Value, Value) {
    let shown_count = n >= 5 && base - n >= 5;
    let percent = if shown_count && base >= 5 {
        json!((n as f64 * 1000.0 / base as f64).round() / 10.0)
    } else {
        Value::Null
    };
    (
        if shown_count { json!(n) } else { Value::Null },
        count(base),
        percent,
    )
}

fn published(share_json: &Value) -> (Value, Value, Value) {
    (
        share_json["count"]["value"].clone(),
        share_json["base"]["value"].clone(),
        share_json["percent"].clone(),
    )
}

async fn report_figures_match_the_seeded_data_and_small_counts_are_suppressed(app: TestApp) {
    app.load_demo().await;
    let seed = seed_spec();
    insert(&app.db, &seed).await;
    let manager = app.token_for(demo::MANAGER).await;
    let vars = json!({ "from": "2025-01-01", "to": "2025-12-31", "area": AREA });
    let body = app.gql(Some(&manager), REPORT, vars.clone()).await;
    let r = &body["data"]["evaluationReport"];
    assert!(body["errors"].is_null(), "{body}");

    let elm: Vec<&FamilySpec> = seed.families.iter().filter(|f| f.area == AREA).collect();
    // Family records are not requests for support: none was received in 2025.
    assert_eq!(r["requestsForSupport"]["value"], Value::Null);
    assert_eq!(r["requestsForSupport"]["display"], "<5");
    let helped = elm
        .iter()
        .filter(|f| f.plan_created.is_some_and(in_2025))
        .count();
    assert_eq!(r["familiesGotEarlyHelp"]["value"], count(helped));

    // Open at the end of 2025, by level: 6, 7, 5, 2. The 2 is suppressed, and the 5 with it:
    // otherwise 20 − 6 − 7 − 5 would give the 2 away.
    let open: Vec<&&FamilySpec> = elm
        .iter()
        .filter(|f| f.plan_created.is_some() && f.closed.is_none())
        .collect();
    let by_level: Vec<usize> = (1..=4)
        .map(|l| open.iter().filter(|f| f.level == l).count())
        .collect();
    assert_eq!(by_level, [6, 7, 5, 2]);
    let published_levels: Vec<Value> = r["openPlansByNeedLevel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["plans"]["value"].clone())
        .collect();
    assert_eq!(
        published_levels,
        [json!(6), json!(7), Value::Null, Value::Null],
        "{r}"
    );
    assert_eq!(r["openPlansByNeedLevel"][3]["plans"]["display"], "<5");
    assert_eq!(r["openPlansByNeedLevel"][2]["plans"]["suppressed"], true);
    assert_eq!(r["openPlansTotal"]["value"], json!(open.len()));

    // Median days from start to an accepted lead professional, over plans activated in 2025.
    let mut days: Vec<i64> = elm
        .iter()
        .filter_map(|f| Some((f.activated.filter(|a| in_2025(*a))? - f.plan_created?).num_days()))
        .collect();
    days.sort();
    assert_eq!(
        r["plansWithLeadProfessionalAccepted"]["value"],
        count(days.len())
    );
    assert_eq!(
        r["medianDaysToLeadProfessional"],
        json!(days[days.len() / 2] as f64)
    );

    // Outcomes by area.
    for area in ["health", "home", "school"] {
        let of_area: Vec<OutcomeStatus> = seed
            .outcomes
            .iter()
            .filter(|(c, _)| *c == area)
            .map(|(_, s)| *s)
            .collect();
        let chosen = of_area
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    OutcomeStatus::Chosen | OutcomeStatus::Achieved | OutcomeStatus::NotAchieved
                )
            })
            .count();
        let achieved = of_area
            .iter()
            .filter(|s| **s == OutcomeStatus::Achieved)
            .count();
        let row = r["outcomeAreas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == area)
            .unwrap_or_else(|| panic!("no {area} in {r}"));
        assert_eq!(row["chosen"]["value"], count(chosen), "{area}");
        assert_eq!(
            published(&row["achieved"]),
            share(achieved, chosen),
            "{area}"
        );
    }
    let school = r["outcomeAreas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "school")
        .unwrap();
    assert_eq!(
        school["achieved"]["percent"],
        json!(50.0),
        "a share shown in full"
    );

    // "I felt listened to": family adults and young people, 4–5 out of answers in 2025.
    let listened = |side: GiverSide| {
        let scores: Vec<i16> = seed
            .listened_to
            .iter()
            .filter(|(s, _, when)| *s == side && in_2025(*when))
            .map(|(_, score, _)| *score)
            .collect();
        share(scores.iter().filter(|s| **s >= 4).count(), scores.len())
    };
    let row = &r["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == "listened_to")
        .unwrap();
    assert_eq!(
        published(&row["families"]),
        listened(GiverSide::FamilyAdult)
    );
    assert_eq!(row["families"]["percent"], json!(54.5));
    assert_eq!(row["youngPeople"]["base"]["display"], "<5");
    assert_eq!(row["youngPeople"]["percent"], Value::Null);
    let unanswered = r["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == "better_than_start")
        .unwrap();
    assert_eq!(
        unanswered["families"]["base"]["display"], "<5",
        "zero is suppressed too"
    );

    // Follow-ups invited in 2025: response rate and "things stayed better".
    let invited: Vec<&(DateTime<Utc>, Option<i16>)> = seed
        .follow_ups
        .iter()
        .filter(|(at, _)| in_2025(*at))
        .collect();
    let answered: Vec<i16> = invited.iter().filter_map(|(_, s)| *s).collect();
    assert_eq!(
        published(&r["followUpResponses"]),
        share(answered.len(), invited.len())
    );
    assert_eq!(r["followUpResponses"]["percent"], json!(58.3));
    let better = answered.iter().filter(|s| **s >= 4).count();
    assert_eq!(
        published(&r["followUpStayedBetter"]),
        share(better, answered.len())
    );

    // Stepped up to level 3 or 4 within six months of a 2025 closing.
    let closed: Vec<&&FamilySpec> = elm
        .iter()
        .filter(|f| f.closed.is_some_and(in_2025))
        .collect();
    let stepped = closed
        .iter()
        .filter(|f| {
            let closed_at = f.closed.unwrap();
            f.changes.iter().any(|(to, when)| {
                *to >= 3 && *when > closed_at && *when <= closed_at + Duration::days(183)
            })
        })
        .count();
    assert_eq!(
        published(&r["steppedUpAfterClosing"]),
        share(stepped, closed.len())
    );
    assert_eq!(r["steppedUpAfterClosing"]["count"]["display"], "<5");

    // The partnership: every area together.
    let all = app
        .gql(
            Some(&manager),
            REPORT,
            json!({ "from": "2025-01-01", "to": "2025-12-31" }),
        )
        .await;
    assert!(all["errors"].is_null(), "{all}");
    assert_eq!(
        all["data"]["evaluationReport"]["openPlansTotal"]["value"],
        json!(open.len() + 4),
        "the other area's open plans too"
    );

    // Nobody else reads reports.
    for email in [
        demo::HUB_WORKER,
        demo::SCHOOL_PRACTITIONER,
        demo::ADMIN,
        demo::MORGAN_PARENT,
    ] {
        let token = app.token_for(email).await;
        let body = app.gql(Some(&token), REPORT, vars.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{email}: {body}");
    }

    csv_says_the_same(&app, &manager).await;
}

async fn csv_says_the_same(app: &TestApp, manager: &str) {
    let url = app.url("/reports/evaluation.csv?from=2025-01-01&to=2025-12-31&localArea=Elm%20Vale");
    let response = app
        .client
        .get(&url)
        .bearer_auth(manager)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "measure,breakdown,value,base,percent");
    for expected in [
        "requests_for_support,,<5,,",
        "open_plans_at_period_end,level 1: Universal,6,,",
        "open_plans_at_period_end,level 3: Complex needs (child in need),<5,,",
        "open_plans_at_period_end,level 4: Child protection,<5,,",
        "open_plans_at_period_end,total,20,,",
        "median_days_plan_start_to_lead_professional,,10.0,7,",
        "outcomes_achieved,SCHOOL,6,12,50.0",
        "feedback_4_or_5_family_adults,I felt listened to,6,11,54.5",
        "feedback_4_or_5_young_people,I felt listened to,<5,<5,",
        "follow_up_response_rate,,7,12,58.3",
        "stepped_up_within_six_months_of_closing,,<5,6,",
    ] {
        assert!(lines.contains(&expected), "{expected:?} is not in:\n{csv}");
    }

    // The same sign-in and the same decision as GraphQL.
    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let refused = app
        .client
        .get(&url)
        .bearer_auth(&parent)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let bad = app
        .client
        .get(app.url("/reports/evaluation.csv?from=2025-13-01&to=2025-12-31"))
        .bearer_auth(manager)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

// ---- issue 17: requests for support, made through the API ----

fn many_callers(settings: &mut api::config::Settings) {
    settings.request_support_limit_per_address = 100;
}

const REQUESTS: &str = r#"query($from: Date!, $to: Date!, $area: String) {
  evaluationReport(from: $from, to: $to, localArea: $area) {
    requestsForSupport { value suppressed display }
    requestsForSupportByWayIn { wayIn requests { value suppressed display } }
    requestsForSupportByDecision { decision requests { value suppressed display } }
    requestsDecidedWithinClock { count { value display } base { value display } percent }
    consultationsAsked { value display }
    consultationsBecameReferral { count { value display } base { value display } percent }
  }
}"#;

const NORTH: &str = "Wrenfield North";
const SOUTH: &str = "Wrenfield South";

/// One request as the test made it, and what became of it.
struct Made {
    id: Value,
    way_in: &'static str,
    area: Option<&'static str>,
    in_period: bool,
    /// (decision, within the clock)
    decided: Option<(&'static str, bool)>,
}

/// One consultation: the area of the family it names, and whether it became a referral.
struct Asked {
    area: Option<&'static str>,
    referred: bool,
}

fn payload<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body["errors"].is_null(), "{body}");
    let p = &body["data"][field];
    assert_eq!(p["userErrors"], json!([]), "{body}");
    p
}

/// A table's cells as published: each below 5 hidden, and with one hidden cell beside a
/// shown total, the next smallest too.
fn table_cells(counts: &[usize]) -> Vec<Value> {
    let total: usize = counts.iter().sum();
    let mut hidden: Vec<bool> = counts.iter().map(|c| *c < 5).collect();
    if total >= 5 && hidden.iter().filter(|h| **h).count() == 1 {
        let next = (0..counts.len())
            .filter(|i| !hidden[*i])
            .min_by_key(|i| (counts[*i], *i))
            .unwrap();
        hidden[next] = true;
    }
    counts
        .iter()
        .zip(hidden)
        .map(|(c, h)| if h { Value::Null } else { json!(c) })
        .collect()
}

async fn requests_for_support_are_counted_by_way_in_decision_and_clock(app: TestApp) {
    app.load_demo().await;
    let mut made: Vec<Made> = vec![];
    let mut asked: Vec<Asked> = vec![];
    let token = |email: &'static str| app.token_for(email);
    let hub = token(demo::HUB_WORKER).await;
    let family = |reference: &'static str| {
        let hub = hub.clone();
        let app = &app;
        async move {
            let body = app
                .gql(
                    Some(&hub),
                    "{ families(first: 50) { nodes { id reference } } }",
                    json!({}),
                )
                .await;
            body["data"]["families"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["reference"] == reference)
                .unwrap()["id"]
                .clone()
        }
    };
    let morgans = family("EH-DEMO-001").await;
    let rahmans = family("EH-DEMO-002").await;

    // Before the period: a request from the app and one from the public front door.
    let dana = token(demo::MORGAN_PARENT).await;
    ask(&app, &dana, &mut made, NORTH, false).await;
    anonymous(&app, &mut made, false).await;
    app.clock.advance(Duration::days(2));
    let from = app.clock.now().date_naive();
    let to = from + Duration::days(5);

    // In the period, every way in.
    let dana = token(demo::MORGAN_PARENT).await;
    let jordan = token(demo::MORGAN_YOUNG_PERSON).await;
    let aisha = token(demo::RAHMAN_PARENT).await;
    let sam = token(demo::SCHOOL_PRACTITIONER).await;
    let hub = token(demo::HUB_WORKER).await;
    for _ in 0..3 {
        ask(&app, &dana, &mut made, NORTH, true).await;
    }
    for _ in 0..2 {
        ask(&app, &jordan, &mut made, NORTH, true).await;
        ask(&app, &aisha, &mut made, SOUTH, true).await;
    }
    for _ in 0..5 {
        anonymous(&app, &mut made, true).await;
    }
    for _ in 0..4 {
        let body = app
            .gql(
                Some(&sam),
                "mutation($input: ReferFamilyInput!) { referFamily(input: $input) { referral { id } userErrors { field code message } } }",
                json!({ "input": { "family": morgans, "concerns": "Attendance has fallen again.", "familyConsented": true } }),
            )
            .await;
        made.push(Made {
            id: payload(&body, "referFamily")["referral"]["id"].clone(),
            way_in: "REFERRAL",
            area: Some(NORTH),
            in_period: true,
            decided: None,
        });
    }
    for _ in 0..2 {
        let body = app
            .gql(
                Some(&sam),
                "mutation($input: ReferFamilyInput!) { referFamily(input: $input) { referral { id } userErrors { field code message } } }",
                json!({ "input": { "people": [{ "name": "Mia Stone", "child": true }], "concerns": "Often hungry.", "familyConsented": true } }),
            )
            .await;
        made.push(Made {
            id: payload(&body, "referFamily")["referral"]["id"].clone(),
            way_in: "REFERRAL",
            area: None,
            in_period: true,
            decided: None,
        });
    }
    for _ in 0..2 {
        let body = app
            .gql(
                Some(&sam),
                "mutation($input: RaiseSafeguardingConcernInput!) { raiseSafeguardingConcern(input: $input) { urgentRequest { id } userErrors { field code } } }",
                json!({ "input": { "family": rahmans, "reason": "A burn she would not explain." } }),
            )
            .await;
        made.push(Made {
            id: payload(&body, "raiseSafeguardingConcern")["urgentRequest"]["id"].clone(),
            way_in: "URGENT",
            area: Some(SOUTH),
            in_period: true,
            decided: None,
        });
    }
    // The consultation line: 6 naming the Morgans (with consent), 6 unnamed; 3 of each
    // become referrals.
    for n in 0..12 {
        let named = n < 6;
        let input = if named {
            json!({ "situation": "Attendance and home.", "family": morgans, "familyConsented": true })
        } else {
            json!({ "situation": "A pupil is often tired." })
        };
        let body = app
            .gql(
                Some(&sam),
                "mutation($input: ConsultHubInput!) { consultHub(input: $input) { consultation { id } userErrors { field code } } }",
                json!({ "input": input }),
            )
            .await;
        let id = payload(&body, "consultHub")["consultation"]["id"].clone();
        let body = app
            .gql(
                Some(&hub),
                "mutation($input: AnswerConsultationInput!) { answerConsultation(input: $input) { consultation { id } userErrors { field code } } }",
                json!({ "input": { "consultation": id, "advice": "Please refer.", "adviseReferral": true } }),
            )
            .await;
        payload(&body, "answerConsultation");
        let referred = n % 2 == 0;
        if referred {
            let body = app
                .gql(
                    Some(&sam),
                    "mutation($input: ReferFromConsultationInput!) { referFromConsultation(input: $input) { referral { id } userErrors { field code } } }",
                    json!({ "input": { "consultation": id, "familyConsented": true, "people": if named { json!([]) } else { json!([{ "name": "Ash Field", "child": true }]) } } }),
                )
                .await;
            made.push(Made {
                id: payload(&body, "referFromConsultation")["referral"]["id"].clone(),
                way_in: "REFERRAL",
                area: named.then_some(NORTH),
                in_period: true,
                decided: None,
            });
        }
        asked.push(Asked {
            area: named.then_some(NORTH),
            referred,
        });
    }

    // Decided at once (within the clock): the 5 anonymous and Dana's 3 with advice, one
    // urgent as a child protection enquiry.
    let pick = |made: &Vec<Made>, way_in: &str, area: Option<&str>, n: usize| -> Vec<usize> {
        made.iter()
            .enumerate()
            .filter(|(_, m)| {
                m.in_period && m.decided.is_none() && m.way_in == way_in && m.area == area
            })
            .map(|(i, _)| i)
            .take(n)
            .collect()
    };
    let mut plan: Vec<(usize, &'static str)> = vec![];
    plan.extend(
        pick(&made, "ANONYMOUS", None, 5)
            .into_iter()
            .map(|i| (i, "ADVICE")),
    );
    plan.extend(
        pick(&made, "APP", Some(NORTH), 3)
            .into_iter()
            .map(|i| (i, "ADVICE")),
    );
    plan.extend(
        pick(&made, "URGENT", Some(SOUTH), 1)
            .into_iter()
            .map(|i| (i, "CHILD_PROTECTION_ENQUIRY")),
    );
    for (i, decision) in plan.drain(..) {
        decide(&app, &hub, &made[i].id, decision).await;
        made[i].decided = Some((decision, true));
    }
    // A day later (past every clock): Jordan's 2 with advice, 2 of the Morgans' referrals
    // as early help, one as a child and family assessment, the other urgent one as s47.
    app.clock.advance(Duration::hours(25));
    let hub = token(demo::HUB_WORKER).await;
    let referrals = pick(&made, "REFERRAL", Some(NORTH), 3);
    plan.extend(
        pick(&made, "APP", Some(NORTH), 2)
            .into_iter()
            .map(|i| (i, "ADVICE")),
    );
    plan.push((referrals[0], "EARLY_HELP"));
    plan.push((referrals[1], "EARLY_HELP"));
    plan.push((referrals[2], "CHILD_AND_FAMILY_ASSESSMENT"));
    plan.extend(
        pick(&made, "URGENT", Some(SOUTH), 1)
            .into_iter()
            .map(|i| (i, "CHILD_PROTECTION_ENQUIRY")),
    );
    for (i, decision) in plan.drain(..) {
        decide(&app, &hub, &made[i].id, decision).await;
        made[i].decided = Some((decision, false));
    }

    // The figures, computed here from what was made, for the partnership and one area.
    let manager = app.token_for(demo::MANAGER).await;
    for area in [None, Some(NORTH)] {
        let mut vars = json!({ "from": from.to_string(), "to": to.to_string() });
        if let Some(area) = area {
            vars["area"] = json!(area);
        }
        let body = app.gql(Some(&manager), REQUESTS, vars).await;
        assert!(body["errors"].is_null(), "{body}");
        let r = &body["data"]["evaluationReport"];
        let counted: Vec<&Made> = made
            .iter()
            .filter(|m| m.in_period && (area.is_none() || m.area == area))
            .collect();
        assert_eq!(
            r["requestsForSupport"]["value"],
            count(counted.len()),
            "{area:?}: {r}"
        );
        let by_way: Vec<usize> = ["APP", "ANONYMOUS", "REFERRAL", "URGENT"]
            .iter()
            .map(|w| counted.iter().filter(|m| m.way_in == *w).count())
            .collect();
        let published: Vec<Value> = r["requestsForSupportByWayIn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["requests"]["value"].clone())
            .collect();
        assert_eq!(
            published,
            table_cells(&by_way),
            "{area:?} by way in: {by_way:?} {r}"
        );
        let ways: Vec<&str> = r["requestsForSupportByWayIn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["wayIn"].as_str().unwrap())
            .collect();
        assert_eq!(ways, ["APP", "ANONYMOUS", "REFERRAL", "URGENT"]);
        let decisions = [
            Some("ADVICE"),
            Some("EARLY_HELP"),
            Some("CHILD_AND_FAMILY_ASSESSMENT"),
            Some("CHILD_PROTECTION_ENQUIRY"),
            None,
        ];
        let by_decision: Vec<usize> = decisions
            .iter()
            .map(|d| {
                counted
                    .iter()
                    .filter(|m| m.decided.map(|(d, _)| d) == *d)
                    .count()
            })
            .collect();
        let published: Vec<(Value, Value)> = r["requestsForSupportByDecision"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["decision"].clone(), c["requests"]["value"].clone()))
            .collect();
        let expected: Vec<(Value, Value)> = decisions
            .iter()
            .map(|d| json!(d))
            .zip(table_cells(&by_decision))
            .collect();
        assert_eq!(published, expected, "{area:?} by decision: {by_decision:?}");
        let decided: Vec<bool> = counted
            .iter()
            .filter_map(|m| m.decided.map(|(_, in_time)| in_time))
            .collect();
        let in_time = decided.iter().filter(|t| **t).count();
        assert_eq!(
            published_share(&r["requestsDecidedWithinClock"]),
            share(in_time, decided.len()),
            "{area:?}: {r}"
        );
        let consulted: Vec<&Asked> = asked
            .iter()
            .filter(|a| area.is_none() || a.area == area)
            .collect();
        assert_eq!(r["consultationsAsked"]["value"], count(consulted.len()));
        let referred = consulted.iter().filter(|a| a.referred).count();
        assert_eq!(
            published_share(&r["consultationsBecameReferral"]),
            share(referred, consulted.len()),
            "{area:?}: {r}"
        );
        if area.is_none() {
            // Shown in full where nothing is small: the figures are really there.
            assert_eq!(r["requestsForSupport"]["value"], json!(26), "{r}");
            assert_eq!(
                r["requestsDecidedWithinClock"]["percent"],
                json!(60.0),
                "{r}"
            );
            assert_eq!(
                r["consultationsBecameReferral"]["percent"],
                json!(50.0),
                "{r}"
            );
        }
    }

    // The CSV says the same.
    let csv = app
        .client
        .get(app.url(&format!("/reports/evaluation.csv?from={from}&to={to}")))
        .bearer_auth(&manager)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "requests_for_support,,26,,",
        "requests_for_support_by_way_in,app,7,,",
        "requests_for_support_by_way_in,anonymous,<5,,",
        "requests_for_support_by_way_in,urgent,<5,,",
        "requests_for_support_by_decision,advice,10,,",
        "requests_for_support_by_decision,early help,<5,,",
        "requests_for_support_by_decision,undecided,11,,",
        "requests_decided_within_clock,,9,15,60.0",
        "consultations_asked,,12,,",
        "consultations_became_referral,,6,12,50.0",
    ] {
        assert!(
            csv.lines().any(|l| l == expected),
            "{expected:?} is not in:\n{csv}"
        );
    }
}

fn published_share(share_json: &Value) -> (Value, Value, Value) {
    published(share_json)
}

/// The hub claims the request and decides it.
async fn decide(app: &TestApp, hub: &str, id: &Value, decision: &str) {
    let body = app
        .gql(
            Some(hub),
            "mutation($id: ID!) { claimSupportRequest(input: { request: $id }) { userErrors { field code } } }",
            json!({ "id": id }),
        )
        .await;
    payload(&body, "claimSupportRequest");
    let body = app
        .gql(
            Some(hub),
            "mutation($input: DecideSupportRequestInput!) { decideSupportRequest(input: $input) { supportRequest { id } userErrors { field code message } } }",
            json!({ "input": { "request": id, "decision": decision, "reason": "Screened.", "advice": "Here is some advice." } }),
        )
        .await;
    payload(&body, "decideSupportRequest");
}

/// The IDs of the anonymous requests in the hub's queue.
async fn anonymous_in_queue(app: &TestApp) -> Vec<Value> {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let queue = app
        .gql(
            Some(&hub),
            "{ supportRequests(first: 100) { nodes { id wayIn } } }",
            json!({}),
        )
        .await;
    queue["data"]["supportRequests"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["wayIn"] == "ANONYMOUS")
        .map(|r| r["id"].clone())
        .collect()
}

async fn ask(
    app: &TestApp,
    token: &str,
    made: &mut Vec<Made>,
    area: &'static str,
    in_period: bool,
) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AskForSupportInput!) { askForSupport(input: $input) { supportRequest { id } userErrors { field code } } }",
            json!({ "input": { "whatIsHappening": "Things are hard at home." } }),
        )
        .await;
    made.push(Made {
        id: payload(&body, "askForSupport")["supportRequest"]["id"].clone(),
        way_in: "APP",
        area: Some(area),
        in_period,
        decided: None,
    });
}

async fn anonymous(app: &TestApp, made: &mut Vec<Made>, in_period: bool) {
    let before = anonymous_in_queue(app).await;
    let body = app
        .gql(
            None,
            "mutation($input: RequestSupportInput!) { requestSupport(input: $input) { receipt { reference } userErrors { field code } } }",
            json!({ "input": { "name": "Lee Brook", "phone": "01632 960 123", "children": [{ "firstName": "Kai", "age": 9 }], "whatIsHappening": "Help, please.", "agreesToAgencyContact": true } }),
        )
        .await;
    payload(&body, "requestSupport");
    // The public front door answers with no ID: the hub's queue has it.
    let id = anonymous_in_queue(app)
        .await
        .into_iter()
        .find(|id| !before.contains(id))
        .unwrap();
    made.push(Made {
        id,
        way_in: "ANONYMOUS",
        area: None,
        in_period,
        decided: None,
    });
}
