//! The family chooses its lead professional (issue 6): nominate, decline with a reason the
//! family reads, a missed deadline alerts the locality manager, a manager follows up, an
//! acceptance makes the plan active. Over HTTP, on SQLite and PostgreSQL.
use chrono::Duration;
use family_plan_tests::stories::{
    assert_no_personal_details, council_practitioner, family_of, nodes, ok, practitioner_id,
    subjects_to,
};
use family_plan_tests::{TestApp, db_tests_with_fast_jobs, demo, error_code};
use serde_json::{Value, json};

db_tests_with_fast_jobs!(
    family_nominates_a_lead_who_declines_then_a_late_one_alerts_the_manager_and_a_third_accepts,
    a_manager_challenges_a_decline_and_the_nominee_reconsiders,
    only_one_replica_alerts_a_late_nomination,
    nominating_is_for_the_family_adults_and_answering_for_the_nominee,
);

const GIVE_CONSENT: &str = "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field message } } }";
const ADD_TO_TEAM: &str = "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { current } userErrors { field message } } }";
const START_PLAN: &str = "mutation($input: StartPlanInput!) { startPlan(input: $input) { plan { id status } userErrors { field message } } }";
const NOMINATE: &str = "mutation($input: NominateLeadProfessionalInput!) { nominateLeadProfessional(input: $input) { nomination { id status answerDueAt practitioner { name } } userErrors { field code message } } }";
const DECLINE: &str = "mutation($input: DeclineLeadNominationInput!) { declineLeadNomination(input: $input) { nomination { id status declineReason } userErrors { field code message } } }";
const ACCEPT: &str = "mutation($input: AcceptLeadNominationInput!) { acceptLeadNomination(input: $input) { nomination { id status } userErrors { field code message } } }";
const MINE: &str = "{ myLeadNominations { edges { node { id familyReference status managerNote challengesDecline } } } }";
const FAMILY: &str = "query($id: ID!) { node(id: $id) { ... on Family { leadNominations { edges { node { status declineReason overdue needsFollowUp practitioner { name } } } } plan { status leadProfessional { name } } team { edges { node { practitioner { name } } } } } } }";
const QUEUE: &str = "{ leadNominationsToFollowUp { edges { node { id familyReference status declineReason overdue practitioner { name } } } } }";
const FOLLOW_UP: &str = "mutation($input: FollowUpLeadNominationInput!) { followUpLeadNomination(input: $input) { nomination { id status challengesDecline managerNote practitioner { name } } userErrors { field code message } } }";

const DECLINE_REASON: &str =
    "My caseload is full until the spring; the council's family worker would suit better.";
const LEE: &str = "lee@wrenfield.example";

/// The Rahmans (no plan yet) share with the council and the school, the school's Sam joins
/// their team, and Aisha starts the plan. Returns the family's ID.
async fn rahmans_with_a_draft_plan(app: &TestApp) -> String {
    app.load_demo().await;
    let (family, _) = family_of(app, demo::RAHMAN_PARENT).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let orgs = app
        .gql(
            Some(&hub),
            "{ organisations { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let orgs: Vec<Value> = nodes(&orgs["data"]["organisations"])
        .into_iter()
        .map(|o| o["id"].clone())
        .collect();
    let given = app
        .gql(
            Some(&aisha),
            GIVE_CONSENT,
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": orgs } }),
        )
        .await;
    ok(&given, "giveConsent");
    let sam = practitioner_id(app, demo::SCHOOL_PRACTITIONER).await;
    let added = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": family, "practitioner": sam } }),
        )
        .await;
    ok(&added, "addTeamMember");
    let started = app
        .gql(
            Some(&aisha),
            START_PLAN,
            json!({ "input": { "family": family } }),
        )
        .await;
    assert_eq!(ok(&started, "startPlan")["plan"]["status"], "DRAFT");
    family
}

async fn nominate(app: &TestApp, token: &str, family: &str, practitioner: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            NOMINATE,
            json!({ "input": { "family": family, "practitioner": practitioner } }),
        )
        .await;
    ok(&body, "nominateLeadProfessional")["nomination"].clone()
}

async fn family_(app: &TestApp, family: &str) -> Value {
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let body = app.gql(Some(&aisha), FAMILY, json!({ "id": family })).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["node"].clone()
}

