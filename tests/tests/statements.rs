//! Statements per request, counted (a count is deterministic, unlike a time): the plan
//! screen costs the same number of statements for 4 outcomes as for 40, within a budget of
//! session, access facts, data and the audit entry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use family_plan_tests::screens::PLAN_SCREEN;
use family_plan_tests::{Backend, Statements, TestApp, demo, postgres_url, run_with};
use serde_json::{Value, json};

/// The session with its person; the family with its current plan and the plan's contents
/// with the people they name (a parent's permits need nothing read: they are decided first).
const PARENT_BUDGET: usize = 2;
/// The session; the family with its current plan and the practitioner's standing (the access
/// facts); the plan's contents, read once they are allowed; the audit entry of the read (on
/// PostgreSQL written by the contents' statement: 3 in all there).
const PRACTITIONER_BUDGET: usize = 4;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_screen_costs_the_same_statements_for_4_and_40_outcomes_on_sqlite() {
    plan_screen_costs_the_same_statements_for_4_and_40_outcomes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_screen_costs_the_same_statements_for_4_and_40_outcomes_on_postgres() {
    if postgres_url().is_none() && std::env::var_os("CI").is_none() {
        eprintln!("PostgreSQL not configured (FAMILY_PLAN_TEST_DATABASE_URL); not run on it");
        return;
    }
    plan_screen_costs_the_same_statements_for_4_and_40_outcomes(Backend::Postgres).await;
}

async fn plan_screen_costs_the_same_statements_for_4_and_40_outcomes(backend: Backend) {
    run_with(backend, quiet, |app: TestApp| async move {
        app.load_demo().await;
        let parent = app.token_for(demo::MORGAN_PARENT).await;
        let practitioner = app.token_for(demo::SCHOOL_PRACTITIONER).await;
        let family = app.own_family(&parent).await;

        // The demo plan shows 3 outcomes; the family adds one, then 36 more.
        grow_plan_to(&app, &parent, &practitioner, &family, 4).await;
        let parent_4 = screen_statements(&app, &parent, &family, 4).await;
        let reads_before = app.reads_recorded(&parent, &family).await;
        let practitioner_4 = screen_statements(&app, &practitioner, &family, 4).await;
        // The practitioner's screen is in the trail, once, with everything it read.
        let reads_after = app.reads_recorded(&parent, &family).await;
        assert_eq!(
            reads_after.len(),
            reads_before.len() + 1,
            "{reads_before:?} then {reads_after:?}"
        );
        assert_eq!(reads_after[0], "family record, plan", "{reads_after:?}");
        grow_plan_to(&app, &parent, &practitioner, &family, 40).await;
        let parent_40 = screen_statements(&app, &parent, &family, 40).await;
        let practitioner_40 = screen_statements(&app, &practitioner, &family, 40).await;

        println!(
            "{backend:?}: parent {} / {} statements, practitioner {} / {} (4 / 40 outcomes)",
            parent_4.len(),
            parent_40.len(),
            practitioner_4.len(),
            practitioner_40.len()
        );
        if std::env::var_os("SHOW_STATEMENTS").is_some() {
            println!("parent: {parent_4:#?}\npractitioner: {practitioner_4:#?}");
        }
        assert!(
            parent_4.len() <= PARENT_BUDGET,
            "parent, 4 outcomes: {parent_4:#?}"
        );
        assert!(
            practitioner_4.len() <= PRACTITIONER_BUDGET,
            "practitioner, 4 outcomes: {practitioner_4:#?}"
        );
        assert_eq!(
            parent_4, parent_40,
            "the parent's statements, 4 against 40 outcomes"
        );
        assert_eq!(
            practitioner_4, practitioner_40,
            "the practitioner's statements, 4 against 40 outcomes"
        );
        // On PostgreSQL the audit entry is written by the statement that reads the contents,
        // not by one of its own.
        if backend == Backend::Postgres {
            let writes: Vec<_> = practitioner_4
                .iter()
                .filter(|sql| sql.contains("INSERT INTO \"audit_entries\""))
                .collect();
            assert_eq!(writes.len(), 1, "{practitioner_4:#?}");
            assert!(
                writes[0].starts_with("WITH \"written_first\" AS (INSERT INTO \"audit_entries\"")
                    && writes[0].contains("\"plan_outcomes\""),
                "{writes:#?}"
            );
        }
    })
    .await;
}

/// No background work on the counted connection: only requests send statements.
fn quiet(settings: &mut api::config::Settings) {
    settings.mail_worker = false;
    settings.follow_up_scheduler = false;
    settings.lead_deadline_poll_interval = std::time::Duration::from_secs(24 * 3600);
    settings.growing_up_poll_interval = std::time::Duration::from_secs(24 * 3600);
}

/// The statements of one plan screen, having checked it shows `outcomes` outcomes.
async fn screen_statements(
    app: &TestApp,
    token: &str,
    family: &Value,
    outcomes: usize,
) -> Vec<String> {
    app.statements.reset();
    let body = app
        .gql(Some(token), PLAN_SCREEN, json!({ "id": family }))
        .await;
    let mut statements = app.statements.take();
    // Resolvers run concurrently: compare what was sent, not in which order.
    statements.sort();
    assert!(body["errors"].is_null(), "{body}");
    let plan = &body["data"]["node"]["plan"];
    assert_eq!(
        plan["outcomes"]["nodes"].as_array().map(Vec::len),
        Some(outcomes),
        "{body}"
    );
    statements
}

/// The family adds outcomes until the plan has `total`; each new one gets a practitioner's
/// note, a rating from each side and an action, as the demo's do.
async fn grow_plan_to(
    app: &TestApp,
    parent: &str,
    practitioner: &str,
    family: &Value,
    total: usize,
) {
    let ok = |body: Value, field: &str| {
        let payload = body["data"][field].clone();
        assert!(
            body["errors"].is_null() && payload["userErrors"] == json!([]),
            "{body}"
        );
        payload
    };
    let screen = app
        .gql(Some(parent), PLAN_SCREEN, json!({ "id": family }))
        .await;
    let plan = screen["data"]["node"]["plan"].clone();
    let have = plan["outcomes"]["nodes"].as_array().unwrap().len();
    let mut version = plan["version"].as_i64().unwrap();
    let me = app
        .gql(
            Some(parent),
            "{ viewer { familyMember { id } } }",
            json!({}),
        )
        .await;
    let parent_member = me["data"]["viewer"]["familyMember"]["id"].clone();
    // Each new action points at a local service from the directory (issue 17).
    let directory = app
        .gql(None, "{ services(first: 100) { nodes { id } } }", json!({}))
        .await;
    let services = directory["data"]["services"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!services.is_empty(), "{directory}");
    for n in have..total {
        let added = ok(
            app.gql(
                Some(parent),
                "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { outcome { id } plan { version } userErrors { message } } }",
                json!({ "input": { "plan": plan["id"], "expectedVersion": version, "words": format!("Outcome number {n}"), "area": "HOUSING" } }),
            )
            .await,
            "addOutcome",
        );
        let outcome = added["outcome"]["id"].clone();
        version = added["plan"]["version"].as_i64().unwrap();
        let noted = ok(
            app.gql(
                Some(practitioner),
                "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { plan { version } userErrors { message } } }",
                json!({ "input": { "outcome": outcome, "expectedVersion": version, "body": format!("A note on {n}") } }),
            )
            .await,
            "addOutcomeNote",
        );
        version = noted["plan"]["version"].as_i64().unwrap();
        for token in [parent, practitioner] {
            let rated = ok(
                app.gql(
                    Some(token),
                    "mutation($input: RateProgressInput!) { rateProgress(input: $input) { plan { version } userErrors { message } } }",
                    json!({ "input": { "outcome": outcome, "expectedVersion": version, "score": 4 } }),
                )
                .await,
                "rateProgress",
            );
            version = rated["plan"]["version"].as_i64().unwrap();
        }
        let acted = ok(
            app.gql(
                Some(practitioner),
                "mutation($input: AddActionInput!) { addAction(input: $input) { plan { version } userErrors { message } } }",
                json!({ "input": { "outcome": outcome, "expectedVersion": version, "description": format!("Step {n}"), "assignee": parent_member, "dueDate": "2031-01-01", "service": services[n % services.len()]["id"] } }),
            )
            .await,
            "addAction",
        );
        version = acted["plan"]["version"].as_i64().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amend_outcome_reads_the_outcome_and_its_members_once_on_sqlite() {
    amend_outcome_reads_the_outcome_and_its_members_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amend_outcome_reads_the_outcome_and_its_members_once_on_postgres() {
    if postgres_url().is_none() && std::env::var_os("CI").is_none() {
        eprintln!("PostgreSQL not configured (FAMILY_PLAN_TEST_DATABASE_URL); not run on it");
        return;
    }
    amend_outcome_reads_the_outcome_and_its_members_once(Backend::Postgres).await;
}

/// The family changes an outcome's words and who it is for: the outcome and its members
/// are each read once (the payload's plan comes in the plan's one statement).
async fn amend_outcome_reads_the_outcome_and_its_members_once(backend: Backend) {
    run_with(backend, quiet, |app: TestApp| async move {
        app.load_demo().await;
        let parent = app.token_for(demo::MORGAN_PARENT).await;
        let family = app.own_family(&parent).await;
        let screen = app.gql(Some(&parent), PLAN_SCREEN, json!({ "id": family })).await;
        let plan = &screen["data"]["node"]["plan"];
        let outcome = plan["outcomes"]["nodes"][0]["id"].clone();
        let me = app
            .gql(Some(&parent), "{ viewer { familyMember { id } } }", json!({}))
            .await;
        let member = me["data"]["viewer"]["familyMember"]["id"].clone();

        app.statements.reset();
        let body = app
            .gql(
                Some(&parent),
                "mutation($input: AmendOutcomeInput!) { amendOutcome(input: $input) { outcome { id words for { name } } plan { version } userErrors { message } } }",
                json!({ "input": { "outcome": outcome, "expectedVersion": plan["version"], "words": "In our own words, again", "for": [member] } }),
            )
            .await;
        let statements = app.statements.take();
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["amendOutcome"]["userErrors"], json!([]), "{body}");
        assert_eq!(
            body["data"]["amendOutcome"]["outcome"]["words"],
            "In our own words, again"
        );
        let reads = |table: &str| {
            statements
                .iter()
                .filter(|s| s.starts_with(&format!("SELECT \"{table}\".")))
                .count()
        };
        println!(
            "{backend:?}: amendOutcome {} statements, outcome read {} times, members {} times",
            statements.len(),
            reads("outcomes"),
            reads("outcome_members")
        );
        if std::env::var_os("SHOW_STATEMENTS").is_some() {
            println!("{statements:#?}");
        }
        assert_eq!(reads("outcomes"), 1, "{statements:#?}");
        assert_eq!(reads("outcome_members"), 1, "{statements:#?}");
    })
    .await;
}

// ---- issue 17: the hub's queue ----

/// The session with its person, then one read per kind of thing the page shows: the page,
/// the people the requests name, their questions, the signposted services (links and
/// entries), the possible matches (children, earlier requests at the postcodes, the people
/// those name, the families found), the requests' families, the practitioners named; and
/// the audit entry of the families read (one multi-row insert).
const QUEUE_BUDGET: usize = 13;

const QUEUE_PAGE: &str = "query($first: Int!) { supportRequests(status: [RECEIVED, SCREENING, DECIDED], first: $first) { nodes { id reference wayIn status receivedAt dueAt clock significantHarm family { reference needLevel { level } } people { name child age dateOfBirth } possibleMatches { reason family { reference } } claimedBy { name } referredBy { name } decidedBy { name } suggestedLead { name } questions { question answer } decision advice signpostedServices { name } decidedInTime withheldFromFamily } pageInfo { hasNextPage } } }";

fn open_front_door(settings: &mut api::config::Settings) {
    quiet(settings);
    settings.request_support_limit_per_address = 100;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_the_queue_costs_the_same_statements_for_12_and_24_requests_on_sqlite() {
    a_page_of_the_queue_costs_the_same_statements_for_12_and_24_requests(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_the_queue_costs_the_same_statements_for_12_and_24_requests_on_postgres() {
    if postgres_url().is_none() && std::env::var_os("CI").is_none() {
        eprintln!("PostgreSQL not configured (FAMILY_PLAN_TEST_DATABASE_URL); not run on it");
        return;
    }
    a_page_of_the_queue_costs_the_same_statements_for_12_and_24_requests(Backend::Postgres).await;
}

async fn a_page_of_the_queue_costs_the_same_statements_for_12_and_24_requests(backend: Backend) {
    run_with(backend, open_front_door, |app: TestApp| async move {
        app.load_demo().await;
        let hub = app.token_for(demo::HUB_WORKER).await;
        let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
        let dana = app.token_for(demo::MORGAN_PARENT).await;
        let ok = |body: &Value, field: &str| {
            assert!(body["errors"].is_null(), "{body}");
            assert_eq!(body["data"][field]["userErrors"], json!([]), "{body}");
        };
        let morgans = app.own_family(&dana).await;
        // The demo's three, and 21 more of every kind: the public front door (with
        // postcodes and children's ages), referrals of the Morgans, Dana from the app.
        for n in 0..7 {
            let body = app
                .gql(
                    None,
                    "mutation($input: RequestSupportInput!) { requestSupport(input: $input) { userErrors { field code } } }",
                    json!({ "input": { "name": format!("Caller {n}"), "phone": "01632 960 123", "children": [{ "firstName": "Ellie", "age": 7 }, { "firstName": "Kai", "age": n }], "whatIsHappening": "Help, please.", "agreesToAgencyContact": true, "postcode": format!("WR1 {n}AB") } }),
                )
                .await;
            ok(&body, "requestSupport");
            let body = app
                .gql(
                    Some(&sam),
                    "mutation($input: ReferFamilyInput!) { referFamily(input: $input) { userErrors { field code } } }",
                    json!({ "input": { "family": morgans, "concerns": "Attendance.", "familyConsented": true } }),
                )
                .await;
            ok(&body, "referFamily");
            let body = app
                .gql(
                    Some(&dana),
                    "mutation($input: AskForSupportInput!) { askForSupport(input: $input) { userErrors { field code } } }",
                    json!({ "input": { "whatIsHappening": "Things are hard." } }),
                )
                .await;
            ok(&body, "askForSupport");
        }
        // The hub works some of them: claims, questions, advice pointing at services.
        let page = app
            .gql(Some(&hub), QUEUE_PAGE, json!({ "first": 100 }))
            .await;
        let all = page["data"]["supportRequests"]["nodes"].as_array().unwrap().clone();
        assert_eq!(all.len(), 24, "{page}");
        let directory = app
            .gql(None, "{ services(first: 2) { nodes { id } } }", json!({}))
            .await;
        let services: Vec<Value> = directory["data"]["services"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].clone())
            .collect();
        for (i, request) in all.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            let body = app
                .gql(
                    Some(&hub),
                    "mutation($id: ID!) { claimSupportRequest(input: { request: $id }) { userErrors { field code } } }",
                    json!({ "id": request["id"] }),
                )
                .await;
            ok(&body, "claimSupportRequest");
            let body = app
                .gql(
                    Some(&hub),
                    "mutation($id: ID!) { askForInformation(input: { request: $id, question: \"When is best to call?\" }) { userErrors { field code } } }",
                    json!({ "id": request["id"] }),
                )
                .await;
            ok(&body, "askForInformation");
            if i % 2 == 0 {
                let body = app
                    .gql(
                        Some(&hub),
                        "mutation($input: DecideSupportRequestInput!) { decideSupportRequest(input: $input) { userErrors { field code message } } }",
                        json!({ "input": { "request": request["id"], "decision": "ADVICE", "reason": "Advice.", "advice": "Try these.", "services": services } }),
                    )
                    .await;
                ok(&body, "decideSupportRequest");
            }
        }

        let mut counts = vec![];
        // Both pages show every kind of child (a statement that would read nothing is not sent).
        for first in [12, 24] {
            app.statements.reset();
            let body = app
                .gql(Some(&hub), QUEUE_PAGE, json!({ "first": first }))
                .await;
            let statements = app.statements.take();
            assert!(body["errors"].is_null(), "{body}");
            let nodes = body["data"]["supportRequests"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), first);
            let some = |field: &str| {
                nodes.iter().any(|n| {
                    !n[field].is_null() && n[field] != json!([])
                })
            };
            for field in ["family", "people", "possibleMatches", "claimedBy", "referredBy", "decidedBy", "questions", "signpostedServices"] {
                assert!(some(field), "no {field} on the page of {first}: {body}");
            }
            println!("{backend:?}: a page of {first} requests: {} statements", statements.len());
            if std::env::var_os("SHOW_STATEMENTS").is_some() {
                println!("{statements:#?}");
            }
            assert!(statements.len() <= QUEUE_BUDGET, "{first}: {statements:#?}");
            counts.push(statements.len());
        }
        assert_eq!(counts[0], counts[1], "12 against 24 requests");
    })
    .await;
}

/// The bundled SQLite is compiled as `.cargo/config.toml` says: without STAT4, which once
/// ANALYZE has run re-prepares every statement on every execution (23% of the benchmark's CPU),
/// and without memory statistics, a global mutex on every allocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_built_without_stat4_and_memory_statistics() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    run_with(Backend::Sqlite, quiet, |app: TestApp| async move {
        let pragma = Statement::from_string(DbBackend::Sqlite, "PRAGMA compile_options");
        let options: Vec<String> = app
            .db
            .query_all_raw(pragma)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert!(!options.iter().any(|o| o == "ENABLE_STAT4"), "{options:?}");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_growing_up_poll_reads_only_who_is_due_on_sqlite() {
    run_with(
        Backend::Sqlite,
        quiet,
        a_growing_up_poll_reads_only_who_is_due,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_growing_up_poll_reads_only_who_is_due_on_postgres() {
    if postgres_url().is_none() && std::env::var_os("CI").is_none() {
        eprintln!("PostgreSQL not configured (FAMILY_PLAN_TEST_DATABASE_URL); not run on it");
        return;
    }
    run_with(
        Backend::Postgres,
        quiet,
        a_growing_up_poll_reads_only_who_is_due,
    )
    .await;
}

/// Every poll for young people who reached an age read every child in the county and opened
/// a write transaction for each one in the notice window, told or not: once a young person
/// is told, a poll is one statement, whoever else is in the window.
async fn a_growing_up_poll_reads_only_who_is_due(app: TestApp) {
    app.load_demo().await;
    let today = app.clock.now().date_naive();
    let born = today
        .checked_sub_months(chrono::Months::new(13 * 12))
        .unwrap()
        .checked_sub_days(chrono::Days::new(3))
        .unwrap();
    app.cli(&[
        "admin",
        "add-member",
        "--family",
        "EH-DEMO-001",
        "--name",
        "Mia Morgan",
        "--born",
        &born.to_string(),
        "--relation",
        "child",
    ])
    .await
    .unwrap();
    let sent = Statements::default();
    let db = sent.counting(&app.db);
    let poll =
        || api::domain::growing_up::notice_grown_up(&db, app.clock.now(), app.settings.ages(), "");

    assert_eq!(poll().await.unwrap(), 1, "Mia turned 13 three days ago");
    sent.reset();
    assert_eq!(poll().await.unwrap(), 0, "told once");
    let statements = sent.take();
    assert_eq!(statements.len(), 1, "{statements:#?}");
}
