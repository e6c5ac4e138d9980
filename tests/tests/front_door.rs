//! Issue 17, the front door, over HTTP on both databases: each way in (the app, the public
//! `requestSupport`, a professional's referral) reaches the hub's queue with its clock; the
//! public route reveals nothing and is rate-limited; two hub workers cannot both claim one
//! request; missed clocks alert the locality managers exactly once with two servers; each
//! decision does what it says; a withheld request never shows to the family.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use api::config::Settings;
use chrono::{DateTime, Duration, Utc};
use entities::outbox_message;
use family_plan_tests::{Backend, TestApp, db_tests, demo, error_code, run_with};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

db_tests!(
    each_way_in_reaches_the_hub_with_its_clock,
    two_hub_workers_cannot_both_claim_one_request,
    each_decision_does_what_it_says,
    a_concern_from_outside_the_team_becomes_an_urgent_request,
    a_consultation_is_answered_recorded_and_becomes_a_referral,
    the_directory_is_imported_whole_and_searched_by_anyone,
    plan_actions_point_at_local_services,
    links_to_the_directory_survive_a_reimport,
);

const SECOND_HUB_WORKER: &str = "kit@wrenfield.example";

pub const ASK: &str = "mutation($input: AskForSupportInput!) { askForSupport(input: $input) { supportRequest { id reference status decision advice whatIsHappening whoWillContactYou { name } questions { id question answer } } userErrors { field code message } } }";
pub const ANONYMOUS: &str = "mutation($input: RequestSupportInput!) { requestSupport(input: $input) { receipt { reference whatHappensNext } userErrors { field code message } } }";
pub const REFER: &str = "mutation($input: ReferFamilyInput!) { referFamily(input: $input) { referral { id reference status decision significantHarm } userErrors { field code message } } }";
pub const QUEUE: &str = "query($status: [SupportRequestStatus!]) { supportRequests(status: $status, first: 50) { nodes { id reference wayIn status receivedAt dueAt significantHarm clock overdue nearlyDue whatIsHappening contactEmail privateFromParents family { reference needLevel { level } } people { name child age dateOfBirth } possibleMatches { reason family { id reference } } claimedBy { name } questions { question answer } decision advice decidedInTime withheldFromFamily } pageInfo { hasNextPage endCursor } } }";
pub const CLAIM: &str = "mutation($id: ID!) { claimSupportRequest(input: { request: $id }) { supportRequest { id status claimedBy { name } } userErrors { field code message } } }";
pub const DECIDE: &str = "mutation($input: DecideSupportRequestInput!) { decideSupportRequest(input: $input) { supportRequest { id status decision family { id reference needLevel { level } } suggestedLead { name } } userErrors { field code message } } }";
pub const MINE: &str = "{ mySupportRequests(first: 50) { nodes { id reference status decision advice whatIsHappening whoWillContactYou { name } questions { id question answer } } } }";

pub fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    let payload = &body["data"][field];
    if let Some(errors) = payload.get("userErrors") {
        assert_eq!(errors, &json!([]), "{body}");
    }
    payload
}

fn user_error_codes(body: &Value, field: &str) -> Vec<String> {
    assert!(body.get("errors").is_none(), "{body}");
    body["data"][field]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["nodes"].as_array().cloned().unwrap_or_default()
}

/// The hub's queue, without the demo's own requests.
pub async fn queue(app: &TestApp) -> Vec<Value> {
    whole_queue(app)
        .await
        .into_iter()
        .filter(|r| !is_demo(r))
        .collect()
}

pub async fn whole_queue(app: &TestApp) -> Vec<Value> {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app.gql(Some(&hub), QUEUE, json!({})).await;
    nodes(&ok(&body, "supportRequests").clone())
}

/// One of the requests the demo data puts in the queue.
pub fn is_demo(request: &Value) -> bool {
    api::domain::demo::DEMO_REQUESTS
        .contains(&request["whatIsHappening"].as_str().unwrap_or_default())
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

fn hours_on_clock(request: &Value) -> i64 {
    (at(&request["dueAt"]) - at(&request["receivedAt"])).num_minutes()
}

pub async fn family_id(app: &TestApp, reference: &str) -> String {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&hub),
            "{ families(first: 50) { nodes { id reference } } }",
            json!({}),
        )
        .await;
    nodes(&body["data"]["families"])
        .into_iter()
        .find(|f| f["reference"] == reference)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The kinds in `email`'s inbox, oldest first, each title checked for names and words.
async fn inbox_kinds(app: &TestApp, email: &str) -> Vec<String> {
    let token = app.token_for(email).await;
    let body = app
        .gql(
            Some(&token),
            "{ viewer { notifications(first: 100) { edges { node { kind title } } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut kinds: Vec<String> = body["data"]["viewer"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let title = e["node"]["title"].as_str().unwrap();
            for secret in [
                "Rio", "Lee", "Kai", "Dana", "Zara", "Morgan", "Rahman", "rent", "FD-",
            ] {
                assert!(!title.contains(secret), "{title:?} carries {secret:?}");
            }
            e["node"]["kind"].as_str().unwrap().to_owned()
        })
        .collect();
    kinds.reverse();
    kinds
}

