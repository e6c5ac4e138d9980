//! Issue 14: parental responsibility per adult–child pair, and restrictions. In a
//! step-family an adult may hold parental responsibility for one child and not another:
//! their consent covers only their child's items for practitioners, and they decide nothing
//! only about the other child. A restriction recorded by a locality manager makes a named
//! child a stranger to a named adult — members, outcomes, views, history, the access log,
//! support requests, notifications, email and live events — until it is lifted or ends,
//! while the sibling and the other parent are unaffected; the family never sees it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use family_plan_tests::live::Subscriber;
use family_plan_tests::stories::{family_of, nodes, ok};
use family_plan_tests::{TestApp, db_tests_with_fast_jobs, demo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration as Wait;

db_tests_with_fast_jobs!(
    a_step_parent_consents_and_decides_only_for_the_child_they_are_responsible_for,
    a_restricted_adult_sees_and_hears_nothing_about_the_child_until_it_is_lifted,
    a_restriction_ends_on_its_end_date_and_only_locality_managers_keep_them,
);

const CHRIS: &str = "chris@family.example";
const ADD_MEMBER: &str = "mutation($input: AddFamilyMemberInput!) { addFamilyMember(input: $input) { member { id parentalResponsibilityFor { name } } userErrors { field code message } } }";
const SET_PR: &str = "mutation($input: SetParentalResponsibilityInput!) { setParentalResponsibility(input: $input) { adult { parentalResponsibilityFor { name } } userErrors { field code message } } }";
const PLAN: &str = "query($id: ID!) { node(id: $id) { ... on Family { members { name } plan { id version outcomes(first: 50) { nodes { id words for { name } } } history(first: 100) { nodes { outcomeId } } } } } }";
const PROPOSE: &str = "mutation($input: WriteOutcomeInput!) { proposeOutcome(input: $input) { outcome { id } userErrors { field code message } } }";
const ADD_OUTCOME: &str = "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { outcome { id } userErrors { field code message } } }";
const CHOOSE: &str = "mutation($input: OutcomeStepInput!) { chooseOutcome(input: $input) { outcome { status } userErrors { field code message } } }";
const NOTE: &str = "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { outcome { id } userErrors { field code message } } }";
const GIVE_CONSENT: &str = "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field code message } } }";
const RECORD: &str = "mutation($input: RecordRestrictionInput!) { recordRestriction(input: $input) { restriction { id inForce endsOn kind child { name } adult { name } } userErrors { field code message } } }";
const LIFT: &str = "mutation($input: LiftRestrictionInput!) { liftRestriction(input: $input) { restriction { id inForce liftedAt } userErrors { field code message } } }";
const REVIEW: &str = "mutation($input: ReviewRestrictionInput!) { reviewRestriction(input: $input) { restriction { id reviewedAt } userErrors { field code message } } }";
const RESTRICTIONS: &str = "query($id: ID!) { familyRestrictions(family: $id, first: 20) { nodes { id inForce reason } } }";
const TO_REVIEW: &str = "{ restrictionsToReview(first: 50) { nodes { id } } }";
const VIEWS: &str = "query($id: ID!) { node(id: $id) { ... on Family { youngPeoplesViews(first: 50) { nodes { words } } } } }";
const SHARE_VIEW: &str = "mutation($input: ShareViewInput!) { shareView(input: $input) { view { id } userErrors { field code } } }";
const ASK: &str = "mutation($input: AskForSupportInput!) { askForSupport(input: $input) { userErrors { field code message } } }";
const MY_REQUESTS: &str = "{ mySupportRequests(first: 50) { nodes { id } } }";
const LOG: &str = "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { nodes { kind what } } } } }";
const FULL_LOG: &str =
    "query($id: ID!) { familyAccessLog(family: $id, first: 100) { nodes { kind what } } }";
const INBOX: &str = "{ viewer { notifications(first: 50) { nodes { kind outcomeId } } } }";
const PLAN_CHANGED: &str =
    "subscription($plan: ID!) { planChanged(plan: $plan) { planId version changedBy } }";

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

fn id_of(members: &[(String, String)], name: &str) -> String {
    members
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is not a Morgan"))
        .1
        .clone()
}

/// The Morgans' family as `token` sees it: members' names, the plan's ID and version, the
/// outcomes' words by ID, and the outcomes the history names.
struct Seen {
    members: Vec<String>,
    plan: String,
    version: i64,
    outcomes: Vec<(String, String)>,
    history: Vec<Value>,
}

impl Seen {
    fn sees_outcome(&self, id: &str) -> bool {
        self.outcomes.iter().any(|(o, _)| o == id)
    }
}

async fn seen(app: &TestApp, token: &str, family: &str) -> Seen {
    let body = app.gql(Some(token), PLAN, json!({ "id": family })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let node = &body["data"]["node"];
    Seen {
        members: node["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect(),
        plan: node["plan"]["id"].as_str().unwrap().to_owned(),
        version: node["plan"]["version"].as_i64().unwrap(),
        outcomes: node["plan"]["outcomes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["id"].as_str().unwrap().to_owned(),
                    o["words"].as_str().unwrap().to_owned(),
                )
            })
            .collect(),
        history: node["plan"]["history"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["outcomeId"].clone())
            .collect(),
    }
}

/// The hub adds Chris to the Morgans, holding parental responsibility for `with` (none: every
/// child); returns his ID.
async fn add_chris(app: &TestApp, family: &str, with: Option<Vec<String>>) -> String {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let mut input = json!({
        "family": family, "name": "Chris Morgan", "dateOfBirth": "1985-04-01",
        "relation": "ADULT_WITH_PARENTAL_RESPONSIBILITY", "email": CHRIS,
    });
    if let Some(with) = with {
        input["parentalResponsibilityWith"] = json!(with);
    }
    let body = app
        .gql(Some(&hub), ADD_MEMBER, json!({ "input": input }))
        .await;
    ok(&body, "addFamilyMember")["member"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sam (the school, on the team) proposes an outcome for `for_members`; returns its ID.
async fn propose(app: &TestApp, family: &str, words: &str, for_members: &[&str]) -> String {
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let now = seen(app, &dana, family).await;
    let input = json!({ "plan": now.plan, "expectedVersion": now.version, "words": words, "area": "EDUCATION", "for": for_members });
    let body = app
        .gql(Some(&sam), PROPOSE, json!({ "input": input }))
        .await;
    ok(&body, "proposeOutcome")["outcome"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn choose(app: &TestApp, token: &str, family: &str, outcome: &str) -> Value {
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let version = seen(app, &dana, family).await.version;
    app.gql(
        Some(token),
        CHOOSE,
        json!({ "input": { "outcome": outcome, "expectedVersion": version } }),
    )
    .await
}

async fn note(app: &TestApp, family: &str, outcome: &str, body: &str) {
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let version = seen(app, &dana, family).await.version;
    let answer = app
        .gql(
            Some(&sam),
            NOTE,
            json!({ "input": { "outcome": outcome, "expectedVersion": version, "body": body } }),
        )
        .await;
    ok(&answer, "addOutcomeNote");
}

async fn a_step_parent_consents_and_decides_only_for_the_child_they_are_responsible_for(
    app: TestApp,
) {
    app.load_demo().await;
    let (family, members) = family_of(&app, demo::MORGAN_PARENT).await;
    let (dana_id, ellie) = (
        id_of(&members, "Dana Morgan"),
        id_of(&members, "Ellie Morgan"),
    );
    // Chris, Ellie's father, joins with parental responsibility for Ellie only.
    let chris_id = add_chris(&app, &family, Some(vec![ellie.clone()])).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on FamilyMember { parentalResponsibilityFor { name } } } }",
            json!({ "id": chris_id }),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["parentalResponsibilityFor"],
        json!([{ "name": "Ellie Morgan" }]),
        "{body}"
    );
    let ellies = propose(&app, &family, "Ellie settles into Year 3", &[&ellie]).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    assert!(seen(&app, &sam, &family).await.sees_outcome(&ellies));

    // The hub records that Dana does not hold parental responsibility for Ellie.
    let hub = app.token_for(demo::HUB_WORKER).await;
    let input = json!({ "adult": dana_id, "child": ellie, "holds": false, "reason": "Child arrangements order: Ellie's parental responsibility is with her father." });
    let body = app
        .gql(Some(&hub), SET_PR, json!({ "input": input.clone() }))
        .await;
    let payload = ok(&body, "setParentalResponsibility");
    assert_eq!(
        payload["adult"]["parentalResponsibilityFor"],
        json!([{ "name": "Jordan Morgan" }])
    );
    let again = app.gql(Some(&hub), SET_PR, json!({ "input": input })).await;
    assert_eq!(
        again["data"]["setParentalResponsibility"]["userErrors"][0]["code"], "UNCHANGED",
        "{again}"
    );
    // Nor may the school practitioner record it, or Dana.
    for token in [&sam, &dana] {
        let input = json!({ "adult": dana_id, "child": ellie, "holds": true, "reason": "Asked." });
        let body = app
            .gql(Some(token), SET_PR, json!({ "input": input }))
            .await;
        assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
    }

    // Dana's consent no longer covers Ellie's items: the school sees the rest of the plan.
    let sams = seen(&app, &sam, &family).await;
    assert!(!sams.sees_outcome(&ellies), "{:?}", sams.outcomes);
    assert!(
        sams.outcomes.iter().any(|(_, w)| w.contains("quiet")),
        "Jordan's outcome stays in reach"
    );
    assert!(sams.outcomes.iter().any(|(_, w)| w.contains("door by 8")));
    // Dana still sees Ellie's outcome, but it is not hers to choose.
    assert!(seen(&app, &dana, &family).await.sees_outcome(&ellies));
    let body = choose(&app, &dana, &family, &ellies).await;
    assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
    // Nor to write one only about Ellie.
    let now = seen(&app, &dana, &family).await;
    let input = json!({ "plan": now.plan, "expectedVersion": now.version, "words": "Ellie sleeps in her own bed", "area": "HEALTH", "for": [ellie] });
    let body = app
        .gql(Some(&dana), ADD_OUTCOME, json!({ "input": input }))
        .await;
    assert_eq!(
        body["data"]["addOutcome"]["userErrors"][0]["field"],
        json!(["input", "for"]),
        "{body}"
    );

    // Chris consents for the school: his consent covers Ellie's items.
    let chris = app.token_for(CHRIS).await;
    let school = app
        .gql(
            Some(&sam),
            "{ viewer { practitioner { organisation { id } } } }",
            json!({}),
        )
        .await["data"]["viewer"]["practitioner"]["organisation"]["id"]
        .clone();
    let input =
        json!({ "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": [school] });
    let body = app
        .gql(Some(&chris), GIVE_CONSENT, json!({ "input": input }))
        .await;
    ok(&body, "giveConsent");
    assert!(seen(&app, &sam, &family).await.sees_outcome(&ellies));
    // Chris chooses Ellie's outcome; he may not choose one only about Jordan.
    let body = choose(&app, &chris, &family, &ellies).await;
    assert_eq!(ok(&body, "chooseOutcome")["outcome"]["status"], "CHOSEN");
    let jordan = id_of(&members, "Jordan Morgan");
    let jordans = propose(&app, &family, "Jordan joins the drama club", &[&jordan]).await;
    let body = choose(&app, &chris, &family, &jordans).await;
    assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
    let body = choose(&app, &dana, &family, &jordans).await;
    ok(&body, "chooseOutcome");
}

async fn a_restricted_adult_sees_and_hears_nothing_about_the_child_until_it_is_lifted(
    app: TestApp,
) {
    app.load_demo().await;
    let (family, members) = family_of(&app, demo::MORGAN_PARENT).await;
    let (dana_id, jordan, ellie) = (
        id_of(&members, "Dana Morgan"),
        id_of(&members, "Jordan Morgan"),
        id_of(&members, "Ellie Morgan"),
    );
    add_chris(&app, &family, None).await;
    // Chris consents for every partner: once Dana is restricted from Jordan, her consent
    // no longer covers Jordan's items; his does.
    let chris = app.token_for(CHRIS).await;
    let input = json!({ "family": family, "scope": "ALL_PARTNERS" });
    let body = app
        .gql(Some(&chris), GIVE_CONSENT, json!({ "input": input }))
        .await;
    ok(&body, "giveConsent");
    let ellies = propose(&app, &family, "Ellie settles into Year 3", &[&ellie]).await;
    let jordan_token = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let input = json!({ "words": "I want to try out for the school play.", "private": false });
    let body = app
        .gql(Some(&jordan_token), SHARE_VIEW, json!({ "input": input }))
        .await;
    ok(&body, "shareView");
    let input = json!({ "whatIsHappening": "Things are hard at school.", "about": [jordan], "shareWithParents": true });
    let body = app
        .gql(Some(&jordan_token), ASK, json!({ "input": input }))
        .await;
    ok(&body, "askForSupport");

    // Before: Dana sees Jordan everywhere.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let before = seen(&app, &dana, &family).await;
    let quiet = before
        .outcomes
        .iter()
        .find(|(_, w)| w.contains("quiet"))
        .expect("Dana sees Jordan's outcome")
        .0
        .clone();
    assert!(before.members.contains(&"Jordan Morgan".to_owned()));
    let views = app.gql(Some(&dana), VIEWS, json!({ "id": family })).await;
    assert_eq!(
        nodes_of(&views["data"]["node"]["youngPeoplesViews"]).len(),
        1,
        "{views}"
    );
    let requests = app.gql(Some(&dana), MY_REQUESTS, json!({})).await;
    assert_eq!(
        nodes_of(&requests["data"]["mySupportRequests"]).len(),
        1,
        "{requests}"
    );

    // Only a locality manager records a restriction.
    let today = app.clock.now().date_naive();
    let input = json!({ "adult": dana_id, "child": jordan, "kind": "SAFEGUARDING_DECISION",
        "reason": "Strategy discussion: contact with Jordan is being assessed.",
        "endsOn": (today + Duration::days(30)).to_string() });
    for email in [
        demo::SCHOOL_PRACTITIONER,
        demo::HUB_WORKER,
        demo::ADMIN,
        demo::MORGAN_PARENT,
        CHRIS,
    ] {
        let token = app.token_for(email).await;
        let body = app
            .gql(Some(&token), RECORD, json!({ "input": input.clone() }))
            .await;
        assert_eq!(code(&body), Some("FORBIDDEN"), "{email}: {body}");
    }
    let manager = app.token_for(demo::MANAGER).await;
    let body = app
        .gql(Some(&manager), RECORD, json!({ "input": input }))
        .await;
    let recorded = ok(&body, "recordRestriction")["restriction"].clone();
    assert_eq!(recorded["inForce"], true);
    assert_eq!(recorded["child"]["name"], "Jordan Morgan");

    // Dana's phone listens to the plan.
    let mut live = Subscriber::signed_in(&app, &dana).await;
    live.subscribe("1", PLAN_CHANGED, json!({ "plan": before.plan }))
        .await;
    assert_eq!(live.next(Wait::from_millis(200)).await, None);

    // After, on Dana's next request: Jordan is a stranger; Ellie and Chris are not.
    let after = seen(&app, &dana, &family).await;
    assert!(
        !after.members.contains(&"Jordan Morgan".to_owned()),
        "{:?}",
        after.members
    );
    assert!(after.members.contains(&"Ellie Morgan".to_owned()));
    assert!(after.members.contains(&"Chris Morgan".to_owned()));
    assert!(!after.sees_outcome(&quiet));
    assert!(after.sees_outcome(&ellies));
    assert!(
        !after.history.contains(&json!(quiet)),
        "history names Jordan's outcome"
    );
    let node = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": jordan }),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null, "{node}");
    let views = app.gql(Some(&dana), VIEWS, json!({ "id": family })).await;
    assert_eq!(
        nodes_of(&views["data"]["node"]["youngPeoplesViews"]),
        Vec::<Value>::new()
    );
    let requests = app.gql(Some(&dana), MY_REQUESTS, json!({})).await;
    assert_eq!(
        nodes_of(&requests["data"]["mySupportRequests"]),
        Vec::<Value>::new()
    );
    // Nor may she write about him.
    let input = json!({ "plan": after.plan, "expectedVersion": after.version, "words": "Jordan and I go swimming", "area": "HEALTH", "for": [jordan] });
    let body = app
        .gql(Some(&dana), ADD_OUTCOME, json!({ "input": input }))
        .await;
    assert!(
        body["data"]["addOutcome"]["userErrors"][0]["code"].is_string(),
        "{body}"
    );
    // The other parent is unaffected.
    let chriss = seen(&app, &chris, &family).await;
    assert!(chriss.sees_outcome(&quiet));
    assert!(chriss.members.contains(&"Jordan Morgan".to_owned()));
    let views = app.gql(Some(&chris), VIEWS, json!({ "id": family })).await;
    assert_eq!(
        nodes_of(&views["data"]["node"]["youngPeoplesViews"]).len(),
        1
    );

    // The school adds a note to Jordan's outcome: Chris is told; Dana hears nothing —
    // no notification, no email, no live event — and her log does not show it.
    let changes = |log: &Value| -> usize {
        nodes_of(&log["data"]["node"]["accessLog"])
            .iter()
            .filter(|e| e["what"].as_str().unwrap_or_default().starts_with("plan:"))
            .count()
    };
    let logs_before = (
        changes(&app.gql(Some(&dana), LOG, json!({ "id": family })).await),
        changes(&app.gql(Some(&chris), LOG, json!({ "id": family })).await),
    );
    // (Dana's log already leaves out the writing of Jordan's outcome.)
    assert!(logs_before.0 < logs_before.1, "{logs_before:?}");
    let dana_emails = outbox_count(&app, demo::MORGAN_PARENT).await;
    note(&app, &family, &quiet, "Quiet room booked for Tuesdays.").await;
    assert_eq!(
        live.next(Wait::from_millis(700)).await,
        None,
        "a live event about Jordan"
    );
    let inbox = app.gql(Some(&chris), INBOX, json!({})).await;
    let told: Vec<Value> = nodes_of(&inbox["data"]["viewer"]["notifications"]);
    assert!(
        told.iter().any(|n| n["outcomeId"] == json!(quiet)),
        "{inbox}"
    );
    let inbox = app.gql(Some(&dana), INBOX, json!({})).await;
    let told: Vec<Value> = nodes_of(&inbox["data"]["viewer"]["notifications"]);
    assert!(
        !told.iter().any(|n| n["outcomeId"] == json!(quiet)),
        "{inbox}"
    );
    assert_eq!(outbox_count(&app, demo::MORGAN_PARENT).await, dana_emails);
    assert!(outbox_count(&app, CHRIS).await > 0);
    let danas_log = app.gql(Some(&dana), LOG, json!({ "id": family })).await;
    let chriss_log = app.gql(Some(&chris), LOG, json!({ "id": family })).await;
    assert_eq!(changes(&danas_log), logs_before.0, "{danas_log}");
    assert_eq!(changes(&chriss_log), logs_before.1 + 1, "{chriss_log}");
    for log in [&danas_log, &chriss_log] {
        assert!(
            !nodes_of(&log["data"]["node"]["accessLog"])
                .iter()
                .any(|e| e["kind"] == "RESTRICTION"),
            "the family never sees a restriction: {log}"
        );
    }
    let full = app
        .gql(Some(&manager), FULL_LOG, json!({ "id": family }))
        .await;
    assert!(
        nodes_of(&full["data"]["familyAccessLog"])
            .iter()
            .any(|e| e["kind"] == "RESTRICTION"),
        "{full}"
    );
    // A change to Ellie's outcome reaches Dana live.
    note(&app, &family, &ellies, "Reading buddy from next week.").await;
    let event = live.next(Wait::from_secs(5)).await.expect("Ellie's change");
    assert_eq!(event["type"], "next", "{event}");

    // The family never reads restrictions.
    for token in [&dana, &chris] {
        let body = app
            .gql(Some(token), RESTRICTIONS, json!({ "id": family }))
            .await;
        assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
    }
    let listed = app
        .gql(Some(&manager), RESTRICTIONS, json!({ "id": family }))
        .await;
    assert_eq!(
        nodes_of(&listed["data"]["familyRestrictions"]).len(),
        1,
        "{listed}"
    );

    // Lifted: Dana sees Jordan again on her next request.
    let input = json!({ "restriction": recorded["id"], "reason": "Assessment concluded: contact is safe." });
    let body = app
        .gql(Some(&manager), LIFT, json!({ "input": input.clone() }))
        .await;
    assert_eq!(
        ok(&body, "liftRestriction")["restriction"]["inForce"],
        false
    );
    let again = seen(&app, &dana, &family).await;
    assert!(again.sees_outcome(&quiet));
    assert!(again.members.contains(&"Jordan Morgan".to_owned()));
    let body = app
        .gql(Some(&manager), LIFT, json!({ "input": input }))
        .await;
    assert_eq!(
        body["data"]["liftRestriction"]["userErrors"][0]["code"], "NOT_ALLOWED_NOW",
        "{body}"
    );
}

async fn a_restriction_ends_on_its_end_date_and_only_locality_managers_keep_them(app: TestApp) {
    app.load_demo().await;
    let (family, members) = family_of(&app, demo::MORGAN_PARENT).await;
    let (dana_id, jordan) = (
        id_of(&members, "Dana Morgan"),
        id_of(&members, "Jordan Morgan"),
    );
    let manager = app.token_for(demo::MANAGER).await;
    let today = app.clock.now().date_naive();
    // A court order needs its reference; an end date in the past is refused.
    let mut input = json!({ "adult": dana_id, "child": jordan, "kind": "COURT_ORDER",
        "reason": "Prohibited steps order.", "endsOn": (today - Duration::days(1)).to_string() });
    let body = app
        .gql(Some(&manager), RECORD, json!({ "input": input.clone() }))
        .await;
    let errors = &body["data"]["recordRestriction"]["userErrors"];
    let fields: Vec<Value> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert!(fields.contains(&json!(["input", "evidence"])), "{body}");
    assert!(fields.contains(&json!(["input", "endsOn"])), "{body}");
    assert_eq!(
        app.gql(Some(&manager), RESTRICTIONS, json!({ "id": family }))
            .await["data"]["familyRestrictions"]["nodes"],
        json!([])
    );
    input["evidence"] = json!("Court ref. WR24P00123");
    input["endsOn"] = json!(today.to_string());
    let body = app
        .gql(Some(&manager), RECORD, json!({ "input": input }))
        .await;
    let recorded = ok(&body, "recordRestriction")["restriction"].clone();
    // Ending today: in force, and waiting for review.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    assert!(
        !seen(&app, &dana, &family)
            .await
            .members
            .contains(&"Jordan Morgan".to_owned())
    );
    let queue = app.gql(Some(&manager), TO_REVIEW, json!({})).await;
    assert!(
        nodes_of(&queue["data"]["restrictionsToReview"])
            .iter()
            .any(|r| r["id"] == recorded["id"]),
        "{queue}"
    );
    for email in [
        demo::SCHOOL_PRACTITIONER,
        demo::HUB_WORKER,
        demo::MORGAN_PARENT,
    ] {
        let token = app.token_for(email).await;
        let body = app.gql(Some(&token), TO_REVIEW, json!({})).await;
        assert_eq!(code(&body), Some("FORBIDDEN"), "{email}: {body}");
    }

    // The day after its end date, access returns on the next request.
    app.clock.advance(Duration::days(1));
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let after = seen(&app, &dana, &family).await;
    assert!(
        after.members.contains(&"Jordan Morgan".to_owned()),
        "{:?}",
        after.members
    );
    assert!(after.outcomes.iter().any(|(_, w)| w.contains("quiet")));
    // Reviewed: it leaves the queue.
    let input =
        json!({ "restriction": recorded["id"], "reason": "Order expired; no renewal sought." });
    let body = app
        .gql(
            Some(&manager_now(&app).await),
            REVIEW,
            json!({ "input": input }),
        )
        .await;
    assert!(ok(&body, "reviewRestriction")["restriction"]["reviewedAt"].is_string());
    let queue = app
        .gql(Some(&manager_now(&app).await), TO_REVIEW, json!({}))
        .await;
    assert_eq!(
        nodes_of(&queue["data"]["restrictionsToReview"]),
        Vec::<Value>::new()
    );
}

/// A fresh session for the manager (the clock moved past the idle timeout).
async fn manager_now(app: &TestApp) -> String {
    app.token_for(demo::MANAGER).await
}

fn nodes_of(connection: &Value) -> Vec<Value> {
    match connection["nodes"].as_array() {
        Some(n) => n.clone(),
        None => nodes(connection),
    }
}

async fn outbox_count(app: &TestApp, to: &str) -> u64 {
    entities::outbox_message::Entity::find()
        .filter(entities::outbox_message::Column::Recipient.eq(to))
        .count(&app.db)
        .await
        .unwrap()
}
