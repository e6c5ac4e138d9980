//! Team Around the Family meetings with the family's views given beforehand (a young
//! person's private view, DESIGN rule 5), need level steps (rule 7), and the hourly digest
//! of practitioners' changes. Over HTTP, on SQLite and PostgreSQL.
use chrono::Duration;
use family_plan_tests::stories::{
    assert_no_personal_details, family_of, nodes, ok, practitioner_id, subjects_to,
};
use family_plan_tests::{TestApp, db_tests_with_fast_jobs, demo, error_code};
use serde_json::{Value, json};

db_tests_with_fast_jobs!(
    a_young_persons_private_view_is_read_by_the_team_not_the_parent,
    practitioners_changes_reach_the_family_at_most_once_an_hour,
    step_down_from_statutory_care_waits_for_an_open_assessment_and_an_accepted_lead,
);

const SCHEDULE: &str = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id kind heldOn recorded } userErrors { field code message } } }";
const GIVE_VIEW: &str = "mutation($input: GiveMeetingViewInput!) { giveMeetingView(input: $input) { view { id words private member { name } } userErrors { field code message } } }";
const RECORD: &str = "mutation($input: RecordMeetingInput!) { recordMeeting(input: $input) { meeting { id recorded summary decisions nextReviewDate attendingMembers { name } attendingPractitioners { name } } userErrors { field code message } } }";
const MEETINGS: &str = "query($id: ID!) { node(id: $id) { ... on Family { meetings { edges { node { id kind recorded summary views { words private member { name } } } } } plan { reviewDate } } } }";
const CHANGE_LEVEL: &str = "mutation($input: ChangeNeedLevelInput!) { changeNeedLevel(input: $input) { family { needLevel { level } } userErrors { field code message } } }";

const JORDANS_VIEW: &str = "I get in trouble for being late but it's not my fault. I don't want Mum to know I get upset at school.";
const DANAS_VIEW: &str = "Mornings are hard with my shifts; I'd like help with the school run.";