fn count_of(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

pub fn anonymous_input(name: &str, child: &str, age: i32) -> Value {
    json!({ "input": {
        "name": name,
        "phone": "01632 960 123",
        "children": [{ "firstName": child, "age": age }],
        "whatIsHappening": "My son has stopped going to school and I don't know who to ask.",
        "agreesToAgencyContact": true,
        "postcode": "wr1 2ab",
    } })
}

async fn each_way_in_reaches_the_hub_with_its_clock(app: TestApp) {
    app.load_demo().await;
    // The demo's queue: one request from the app, one anonymous, one referral fearing
    // significant harm (on the 2-hour clock, so first).
    let demo_queue = whole_queue(&app).await;
    let ways: Vec<(&str, bool)> = demo_queue
        .iter()
        .map(|r| {
            (
                r["wayIn"].as_str().unwrap(),
                r["significantHarm"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ways,
        [("REFERRAL", true), ("APP", false), ("ANONYMOUS", false)],
        "{demo_queue:?}"
    );
    assert!(demo_queue.iter().all(is_demo));
    assert_eq!(hours_on_clock(&demo_queue[0]), 120);
    assert_eq!(demo_queue[1]["family"]["reference"], "EH-DEMO-002");
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;

    // Bad input: a clear user error, nothing stored.
    let blank = app
        .gql(
            Some(&dana),
            ASK,
            json!({ "input": { "whatIsHappening": "  " } }),
        )
        .await;
    assert_eq!(user_error_codes(&blank, "askForSupport"), ["REQUIRED"]);
    let no_contact = app
        .gql(
            None,
            ANONYMOUS,
            json!({ "input": { "name": "Lee", "whatIsHappening": "Help, please.", "agreesToAgencyContact": false } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&no_contact, "requestSupport"),
        ["REQUIRED"]
    );
    let no_consent = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "people": [{ "name": "Kai Brook", "child": true }], "concerns": "Often hungry at school.", "familyConsented": false } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&no_consent, "referFamily"),
        ["CONSENT_REQUIRED"]
    );
    let harm_without_reason = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "people": [{ "name": "Kai Brook", "child": true }], "concerns": "Bruising.", "familyConsented": false, "significantHarm": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&harm_without_reason, "referFamily"),
        ["REQUIRED"]
    );
    assert!(queue(&app).await.is_empty(), "nothing was stored");

    // The app, the public front door, a referral with consent, one without for harm.
    let asked = app
        .gql(
            Some(&dana),
            ASK,
            json!({ "input": { "whatIsHappening": "We are behind on rent and I am not sleeping.", "helpWanted": "Housing advice", "contactBy": "Phone after 3pm" } }),
        )
        .await;
    let asked = ok(&asked, "askForSupport")["supportRequest"].clone();
    assert_eq!(asked["status"], "RECEIVED");
    let anonymous = app
        .gql(None, ANONYMOUS, anonymous_input("Lee Brook", "Kai", 9))
        .await;
    let receipt = ok(&anonymous, "requestSupport")["receipt"].clone();
    assert!(
        receipt["reference"].as_str().unwrap().starts_with("FD-"),
        "{receipt}"
    );
    let referred = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "people": [{ "name": "Mia Stone", "child": true, "dateOfBirth": "2015-05-05" }], "concerns": "Attendance has fallen to 70%.", "needsLevel": 2, "whatHasBeenTried": "Meetings with mum.", "familyConsented": true } }),
        )
        .await;
    let referral = ok(&referred, "referFamily")["referral"].clone();
    assert_eq!(referral["status"], "RECEIVED");
    let urgent = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "people": [{ "name": "Rio Lake", "child": true }], "concerns": "Disclosed being hit at home.", "familyConsented": false, "significantHarm": true, "significantHarmReason": "A child disclosed physical harm today." } }),
        )
        .await;
    assert_eq!(
        ok(&urgent, "referFamily")["referral"]["significantHarm"],
        true
    );

    // The hub sees all four, the 2-hour one first, the others on 24 hours.
    let seen = queue(&app).await;
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0]["significantHarm"], true);
    assert_eq!(hours_on_clock(&seen[0]), 120);
    for request in &seen[1..] {
        assert_eq!(hours_on_clock(request), 24 * 60, "{request}");
        assert_eq!(request["clock"], "ON_TIME");
    }
    let ways: Vec<&str> = seen.iter().map(|r| r["wayIn"].as_str().unwrap()).collect();
    assert_eq!(ways, ["REFERRAL", "APP", "ANONYMOUS", "REFERRAL"]);
    assert_eq!(seen[1]["family"]["reference"], "EH-DEMO-001");
    assert_eq!(seen[2]["contactEmail"], Value::Null);
    assert_eq!(
        seen[2]["people"],
        json!([{ "name": "Kai", "child": true, "age": 9, "dateOfBirth": null }, { "name": "Lee Brook", "child": false, "age": null, "dateOfBirth": null }])
    );
    // The hub is emailed at once about the urgent one, with no details.
    let urgent_emails = outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq("An urgent request for support has arrived"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(urgent_emails.len(), 1);
    assert!(!urgent_emails[0].body.contains("Rio"));
    // And it is in the hub worker's inbox as its own kind; nobody else is told.
    let hub_inbox = inbox_kinds(&app, demo::HUB_WORKER).await;
    assert_eq!(hub_inbox, ["URGENT_SUPPORT_REQUEST"]);
    for other in [
        demo::MANAGER,
        demo::SCHOOL_PRACTITIONER,
        demo::MORGAN_PARENT,
        demo::ADMIN,
    ] {
        assert_eq!(
            count_of(&inbox_kinds(&app, other).await, "URGENT_SUPPORT_REQUEST"),
            0,
            "{other}"
        );
    }

    // The referrer sees their own referrals' status, nothing of the others; a parent sees
    // their own request; nobody else reaches the queue.
    let mine = app
        .gql(
            Some(&sam),
            "{ myReferrals { nodes { reference status decision } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        nodes(&ok(&mine, "myReferrals").clone()).len(),
        3,
        "his two and the demo's"
    );
    let dana_sees = app.gql(Some(&dana), MINE, json!({})).await;
    let dana_sees = nodes(&ok(&dana_sees, "mySupportRequests").clone());
    assert_eq!(dana_sees.len(), 1);
    assert_eq!(dana_sees[0]["reference"], asked["reference"]);
    assert_eq!(
        error_code(&app.gql(Some(&sam), QUEUE, json!({})).await),
        Some("FORBIDDEN")
    );
    assert_eq!(
        error_code(&app.gql(None, QUEUE, json!({})).await),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        error_code(&app.gql(None, MINE, json!({})).await),
        Some("UNAUTHENTICATED")
    );
}

async fn two_hub_workers_cannot_both_claim_one_request(app: TestApp) {
    app.load_demo().await;
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        "Kit Dunne",
        "--email",
        SECOND_HUB_WORKER,
        "--organisation",
        api::domain::demo::COUNCIL,
        "--role",
        "hub-worker",
    ])
    .await
    .unwrap();
    for n in 0..3 {
        let body = app
            .gql(
                None,
                ANONYMOUS,
                anonymous_input(&format!("Parent {n}"), "Ash", 7),
            )
            .await;
        ok(&body, "requestSupport");
    }
    let priya = app.token_for(demo::HUB_WORKER).await;
    let kit = app.token_for(SECOND_HUB_WORKER).await;
    for request in queue(&app).await {
        let vars = json!({ "id": request["id"] });
        let (a, b) = tokio::join!(
            app.gql(Some(&priya), CLAIM, vars.clone()),
            app.gql(Some(&kit), CLAIM, vars.clone()),
        );
        let outcomes = [&a, &b].map(|body| user_error_codes(body, "claimSupportRequest"));
        let claimed = outcomes.iter().filter(|codes| codes.is_empty()).count();
        assert_eq!(claimed, 1, "exactly one claim lands: {a} {b}");
        assert!(
            outcomes.iter().any(|codes| codes == &["CONFLICT"]),
            "the other is told someone else has it: {a} {b}"
        );
        // Claiming again is refused too, and the claim stays with its holder.
        let again = app.gql(Some(&kit), CLAIM, vars.clone()).await;
        assert!(!user_error_codes(&again, "claimSupportRequest").is_empty());
    }
    for request in queue(&app).await {
        assert_eq!(request["status"], "SCREENING");
        assert!(request["claimedBy"]["name"].is_string());
    }
}

