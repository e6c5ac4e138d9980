//! Helpers shared by the lead professional, meetings and live updates stories.
use crate::TestApp;
use serde_json::{Value, json};

/// Like `db_tests!`, with background jobs (deadlines, email) looking every 100 ms, so that
/// a test that moves the clock sees their effect at once.
#[macro_export]
macro_rules! db_tests_with_fast_jobs {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::run_with($crate::Backend::Sqlite, $crate::stories::fast_jobs, super::$name).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::run_with($crate::Backend::Postgres, $crate::stories::fast_jobs, super::$name).await
                }
            )*
        }
    };
}

pub fn fast_jobs(settings: &mut api::config::Settings) {
    settings.lead_deadline_poll_interval = std::time::Duration::from_millis(100);
    settings.mail_poll_interval = std::time::Duration::from_millis(100);
}

/// Asserts a GraphQL answer has no errors, and the payload at `field` no user errors.
pub fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    let payload = &body["data"][field];
    if let Some(user_errors) = payload.get("userErrors") {
        assert_eq!(user_errors, &json!([]), "{body}");
    }
    payload
}

/// The nodes of a connection.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The signed-in practitioner's global ID.
pub async fn practitioner_id(app: &TestApp, email: &str) -> String {
    let token = app.token_for(email).await;
    let me = app
        .gql(
            Some(&token),
            "{ viewer { practitioner { id } } }",
            json!({}),
        )
        .await;
    me["data"]["viewer"]["practitioner"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} is not a practitioner: {me}"))
        .to_owned()
}

/// The signed-in family member's family ID and the IDs of its members by name.
pub async fn family_of(app: &TestApp, email: &str) -> (String, Vec<(String, String)>) {
    let token = app.token_for(email).await;
    let me = app
        .gql(
            Some(&token),
            "{ viewer { familyMember { family { id members { id name } } } } }",
            json!({}),
        )
        .await;
    let family = &me["data"]["viewer"]["familyMember"]["family"];
    let members = family["members"]
        .as_array()
        .unwrap_or_else(|| panic!("{email} is not in a family: {me}"))
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (family["id"].as_str().unwrap().to_owned(), members)
}

/// Adds a practitioner of the demo council; returns their ID.
pub async fn council_practitioner(app: &TestApp, name: &str, email: &str) -> String {
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        name,
        "--email",
        email,
        "--organisation",
        api::domain::demo::COUNCIL,
    ])
    .await
    .unwrap();
    practitioner_id(app, email).await
}

/// The subjects of the emails delivered to `to` so far, in order.
pub fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    app.outbox_files()
        .into_iter()
        .map(|(_, content)| content)
        .filter(|c| {
            c.lines()
                .any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))
        })
        .map(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// DESIGN rule 8: nothing in an email names a person, a family or their plan.
pub fn assert_no_personal_details(email: &str, also: &[&str]) {
    let body = email
        .split_once("\r\n\r\n")
        .or_else(|| email.split_once("\n\n"))
        .map_or(email, |(_, body)| body);
    let subject = email
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default();
    for word in [
        "Morgan",
        "Rahman",
        "Dana",
        "Aisha",
        "Jordan",
        "Ellie",
        "EH-DEMO",
        "Whitlock",
        "Sam ",
        "Priya",
        "Nair",
        "Larkhill",
        "Wrenfield North",
        "Wrenfield South",
    ]
    .iter()
    .chain(also)
    {
        assert!(
            !body.contains(word) && !subject.contains(word),
            "an email mentions {word:?}:\n{email}"
        );
    }
    assert!(
        body.contains("http"),
        "an email without a link to the app:\n{email}"
    );
}

/// Sam, the Morgans' school practitioner, adds a note to the first outcome of their plan: a
/// change by the team that the family is told of.
pub async fn sam_changes_the_morgans_plan(app: &TestApp) {
    const NOTE: &str = "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { outcome { id } userErrors { code message } } }";
    let (family, _) = family_of(app, crate::demo::MORGAN_PARENT).await;
    let sam = app.token_for(crate::demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&sam),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { version outcomes(first: 1) { nodes { id } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let plan = &body["data"]["node"]["plan"];
    let body = app
        .gql(
            Some(&sam),
            NOTE,
            json!({ "input": { "outcome": plan["outcomes"]["nodes"][0]["id"], "expectedVersion": plan["version"], "body": "Jordan was on time all week." } }),
        )
        .await;
    ok(&body, "addOutcomeNote");
}

/// Someone's inbox, newest first: each notification's kind, title and family.
pub async fn inbox(app: &TestApp, email: &str) -> Vec<Value> {
    const INBOX: &str =
        "{ viewer { notifications(first: 50) { edges { node { kind title familyId } } } } }";
    let token = app.token_for(email).await;
    let body = app.gql(Some(&token), INBOX, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["viewer"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}