async fn family_nominates_a_lead_who_declines_then_a_late_one_alerts_the_manager_and_a_third_accepts(
    app: TestApp,
) {
    let family = rahmans_with_a_draft_plan(&app).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let sam_id = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;

    // Aisha asks Sam, from her team. Sam is emailed, with nothing about the family in it.
    let asked = nominate(&app, &aisha, &family, &sam_id).await;
    assert_eq!(asked["status"], "PENDING");
    assert_eq!(asked["practitioner"]["name"], "Sam Whitlock");
    let email = app.email_to(demo::SCHOOL_PRACTITIONER, 1).await;
    assert!(
        email.contains("You have been asked to be a lead professional"),
        "{email}"
    );
    assert_no_personal_details(&email, &[]);

    // Sam sees the nomination (with the family's reference) and declines; a reason is needed.
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let mine = app.gql(Some(&sam), MINE, json!({})).await;
    let mine = nodes(&mine["data"]["myLeadNominations"]);
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["familyReference"], "EH-DEMO-002");
    let blank = app
        .gql(
            Some(&sam),
            DECLINE,
            json!({ "input": { "nomination": asked["id"], "reason": "  " } }),
        )
        .await;
    assert_eq!(
        blank["data"]["declineLeadNomination"]["userErrors"][0]["code"], "REQUIRED",
        "{blank}"
    );
    let declined = app
        .gql(
            Some(&sam),
            DECLINE,
            json!({ "input": { "nomination": asked["id"], "reason": DECLINE_REASON } }),
        )
        .await;
    assert_eq!(
        ok(&declined, "declineLeadNomination")["nomination"]["status"],
        "DECLINED"
    );

    // Aisha is emailed, and reads Sam's reason in the app.
    let email = app.email_to(demo::RAHMAN_PARENT, 1).await;
    assert!(
        email.contains("Your lead professional nomination has an answer"),
        "{email}"
    );
    assert_no_personal_details(&email, &[DECLINE_REASON, "caseload"]);
    let seen = family_(&app, &family).await;
    let nominations = nodes(&seen["leadNominations"]);
    assert_eq!(nominations[0]["status"], "DECLINED");
    assert_eq!(nominations[0]["declineReason"], DECLINE_REASON);
    assert_eq!(seen["plan"]["status"], "DRAFT");
    // The locality manager sees it too, waiting for follow-up.
    let manager = app.token_for(demo::MANAGER).await;
    let queue = app.gql(Some(&manager), QUEUE, json!({})).await;
    let queue = nodes(&queue["data"]["leadNominationsToFollowUp"]);
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["declineReason"], DECLINE_REASON);

    // Aisha asks Priya, of the council her consent covers. No answer comes.
    let priya_id = practitioner_id(&app, demo::HUB_WORKER).await;
    let second = nominate(&app, &aisha, &family, &priya_id).await;
    assert_eq!(second["practitioner"]["name"], "Priya Nair");
    app.email_to(demo::HUB_WORKER, 1).await;
    // Nominating again dealt with Sam's decline: the queue is empty.
    let queue = app.gql(Some(&manager), QUEUE, json!({})).await;
    assert_eq!(nodes(&queue["data"]["leadNominationsToFollowUp"]).len(), 0);

    // Four days on is always before five working days: no alert yet.
    app.clock.advance(Duration::days(4));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(
        subjects_to(&app, demo::MANAGER).is_empty(),
        "alerted too early"
    );
    // Eight days on is always past them: the manager is alerted, once.
    app.clock.advance(Duration::days(4));
    let email = app.email_to(demo::MANAGER, 1).await;
    assert!(
        email.contains("A lead professional nomination needs your attention"),
        "{email}"
    );
    assert_no_personal_details(&email, &[]);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        subjects_to(&app, demo::MANAGER).len(),
        1,
        "alerted more than once"
    );
    let seen = family_(&app, &family).await;
    assert_eq!(nodes(&seen["leadNominations"])[0]["overdue"], true);

    // The manager asks a third practitioner, who accepts: the plan is active with its lead.
    let manager = app.token_for(demo::MANAGER).await;
    let queue = app.gql(Some(&manager), QUEUE, json!({})).await;
    let queue = nodes(&queue["data"]["leadNominationsToFollowUp"]);
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["overdue"], true);
    assert_eq!(queue[0]["practitioner"]["name"], "Priya Nair");
    let lee_id = council_practitioner(&app, "Lee Hart", LEE).await;
    let body = app
        .gql(
            Some(&manager),
            FOLLOW_UP,
            json!({ "input": { "nomination": queue[0]["id"], "practitioner": lee_id, "note": "Priya is on leave; please take this family on." } }),
        )
        .await;
    let third = ok(&body, "followUpLeadNomination")["nomination"].clone();
    assert_eq!(third["practitioner"]["name"], "Lee Hart");
    let email = app.email_to(LEE, 1).await;
    assert_no_personal_details(&email, &["Priya is on leave"]);
    let lee = app.token_for(LEE).await;
    let accepted = app
        .gql(
            Some(&lee),
            ACCEPT,
            json!({ "input": { "nomination": third["id"] } }),
        )
        .await;
    assert_eq!(
        ok(&accepted, "acceptLeadNomination")["nomination"]["status"],
        "ACCEPTED"
    );

    let seen = family_(&app, &family).await;
    assert_eq!(seen["plan"]["status"], "ACTIVE");
    assert_eq!(seen["plan"]["leadProfessional"]["name"], "Lee Hart");
    let team: Vec<Value> = nodes(&seen["team"])
        .into_iter()
        .map(|m| m["practitioner"]["name"].clone())
        .collect();
    assert!(
        team.contains(&json!("Lee Hart")),
        "the lead joined the team: {team:?}"
    );
    let statuses: Vec<Value> = nodes(&seen["leadNominations"])
        .into_iter()
        .map(|n| n["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("ACCEPTED"), json!("WITHDRAWN"), json!("DECLINED")]
    );

    // Aisha heard about each answer (and the manager's change) by email; nothing personal.
    for n in 1..=3 {
        assert_no_personal_details(
            &app.email_to(demo::RAHMAN_PARENT, n).await,
            &["Lee", "Hart"],
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        subjects_to(&app, demo::RAHMAN_PARENT),
        [
            "Your lead professional nomination has an answer",
            "Your family plan has changed",
            "Your lead professional nomination has an answer",
        ]
    );
}

async fn a_manager_challenges_a_decline_and_the_nominee_reconsiders(app: TestApp) {
    let family = rahmans_with_a_draft_plan(&app).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let sam_id = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    let asked = nominate(&app, &aisha, &family, &sam_id).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let declined = app
        .gql(
            Some(&sam),
            DECLINE,
            json!({ "input": { "nomination": asked["id"], "reason": DECLINE_REASON } }),
        )
        .await;
    ok(&declined, "declineLeadNomination");

    // A challenge needs a note; then Sam is asked again, and told why.
    let manager = app.token_for(demo::MANAGER).await;
    let blank = app
        .gql(
            Some(&manager),
            FOLLOW_UP,
            json!({ "input": { "nomination": asked["id"], "note": "" } }),
        )
        .await;
    assert_eq!(
        blank["data"]["followUpLeadNomination"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let note = "The family trusts the school most; a family worker can support you.";
    let body = app
        .gql(
            Some(&manager),
            FOLLOW_UP,
            json!({ "input": { "nomination": asked["id"], "note": note } }),
        )
        .await;
    let again = ok(&body, "followUpLeadNomination")["nomination"].clone();
    assert_eq!(again["challengesDecline"], true);
    assert_eq!(again["practitioner"]["name"], "Sam Whitlock");
    let email = app.email_to(demo::SCHOOL_PRACTITIONER, 2).await;
    assert_no_personal_details(&email, &[note]);
    let mine = app.gql(Some(&sam), MINE, json!({})).await;
    let mine = nodes(&mine["data"]["myLeadNominations"]);
    assert_eq!(mine[0]["managerNote"], note);
    // A decline already followed up cannot be challenged twice.
    let twice = app
        .gql(
            Some(&manager),
            FOLLOW_UP,
            json!({ "input": { "nomination": asked["id"], "note": note } }),
        )
        .await;
    assert_eq!(
        twice["data"]["followUpLeadNomination"]["userErrors"][0]["code"],
        "NOT_ALLOWED_NOW"
    );
    let accepted = app
        .gql(
            Some(&sam),
            ACCEPT,
            json!({ "input": { "nomination": again["id"] } }),
        )
        .await;
    ok(&accepted, "acceptLeadNomination");
    let seen = family_(&app, &family).await;
    assert_eq!(seen["plan"]["status"], "ACTIVE");
    assert_eq!(seen["plan"]["leadProfessional"]["name"], "Sam Whitlock");
    // The family can later choose someone else; the current lead stays until they accept.
    let priya_id = practitioner_id(&app, demo::HUB_WORKER).await;
    let next = nominate(&app, &aisha, &family, &priya_id).await;
    assert_eq!(next["status"], "PENDING");
    let seen = family_(&app, &family).await;
    assert_eq!(seen["plan"]["leadProfessional"]["name"], "Sam Whitlock");
    // The family's change emails its lead professional (no personal details).
    let email = app.email_to(demo::SCHOOL_PRACTITIONER, 3).await;
    assert!(
        email.contains("A family you lead has changed their plan"),
        "{email}"
    );
    assert_no_personal_details(&email, &[]);
}

async fn only_one_replica_alerts_a_late_nomination(app: TestApp) {
    let family = rahmans_with_a_draft_plan(&app).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let sam_id = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    nominate(&app, &aisha, &family, &sam_id).await;
    // Eight replicas check the deadline at the same moment, ten days on.
    let now = app.clock.now() + Duration::days(10);
    let checks = (0..8).map(|_| {
        let db = app.db.clone();
        tokio::spawn(async move {
            api::domain::lead_deadlines::alert_overdue(&db, now, "http://localhost:8080/x")
                .await
                .unwrap()
        })
    });
    let alerted: usize = futures::future::join_all(checks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .sum();
    assert_eq!(alerted, 1);
    // And later checks do not alert again.
    let again = api::domain::lead_deadlines::alert_overdue(&app.db, now, "http://x")
        .await
        .unwrap();
    assert_eq!(again, 0);
}

async fn nominating_is_for_the_family_adults_and_answering_for_the_nominee(app: TestApp) {
    let family = rahmans_with_a_draft_plan(&app).await;
    let sam_id = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    // Practitioners do not nominate; the family adults do.
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&hub),
            NOMINATE,
            json!({ "input": { "family": family, "practitioner": sam_id } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Not someone outside the team whose organisation the consent does not cover.
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    app.cli(&[
        "admin",
        "create-organisation",
        "--name",
        "Wrenfield Housing",
        "--kind",
        "housing",
    ])
    .await
    .unwrap();
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        "Hal Osei",
        "--email",
        "housing@wrenfield.example",
        "--organisation",
        "Wrenfield Housing",
    ])
    .await
    .unwrap();
    let housing = practitioner_id(&app, "housing@wrenfield.example").await;
    let body = app
        .gql(
            Some(&aisha),
            NOMINATE,
            json!({ "input": { "family": family, "practitioner": housing } }),
        )
        .await;
    assert_eq!(
        body["data"]["nominateLeadProfessional"]["userErrors"][0]["code"], "CONSENT_REQUIRED",
        "{body}"
    );
    // Not the locality manager (who does not work with families directly).
    let manager_id = practitioner_id(&app, demo::MANAGER).await;
    let body = app
        .gql(
            Some(&aisha),
            NOMINATE,
            json!({ "input": { "family": family, "practitioner": manager_id } }),
        )
        .await;
    assert_eq!(
        body["data"]["nominateLeadProfessional"]["userErrors"][0]["code"], "INVALID",
        "{body}"
    );
    // Only the nominee answers.
    let asked = nominate(&app, &aisha, &family, &sam_id).await;
    let body = app
        .gql(
            Some(&hub),
            ACCEPT,
            json!({ "input": { "nomination": asked["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // A nominee whose organisation lost the family's consent may not take the lead.
    let consents = app
        .gql(
            Some(&aisha),
            "query($id: ID!) { node(id: $id) { ... on Family { consents { edges { node { id } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let consent = nodes(&consents["data"]["node"]["consents"])[0]["id"].clone();
    let withdrawn = app
        .gql(
            Some(&aisha),
            "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { message } } }",
            json!({ "input": { "consent": consent } }),
        )
        .await;
    ok(&withdrawn, "withdrawConsent");
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&sam),
            ACCEPT,
            json!({ "input": { "nomination": asked["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONSENT_REQUIRED"), "{body}");
    // Declining needs no consent.
    let body = app
        .gql(
            Some(&sam),
            DECLINE,
            json!({ "input": { "nomination": asked["id"], "reason": "I no longer work with this family." } }),
        )
        .await;
    ok(&body, "declineLeadNomination");
}