fn quick_clock(settings: &mut Settings) {
    settings.support_clock_poll_interval = std::time::Duration::from_millis(100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_missed_clocks_alert_the_managers_once_with_two_servers() {
    run_with(
        Backend::Sqlite,
        quick_clock,
        missed_clocks_alert_the_managers_once_with_two_servers,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_missed_clocks_alert_the_managers_once_with_two_servers() {
    run_with(
        Backend::Postgres,
        quick_clock,
        missed_clocks_alert_the_managers_once_with_two_servers,
    )
    .await;
}

const LATE: &str = "A request for support needs your attention";
const LATE_URGENT: &str = "An urgent request for support needs your attention";

async fn queued_to_manager(app: &TestApp, subject: &str) -> usize {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq(subject))
        .filter(outbox_message::Column::Recipient.eq(demo::MANAGER))
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

/// Waits until `expected` are queued, then while both servers' jobs run several more passes.
async fn settle(app: &TestApp, subject: &str, expected: usize) -> usize {
    for _ in 0..200 {
        if queued_to_manager(app, subject).await >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    queued_to_manager(app, subject).await
}

async fn missed_clocks_alert_the_managers_once_with_two_servers(app: TestApp) {
    app.load_demo().await;
    let replica = app.spawn_replica(|_| {}).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let urgent = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "people": [{ "name": "Rio Lake", "child": true }], "concerns": "Disclosed being hit at home.", "familyConsented": false, "significantHarm": true, "significantHarmReason": "A child disclosed physical harm today." } }),
        )
        .await;
    ok(&urgent, "referFamily");
    let plain = app
        .gql(None, ANONYMOUS, anonymous_input("Lee Brook", "Kai", 9))
        .await;
    ok(&plain, "requestSupport");
    let advance = |by: Duration| {
        app.clock.advance(by);
        replica.clock.advance(by);
    };

    // The demo's three requests run on the same clocks: its urgent referral is missed with
    // ours, its two others with our plain one.
    // At 1 h 40 min the urgent one is nearly due, nothing is late.
    advance(Duration::minutes(100));
    let seen = queue(&app).await;
    assert_eq!(seen[0]["nearlyDue"], true, "{seen:?}");
    assert_eq!(seen[1]["clock"], "ON_TIME");
    assert_eq!(settle(&app, LATE_URGENT, 0).await, 0);
    // Past 2 hours: the urgent clock is missed, the managers told once.
    advance(Duration::minutes(21));
    assert_eq!(settle(&app, LATE_URGENT, 2).await, 2);
    assert_eq!(queued_to_manager(&app, LATE).await, 0);
    let seen = queue(&app).await;
    assert_eq!(seen[0]["overdue"], true);
    assert_eq!(seen[0]["clock"], "OVERDUE");
    // Past 24 hours: the other one, once; the urgent one is not told again.
    advance(Duration::hours(22));
    assert_eq!(settle(&app, LATE, 3).await, 3);
    assert_eq!(queued_to_manager(&app, LATE_URGENT).await, 2);
    // In the managers' inbox as their own kinds; not in the hub worker's.
    let manager_inbox = inbox_kinds(&app, demo::MANAGER).await;
    assert_eq!(count_of(&manager_inbox, "SUPPORT_CLOCK_MISSED_URGENT"), 2);
    assert_eq!(count_of(&manager_inbox, "SUPPORT_CLOCK_MISSED"), 3);
    assert_eq!(count_of(&manager_inbox, "ATTENTION"), 0);
    let hub_inbox = inbox_kinds(&app, demo::HUB_WORKER).await;
    assert!(
        hub_inbox
            .iter()
            .all(|k| !k.starts_with("SUPPORT_CLOCK_MISSED")),
        "{hub_inbox:?}"
    );
    let emails = outbox_message::Entity::find()
        .filter(outbox_message::Column::Recipient.eq(demo::MANAGER))
        .all(&app.db)
        .await
        .unwrap();
    for email in emails {
        for secret in ["Rio", "Lee", "Kai", "hit", "FD-", "Tia", "Robin", "Zara"] {
            assert!(!email.body.contains(secret), "the email carries {secret:?}");
        }
    }
}

async fn seen_by(app: &TestApp, token: String) -> Vec<Value> {
    let body = app.gql(Some(&token), MINE, json!({})).await;
    nodes(&ok(&body, "mySupportRequests").clone())
}

async fn claim(app: &TestApp, token: &str, id: &Value) {
    let body = app.gql(Some(token), CLAIM, json!({ "id": id })).await;
    ok(&body, "claimSupportRequest");
}

async fn each_decision_does_what_it_says(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let morgans = family_id(&app, "EH-DEMO-001").await;
    let rahmans = family_id(&app, "EH-DEMO-002").await;

    // Jordan asks privately: the hub sees it, his mother does not.
    let private = app
        .gql(
            Some(&jordan),
            ASK,
            json!({ "input": { "whatIsHappening": "I am being bullied online." } }),
        )
        .await;
    let private = ok(&private, "askForSupport")["supportRequest"].clone();

    // 1. Advice: Dana asks; the hub asks a question, Dana answers, the hub advises.
    let asked = app
        .gql(
            Some(&dana),
            ASK,
            json!({ "input": { "whatIsHappening": "We are behind on rent." } }),
        )
        .await;
    let asked = ok(&asked, "askForSupport")["supportRequest"].clone();
    let seen = seen_by(&app, dana.clone()).await;
    assert_eq!(
        seen.len(),
        1,
        "Jordan's private request stays with the hub: {seen:?}"
    );
    let jordan_seen = seen_by(&app, jordan.clone()).await;
    assert_eq!(
        jordan_seen.len(),
        1,
        "a parent's request is not for the young person"
    );
    assert_eq!(jordan_seen[0]["id"], private["id"]);
    claim(&app, &hub, &asked["id"]).await;
    let question = app
        .gql(
            Some(&hub),
            "mutation($id: ID!) { askForInformation(input: { request: $id, question: \"How many months behind are you?\" }) { informationRequest { id question } userErrors { field code } } }",
            json!({ "id": asked["id"] }),
        )
        .await;
    let question = ok(&question, "askForInformation")["informationRequest"]["id"].clone();
    let seen = seen_by(&app, dana.clone()).await;
    assert_eq!(seen[0]["status"], "BEING_LOOKED_AT");
    assert_eq!(
        seen[0]["questions"][0]["question"],
        "How many months behind are you?"
    );
    // Dana is told there is a question, as its own kind; Jordan and the hub are not.
    assert_eq!(
        count_of(
            &inbox_kinds(&app, demo::MORGAN_PARENT).await,
            "SUPPORT_QUESTION_ASKED"
        ),
        1
    );
    for other in [
        demo::MORGAN_YOUNG_PERSON,
        demo::HUB_WORKER,
        demo::SCHOOL_PRACTITIONER,
    ] {
        assert_eq!(
            count_of(&inbox_kinds(&app, other).await, "SUPPORT_QUESTION_ASKED"),
            0,
            "{other}"
        );
    }
    const ANSWER: &str = "mutation($q: ID!, $a: String!) { answerInformationRequest(input: { question: $q, answer: $a }) { informationRequest { answer answeredAt } userErrors { field code } } }";
    // Sam did not ask: he may not answer.
    let refused = app
        .gql(Some(&sam), ANSWER, json!({ "q": question, "a": "Two." }))
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let answered = app
        .gql(
            Some(&dana),
            ANSWER,
            json!({ "q": question, "a": "Two months." }),
        )
        .await;
    assert_eq!(
        ok(&answered, "answerInformationRequest")["informationRequest"]["answer"],
        "Two months."
    );
    let advised = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": asked["id"], "decision": "ADVICE", "reason": "A housing matter the family can take forward.", "advice": "Call Wrenfield Housing Advice on 01632 960 000; ask about the hardship fund." } }),
        )
        .await;
    assert_eq!(
        ok(&advised, "decideSupportRequest")["supportRequest"]["decision"],
        "ADVICE"
    );
    let seen = seen_by(&app, dana.clone()).await;
    assert_eq!(seen[0]["status"], "DECIDED");
    assert!(
        seen[0]["advice"]
            .as_str()
            .unwrap()
            .contains("hardship fund")
    );
    let dana_inbox = inbox_kinds(&app, demo::MORGAN_PARENT).await;
    assert_eq!(count_of(&dana_inbox, "SUPPORT_REQUEST_DECIDED"), 1);
    assert_eq!(
        count_of(
            &inbox_kinds(&app, demo::MORGAN_YOUNG_PERSON).await,
            "SUPPORT_REQUEST_DECIDED"
        ),
        0,
        "Jordan did not ask"
    );
    // Decided once: not again.
    let again = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": asked["id"], "decision": "ADVICE", "reason": "x", "advice": "y" } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&again, "decideSupportRequest"),
        ["NOT_ALLOWED_NOW"]
    );

    // 2. Early help, linking the record found by matching: a call about "Zara", 15.
    let age = {
        let today = app.clock.now().date_naive();
        let born = chrono::NaiveDate::from_ymd_opt(2011, 4, 17).unwrap();
        today.years_since(born).unwrap() as i32
    };
    let call = app
        .gql(None, ANONYMOUS, anonymous_input("Aisha R", "Zara", age))
        .await;
    ok(&call, "requestSupport");
    let waiting = queue(&app).await;
    let call = waiting
        .iter()
        .find(|r| r["wayIn"] == "ANONYMOUS")
        .unwrap()
        .clone();
    assert_eq!(
        call["possibleMatches"],
        json!([{ "reason": "SAME_CHILD", "family": { "id": rahmans, "reference": "EH-DEMO-002" } }])
    );
    claim(&app, &hub, &call["id"]).await;
    let sam_id = {
        let me = app
            .gql(Some(&sam), "{ viewer { practitioner { id } } }", json!({}))
            .await;
        me["data"]["viewer"]["practitioner"]["id"].clone()
    };
    let missing_family = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": call["id"], "decision": "EARLY_HELP", "reason": "Needs a plan." } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&missing_family, "decideSupportRequest"),
        ["REQUIRED"]
    );
    let linked = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": call["id"], "decision": "EARLY_HELP", "reason": "Known family; school attendance needs a plan.", "family": rahmans, "suggestedLead": sam_id } }),
        )
        .await;
    let linked = ok(&linked, "decideSupportRequest")["supportRequest"].clone();
    assert_eq!(linked["family"]["reference"], "EH-DEMO-002");
    assert_eq!(linked["suggestedLead"]["name"], "Sam Whitlock");
    // Aisha sees her own request from the demo, and the one the hub linked to her family.
    let aisha_sees = seen_by(&app, aisha.clone()).await;
    assert_eq!(aisha_sees.len(), 2, "{aisha_sees:?}");
    assert_eq!(
        aisha_sees[0]["whatIsHappening"],
        api::domain::demo::DEMO_REQUESTS[0]
    );
    let aisha_sees = &aisha_sees[1..];
    assert_eq!(aisha_sees[0]["decision"], "EARLY_HELP");
    assert_eq!(aisha_sees[0]["whoWillContactYou"]["name"], "Sam Whitlock");
    assert_eq!(
        aisha_sees[0]["whatIsHappening"],
        Value::Null,
        "not hers to read"
    );

    // 3. Early help opening a new record, with its level-2 history.
    let referred = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "people": [{ "name": "Mia Stone", "child": true, "dateOfBirth": "2015-05-05" }], "concerns": "Attendance has fallen.", "familyConsented": true, "localArea": "Wrenfield East" } }),
        )
        .await;
    ok(&referred, "referFamily");
    let new_one = queue(&app)
        .await
        .into_iter()
        .find(|r| r["wayIn"] == "REFERRAL")
        .unwrap();
    assert_eq!(new_one["possibleMatches"], json!([]));
    claim(&app, &hub, &new_one["id"]).await;
    let opened = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": new_one["id"], "decision": "EARLY_HELP", "reason": "Emerging needs.", "newFamily": { "reference": "EH-NEW-1", "localArea": "Wrenfield East" } } }),
        )
        .await;
    let opened = ok(&opened, "decideSupportRequest")["supportRequest"].clone();
    assert_eq!(opened["family"]["reference"], "EH-NEW-1");
    assert_eq!(opened["family"]["needLevel"]["level"], 2);
    let mine = app
        .gql(
            Some(&sam),
            "{ myReferrals { nodes { status decision } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        nodes(&ok(&mine, "myReferrals").clone()),
        [
            json!({ "status": "RECEIVED", "decision": null }),
            json!({ "status": "DECIDED", "decision": "EARLY_HELP" })
        ],
        "the demo's referral, then this one"
    );

    // 4. s17 about the Morgans: level 3 with its history entry; the family sees it.
    let s17 = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "family": morgans, "concerns": "Needs have grown beyond early help.", "familyConsented": true, "needsLevel": 3 } }),
        )
        .await;
    let s17 = ok(&s17, "referFamily")["referral"]["id"].clone();
    claim(&app, &hub, &s17).await;
    let decided = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": s17, "decision": "CHILD_AND_FAMILY_ASSESSMENT", "reason": "Complex needs across school and home." } }),
        )
        .await;
    assert_eq!(
        ok(&decided, "decideSupportRequest")["supportRequest"]["family"]["needLevel"]["level"],
        3
    );
    let history = app
        .gql(
            Some(&hub),
            "query($id: ID!) { node(id: $id) { ... on Family { needLevel { level } needLevelHistory(first: 50) { nodes { to { level } reason } } } } }",
            json!({ "id": morgans }),
        )
        .await;
    let history = &history["data"]["node"];
    let entries = nodes(&history["needLevelHistory"]);
    assert!(
        entries
            .iter()
            .any(|e| e["to"]["level"] == 3 && e["reason"].as_str().unwrap().contains("s17")),
        "{history}"
    );

    // 5. s47, withheld: level 4; the family never sees it, before or after.
    let s47 = app
        .gql(
            Some(&sam),
            REFER,
            json!({ "input": { "family": morgans, "concerns": "A disclosure today.", "familyConsented": false, "significantHarm": true, "significantHarmReason": "A child disclosed harm by an adult at home." } }),
        )
        .await;
    let s47 = ok(&s47, "referFamily")["referral"]["id"].clone();
    let before: Vec<Value> = seen_by(&app, dana.clone()).await;
    assert!(before.iter().all(|r| r["id"] != s47), "{before:?}");
    claim(&app, &hub, &s47).await;
    let withheld_from_advice = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": s47, "decision": "CHILD_AND_FAMILY_ASSESSMENT", "reason": "x", "withholdFromFamily": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&withheld_from_advice, "decideSupportRequest"),
        ["INVALID"]
    );
    let decided = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": s47, "decision": "CHILD_PROTECTION_ENQUIRY", "reason": "Strategy discussion held; s47 enquiry.", "withholdFromFamily": true } }),
        )
        .await;
    assert_eq!(
        ok(&decided, "decideSupportRequest")["supportRequest"]["family"]["needLevel"]["level"],
        4
    );
    for token in [&dana, &jordan] {
        let seen = seen_by(&app, token.clone()).await;
        assert!(seen.iter().all(|r| r["id"] != s47), "withheld: {seen:?}");
    }
    // Sam is told of his referrals' decisions (the new family's, the s17), not of the
    // withheld s47; the family is told of none of his referrals.
    let sam_inbox = inbox_kinds(&app, demo::SCHOOL_PRACTITIONER).await;
    assert_eq!(count_of(&sam_inbox, "REFERRAL_DECIDED"), 2, "{sam_inbox:?}");
    assert_eq!(count_of(&sam_inbox, "SUPPORT_REQUEST_DECIDED"), 0);
    assert_eq!(
        count_of(
            &inbox_kinds(&app, demo::MORGAN_PARENT).await,
            "SUPPORT_REQUEST_DECIDED"
        ),
        1,
        "only her own request"
    );
    assert_eq!(
        count_of(
            &inbox_kinds(&app, demo::RAHMAN_PARENT).await,
            "SUPPORT_REQUEST_DECIDED"
        ),
        0,
        "Aisha asked nothing that was decided"
    );
    let seen = seen_by(&app, dana.clone()).await;
    assert!(
        seen.iter()
            .any(|r| r["id"] == s17 && r["decision"] == "CHILD_AND_FAMILY_ASSESSMENT"),
        "the s17 referral made with consent shows: {seen:?}"
    );
    // Every decision about a family is in its audit trail.
    let log = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { nodes { what } } } } }",
            json!({ "id": morgans }),
        )
        .await;
    let whats: Vec<String> = nodes(&log["data"]["node"]["accessLog"])
        .iter()
        .map(|e| e["what"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        whats
            .iter()
            .any(|w| w.contains("decided a request for support")),
        "{whats:?}"
    );
}

