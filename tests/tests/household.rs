//! Issue 11: an adult of the household without parental responsibility (the Morgans'
//! grandmother). She decides nothing for the family; she reads the plan once a parent shares
//! it, has her say on outcomes about herself, and is told only about what concerns her.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use family_plan_tests::{TestApp, db_tests, demo};
use serde_json::{Value, json};

db_tests!(a_grandmother_reads_the_plan_once_shared_and_decides_nothing);

const JUNE: &str = "june@family.example";
const FAMILY: &str = "{ viewer { familyMember { id family { id members { id name } } } } }";
const PLAN: &str = "query($id: ID!) { node(id: $id) { ... on Family { plan { id version outcomes(first: 50) { nodes { id for { id } } } } } } }";
const SHARE: &str = "mutation($m: ID!) { shareWithHouseholdMember(input: { member: $m }) { member { planSharedWithThem } userErrors { code message } } }";
const STOP: &str = "mutation($m: ID!) { stopSharingWithHouseholdMember(input: { member: $m }) { member { planSharedWithThem } userErrors { code message } } }";
const ADD: &str = "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { outcome { id words } userErrors { code message } } }";
const NOTE: &str = "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { outcome { id } userErrors { code message } } }";

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

async fn a_grandmother_reads_the_plan_once_shared_and_decides_nothing(app: TestApp) {
    app.load_demo().await;
    app.cli(&[
        "admin",
        "add-member",
        "--family",
        "EH-DEMO-001",
        "--name",
        "June Morgan",
        "--born",
        "1958-04-02",
        "--relation",
        "other-adult",
        "--email",
        JUNE,
    ])
    .await
    .unwrap();
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let june = app.token_for(JUNE).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let me = app.gql(Some(&june), FAMILY, json!({})).await;
    let june_id = me["data"]["viewer"]["familyMember"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let family = me["data"]["viewer"]["familyMember"]["family"]["id"].clone();

    // Before anything is shared she sees her household's record, not the plan.
    let plan = app.gql(Some(&june), PLAN, json!({ "id": family })).await;
    assert_eq!(code(&plan), Some("FORBIDDEN"), "{plan}");

    // Decisions for the family are a parent's, shared or not.
    let consent = app
        .gql(
            Some(&june),
            "mutation($f: ID!) { giveConsent(input: { family: $f, scope: ALL_PARTNERS }) { consent { id } userErrors { code } } }",
            json!({ "f": family }),
        )
        .await;
    assert_eq!(code(&consent), Some("FORBIDDEN"), "{consent}");

    // Dana shares the plan with her: June is told, without details, and it is in the log.
    let shared = app.gql(Some(&dana), SHARE, json!({ "m": june_id })).await;
    assert_eq!(
        shared["data"]["shareWithHouseholdMember"]["member"]["planSharedWithThem"], true,
        "{shared}"
    );
    let told = app.email_to(JUNE, 1).await;
    assert!(told.contains("changed what you can see"), "{told}");
    for private in ["June", "Dana", "Morgan", "EH-DEMO"] {
        assert!(!told.contains(private), "the email names {private}: {told}");
    }
    let again = app.gql(Some(&dana), SHARE, json!({ "m": june_id })).await;
    assert_eq!(
        again["data"]["shareWithHouseholdMember"]["userErrors"][0]["code"], "UNCHANGED",
        "{again}"
    );
    let log = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 20) { edges { node { what } } } } } }",
            json!({ "id": family }),
        )
        .await;
    assert!(
        log.to_string()
            .contains("shared the plan with another adult of the household"),
        "{log}"
    );

    // Now she reads the plan, and writes an outcome about herself, not for the family.
    let plan = app.gql(Some(&june), PLAN, json!({ "id": family })).await;
    assert_eq!(code(&plan), None, "{plan}");
    let plan = &plan["data"]["node"]["plan"];
    let version = plan["version"].as_i64().unwrap();
    let whole_family = plan["outcomes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["for"] == json!([]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let outcome = |for_members: Value, version: i64| json!({ "input": { "plan": plan["id"], "expectedVersion": version, "words": "I can do the school run on Tuesdays.", "area": "RELATIONSHIPS", "for": for_members } });
    let for_family = app.gql(Some(&june), ADD, outcome(json!([]), version)).await;
    assert_eq!(code(&for_family), Some("FORBIDDEN"), "{for_family}");
    let hers = app
        .gql(Some(&june), ADD, outcome(json!([june_id]), version))
        .await;
    assert_eq!(
        hers["data"]["addOutcome"]["userErrors"],
        json!([]),
        "{hers}"
    );
    let choose = app
        .gql(
            Some(&june),
            "mutation($o: ID!, $v: Int!) { withdrawOutcome(input: { outcome: $o, expectedVersion: $v }) { outcome { id } userErrors { code } } }",
            json!({ "o": whole_family, "v": version + 1 }),
        )
        .await;
    assert_eq!(code(&choose), Some("FORBIDDEN"), "{choose}");
    let nominate = app
        .gql(
            Some(&june),
            "mutation($f: ID!, $p: ID!) { nominateLeadProfessional(input: { family: $f, practitioner: $p }) { nomination { id } userErrors { code } } }",
            json!({ "f": family, "p": june_id }),
        )
        .await;
    assert_eq!(code(&nominate), Some("FORBIDDEN"), "{nominate}");

    // The school adds a note on a whole-family outcome: Dana is told, June is not (it is not
    // about her).
    let note = app
        .gql(
            Some(&sam),
            NOTE,
            json!({ "input": { "outcome": whole_family, "expectedVersion": version + 1, "body": "Mornings are calmer." } }),
        )
        .await;
    assert_eq!(
        note["data"]["addOutcomeNote"]["userErrors"],
        json!([]),
        "{note}"
    );
    let digest = app.email_to(demo::MORGAN_PARENT, 1).await;
    assert!(digest.contains("plan"), "{digest}");
    assert_eq!(
        app.emails_to(JUNE).len(),
        1,
        "June is told only what concerns her"
    );

    // Dana stops sharing: on June's very next request the plan is closed to her again.
    let stopped = app.gql(Some(&dana), STOP, json!({ "m": june_id })).await;
    assert_eq!(
        stopped["data"]["stopSharingWithHouseholdMember"]["member"]["planSharedWithThem"], false,
        "{stopped}"
    );
    let plan = app.gql(Some(&june), PLAN, json!({ "id": family })).await;
    assert_eq!(code(&plan), Some("FORBIDDEN"), "{plan}");
    app.email_to(JUNE, 2).await;
}
