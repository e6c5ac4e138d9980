//! Issue 14, "I don't feel safe", over HTTP on both databases: a young person (or a parent)
//! says it, in words or none; the hub's screeners and the family's lead professional are
//! alerted exactly once each (two servers running, a retry with the same idempotency key);
//! nothing reaches anyone else in the family (inbox, email, requests, access log, the plan);
//! the answer shows the helplines; a lead whose access has gone hears nothing; the
//! evaluation report counts the alerts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use entities::outbox_message;
use family_plan_tests::stories::{assert_no_personal_details, council_practitioner, inbox, ok};
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

db_tests!(
    a_young_person_says_it_and_only_the_hub_and_the_lead_hear_once,
    with_no_words_it_still_alerts_and_a_parent_saying_it_tells_the_other_parent_nothing,
    a_lead_whose_access_has_gone_is_not_told,
    a_lead_who_also_screens_for_the_hub_is_told_once,
    the_evaluation_report_counts_the_alerts,
);

const SAY: &str = "mutation($input: SayIDontFeelSafeInput!) { sayIDontFeelSafe(input: $input) { alerted whatHappensNext helplines { name number text url } userErrors { field code message } } }";
const HELPLINES: &str = "{ helplines { name number text url } }";
const MINE: &str = "{ mySupportRequests(first: 50) { nodes { id reference } } }";
const QUEUE: &str = "{ supportRequests(first: 50) { nodes { id wayIn significantHarm whatIsHappening receivedAt dueAt privateFromParents } } }";
const LOG: &str = "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { edges { node { kind what } } } plan { version } } } }";
const FULL_LOG: &str = "query($id: ID!) { familyAccessLog(family: $id, first: 100) { edges { node { kind what actor { role } } } } }";
const ME: &str = "{ viewer { familyMember { family { id } } } }";

const LEE: &str = "lee@wrenfield.example";
const KIT: &str = "kit@wrenfield.example";
const CHRIS: &str = "chris@family.example";
const WORDS: &str = "My uncle shouts at night and I am scared to go home";

/// The demo, with Lee Hart (council) as the Morgans' lead professional and Kit, a second
/// hub worker (Priya, who led the plan, is a hub worker too).
async fn set_up(app: &TestApp) -> String {
    app.load_demo().await;
    let lee = council_practitioner(app, "Lee Hart", LEE).await;
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        "Kit Lowe",
        "--email",
        KIT,
        "--organisation",
        api::domain::demo::COUNCIL,
        "--role",
        "hub-worker",
    ])
    .await
    .unwrap();
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let me = app.gql(Some(&dana), ME, json!({})).await;
    let family = me["data"]["viewer"]["familyMember"]["family"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nominated = app
        .gql(
            Some(&dana),
            "mutation($input: NominateLeadProfessionalInput!) { nominateLeadProfessional(input: $input) { nomination { id } userErrors { field code message } } }",
            json!({ "input": { "family": family, "practitioner": lee } }),
        )
        .await;
    let nomination = ok(&nominated, "nominateLeadProfessional")["nomination"]["id"].clone();
    let lee_token = app.token_for(LEE).await;
    let accepted = app
        .gql(
            Some(&lee_token),
            "mutation($input: AcceptLeadNominationInput!) { acceptLeadNomination(input: $input) { nomination { status } userErrors { field code message } } }",
            json!({ "input": { "nomination": nomination } }),
        )
        .await;
    assert_eq!(
        ok(&accepted, "acceptLeadNomination")["nomination"]["status"],
        "ACCEPTED"
    );
    let lead = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { leadProfessional { name } } } } }",
            json!({ "id": family }),
        )
        .await;
    assert_eq!(
        lead["data"]["node"]["plan"]["leadProfessional"]["name"],
        "Lee Hart"
    );
    family
}