fn low_limit(settings: &mut Settings) {
    settings.request_support_limit_per_address = 3;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_public_front_door_reveals_nothing_and_is_rate_limited() {
    run_with(
        Backend::Sqlite,
        low_limit,
        the_public_front_door_reveals_nothing_and_is_rate_limited,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_public_front_door_reveals_nothing_and_is_rate_limited() {
    run_with(
        Backend::Postgres,
        low_limit,
        the_public_front_door_reveals_nothing_and_is_rate_limited,
    )
    .await;
}

async fn the_public_front_door_reveals_nothing_and_is_rate_limited(app: TestApp) {
    app.load_demo().await;
    // A family the service knows (the Rahmans' Zara) and one it does not: the same answer,
    // but for the reference.
    let known = app
        .gql(None, ANONYMOUS, anonymous_input("Aisha Rahman", "Zara", 15))
        .await;
    let unknown = app
        .gql(None, ANONYMOUS, anonymous_input("Nobody Known", "Quill", 4))
        .await;
    let strip = |body: &Value| {
        let mut body = body.clone();
        let reference = body["data"]["requestSupport"]["receipt"]["reference"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(reference.len(), 9, "{reference}");
        body["data"]["requestSupport"]["receipt"]["reference"] = json!("FD-…");
        body
    };
    assert_eq!(strip(&known), strip(&unknown));
    assert_eq!(
        known["data"]["requestSupport"]["receipt"]["whatHappensNext"],
        api::domain::support_requests::WHAT_HAPPENS_NEXT
    );
    // Nothing of any family can be asked for in the answer.
    let probe = app
        .gql(
            None,
            "mutation($input: RequestSupportInput!) { requestSupport(input: $input) { receipt { family { id } } } }",
            anonymous_input("Aisha Rahman", "Zara", 15),
        )
        .await;
    assert_eq!(
        error_code(&probe),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{probe}"
    );
    // The third request from this address still counts when refused; the fourth is refused.
    let refused = app
        .gql(
            None,
            ANONYMOUS,
            json!({ "input": { "name": "x", "whatIsHappening": "y", "agreesToAgencyContact": true } }),
        )
        .await;
    assert_eq!(user_error_codes(&refused, "requestSupport"), ["REQUIRED"]);
    let limited = app
        .gql(None, ANONYMOUS, anonymous_input("Lee Brook", "Kai", 9))
        .await;
    assert_eq!(error_code(&limited), Some("TOO_MANY_REQUESTS"), "{limited}");
    assert_eq!(queue(&app).await.len(), 2, "only the two accepted requests");
}

async fn a_concern_from_outside_the_team_becomes_an_urgent_request(app: TestApp) {
    app.load_demo().await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let rahmans = family_id(&app, "EH-DEMO-002").await;
    const RAISE: &str = "mutation($input: RaiseSafeguardingConcernInput!) { raiseSafeguardingConcern(input: $input) { override { id } urgentRequest { reference status significantHarm } userErrors { field code } } }";
    const READ: &str = "query($id: ID!) { node(id: $id) { ... on Family { reference } } }";
    // Sam does not work with the Rahmans.
    assert_eq!(
        error_code(&app.gql(Some(&sam), READ, json!({ "id": rahmans })).await),
        Some("FORBIDDEN")
    );
    let blank = app
        .gql(
            Some(&sam),
            RAISE,
            json!({ "input": { "family": rahmans, "reason": " " } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&blank, "raiseSafeguardingConcern"),
        ["REQUIRED"]
    );
    let raised = app
        .gql(
            Some(&sam),
            RAISE,
            json!({ "input": { "family": rahmans, "reason": "Zara came to school with a burn she would not explain." } }),
        )
        .await;
    let raised = ok(&raised, "raiseSafeguardingConcern").clone();
    assert_eq!(raised["override"], Value::Null, "no access: {raised}");
    assert_eq!(raised["urgentRequest"]["status"], "RECEIVED");
    assert_eq!(raised["urgentRequest"]["significantHarm"], true);
    // Still no access to the record.
    assert_eq!(
        error_code(&app.gql(Some(&sam), READ, json!({ "id": rahmans })).await),
        Some("FORBIDDEN")
    );
    // The hub has it, on the 2-hour clock, about the Rahmans' record.
    let seen = queue(&app).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["wayIn"], "URGENT");
    assert_eq!(seen[0]["family"]["reference"], "EH-DEMO-002");
    assert_eq!(hours_on_clock(&seen[0]), 120);
    assert_eq!(seen[0]["reference"], raised["urgentRequest"]["reference"]);
    // Sam follows it among his referrals; the family does not see it.
    let mine = app
        .gql(
            Some(&sam),
            "{ myReferrals { nodes { reference status } } }",
            json!({}),
        )
        .await;
    let mine = nodes(&ok(&mine, "myReferrals").clone());
    assert_eq!(mine.len(), 2, "the demo's referral and this: {mine:?}");
    assert_eq!(mine[1]["reference"], raised["urgentRequest"]["reference"]);
    let body = app.gql(Some(&aisha), MINE, json!({})).await;
    let aisha_sees = nodes(&ok(&body, "mySupportRequests").clone());
    assert_eq!(
        aisha_sees.len(),
        1,
        "only her own, from the demo: {aisha_sees:?}"
    );
    assert_ne!(
        aisha_sees[0]["reference"],
        raised["urgentRequest"]["reference"]
    );
    // On the Morgans' team, Sam's concern is the override, as before.
    let morgans = family_id(&app, "EH-DEMO-001").await;
    let on_team = app
        .gql(
            Some(&sam),
            RAISE,
            json!({ "input": { "family": morgans, "reason": "A disclosure in class today." } }),
        )
        .await;
    let on_team = ok(&on_team, "raiseSafeguardingConcern");
    assert!(on_team["override"]["id"].is_string(), "{on_team}");
    assert_eq!(on_team["urgentRequest"], Value::Null);
}

async fn a_consultation_is_answered_recorded_and_becomes_a_referral(app: TestApp) {
    app.load_demo().await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let rahmans = family_id(&app, "EH-DEMO-002").await;
    const CONSULT: &str = "mutation($input: ConsultHubInput!) { consultHub(input: $input) { consultation { id namesFamily family { reference } } userErrors { field code } } }";
    const HUB_LIST: &str = "{ consultations(first: 10) { nodes { id situation namesFamily family { reference } askedBy { name } organisation { name } } } }";
    const MINE_C: &str = "{ myConsultations(first: 10) { nodes { id advice advisedReferral family { reference } referral { reference status } } } }";
    const ANSWER_C: &str = "mutation($input: AnswerConsultationInput!) { answerConsultation(input: $input) { consultation { id advice answeredBy { name } } userErrors { field code } } }";
    const REFER_C: &str = "mutation($input: ReferFromConsultationInput!) { referFromConsultation(input: $input) { referral { id reference status } userErrors { field code } } }";

    // Naming the family needs its consent: refused, nothing stored.
    let refused = app
        .gql(
            Some(&sam),
            CONSULT,
            json!({ "input": { "situation": "A pupil is often hungry.", "family": rahmans } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&refused, "consultHub"),
        ["CONSENT_REQUIRED"]
    );
    let unnamed = app
        .gql(
            Some(&sam),
            CONSULT,
            json!({ "input": { "situation": "A Year 5 pupil is often hungry and tired; mum seems overwhelmed." } }),
        )
        .await;
    let unnamed = ok(&unnamed, "consultHub")["consultation"].clone();
    assert_eq!(unnamed["namesFamily"], false);
    let named = app
        .gql(
            Some(&sam),
            CONSULT,
            json!({ "input": { "situation": "Zara's attendance has dropped since the spring.", "family": rahmans, "familyConsented": true } }),
        )
        .await;
    let named = ok(&named, "consultHub")["consultation"].clone();
    // No access through it: Sam does not see the Rahmans' record.
    assert_eq!(named["namesFamily"], true);
    assert_eq!(named["family"], Value::Null);
    assert_eq!(
        error_code(
            &app.gql(
                Some(&sam),
                "query($id: ID!) { node(id: $id) { ... on Family { reference } } }",
                json!({ "id": rahmans })
            )
            .await
        ),
        Some("FORBIDDEN")
    );

    // The hub sees both, who asked and from where, and answers.
    let waiting = app.gql(Some(&hub), HUB_LIST, json!({})).await;
    let waiting = nodes(&ok(&waiting, "consultations").clone());
    assert_eq!(waiting.len(), 2);
    assert_eq!(waiting[0]["askedBy"]["name"], "Sam Whitlock");
    assert_eq!(waiting[0]["organisation"]["name"], "Larkhill Academy");
    assert_eq!(waiting[1]["family"]["reference"], "EH-DEMO-002");
    let answered = app
        .gql(
            Some(&hub),
            ANSWER_C,
            json!({ "input": { "consultation": unnamed["id"], "advice": "Offer the breakfast club and signpost to the food bank; no referral needed yet.", "adviseReferral": false } }),
        )
        .await;
    assert_eq!(
        ok(&answered, "answerConsultation")["consultation"]["answeredBy"]["name"],
        "Priya Nair"
    );
    let answered = app
        .gql(
            Some(&hub),
            ANSWER_C,
            json!({ "input": { "consultation": named["id"], "advice": "Please refer: attendance and home both need a plan.", "adviseReferral": true } }),
        )
        .await;
    ok(&answered, "answerConsultation");
    let twice = app
        .gql(
            Some(&hub),
            ANSWER_C,
            json!({ "input": { "consultation": named["id"], "advice": "Again.", "adviseReferral": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&twice, "answerConsultation"),
        ["NOT_ALLOWED_NOW"]
    );
    let email = app.email_to(demo::SCHOOL_PRACTITIONER, 1).await;
    assert!(
        !email.contains("Zara") && !email.contains("attendance"),
        "{email}"
    );
    // Both answers are in Sam's inbox as their own kind; the hub's and the manager's are not.
    assert_eq!(
        inbox_kinds(&app, demo::SCHOOL_PRACTITIONER).await,
        ["CONSULTATION_ANSWERED", "CONSULTATION_ANSWERED"]
    );
    for other in [demo::HUB_WORKER, demo::MANAGER, demo::RAHMAN_PARENT] {
        assert_eq!(
            count_of(&inbox_kinds(&app, other).await, "CONSULTATION_ANSWERED"),
            0,
            "{other}"
        );
    }

    // Turned into a referral in one step, by the one who asked only.
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        "Sol Brandt",
        "--email",
        "senco@larkhill.example",
        "--organisation",
        api::domain::demo::SCHOOL,
    ])
    .await
    .unwrap();
    let other = app.token_for("senco@larkhill.example").await;
    let not_theirs = app
        .gql(
            Some(&other),
            REFER_C,
            json!({ "input": { "consultation": named["id"], "familyConsented": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&not_theirs, "referFromConsultation"),
        ["NOT_FOUND"]
    );
    let referred = app
        .gql(
            Some(&sam),
            REFER_C,
            json!({ "input": { "consultation": named["id"], "familyConsented": true } }),
        )
        .await;
    let referral = ok(&referred, "referFromConsultation")["referral"].clone();
    assert_eq!(referral["status"], "RECEIVED");
    let again = app
        .gql(
            Some(&sam),
            REFER_C,
            json!({ "input": { "consultation": named["id"], "familyConsented": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&again, "referFromConsultation"),
        ["NOT_ALLOWED_NOW"]
    );
    let seen = queue(&app).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["wayIn"], "REFERRAL");
    assert_eq!(seen[0]["family"]["reference"], "EH-DEMO-002");
    assert!(
        seen[0]["whatIsHappening"]
            .as_str()
            .unwrap()
            .starts_with("Zara's attendance has dropped"),
        "{}",
        seen[0]
    );
    let mine = app.gql(Some(&sam), MINE_C, json!({})).await;
    let mine = nodes(&ok(&mine, "myConsultations").clone());
    assert_eq!(mine[0]["advisedReferral"], false);
    assert_eq!(mine[0]["referral"], Value::Null);
    assert_eq!(mine[1]["referral"]["reference"], referral["reference"]);
    assert_eq!(mine[1]["family"], Value::Null, "still no access");
}

const SERVICES: &str = "query($search: String, $category: String, $area: String, $age: Int) { services(search: $search, category: $category, localArea: $area, age: $age, first: 50) { nodes { id name organisation categories localArea minimumAge maximumAge contact openingTimes } } }";

async fn names(app: &TestApp, token: Option<&str>, vars: Value) -> Vec<String> {
    let body = app.gql(token, SERVICES, vars).await;
    let mut names: Vec<String> = nodes(&ok(&body, "services").clone())
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn the_directory_is_imported_whole_and_searched_by_anyone(app: TestApp) {
    app.load_demo().await;
    // The demo directory, for anyone, no account needed.
    let north = names(&app, None, json!({ "area": "Wrenfield North" })).await;
    assert_eq!(north.len(), 5, "{north:?}");
    assert_eq!(
        names(
            &app,
            None,
            json!({ "search": "counselling", "area": "Wrenfield North" })
        )
        .await,
        ["Talking Minds"]
    );
    assert_eq!(
        names(
            &app,
            None,
            json!({ "search": "debt advice", "area": "Wrenfield South" })
        )
        .await,
        ["Money Matters"]
    );
    assert_eq!(
        names(
            &app,
            None,
            json!({ "category": "youth", "area": "Wrenfield North", "age": 8 })
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            &app,
            None,
            json!({ "category": "youth", "area": "Wrenfield North", "age": 14 })
        )
        .await,
        ["Northside Youth Club", "Talking Minds"]
    );

    // A new file for the north replaces the north's entries, and only those.
    let dir = app.temp_dir();
    let good = dir.join("north.csv");
    std::fs::write(
        &good,
        "name,organisation,description,categories,areas,min_age,max_age,contact,opening_times\n\
         Dads Group,\"Wrenfield Family Hub, North\",\"Saturday \"\"stay and play\"\" for dads\",parenting;play,Wrenfield North,0,5,01632 960 111,Saturdays 10-12\n\
         Homework Club,Northside Library,Quiet space and help with homework,youth;education,Wrenfield North,8,16,01632 960 222,\n",
    )
    .unwrap();
    let printed = app
        .cli(&["admin", "import-services", good.to_str().unwrap()])
        .await
        .unwrap();
    assert!(
        printed.contains("Imported 2 directory entries for Wrenfield North"),
        "{printed}"
    );
    assert_eq!(
        names(&app, None, json!({ "area": "Wrenfield North" })).await,
        ["Dads Group", "Homework Club"]
    );
    assert_eq!(
        names(&app, None, json!({ "area": "Wrenfield South" }))
            .await
            .len(),
        5
    );
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    assert_eq!(
        names(&app, Some(&dana), json!({ "search": "dads" })).await,
        ["Dads Group"]
    );

    // A malformed file is refused whole, its bad rows named by line.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "name,organisation,areas,min_age\nGood One,Org,Wrenfield North,3\nBad Age,Org,Wrenfield North,old\n,No Name,Wrenfield North,\n",
    )
    .unwrap();
    let refused = app
        .cli(&["admin", "import-services", bad.to_str().unwrap()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("line 3") && refused.contains("line 4"),
        "{refused}"
    );
    assert!(refused.contains("nothing was imported"), "{refused}");
    let json_bad = dir.join("bad.json");
    std::fs::write(
        &json_bad,
        "[{\"name\": \"Half\", \"areas\": [\"Wrenfield North\"]",
    )
    .unwrap();
    assert!(
        app.cli(&["admin", "import-services", json_bad.to_str().unwrap()])
            .await
            .is_err()
    );
    assert_eq!(
        names(&app, None, json!({ "area": "Wrenfield North" })).await,
        ["Dads Group", "Homework Club"],
        "nothing of the bad files was imported"
    );

    // The hub's advice points at entries; the family reads them.
    let body = app
        .gql(
            None,
            SERVICES,
            json!({ "search": "housing", "area": "Wrenfield South" }),
        )
        .await;
    let housing = nodes(&ok(&body, "services").clone())[0]["id"].clone();
    let asked = app
        .gql(
            Some(&dana),
            ASK,
            json!({ "input": { "whatIsHappening": "We are behind on rent." } }),
        )
        .await;
    let asked = ok(&asked, "askForSupport")["supportRequest"]["id"].clone();
    let hub = app.token_for(demo::HUB_WORKER).await;
    claim(&app, &hub, &asked).await;
    let decided = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": asked, "decision": "ADVICE", "reason": "Housing advice will help.", "advice": "Please call the Housing Advice Line.", "services": [housing] } }),
        )
        .await;
    ok(&decided, "decideSupportRequest");
    let body = app
        .gql(
            Some(&dana),
            "{ mySupportRequests { nodes { advice signpostedServices { name contact } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&body, "mySupportRequests")["nodes"][0]["signpostedServices"],
        json!([{ "name": "Housing Advice Line", "contact": "housing.advice@wrenfield.example" }])
    );
}

const PLAN_ACTIONS: &str = "query($id: ID!) { node(id: $id) { ... on Family { plan { id version outcomes(first: 20) { nodes { id status actions { nodes { id description service { id name localArea contact } } } } } } } } }";
const ADD_ACTION: &str = "mutation($input: AddActionInput!) { addAction(input: $input) { action { id description service { id name } } plan { version } userErrors { field code message } } }";

/// The Morgans' plan as `token` reads it: (plan, every action).
async fn plan_actions(app: &TestApp, token: &str, family: &str) -> (Value, Vec<Value>) {
    let body = app
        .gql(Some(token), PLAN_ACTIONS, json!({ "id": family }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let plan = body["data"]["node"]["plan"].clone();
    let actions = nodes(&plan["outcomes"])
        .iter()
        .flat_map(|o| nodes(&o["actions"]))
        .collect();
    (plan, actions)
}

async fn service_id(app: &TestApp, search: &str, area: &str) -> Value {
    let body = app
        .gql(None, SERVICES, json!({ "search": search, "area": area }))
        .await;
    nodes(&ok(&body, "services").clone())[0]["id"].clone()
}

async fn plan_actions_point_at_local_services(app: TestApp) {
    app.load_demo().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let morgans = family_id(&app, "EH-DEMO-001").await;

    // The demo's rent action points at the housing advice line of the Morgans' area.
    let (plan, actions) = plan_actions(&app, &dana, &morgans).await;
    let rent = actions
        .iter()
        .find(|a| a["description"] == "Call the council about a repayment plan")
        .unwrap();
    assert_eq!(rent["service"]["name"], "Housing Advice Line");
    assert_eq!(rent["service"]["localArea"], "Wrenfield North");
    assert!(
        actions
            .iter()
            .filter(|a| a["description"] != rent["description"])
            .all(|a| a["service"].is_null()),
        "{actions:?}"
    );

    // Sam adds a step pointing at the youth club; the family reads it in the plan.
    let club = service_id(&app, "youth club", "Wrenfield North").await;
    let chosen = nodes(&plan["outcomes"])
        .into_iter()
        .find(|o| o["status"] == "CHOSEN")
        .unwrap();
    let dana_member = app
        .gql(Some(&dana), "{ viewer { familyMember { id } } }", json!({}))
        .await["data"]["viewer"]["familyMember"]["id"]
        .clone();
    let added = app
        .gql(
            Some(&sam),
            ADD_ACTION,
            json!({ "input": { "outcome": chosen["id"], "expectedVersion": plan["version"], "description": "Go along to the youth club on Wednesday", "assignee": dana_member, "service": club } }),
        )
        .await;
    let added = ok(&added, "addAction").clone();
    assert_eq!(added["action"]["service"]["name"], "Northside Youth Club");
    let (plan, actions) = plan_actions(&app, &dana, &morgans).await;
    let step = actions
        .iter()
        .find(|a| a["id"] == added["action"]["id"])
        .unwrap();
    assert_eq!(step["service"]["id"], club);
    assert_eq!(step["service"]["contact"], "01632 960 200");

    // Something that is not a directory entry, or an entry that does not exist: a user
    // error, and nothing stored (the plan's version has not moved).
    let not_a_service = app
        .gql(
            Some(&sam),
            ADD_ACTION,
            json!({ "input": { "outcome": chosen["id"], "expectedVersion": plan["version"], "description": "Another step", "assignee": dana_member, "service": morgans } }),
        )
        .await;
    assert_eq!(user_error_codes(&not_a_service, "addAction"), ["INVALID"]);
    use base64::Engine;
    let unknown = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("LocalService:{}", uuid::Uuid::now_v7()));
    let missing = app
        .gql(
            Some(&sam),
            ADD_ACTION,
            json!({ "input": { "outcome": chosen["id"], "expectedVersion": plan["version"], "description": "Another step", "assignee": dana_member, "service": unknown } }),
        )
        .await;
    assert_eq!(user_error_codes(&missing, "addAction"), ["NOT_FOUND"]);
    let (after, actions_after) = plan_actions(&app, &dana, &morgans).await;
    assert_eq!(after["version"], plan["version"]);
    assert_eq!(actions_after.len(), actions.len());
}

const SIGNPOSTED: &str =
    "{ mySupportRequests(first: 50) { nodes { id signpostedServices { id name contact } } } }";

async fn links_to_the_directory_survive_a_reimport(app: TestApp) {
    app.load_demo().await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let morgans = family_id(&app, "EH-DEMO-001").await;
    let housing = service_id(&app, "housing advice", "Wrenfield North").await;
    let club = service_id(&app, "youth club", "Wrenfield North").await;
    let minds = service_id(&app, "counselling", "Wrenfield South").await;

    // Dana asks; the hub's advice points at the housing line and the youth club.
    let asked = app
        .gql(
            Some(&dana),
            ASK,
            json!({ "input": { "whatIsHappening": "We are behind on rent." } }),
        )
        .await;
    let asked = ok(&asked, "askForSupport")["supportRequest"]["id"].clone();
    claim(&app, &hub, &asked).await;
    let advised = app
        .gql(
            Some(&hub),
            DECIDE,
            json!({ "input": { "request": asked, "decision": "ADVICE", "reason": "Housing advice.", "advice": "Call the housing line; Jordan may like the youth club.", "services": [housing, club] } }),
        )
        .await;
    ok(&advised, "decideSupportRequest");
    let signposted = |token: String| {
        let app = &app;
        let asked = asked.clone();
        async move {
            let body = app.gql(Some(&token), SIGNPOSTED, json!({})).await;
            let request = nodes(&ok(&body, "mySupportRequests").clone())
                .into_iter()
                .find(|r| r["id"] == asked)
                .unwrap();
            let mut services: Vec<(String, String)> = request["signpostedServices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap().to_owned(),
                        s["id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            services.sort();
            services
        }
    };
    assert_eq!(
        signposted(dana.clone()).await,
        [
            (
                "Housing Advice Line".to_owned(),
                housing.as_str().unwrap().to_owned()
            ),
            (
                "Northside Youth Club".to_owned(),
                club.as_str().unwrap().to_owned()
            ),
        ]
    );
    // A plan action points at the youth club too.
    let (plan, _) = plan_actions(&app, &dana, &morgans).await;
    let chosen = nodes(&plan["outcomes"])
        .into_iter()
        .find(|o| o["status"] == "CHOSEN")
        .unwrap();
    let dana_member = app
        .gql(Some(&dana), "{ viewer { familyMember { id } } }", json!({}))
        .await["data"]["viewer"]["familyMember"]["id"]
        .clone();
    let added = app
        .gql(
            Some(&sam),
            ADD_ACTION,
            json!({ "input": { "outcome": chosen["id"], "expectedVersion": plan["version"], "description": "Try the youth club", "assignee": dana_member, "service": club } }),
        )
        .await;
    let step = ok(&added, "addAction")["action"]["id"].clone();

    // The north's new file keeps the housing line's id (with a new number), drops the youth
    // club and adds a homework club.
    let file = app.temp_dir().join("north.json");
    std::fs::write(
        &file,
        r#"{"services": [
  {"id": "wfd-housing-advice", "name": "Housing Advice Line", "organization": "Wrenfield Housing",
   "description": "Advice on rent arrears and eviction notices.", "categories": ["housing"],
   "service_areas": ["Wrenfield North"], "contact": "01632 960 999"},
  {"id": "wfd-homework", "name": "Homework Club", "organization": "Northside Library",
   "description": "Help with homework.", "categories": ["youth"], "service_areas": ["Wrenfield North"]}
]}"#,
    )
    .unwrap();
    let printed = app
        .cli(&["admin", "import-services", file.to_str().unwrap()])
        .await
        .unwrap();
    assert!(
        printed.contains("Imported 2 directory entries"),
        "{printed}"
    );

    // The advice still points at the housing line, as it is now; the youth club has gone.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    assert_eq!(
        signposted(dana.clone()).await,
        [(
            "Housing Advice Line".to_owned(),
            housing.as_str().unwrap().to_owned()
        )]
    );
    let body = app.gql(Some(&dana), SIGNPOSTED, json!({})).await;
    let contact = nodes(&ok(&body, "mySupportRequests").clone())
        .into_iter()
        .find(|r| r["id"] == asked)
        .unwrap()["signpostedServices"][0]["contact"]
        .clone();
    assert_eq!(contact, "01632 960 999", "the entry as the new file says");
    // So do the plan's actions: the demo's rent action keeps the housing line, the new step
    // has lost the youth club.
    let (_, actions) = plan_actions(&app, &dana, &morgans).await;
    let rent = actions
        .iter()
        .find(|a| a["description"] == "Call the council about a repayment plan")
        .unwrap();
    assert_eq!(rent["service"]["id"], housing);
    let step = actions.iter().find(|a| a["id"] == step).unwrap();
    assert_eq!(step["service"], Value::Null, "{step}");
    // The south was not in the file: its entries keep their IDs untouched.
    assert_eq!(
        service_id(&app, "counselling", "Wrenfield South").await,
        minds
    );
    // An entry no longer in the directory cannot be pointed at.
    let (plan, _) = plan_actions(&app, &dana, &morgans).await;
    let refused = app
        .gql(
            Some(&sam),
            ADD_ACTION,
            json!({ "input": { "outcome": chosen["id"], "expectedVersion": plan["version"], "description": "Try the youth club again", "assignee": dana_member, "service": club } }),
        )
        .await;
    assert_eq!(user_error_codes(&refused, "addAction"), ["NOT_FOUND"]);
}