fn in_days(app: &TestApp, days: i64) -> String {
    (app.clock.now() + Duration::days(days))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

async fn views_seen_by(app: &TestApp, email: &str, family: &str) -> Vec<Value> {
    let token = app.token_for(email).await;
    let body = app
        .gql(Some(&token), MEETINGS, json!({ "id": family }))
        .await;
    assert!(body.get("errors").is_none(), "{email}: {body}");
    let meetings = nodes(&body["data"]["node"]["meetings"]);
    meetings[0]["views"].as_array().cloned().unwrap_or_default()
}

async fn a_young_persons_private_view_is_read_by_the_team_not_the_parent(app: TestApp) {
    app.load_demo().await;
    let (family, members) = family_of(&app, demo::MORGAN_PARENT).await;
    let priya = app.token_for(demo::HUB_WORKER).await;

    // Priya, the Morgans' lead professional, schedules a Team Around the Family meeting.
    let body = app
        .gql(
            Some(&priya),
            SCHEDULE,
            json!({ "input": { "family": family, "kind": "TEAM_AROUND_THE_FAMILY", "heldOn": in_days(&app, 7) } }),
        )
        .await;
    let meeting = ok(&body, "scheduleMeeting")["meeting"].clone();
    assert_eq!(meeting["recorded"], false);
    // The family does not schedule meetings.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            SCHEDULE,
            json!({ "input": { "family": family, "kind": "REVIEW", "heldOn": in_days(&app, 7) } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // Jordan gives his view beforehand and keeps it private; Dana gives hers.
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let body = app
        .gql(
            Some(&jordan),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": JORDANS_VIEW, "private": true } }),
        )
        .await;
    assert_eq!(ok(&body, "giveMeetingView")["view"]["private"], true);
    // An adult's views are the whole family's: Dana cannot make hers private.
    let body = app
        .gql(
            Some(&dana),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": DANAS_VIEW, "private": true } }),
        )
        .await;
    assert_eq!(
        body["data"]["giveMeetingView"]["userErrors"][0]["code"], "INVALID",
        "{body}"
    );
    let body = app
        .gql(
            Some(&dana),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": DANAS_VIEW } }),
        )
        .await;
    ok(&body, "giveMeetingView");

    // Dana reads her own view only; Jordan reads both; the lead and the team read both.
    let words = |views: &[Value]| -> Vec<String> {
        views
            .iter()
            .map(|v| v["words"].as_str().unwrap().to_owned())
            .collect()
    };
    let seen = views_seen_by(&app, demo::MORGAN_PARENT, &family).await;
    assert_eq!(words(&seen), [DANAS_VIEW]);
    let seen = views_seen_by(&app, demo::MORGAN_YOUNG_PERSON, &family).await;
    assert_eq!(words(&seen), [JORDANS_VIEW, DANAS_VIEW]);
    for practitioner in [demo::HUB_WORKER, demo::SCHOOL_PRACTITIONER] {
        let seen = views_seen_by(&app, practitioner, &family).await;
        assert_eq!(words(&seen), [JORDANS_VIEW, DANAS_VIEW], "{practitioner}");
        assert_eq!(seen[0]["private"], true);
        assert_eq!(seen[0]["member"]["name"], "Jordan Morgan");
    }

    // After the meeting Priya records who came, what was decided and the next review.
    let member = |name: &str| {
        members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    let sam = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    let priya_id = practitioner_id(&app, demo::HUB_WORKER).await;
    let review = in_days(&app, 42);
    let body = app
        .gql(
            Some(&priya),
            RECORD,
            json!({ "input": {
                "meeting": meeting["id"],
                "attendingMembers": [member("Dana Morgan"), member("Jordan Morgan")],
                "attendingPractitioners": [priya_id, sam],
                "summary": "Mornings are the main worry; Jordan feels blamed for being late.",
                "decisions": "School offers a breakfast club place; Priya looks into shift patterns.",
                "nextReviewDate": review,
            } }),
        )
        .await;
    let recorded = &ok(&body, "recordMeeting")["meeting"];
    assert_eq!(recorded["recorded"], true);
    assert_eq!(recorded["nextReviewDate"], review.as_str());
    assert_eq!(
        recorded["attendingMembers"],
        json!([{ "name": "Dana Morgan" }, { "name": "Jordan Morgan" }])
    );
    assert_eq!(
        recorded["attendingPractitioners"],
        json!([{ "name": "Priya Nair" }, { "name": "Sam Whitlock" }])
    );
    let body = app
        .gql(Some(&dana), MEETINGS, json!({ "id": family }))
        .await;
    assert_eq!(
        body["data"]["node"]["plan"]["reviewDate"],
        review.as_str(),
        "{body}"
    );
    // Views come before the meeting, not after.
    let body = app
        .gql(
            Some(&jordan),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": "Something else" } }),
        )
        .await;
    assert_eq!(
        body["data"]["giveMeetingView"]["userErrors"][0]["code"],
        "NOT_ALLOWED_NOW"
    );
    // Nothing of Jordan's words went out by email.
    for to in [
        demo::MORGAN_PARENT,
        demo::HUB_WORKER,
        demo::MORGAN_YOUNG_PERSON,
    ] {
        for (_, email) in app.outbox_files() {
            if email.contains(&format!("To: {to}")) {
                assert_no_personal_details(&email, &[JORDANS_VIEW, "trouble", "upset"]);
            }
        }
    }
}

async fn practitioners_changes_reach_the_family_at_most_once_an_hour(app: TestApp) {
    app.load_demo().await;
    let (family, _) = family_of(&app, demo::MORGAN_PARENT).await;
    let priya = app.token_for(demo::HUB_WORKER).await;
    let schedule = async |days: i64| {
        let body = app
            .gql(
                Some(&priya),
                SCHEDULE,
                json!({ "input": { "family": family, "kind": "REVIEW", "heldOn": in_days(&app, days) } }),
            )
            .await;
        ok(&body, "scheduleMeeting")["meeting"].clone()
    };
    // Three changes by a practitioner within the hour: one email to Dana, at once.
    let meeting = schedule(7).await;
    schedule(14).await;
    schedule(21).await;
    let email = app.email_to(demo::MORGAN_PARENT, 1).await;
    assert!(email.contains("Your family plan has changed"), "{email}");
    assert_no_personal_details(&email, &[]);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(subjects_to(&app, demo::MORGAN_PARENT).len(), 1);
    // Jordan is a young person: the digest goes to the family's adults.
    assert!(subjects_to(&app, demo::MORGAN_YOUNG_PERSON).is_empty());

    // The changes since come in one more digest, an hour after the first.
    app.clock.advance(Duration::minutes(30));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(subjects_to(&app, demo::MORGAN_PARENT).len(), 1);
    app.clock.advance(Duration::minutes(31));
    app.email_to(demo::MORGAN_PARENT, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(subjects_to(&app, demo::MORGAN_PARENT).len(), 2);

    // The family's change tells the lead professional (Priya), in the same way.
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let body = app
        .gql(
            Some(&jordan),
            GIVE_VIEW,
            json!({ "input": { "meeting": meeting["id"], "words": JORDANS_VIEW, "private": true } }),
        )
        .await;
    ok(&body, "giveMeetingView");
    let email = app.email_to(demo::HUB_WORKER, 1).await;
    assert!(
        email.contains("A family you lead has changed their plan"),
        "{email}"
    );
    assert_no_personal_details(&email, &[JORDANS_VIEW]);
}

async fn step_down_from_statutory_care_waits_for_an_open_assessment_and_an_accepted_lead(
    app: TestApp,
) {
    app.load_demo().await;
    let (family, _) = family_of(&app, demo::RAHMAN_PARENT).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let change = async |token: &str, level: i32| {
        app.gql(
            Some(token),
            CHANGE_LEVEL,
            json!({ "input": { "family": family, "level": level, "reason": "Reviewed at the hub meeting today." } }),
        )
        .await
    };
    // The hub steps the Rahmans up to child in need (s17).
    let body = change(&hub, 3).await;
    assert_eq!(
        ok(&body, "changeNeedLevel")["family"]["needLevel"]["level"],
        3
    );
    // Stepping down to early help is refused: no assessment open, no lead professional.
    let body = change(&hub, 2).await;
    let refused = &body["data"]["changeNeedLevel"]["userErrors"][0];
    assert_eq!(refused["code"], "NOT_ALLOWED_NOW", "{body}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("an Early Help Assessment is open and a lead professional has accepted"),
        "{body}"
    );

    // Consent, the school on the team, a plan, an assessment: still no lead, still refused.
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let orgs = app
        .gql(
            Some(&hub),
            "{ organisations { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let orgs: Vec<Value> = nodes(&orgs["data"]["organisations"])
        .into_iter()
        .map(|o| o["id"].clone())
        .collect();
    let body = app
        .gql(
            Some(&aisha),
            "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { userErrors { message } } }",
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": orgs } }),
        )
        .await;
    ok(&body, "giveConsent");
    let sam_id = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&hub),
            "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { userErrors { message } } }",
            json!({ "input": { "family": family, "practitioner": sam_id } }),
        )
        .await;
    ok(&body, "addTeamMember");
    let body = app
        .gql(
            Some(&aisha),
            "mutation($input: StartPlanInput!) { startPlan(input: $input) { userErrors { message } } }",
            json!({ "input": { "family": family } }),
        )
        .await;
    ok(&body, "startPlan");
    let body = app
        .gql(
            Some(&aisha),
            "mutation($input: AssessmentInput!) { openAssessment(input: $input) { userErrors { message } } }",
            json!({ "input": { "family": family } }),
        )
        .await;
    ok(&body, "openAssessment");
    let body = change(&hub, 2).await;
    let refused = &body["data"]["changeNeedLevel"]["userErrors"][0];
    assert_eq!(refused["code"], "NOT_ALLOWED_NOW", "{body}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("a lead professional has accepted"),
        "{body}"
    );

    // Before Sam leads, he may not change the need level; once he accepts, he may.
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = change(&sam, 2).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&aisha),
            "mutation($input: NominateLeadProfessionalInput!) { nominateLeadProfessional(input: $input) { nomination { id } userErrors { message } } }",
            json!({ "input": { "family": family, "practitioner": sam_id } }),
        )
        .await;
    let nomination = ok(&body, "nominateLeadProfessional")["nomination"]["id"].clone();
    let body = app
        .gql(
            Some(&sam),
            "mutation($input: AcceptLeadNominationInput!) { acceptLeadNomination(input: $input) { userErrors { message } } }",
            json!({ "input": { "nomination": nomination } }),
        )
        .await;
    ok(&body, "acceptLeadNomination");
    let body = change(&sam, 2).await;
    assert_eq!(
        ok(&body, "changeNeedLevel")["family"]["needLevel"]["level"],
        2
    );

    // The history says who decided each step, and why.
    let body = app
        .gql(
            Some(&aisha),
            "query($id: ID!) { node(id: $id) { ... on Family { needLevelHistory { edges { node { direction to { level } reason decidedBy { name } } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let history = nodes(&body["data"]["node"]["needLevelHistory"]);
    let last = history.last().unwrap();
    assert_eq!(last["direction"], "STEP_DOWN");
    assert_eq!(last["decidedBy"]["name"], "Sam Whitlock");
    assert_eq!(last["reason"], "Reviewed at the hub meeting today.");
}