fn kinds(notifications: &[Value]) -> Vec<String> {
    notifications
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Emails queued to `to` (in the database both servers share).
/// The hub's queue without the demo's own requests (none of which came in as an alert).
async fn alerts_in_queue(app: &TestApp, hub: &str) -> Vec<Value> {
    let queue = app.gql(Some(hub), QUEUE, json!({})).await;
    ok(&queue, "supportRequests")["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["wayIn"] == "URGENT")
        .cloned()
        .collect()
}

async fn queued_to(app: &TestApp, to: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Recipient.eq(to))
        .all(&app.db)
        .await
        .unwrap()
}

async fn post(app: &TestApp, token: &str, key: Option<&str>, words: Option<&str>) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": SAY, "variables": { "input": { "words": words } } }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Everything a family member could learn from: their inbox, the emails queued to them,
/// the family's requests they see, the family's access log and the plan's version.
#[derive(Debug, PartialEq)]
struct WhatTheySee {
    inbox: Vec<Value>,
    emails: usize,
    requests: Value,
    log: Vec<Value>,
    plan_version: Value,
}

async fn what_they_see(app: &TestApp, email: &str, family: &str) -> WhatTheySee {
    let token = app.token_for(email).await;
    let requests = app.gql(Some(&token), MINE, json!({})).await;
    let log = app.gql(Some(&token), LOG, json!({ "id": family })).await;
    assert!(log.get("errors").is_none(), "{log}");
    WhatTheySee {
        inbox: inbox(app, email).await,
        emails: queued_to(app, email).await.len(),
        requests: requests["data"]["mySupportRequests"]["nodes"].clone(),
        log: log["data"]["node"]["accessLog"]["edges"]
            .as_array()
            .unwrap()
            .clone(),
        plan_version: log["data"]["node"]["plan"]["version"].clone(),
    }
}

fn assert_helplines(payload: &Value) {
    let helplines = payload["helplines"].as_array().unwrap();
    assert_eq!(helplines.len(), 2, "{payload}");
    assert_eq!(helplines[0]["number"], "999");
    assert_eq!(helplines[1]["name"], "Childline");
    assert_eq!(helplines[1]["number"], "0800 1111");
}

async fn a_young_person_says_it_and_only_the_hub_and_the_lead_hear_once(app: TestApp) {
    let family = set_up(&app).await;
    let replica = app.spawn_replica(|_| {}).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    // Anyone sees the numbers before pressing the button, signed in or not.
    let public = app.gql(None, HELPLINES, json!({})).await;
    assert_helplines(&public["data"]);
    let dana_before = what_they_see(&app, demo::MORGAN_PARENT, &family).await;
    let sam_before = inbox(&app, demo::SCHOOL_PRACTITIONER).await;
    let mut inboxes_before = std::collections::HashMap::new();
    for who in [KIT, demo::HUB_WORKER, LEE] {
        inboxes_before.insert(who, inbox(&app, who).await);
    }

    // Jordan says it on one server; the app never hears back and retries on the other.
    let (status, first) = post(&replica, &jordan, Some("unsafe-press-1"), Some(WORDS)).await;
    assert_eq!(status, 200, "{first}");
    let said = ok(&first, "sayIDontFeelSafe").clone();
    assert_eq!(said["alerted"], true);
    let next = said["whatHappensNext"].as_str().unwrap();
    assert!(next.contains("within 2 hours"), "{next}");
    assert!(next.contains("your lead professional"), "{next}");
    assert!(
        next.contains("We have not told anyone in your family"),
        "{next}"
    );
    assert_helplines(&said);
    let (status, retry) = post(&app, &jordan, Some("unsafe-press-1"), Some(WORDS)).await;
    assert_eq!(status, 200, "{retry}");
    assert_eq!(retry, first, "the retry gets the first answer back");

    // The hub has one urgent request with the 2-hour clock and Jordan's words.
    let hub = app.token_for(KIT).await;
    let queue = alerts_in_queue(&app, &hub).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["wayIn"], "URGENT");
    assert_eq!(queue[0]["significantHarm"], true);
    assert_eq!(queue[0]["whatIsHappening"], WORDS);
    assert_eq!(queue[0]["privateFromParents"], true);
    let at = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    assert_eq!(
        (at(&queue[0]["dueAt"]) - at(&queue[0]["receivedAt"])).num_minutes(),
        120
    );

    // Each screener and the lead: exactly one new notification and one email; no words,
    // no name.
    for (who, kind, subject) in [
        (
            KIT,
            "URGENT_SUPPORT_REQUEST",
            "An urgent request for support has arrived",
        ),
        (
            demo::HUB_WORKER,
            "URGENT_SUPPORT_REQUEST",
            "An urgent request for support has arrived",
        ),
        (
            LEE,
            "SOMEONE_DOES_NOT_FEEL_SAFE",
            "Urgent: someone in a family you lead does not feel safe",
        ),
    ] {
        let told = inbox(&app, who).await;
        let before = &inboxes_before[who];
        assert_eq!(told.len(), before.len() + 1, "{who}: {told:?}");
        assert_eq!(told[0]["kind"], kind, "{who}: {told:?}");
        assert_eq!(told[0]["familyId"], family.as_str());
        let title = told[0]["title"].as_str().unwrap();
        assert!(
            !title.contains("Jordan") && !title.contains("uncle"),
            "{title}"
        );
        let queued: Vec<_> = queued_to(&app, who)
            .await
            .into_iter()
            .filter(|m| m.subject == subject)
            .collect();
        assert_eq!(queued.len(), 1, "{who}: {queued:?}");
        assert!(!queued[0].body.contains("uncle") && !queued[0].body.contains("Jordan"));
    }
    // Delivered once between the two servers.
    let delivered = |to: &str, subject: &str| {
        let mut files = app.emails_to(to);
        files.extend(replica.emails_to(to));
        files
            .into_iter()
            .filter(|f| f.contains(subject))
            .collect::<Vec<_>>()
    };
    const LEAD_SUBJECT: &str = "does not feel safe";
    const HUB_SUBJECT: &str = "An urgent request for support has arrived";
    for _ in 0..200 {
        if !delivered(LEE, LEAD_SUBJECT).is_empty() && !delivered(KIT, HUB_SUBJECT).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(delivered(KIT, HUB_SUBJECT).len(), 1);
    let lee_email = delivered(LEE, LEAD_SUBJECT);
    assert_eq!(lee_email.len(), 1);
    assert_no_personal_details(&lee_email[0], &["uncle", "scared"]);

    // Nobody else: Jordan's parent sees exactly what she saw before, everywhere; Sam (on
    // the team, not the lead) hears nothing.
    assert_eq!(
        what_they_see(&app, demo::MORGAN_PARENT, &family).await,
        dana_before
    );
    assert_eq!(inbox(&app, demo::SCHOOL_PRACTITIONER).await, sam_before);
    // Jordan is not pushed or emailed either (a shared phone), and sees their own request.
    assert_eq!(
        inbox(&app, demo::MORGAN_YOUNG_PERSON).await,
        Vec::<Value>::new()
    );
    assert_eq!(queued_to(&app, demo::MORGAN_YOUNG_PERSON).await.len(), 0);
    let own = app.gql(Some(&jordan), MINE, json!({})).await;
    assert_eq!(
        own["data"]["mySupportRequests"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The hub screens it and decides: still nothing in the family's log.
    let claimed = app
        .gql(
            Some(&hub),
            "mutation($id: ID!) { claimSupportRequest(input: { request: $id }) { supportRequest { status } userErrors { field code } } }",
            json!({ "id": queue[0]["id"] }),
        )
        .await;
    ok(&claimed, "claimSupportRequest");
    let decided = app
        .gql(
            Some(&hub),
            "mutation($input: DecideSupportRequestInput!) { decideSupportRequest(input: $input) { supportRequest { status } userErrors { field code message } } }",
            json!({ "input": { "request": queue[0]["id"], "decision": "ADVICE", "reason": "Spoke to Jordan and the school; safe plan agreed.", "advice": "Call Childline any time." } }),
        )
        .await;
    ok(&decided, "decideSupportRequest");
    let after = what_they_see(&app, demo::MORGAN_PARENT, &family).await;
    assert_eq!(after.log, dana_before.log);
    assert_eq!(after.requests, dana_before.requests);
    // Jordan's own access log does not show it either; the locality manager's full trail does.
    let jordans_log = app.gql(Some(&jordan), LOG, json!({ "id": family })).await;
    assert!(!jordans_log.to_string().contains("ALERT"), "{jordans_log}");
    let manager = app.token_for(demo::MANAGER).await;
    let full = app
        .gql(Some(&manager), FULL_LOG, json!({ "id": family }))
        .await;
    let alerts: Vec<&Value> = full["data"]["familyAccessLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "ALERT")
        .collect();
    assert_eq!(alerts.len(), 3, "said, screened, decided: {full}");
    assert!(!alerts[0].to_string().contains("uncle"));
}

async fn with_no_words_it_still_alerts_and_a_parent_saying_it_tells_the_other_parent_nothing(
    app: TestApp,
) {
    let family = set_up(&app).await;
    app.cli(&[
        "admin",
        "add-member",
        "--family",
        "EH-DEMO-001",
        "--name",
        "Chris Morgan",
        "--born",
        "1986-01-20",
        "--relation",
        "parent",
        "--email",
        CHRIS,
    ])
    .await
    .unwrap();
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;

    // No words at all: still an alert, with a line the hub can read.
    let (_, said) = post(&app, &jordan, None, None).await;
    assert_eq!(ok(&said, "sayIDontFeelSafe")["alerted"], true);
    let (_, blank) = post(&app, &jordan, None, Some("   ")).await;
    assert_eq!(ok(&blank, "sayIDontFeelSafe")["alerted"], true);
    let hub = app.token_for(KIT).await;
    let queue = alerts_in_queue(&app, &hub).await;
    assert_eq!(queue.len(), 2);
    assert!(queue.iter().all(|r| {
        r["whatIsHappening"]
            .as_str()
            .unwrap()
            .contains("do not feel safe")
    }));
    // Too many words: the helplines still show, nothing is sent.
    let long = "a".repeat(2001);
    let (_, refused) = post(&app, &jordan, None, Some(&long)).await;
    let payload = &refused["data"]["sayIDontFeelSafe"];
    assert_eq!(payload["alerted"], false, "{refused}");
    assert_eq!(payload["userErrors"][0]["code"], "TOO_LONG");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "words"]));
    assert_helplines(payload);
    assert_eq!(inbox(&app, KIT).await.len(), 2);

    // Dana says it: Chris (the other parent) and Jordan learn nothing.
    let chris_before = what_they_see(&app, CHRIS, &family).await;
    let jordan_inbox = inbox(&app, demo::MORGAN_YOUNG_PERSON).await;
    let (_, said) = post(&app, &dana, None, Some("I am frightened of my ex-partner")).await;
    let said = ok(&said, "sayIDontFeelSafe");
    assert_eq!(said["alerted"], true);
    assert_helplines(said);
    assert_eq!(what_they_see(&app, CHRIS, &family).await, chris_before);
    assert_eq!(inbox(&app, demo::MORGAN_YOUNG_PERSON).await, jordan_inbox);
    let own = app.gql(Some(&dana), MINE, json!({})).await;
    assert_eq!(
        own["data"]["mySupportRequests"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(inbox(&app, KIT).await.len(), 3);
    let lead_kinds = kinds(&inbox(&app, LEE).await);
    let alerts = lead_kinds
        .iter()
        .filter(|k| *k == "SOMEONE_DOES_NOT_FEEL_SAFE");
    assert_eq!(alerts.count(), 3, "{lead_kinds:?}");

    // Practitioners cannot press it for a family; anonymous callers must sign in.
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let (_, refused) = post(&app, &sam, None, None).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let anonymous = app
        .gql(None, SAY, json!({ "input": { "words": "help" } }))
        .await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
}

async fn a_lead_whose_access_has_gone_is_not_told(app: TestApp) {
    let family = set_up(&app).await;
    let lee = app.token_for(LEE).await;
    let left = app
        .gql(
            Some(&lee),
            "mutation($input: LeaveTeamInput!) { leaveTeam(input: $input) { userErrors { field code message } } }",
            json!({ "input": { "family": family, "reason": "Moving to another area" } }),
        )
        .await;
    ok(&left, "leaveTeam");
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let (_, said) = post(&app, &jordan, None, Some(WORDS)).await;
    let said = ok(&said, "sayIDontFeelSafe");
    let next = said["whatHappensNext"].as_str().unwrap();
    assert!(!next.contains("lead professional"), "{next}");
    let lead_kinds = kinds(&inbox(&app, LEE).await);
    assert!(
        !lead_kinds.iter().any(|k| k == "SOMEONE_DOES_NOT_FEEL_SAFE"),
        "{lead_kinds:?}"
    );
    let queued = queued_to(&app, LEE).await;
    assert!(
        queued
            .iter()
            .all(|m| !m.subject.contains("does not feel safe"))
    );
    assert_eq!(kinds(&inbox(&app, KIT).await), ["URGENT_SUPPORT_REQUEST"]);
    let notifications = entities::notification::Entity::find()
        .filter(entities::notification::Column::Kind.eq("SOMEONE_DOES_NOT_FEEL_SAFE"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(notifications, 0);
}

async fn report(app: &TestApp, manager: &str, today: &str) -> Value {
    let body = app
        .gql(
            Some(manager),
            "query($from: Date!, $to: Date!) { evaluationReport(from: $from, to: $to) { feelingUnsafeAlerts { value suppressed display } } }",
            json!({ "from": today, "to": today }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["evaluationReport"]["feelingUnsafeAlerts"].clone()
}

async fn the_evaluation_report_counts_the_alerts(app: TestApp) {
    set_up(&app).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let manager = app.token_for(demo::MANAGER).await;
    let today = app.clock.now().date_naive().to_string();
    let (_, said) = post(&app, &jordan, None, None).await;
    ok(&said, "sayIDontFeelSafe");
    // One is a small number: suppressed.
    assert_eq!(
        report(&app, &manager, &today).await,
        json!({ "value": null, "suppressed": true, "display": "<5" })
    );
    // A practitioner's urgent concern from outside the team is not one of them.
    let rahmans = app
        .gql(
            Some(&app.token_for(demo::HUB_WORKER).await),
            "{ families(first: 10) { nodes { id reference } } }",
            json!({}),
        )
        .await;
    let rahmans = rahmans["data"]["families"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["reference"] == "EH-DEMO-002")
        .unwrap()["id"]
        .clone();
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let concern = app
        .gql(
            Some(&sam),
            "mutation($input: RaiseSafeguardingConcernInput!) { raiseSafeguardingConcern(input: $input) { urgentRequest { reference } userErrors { field code } } }",
            json!({ "input": { "family": rahmans, "reason": "A worrying disclosure at school." } }),
        )
        .await;
    ok(&concern, "raiseSafeguardingConcern");
    for _ in 0..4 {
        let (_, said) = post(&app, &jordan, None, None).await;
        ok(&said, "sayIDontFeelSafe");
    }
    assert_eq!(
        report(&app, &manager, &today).await,
        json!({ "value": 5, "suppressed": false, "display": "5" })
    );
    let csv = app
        .client
        .get(app.url(&format!("/reports/evaluation.csv?from={today}&to={today}")))
        .bearer_auth(&manager)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("\r\nfeeling_unsafe_alerts,,5,,\r\n"), "{csv}");
}

async fn a_lead_who_also_screens_for_the_hub_is_told_once(app: TestApp) {
    // In the demo Priya leads the Morgans' plan and is a hub worker.
    app.load_demo().await;
    let before = inbox(&app, demo::HUB_WORKER).await;
    let emails_before = queued_to(&app, demo::HUB_WORKER).await.len();
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let (_, said) = post(&app, &jordan, None, None).await;
    let said = ok(&said, "sayIDontFeelSafe");
    assert!(
        said["whatHappensNext"]
            .as_str()
            .unwrap()
            .contains("your lead professional")
    );
    let after = inbox(&app, demo::HUB_WORKER).await;
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    assert_eq!(after[0]["kind"], "URGENT_SUPPORT_REQUEST");
    assert_eq!(
        queued_to(&app, demo::HUB_WORKER).await.len(),
        emails_before + 1
    );
}
