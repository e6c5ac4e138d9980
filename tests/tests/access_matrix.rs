//! Issue 4: the whole access matrix in one test. Every operation of the schema (each field of
//! `Mutation` and `Query`, and the guarded fields of `Family`) × every kind of viewer →
//! allowed, or the exact `extensions.code` of the error.
//!
//! One data set serves every cell: mutations use inputs that pass authorisation but fail
//! validation (authorisation is checked first), so an allowed cell is "no GraphQL error, and
//! the payload's `userErrors` say what to fix" and nothing changes. Adding an operation to the
//! schema without adding its row here fails the test; so does a row for an operation that is
//! no longer in the schema. On failure the whole matrix is printed, every mismatch marked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use family_plan_tests::{TestApp, db_tests, demo};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt::Write as _;

db_tests!(every_operation_allows_or_refuses_every_kind_of_viewer);

/// The columns: each kind of viewer, in the order of the expectations below.
const VIEWERS: [&str; 13] = [
    "anonymous",
    "adult of this family",
    "adult of another family",
    "young person",
    "on team, with consent",
    "on team, consent withdrawn",
    "org not covered, not on team",
    "org covered, not on team",
    "hub worker, not on team",
    "locality manager",
    "admin",
    "override holder",
    "household adult, plan shared",
];

const HOUSING_WORKER: &str = "housing@wrenfield.example";
const POLICE_OFFICER: &str = "officer@wrenfield-police.example";
const VOLUNTARY_WORKER: &str = "youth@wrenfield-voluntary.example";
const SECOND_SCHOOL_PRACTITIONER: &str = "senco@larkhill.example";
const SECOND_HUB_WORKER: &str = "hub2@wrenfield.example";
/// The Morgans' grandmother: of the household, without parental responsibility.
const HOUSEHOLD_ADULT: &str = "nana@family.example";

/// The signed-in viewer of each column (`None`: anonymous).
const ACCOUNTS: [Option<&str>; 13] = [
    None,
    Some(demo::MORGAN_PARENT),
    Some(demo::RAHMAN_PARENT),
    Some(demo::MORGAN_YOUNG_PERSON),
    Some(demo::SCHOOL_PRACTITIONER),
    Some(HOUSING_WORKER),
    Some(VOLUNTARY_WORKER),
    Some(SECOND_SCHOOL_PRACTITIONER),
    Some(SECOND_HUB_WORKER),
    Some(demo::MANAGER),
    Some(demo::ADMIN),
    Some(POLICE_OFFICER),
    Some(HOUSEHOLD_ADULT),
];

const OK: &str = "ok";
const UN: &str = "UNAUTHENTICATED";
const FB: &str = "FORBIDDEN";
const CR: &str = "CONSENT_REQUIRED";

/// Fields of `Family` that anyone who may read the family reads with it: covered by the
/// `node(id:)` row for the family, which asks for all of them.
const PLAIN_FAMILY_FIELDS: [&str; 6] = [
    "id",
    "reference",
    "localArea",
    "needLevel",
    "createdAt",
    "members",
];

/// How a row's cells are run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// With the viewer's session.
    Plain,
    /// The payload has `userErrors`: an allowed cell must have some (the input is meant to be
    /// refused by validation), or else the operation changed something.
    ExpectUserErrors,
    /// The operation ends sessions: each cell uses a fresh one.
    FreshSession,
}

struct Row {
    /// `Mutation.<field>`, `Query.<field>` or `Family.<field>`.
    operation: &'static str,
    /// Tells rows of one operation apart, e.g. `node(id:) of a Family`.
    label: String,
    query: String,
    variables: Value,
    run: Run,
    expected: [&'static str; 13],
}

fn row(
    operation: &'static str,
    query: &str,
    variables: Value,
    run: Run,
    expected: [&'static str; 13],
) -> Row {
    Row {
        operation,
        label: operation.to_owned(),
        query: query.to_owned(),
        variables,
        run,
        expected,
    }
}

/// IDs of the set-up's objects that the rows target.
struct Ids {
    morgans: String,
    dana: String,
    ellie: String,
    sam: String,
    housing_org: String,
    withdrawn_consent: String,
    override_id: String,
    no_follow_up: String,
    plan: String,
    outcome: String,
    action: String,
    meeting: String,
    declined_nomination: String,
    /// Issue 14: a restriction (Dana from Ellie), already lifted so that it changes nothing.
    restriction: String,
}

async fn every_operation_allows_or_refuses_every_kind_of_viewer(app: TestApp) {
    let ids = set_up(&app).await;
    let rows = rows(&ids);
    check_completeness(&rows);

    let mut tokens = mint_tokens(&app).await;
    let mut outcomes: Vec<[String; 13]> = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut cells: [String; 13] = Default::default();
        for (column, cell) in cells.iter_mut().enumerate() {
            let token = match (row.run, ACCOUNTS[column]) {
                (Run::FreshSession, Some(email)) => Some(app.token_for(email).await),
                _ => tokens[column].clone(),
            };
            let body = app
                .gql(token.as_deref(), &row.query, row.variables.clone())
                .await;
            *cell = outcome(row, &body);
        }
        if row.run == Run::FreshSession {
            // `signOutEverywhere` ended the viewers' other sessions too.
            tokens = mint_tokens(&app).await;
        }
        outcomes.push(cells);
    }

    let mismatches: usize = rows
        .iter()
        .zip(&outcomes)
        .map(|(row, got)| {
            row.expected
                .iter()
                .zip(got)
                .filter(|(e, g)| **e != g.as_str())
                .count()
        })
        .sum();
    if mismatches > 0 {
        panic!(
            "{mismatches} cell(s) of the access matrix differ from the rules \
             (cells marked `expected => got`):\n{}",
            table(&rows, &outcomes)
        );
    }
}

/// What one cell did: `ok`, the error's code, or a description of anything unexpected.
fn outcome(row: &Row, body: &Value) -> String {
    if let Some(errors) = body["errors"].as_array().filter(|e| !e.is_empty()) {
        return errors[0]["extensions"]["code"].as_str().map_or_else(
            || format!("no code: {}", errors[0]["message"]),
            str::to_owned,
        );
    }
    let Some(data) = body["data"].as_object() else {
        return format!("no data: {body}");
    };
    if row.run == Run::ExpectUserErrors {
        let field = row.operation.rsplit('.').next().unwrap_or_default();
        let user_errors = data
            .get(field)
            .and_then(|payload| payload["userErrors"].as_array());
        if user_errors.is_none_or(|e| e.is_empty()) {
            return "ok, and it changed something".to_owned();
        }
    }
    OK.to_owned()
}

/// The matrix as a table: a row per operation, a column per viewer.
fn table(rows: &[Row], outcomes: &[[String; 13]]) -> String {
    let mut out = String::new();
    let width = rows.iter().map(|r| r.label.len()).max().unwrap_or(0);
    for (i, viewer) in VIEWERS.iter().enumerate() {
        writeln!(out, "  [{i:>2}] {viewer}").unwrap();
    }
    let short = |code: &str| match code {
        OK => "ok".to_owned(),
        UN => "UNAUTH".to_owned(),
        FB => "FORBID".to_owned(),
        CR => "CONSENT".to_owned(),
        other => other.to_owned(),
    };
    write!(out, "{:width$}", "").unwrap();
    for i in 0..VIEWERS.len() {
        write!(out, " | {:^9}", format!("[{i}]")).unwrap();
    }
    writeln!(out).unwrap();
    for (row, got) in rows.iter().zip(outcomes) {
        write!(out, "{:width$}", row.label).unwrap();
        for (expected, got) in row.expected.iter().zip(got) {
            let cell = if *expected == got.as_str() {
                short(expected)
            } else {
                format!("{} => {}", short(expected), short(got))
            };
            write!(out, " | {cell:^9}").unwrap();
        }
        writeln!(out).unwrap();
    }
    out
}

/// The field names of `type <name> ...{` in the SDL.
fn sdl_fields(sdl: &str, type_line: &str) -> Vec<String> {
    let mut lines = sdl.lines().skip_while(|l| l.trim() != type_line);
    assert!(
        lines.next().is_some(),
        "`{type_line}` is not in the schema's SDL"
    );
    let mut fields = vec![];
    let mut in_description = false;
    for line in lines {
        let line = line.trim();
        if line == "}" {
            break;
        }
        if let Some(rest) = line.strip_prefix("\"\"\"") {
            if !(rest.len() >= 3 && rest.ends_with("\"\"\"")) {
                in_description = !in_description;
            }
            continue;
        }
        if in_description || line.is_empty() {
            continue;
        }
        let end = line.find(['(', ':']).unwrap_or(line.len());
        fields.push(line[..end].trim().to_owned());
    }
    fields
}

/// Every operation has a row, and every row an operation.
fn check_completeness(rows: &[Row]) {
    let sdl = api::graphql::sdl();
    let covered: BTreeSet<&str> = rows.iter().map(|r| r.operation).collect();
    let mut operations = BTreeSet::new();
    let mut missing = vec![];
    for (type_name, type_line) in [
        ("Mutation", "type Mutation {"),
        ("Query", "type Query {"),
        ("Family", "type Family implements Node {"),
    ] {
        let fields = sdl_fields(&sdl, type_line);
        assert!(!fields.is_empty(), "no fields found for `{type_line}`");
        for field in fields {
            let operation = format!("{type_name}.{field}");
            let plain = type_name == "Family" && PLAIN_FAMILY_FIELDS.contains(&field.as_str());
            if !plain && !covered.contains(operation.as_str()) {
                missing.push(operation.clone());
            }
            operations.insert(operation);
        }
    }
    // Guarded fields of other types, reached through a `Family` field, may have rows too.
    for field in sdl_fields(&sdl, "type FamilyMember implements Node {") {
        operations.insert(format!("FamilyMember.{field}"));
    }
    for field in sdl_fields(&sdl, "type Assessment implements Node {") {
        operations.insert(format!("Assessment.{field}"));
    }
    let stale: Vec<&str> = covered
        .iter()
        .copied()
        .filter(|op| !operations.contains(*op))
        .collect();
    for plain in PLAIN_FAMILY_FIELDS {
        assert!(
            operations.contains(format!("Family.{plain}").as_str()),
            "`Family.{plain}` is listed as a plain field but is no longer in the schema"
        );
    }
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the access matrix must have a row for every operation and no other:\n  \
         operations without a row: {missing:?}\n  rows for operations not in the schema: {stale:?}"
    );
}

async fn mint_tokens(app: &TestApp) -> [Option<String>; 13] {
    let mut tokens: [Option<String>; 13] = Default::default();
    for (token, account) in tokens.iter_mut().zip(ACCOUNTS) {
        if let Some(email) = account {
            *token = Some(app.token_for(email).await);
        }
    }
    tokens
}

async fn cli(app: &TestApp, args: &[&str]) {
    app.cli(args)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
}

/// Asserts a GraphQL answer has no errors, and the payload at `field` no user errors.
fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    let payload = &body["data"][field];
    if let Some(user_errors) = payload.get("userErrors") {
        assert_eq!(user_errors, &json!([]), "{body}");
    }
    payload
}

async fn set_up(app: &TestApp) -> Ids {
    app.load_demo().await;
    for (name, kind) in [
        ("Wrenfield Housing", "housing"),
        ("Wrenfield Police", "police"),
        ("Wrenfield Voluntary Action", "voluntary"),
    ] {
        cli(
            app,
            &[
                "admin",
                "create-organisation",
                "--name",
                name,
                "--kind",
                kind,
            ],
        )
        .await;
    }
    for (name, email, organisation, role) in [
        (
            "Hal Osei",
            HOUSING_WORKER,
            "Wrenfield Housing",
            "practitioner",
        ),
        (
            "PC Jo Marsh",
            POLICE_OFFICER,
            "Wrenfield Police",
            "practitioner",
        ),
        (
            "Val Kerr",
            VOLUNTARY_WORKER,
            "Wrenfield Voluntary Action",
            "practitioner",
        ),
        (
            "Sol Brandt",
            SECOND_SCHOOL_PRACTITIONER,
            demo_org_school(),
            "practitioner",
        ),
        (
            "Kit Dunne",
            SECOND_HUB_WORKER,
            demo_org_council(),
            "hub-worker",
        ),
    ] {
        cli(
            app,
            &[
                "admin",
                "create-practitioner",
                "--name",
                name,
                "--email",
                email,
                "--organisation",
                organisation,
                "--role",
                role,
            ],
        )
        .await;
    }

    const ME: &str = "{ viewer { practitioner { id organisation { id } } familyMember { id family { id members { id name } } } } }";
    let dana_token = app.token_for(demo::MORGAN_PARENT).await;
    let me = app.gql(Some(&dana_token), ME, json!({})).await;
    let member = &ok(&me, "viewer")["familyMember"];
    let dana = member["id"].as_str().unwrap().to_owned();
    let morgans = member["family"]["id"].as_str().unwrap().to_owned();
    let ellie = member["family"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Ellie Morgan")
        .expect("Ellie is in the demo family")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let practitioner = |body: &Value| {
        let p = &ok(body, "viewer")["practitioner"];
        (
            p["id"].as_str().unwrap().to_owned(),
            p["organisation"]["id"].as_str().unwrap().to_owned(),
        )
    };
    let sam_token = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let (sam, _) = practitioner(&app.gql(Some(&sam_token), ME, json!({})).await);
    let housing_token = app.token_for(HOUSING_WORKER).await;
    let (housing_worker, housing_org) =
        practitioner(&app.gql(Some(&housing_token), ME, json!({})).await);

    // Dana shares with Housing; the hub adds the housing worker; Dana withdraws.
    let given = app
        .gql(
            Some(&dana_token),
            "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field message } } }",
            json!({ "input": { "family": morgans, "scope": "NAMED_ORGANISATIONS", "organisations": [housing_org] } }),
        )
        .await;
    let consent = ok(&given, "giveConsent")["consent"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hub_token = app.token_for(demo::HUB_WORKER).await;
    let added = app
        .gql(
            Some(&hub_token),
            "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { current } userErrors { field message } } }",
            json!({ "input": { "family": morgans, "practitioner": housing_worker } }),
        )
        .await;
    assert_eq!(ok(&added, "addTeamMember")["membership"]["current"], true);
    let withdrawn = app
        .gql(
            Some(&dana_token),
            "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { field message } } }",
            json!({ "input": { "consent": consent } }),
        )
        .await;
    assert_eq!(
        ok(&withdrawn, "withdrawConsent")["consent"]["status"],
        "WITHDRAWN"
    );

    // The police officer joins the team while Dana's consent covers the police, and stays
    // on it once she withdraws (issue 17: only the team may use the override).
    let police_token = app.token_for(POLICE_OFFICER).await;
    let (police_officer, police_org) =
        practitioner(&app.gql(Some(&police_token), ME, json!({})).await);
    let given = app
        .gql(
            Some(&dana_token),
            "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field message } } }",
            json!({ "input": { "family": morgans, "scope": "NAMED_ORGANISATIONS", "organisations": [police_org] } }),
        )
        .await;
    let police_consent = ok(&given, "giveConsent")["consent"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let added = app
        .gql(
            Some(&hub_token),
            "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { current } userErrors { field message } } }",
            json!({ "input": { "family": morgans, "practitioner": police_officer } }),
        )
        .await;
    assert_eq!(ok(&added, "addTeamMember")["membership"]["current"], true);
    let withdrawn = app
        .gql(
            Some(&dana_token),
            "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { field message } } }",
            json!({ "input": { "consent": police_consent } }),
        )
        .await;
    assert_eq!(
        ok(&withdrawn, "withdrawConsent")["consent"]["status"],
        "WITHDRAWN"
    );

    // The police officer, on the team without consent, raises a concern: the override.
    let raised = app
        .gql(
            Some(&police_token),
            "mutation($input: RaiseSafeguardingConcernInput!) { raiseSafeguardingConcern(input: $input) { override { id active } userErrors { field message } } }",
            json!({ "input": { "family": morgans, "reason": "Officers attended a domestic incident at the family home last night." } }),
        )
        .await;
    let raised = &ok(&raised, "raiseSafeguardingConcern")["override"];
    assert_eq!(raised["active"], true);

    // The demo's plan: the first outcome is for the whole family and has an action.
    let plan = app
        .gql(
            Some(&dana_token),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id outcomes { nodes { id for { id } actions { nodes { id } } } } } } } }",
            json!({ "id": morgans }),
        )
        .await;
    let plan = &ok(&plan, "node")["plan"];
    let first = &plan["outcomes"]["nodes"][0];
    assert_eq!(first["for"], json!([]), "{plan}");
    let outcome = first["id"].as_str().unwrap().to_owned();
    let action = first["actions"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plan = plan["id"].as_str().unwrap().to_owned();

    // Priya (the Morgans' lead) schedules a review; Dana asks Sam to lead, Sam declines.
    let priya_token = app.token_for(demo::HUB_WORKER).await;
    let scheduled = app
        .gql(
            Some(&priya_token),
            "mutation($id: ID!, $on: Date!) { scheduleMeeting(input: { family: $id, kind: REVIEW, heldOn: $on }) { meeting { id } userErrors { field message } } }",
            json!({ "id": morgans, "on": (app.clock.now() + chrono::Duration::days(30)).date_naive().to_string() }),
        )
        .await;
    let meeting = ok(&scheduled, "scheduleMeeting")["meeting"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nominated = app
        .gql(
            Some(&dana_token),
            "mutation($id: ID!, $sam: ID!) { nominateLeadProfessional(input: { family: $id, practitioner: $sam }) { nomination { id } userErrors { field message } } }",
            json!({ "id": morgans, "sam": sam }),
        )
        .await;
    let declined_nomination = ok(&nominated, "nominateLeadProfessional")["nomination"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let declined = app
        .gql(
            Some(&sam_token),
            "mutation($n: ID!) { declineLeadNomination(input: { nomination: $n, reason: \"Priya leads well already.\" }) { nomination { status } userErrors { field message } } }",
            json!({ "n": declined_nomination }),
        )
        .await;
    assert_eq!(
        ok(&declined, "declineLeadNomination")["nomination"]["status"],
        "DECLINED"
    );

    // The Morgans' grandmother joins the household record; Dana shares the plan with her.
    cli(
        app,
        &[
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
            HOUSEHOLD_ADULT,
        ],
    )
    .await;
    let members = app
        .gql(
            Some(&dana_token),
            "query($id: ID!) { node(id: $id) { ... on Family { members { id name } } } }",
            json!({ "id": morgans }),
        )
        .await;
    let june = ok(&members, "node")["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "June Morgan")
        .expect("June is in the family")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shared = app
        .gql(
            Some(&dana_token),
            "mutation($m: ID!) { shareWithHouseholdMember(input: { member: $m }) { member { planSharedWithThem } userErrors { field message } } }",
            json!({ "m": june }),
        )
        .await;
    assert_eq!(
        ok(&shared, "shareWithHouseholdMember")["member"]["planSharedWithThem"],
        true
    );

    // Issue 14: a locality manager records a restriction and lifts it at once.
    let manager = app.token_for(demo::MANAGER).await;
    let today = app.clock.now().date_naive();
    let recorded = app
        .gql(
            Some(&manager),
            "mutation($input: RecordRestrictionInput!) { recordRestriction(input: $input) { restriction { id } userErrors { field message } } }",
            json!({ "input": { "adult": dana, "child": ellie, "kind": "SAFEGUARDING_DECISION", "reason": "For the matrix.", "endsOn": (today + chrono::Duration::days(30)).to_string() } }),
        )
        .await;
    let restriction = ok(&recorded, "recordRestriction")["restriction"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lifted = app
        .gql(
            Some(&manager),
            "mutation($r: ID!) { liftRestriction(input: { restriction: $r, reason: \"For the matrix.\" }) { restriction { inForce } userErrors { field message } } }",
            json!({ "r": restriction }),
        )
        .await;
    assert_eq!(
        ok(&lifted, "liftRestriction")["restriction"]["inForce"],
        false
    );

    Ids {
        restriction,
        morgans,
        dana,
        ellie,
        sam,
        housing_org,
        withdrawn_consent: consent,
        override_id: raised["id"].as_str().unwrap().to_owned(),
        no_follow_up: api::graphql::ids::encode(
            api::graphql::ids::Kind::FollowUp,
            uuid::Uuid::nil(),
        )
        .to_string(),
        plan,
        outcome,
        action,
        meeting,
        declined_nomination,
    }
}

fn demo_org_school() -> &'static str {
    api::domain::demo::SCHOOL
}

fn demo_org_council() -> &'static str {
    api::domain::demo::COUNCIL
}

/// The matrix. Columns, in order: anonymous, adult of this family, adult of another family,
/// young person, on team with consent, on team after withdrawal, organisation not covered and
/// not on team, organisation covered but not on team, hub worker not on team, locality
/// manager, admin, override holder.
fn rows(ids: &Ids) -> Vec<Row> {
    use Run::{ExpectUserErrors as Invalid, FreshSession, Plain};
    let family = json!({ "id": ids.morgans });
    // Reading the family record: family members of this family, practitioners on the team
    // with consent, the hub, and the holder of an override.
    let read_family = [UN, OK, FB, OK, OK, CR, FB, FB, OK, FB, FB, OK, OK];
    let admin_only = [UN, FB, FB, FB, FB, FB, FB, FB, FB, FB, OK, FB, FB];
    let hub_only = [UN, FB, FB, FB, FB, FB, FB, FB, OK, FB, FB, FB, FB];
    let manager_only = [UN, FB, FB, FB, FB, FB, FB, FB, FB, OK, FB, FB, FB];
    let anyone = [OK; 13];
    let signed_in = [UN, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK];
    // Feedback and views: the family's members and the team through the consent gate (what
    // each sees within them is tested in `feedback.rs`).
    let voice = [UN, OK, FB, OK, OK, CR, FB, FB, FB, FB, FB, OK, OK];
    // The plan and assessment: the family, and practitioners through the consent gate (the
    // hub too: front-door access stops at the record).
    let read_plan = [UN, OK, FB, OK, OK, CR, FB, FB, FB, FB, FB, OK, OK];
    // A practitioner's contribution: frontline practitioners through the consent gate.
    let contribute = [UN, FB, FB, FB, OK, CR, FB, FB, FB, FB, FB, OK, FB];
    // The family's own decisions (rule 3): the adults; a young person on outcomes about them.
    let family_adults = [UN, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB];
    let family_members = [UN, OK, FB, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB];
    // Work on an outcome for the whole family: its adults and the team.
    let work = [UN, OK, FB, FB, OK, CR, FB, FB, FB, FB, FB, OK, FB];
    // The lead professional only (the demo's lead, Priya, is not one of the columns).
    let lead_only = [UN, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB];
    // Only the practitioner nominated (Sam) answers a nomination.
    let nominee_only = [UN, FB, FB, FB, OK, FB, FB, FB, FB, FB, FB, FB, FB];
    // The family, the team with consent, locality managers, an override holder.
    let nominations = [UN, OK, FB, OK, OK, CR, FB, FB, FB, OK, FB, OK, OK];
    let plan = json!({ "plan": ids.plan });
    let outcome = json!({ "outcome": ids.outcome });
    // Issue 17: the front door's columns.
    let referrers = [UN, FB, FB, FB, OK, OK, OK, OK, OK, FB, FB, OK, FB];
    let any_family_member = [UN, OK, OK, OK, FB, FB, FB, FB, FB, FB, FB, FB, OK];
    let no_request =
        api::graphql::ids::encode(api::graphql::ids::Kind::SupportRequest, uuid::Uuid::nil())
            .to_string();
    let consulting = [UN, FB, FB, FB, OK, OK, OK, OK, FB, FB, FB, OK, FB];
    let no_consultation =
        api::graphql::ids::encode(api::graphql::ids::Kind::Consultation, uuid::Uuid::nil())
            .to_string();
    let no_question = api::graphql::ids::encode(
        api::graphql::ids::Kind::InformationRequest,
        uuid::Uuid::nil(),
    )
    .to_string();

    vec![
        // Query
        row(
            "Query.viewer",
            "{ viewer { email } }",
            json!({}),
            Plain,
            anyone,
        ),
        Row {
            label: "Query.node (a Family)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on Family { reference localArea needLevel { level label } createdAt members { id name dateOfBirth relation competentToConsent hasAccount } } } }",
                family.clone(),
                Plain,
                read_family,
            )
        },
        Row {
            label: "Query.node (a FamilyMember)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on FamilyMember { name relation } } }",
                json!({ "id": ids.dana }),
                Plain,
                read_family,
            )
        },
        Row {
            label: "Query.node (a Consent)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on Consent { status scope } } }",
                json!({ "id": ids.withdrawn_consent }),
                Plain,
                // Consents are for those who decide them, not a household adult.
                [UN, OK, FB, OK, OK, CR, FB, FB, OK, FB, FB, OK, FB],
            )
        },
        Row {
            label: "Query.node (a SafeguardingOverride)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on SafeguardingOverride { familyReference reason active } } }",
                json!({ "id": ids.override_id }),
                Plain,
                [UN, FB, FB, FB, FB, FB, FB, FB, FB, OK, FB, OK, FB],
            )
        },
        row(
            "Query.nodes",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Family { reference } } }",
            json!({ "ids": [ids.morgans] }),
            Plain,
            read_family,
        ),
        row(
            "Query.families",
            "{ families(first: 5) { edges { node { id reference } } } }",
            json!({}),
            Plain,
            hub_only,
        ),
        row(
            "Query.organisations",
            "{ organisations(first: 5) { edges { node { id name kind } } } }",
            json!({}),
            Plain,
            signed_in,
        ),
        row(
            "Query.needLevels",
            "{ needLevels { level label } }",
            json!({}),
            Plain,
            anyone,
        ),
        row(
            "Query.safeguardingReviewQueue",
            "{ safeguardingReviewQueue(first: 5) { edges { node { id familyReference } } } }",
            json!({}),
            Plain,
            manager_only,
        ),
        row(
            "Query.familyAccessLog",
            "query($id: ID!) { familyAccessLog(family: $id, first: 5) { edges { node { kind what } } } }",
            family.clone(),
            Plain,
            // The family, and the locality manager (the full trail, without the record).
            [UN, OK, FB, OK, FB, FB, FB, FB, FB, OK, FB, FB, FB],
        ),
        row(
            "Query.questionnaire",
            "{ questionnaire(kind: EXPERIENCE) { version questions { code text } } }",
            json!({}),
            Plain,
            signed_in,
        ),
        row(
            "Query.myFollowUps",
            "{ myFollowUps { id status } }",
            json!({}),
            Plain,
            // Family members' own.
            [UN, OK, OK, OK, FB, FB, FB, FB, FB, FB, FB, FB, OK],
        ),
        row(
            "Query.evaluationReport",
            "{ evaluationReport(from: \"2025-01-01\", to: \"2025-12-31\") { requestsForSupport { display } } }",
            json!({}),
            Plain,
            manager_only,
        ),
        // The guarded fields of Family, reached through `node(id:)`.
        Row {
            label: "Family.members { email }".to_owned(),
            ..row(
                "FamilyMember.email",
                "query($id: ID!) { node(id: $id) { ... on Family { members { name email } } } }",
                family.clone(),
                Plain,
                // The hub's, to invite them; not the family's own nor the team's.
                [UN, FB, FB, FB, FB, CR, FB, FB, OK, FB, FB, FB, FB],
            )
        },
        row(
            "Family.consents",
            "query($id: ID!) { node(id: $id) { ... on Family { consents(first: 5) { edges { node { id status } } } } } }",
            family.clone(),
            Plain,
            // A household adult the plan is shared with reads the plan, not the consents.
            [UN, OK, FB, OK, OK, CR, FB, FB, OK, FB, FB, OK, FB],
        ),
        row(
            "Family.team",
            "query($id: ID!) { node(id: $id) { ... on Family { team(first: 5, includePast: true) { edges { node { current practitioner { name } } } } } } }",
            family.clone(),
            Plain,
            read_family,
        ),
        row(
            "Family.accessLog",
            "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 5) { edges { node { kind what } } } } } }",
            family.clone(),
            Plain,
            // The family; not the team. The locality manager reads the trail through
            // `familyAccessLog`, since they may not read the family record itself.
            [UN, OK, FB, OK, FB, CR, FB, FB, FB, FB, FB, FB, FB],
        ),
        row(
            "Family.needLevelHistory",
            "query($id: ID!) { node(id: $id) { ... on Family { needLevelHistory(first: 5) { edges { node { direction reason } } } } } }",
            family.clone(),
            Plain,
            read_family,
        ),
        row(
            "Family.feedback",
            "query($id: ID!) { node(id: $id) { ... on Family { feedback(first: 5) { edges { node { id anonymous } } } } } }",
            family.clone(),
            Plain,
            voice,
        ),
        row(
            "Family.youngPeoplesViews",
            "query($id: ID!) { node(id: $id) { ... on Family { youngPeoplesViews(first: 5) { edges { node { id private } } } } } }",
            family.clone(),
            Plain,
            voice,
        ),
        // The family plan (issue 5).
        row(
            "Family.assessment",
            "query($id: ID!) { node(id: $id) { ... on Family { assessment { status familySection { version } } } } }",
            family.clone(),
            Plain,
            read_plan,
        ),
        row(
            "Assessment.organisationSections",
            "query($id: ID!) { node(id: $id) { ... on Family { assessment { organisationSections { version } } } } }",
            family.clone(),
            Plain,
            // A young person, or an adult of the household, gets an empty list: agencies
            // write about the parents too.
            [UN, OK, FB, OK, OK, CR, FB, FB, FB, FB, FB, OK, OK],
        ),
        row(
            "Family.plan",
            "query($id: ID!) { node(id: $id) { ... on Family { plan { id status version outcomes { nodes { words } } history(first: 5) { edges { node { what } } } } } } }",
            family.clone(),
            Plain,
            read_plan,
        ),
        row(
            "Family.leadNominations",
            "query($id: ID!) { node(id: $id) { ... on Family { leadNominations(first: 5) { edges { node { status declineReason practitioner { name } } } } } } }",
            family.clone(),
            Plain,
            read_plan,
        ),
        row(
            "Family.meetings",
            "query($id: ID!) { node(id: $id) { ... on Family { meetings(first: 5) { edges { node { kind heldOn views { words } } } } } } }",
            family.clone(),
            Plain,
            read_plan,
        ),
        Row {
            label: "Query.node (a LeadNomination)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on LeadNomination { status declineReason familyReference } } }",
                json!({ "id": ids.declined_nomination }),
                Plain,
                nominations,
            )
        },
        Row {
            label: "Query.node (a Meeting)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on Meeting { kind views { words } } } }",
                json!({ "id": ids.meeting }),
                Plain,
                read_plan,
            )
        },
        row(
            "Query.myLeadNominations",
            "{ myLeadNominations(first: 5, includeAnswered: true) { edges { node { id status } } } }",
            json!({}),
            Plain,
            // Practitioners who work with families (their own nominations only).
            [UN, FB, FB, FB, OK, OK, OK, OK, OK, FB, FB, OK, FB],
        ),
        row(
            "Query.leadNominationsToFollowUp",
            "{ leadNominationsToFollowUp(first: 5) { edges { node { id declineReason } } } }",
            json!({}),
            Plain,
            manager_only,
        ),
        row(
            "Family.plans",
            "query($id: ID!) { node(id: $id) { ... on Family { plans { nodes { id status } } } } }",
            family.clone(),
            Plain,
            read_plan,
        ),
        Row {
            label: "Query.node (a Plan)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on Plan { version overdueActions { nodes { id } } } } }",
                json!({ "id": ids.plan }),
                Plain,
                read_plan,
            )
        },
        Row {
            label: "Query.node (an Outcome)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on Outcome { words progress { largeGap } notes { nodes { body } } actions { nodes { description } } } } }",
                json!({ "id": ids.outcome }),
                Plain,
                read_plan,
            )
        },
        Row {
            label: "Query.node (a PlanAction)".to_owned(),
            ..row(
                "Query.node",
                "query($id: ID!) { node(id: $id) { id ... on PlanAction { description done } } }",
                json!({ "id": ids.action }),
                Plain,
                read_plan,
            )
        },
        row(
            "Query.outcomeFramework",
            "{ outcomeFramework { version areas { code label } } }",
            json!({}),
            Plain,
            signed_in,
        ),
        row(
            "Query.plansILead",
            "{ plansILead { nodes { id } } }",
            json!({}),
            Plain,
            // Frontline practitioners (their own list, empty if they lead nothing).
            [UN, FB, FB, FB, OK, OK, OK, OK, OK, FB, FB, OK, FB],
        ),
        row(
            "Mutation.openAssessment",
            // The demo's is open already, so an allowed call is refused as a user error.
            "mutation($id: ID!) { openAssessment(input: { family: $id }) { assessment { status } userErrors { field code } } }",
            family.clone(),
            Invalid,
            [UN, OK, FB, FB, OK, CR, FB, FB, FB, FB, FB, OK, FB],
        ),
        row(
            "Mutation.writeFamilySection",
            "mutation($id: ID!) { writeFamilySection(input: { family: $id, expectedVersion: 0, goingWell: \" \", worries: \"\", needsToChange: \"\" }) { assessment { status } userErrors { field code } } }",
            family.clone(),
            Invalid,
            family_members,
        ),
        row(
            "Mutation.writeOrganisationSection",
            "mutation($id: ID!) { writeOrganisationSection(input: { family: $id, expectedVersion: 0, goingWell: \" \", worries: \"\", needsToChange: \"\" }) { assessment { status } userErrors { field code } } }",
            family.clone(),
            Invalid,
            contribute,
        ),
        row(
            "Mutation.finaliseAssessment",
            "mutation($id: ID!) { finaliseAssessment(input: { family: $id }) { assessment { status } userErrors { field code } } }",
            family.clone(),
            Invalid,
            lead_only,
        ),
        row(
            "Mutation.startPlan",
            // The family has a plan in progress already.
            "mutation($id: ID!) { startPlan(input: { family: $id }) { plan { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            [UN, OK, FB, FB, OK, CR, FB, FB, FB, FB, FB, OK, FB],
        ),
        row(
            "Mutation.setPlanReviewDate",
            "mutation($plan: ID!) { setPlanReviewDate(input: { plan: $plan, expectedVersion: -1, reviewDate: \"2099-01-01\" }) { plan { id } userErrors { field code } } }",
            plan.clone(),
            Invalid,
            lead_only,
        ),
        row(
            "Mutation.closePlan",
            "mutation($plan: ID!) { closePlan(input: { plan: $plan, expectedVersion: -1, summary: \" \" }) { plan { id } userErrors { field code } } }",
            plan.clone(),
            Invalid,
            lead_only,
        ),
        row(
            "Mutation.addOutcome",
            "mutation($plan: ID!) { addOutcome(input: { plan: $plan, expectedVersion: -1, words: \" \", area: \"HOUSING\" }) { outcome { id } userErrors { field code } } }",
            plan.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.proposeOutcome",
            "mutation($plan: ID!) { proposeOutcome(input: { plan: $plan, expectedVersion: -1, words: \" \", area: \"HOUSING\" }) { outcome { id } userErrors { field code } } }",
            plan.clone(),
            Invalid,
            contribute,
        ),
        row(
            "Mutation.reorderOutcomes",
            "mutation($plan: ID!) { reorderOutcomes(input: { plan: $plan, expectedVersion: -1, outcomes: [] }) { plan { id } userErrors { field code } } }",
            plan.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.amendOutcome",
            "mutation($outcome: ID!) { amendOutcome(input: { outcome: $outcome, expectedVersion: -1, words: \" \" }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.chooseOutcome",
            "mutation($outcome: ID!) { chooseOutcome(input: { outcome: $outcome, expectedVersion: -1 }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.declineOutcome",
            "mutation($outcome: ID!) { declineOutcome(input: { outcome: $outcome, expectedVersion: -1 }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.withdrawOutcome",
            "mutation($outcome: ID!) { withdrawOutcome(input: { outcome: $outcome, expectedVersion: -1 }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.recordOutcomeResult",
            "mutation($outcome: ID!) { recordOutcomeResult(input: { outcome: $outcome, expectedVersion: -1, achieved: true }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            // The family's adults, and the lead professional (nobody here).
            family_adults,
        ),
        row(
            "Mutation.addOutcomeNote",
            "mutation($outcome: ID!) { addOutcomeNote(input: { outcome: $outcome, expectedVersion: -1, body: \" \" }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            contribute,
        ),
        row(
            "Mutation.rateProgress",
            "mutation($outcome: ID!) { rateProgress(input: { outcome: $outcome, expectedVersion: -1, score: 11 }) { outcome { id } userErrors { field code } } }",
            outcome.clone(),
            Invalid,
            work,
        ),
        row(
            "Mutation.addAction",
            "mutation($outcome: ID!, $sam: ID!) { addAction(input: { outcome: $outcome, expectedVersion: -1, description: \" \", assignee: $sam }) { action { id } userErrors { field code } } }",
            json!({ "outcome": ids.outcome, "sam": ids.sam }),
            Invalid,
            work,
        ),
        row(
            "Mutation.markActionDone",
            "mutation($action: ID!) { markActionDone(input: { action: $action, expectedVersion: -1 }) { action { id } userErrors { field code } } }",
            json!({ "action": ids.action }),
            Invalid,
            work,
        ),
        // Mutation
        row(
            "Mutation.createOrganisation",
            "mutation { createOrganisation(input: { name: \"  \", kind: HOUSING }) { organisation { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            admin_only,
        ),
        row(
            "Mutation.createPractitioner",
            "mutation($org: ID!) { createPractitioner(input: { name: \" \", email: \"not an email\", organisation: $org }) { practitioner { id } userErrors { field code } } }",
            json!({ "org": ids.housing_org }),
            Invalid,
            admin_only,
        ),
        row(
            "Mutation.createFamily",
            "mutation { createFamily(input: { reference: \" \", localArea: \" \", needLevel: 9 }) { family { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            hub_only,
        ),
        row(
            "Mutation.addFamilyMember",
            "mutation($id: ID!) { addFamilyMember(input: { family: $id, name: \" \", dateOfBirth: \"2020-01-01\", relation: CHILD }) { member { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            // The hub; practitioners who may change the family's information.
            [UN, FB, FB, FB, OK, CR, FB, FB, OK, FB, FB, OK, FB],
        ),
        row(
            "Mutation.changeNeedLevel",
            "mutation($id: ID!) { changeNeedLevel(input: { family: $id, level: 3, reason: \" \" }) { change { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            hub_only,
        ),
        // Issue 11: a parent shares the plan with an adult of the household. Ellie is a young
        // person, who needs no sharing: an allowed cell is a user error.
        row(
            "Mutation.shareWithHouseholdMember",
            "mutation($m: ID!) { shareWithHouseholdMember(input: { member: $m }) { member { id } userErrors { field code } } }",
            json!({ "m": ids.ellie }),
            Invalid,
            [UN, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB],
        ),
        row(
            "Mutation.stopSharingWithHouseholdMember",
            "mutation($m: ID!) { stopSharingWithHouseholdMember(input: { member: $m }) { member { id } userErrors { field code } } }",
            json!({ "m": ids.ellie }),
            Invalid,
            [UN, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB],
        ),
        // Issue 6: the lead professional, meetings.
        row(
            "Mutation.nominateLeadProfessional",
            // A family ID where a practitioner's is expected.
            "mutation($id: ID!) { nominateLeadProfessional(input: { family: $id, practitioner: $id }) { nomination { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            family_adults,
        ),
        row(
            "Mutation.acceptLeadNomination",
            // Sam declined it already.
            "mutation($n: ID!) { acceptLeadNomination(input: { nomination: $n }) { nomination { id } userErrors { field code } } }",
            json!({ "n": ids.declined_nomination }),
            Invalid,
            nominee_only,
        ),
        row(
            "Mutation.declineLeadNomination",
            "mutation($n: ID!) { declineLeadNomination(input: { nomination: $n, reason: \" \" }) { nomination { id } userErrors { field code } } }",
            json!({ "n": ids.declined_nomination }),
            Invalid,
            nominee_only,
        ),
        row(
            "Mutation.followUpLeadNomination",
            "mutation($n: ID!) { followUpLeadNomination(input: { nomination: $n, note: \" \" }) { nomination { id } userErrors { field code } } }",
            json!({ "n": ids.declined_nomination }),
            Invalid,
            manager_only,
        ),
        row(
            "Mutation.scheduleMeeting",
            "mutation($id: ID!) { scheduleMeeting(input: { family: $id, kind: REVIEW, heldOn: \"2000-01-01\" }) { meeting { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            contribute,
        ),
        row(
            "Mutation.recordMeeting",
            "mutation($m: ID!) { recordMeeting(input: { meeting: $m, summary: \" \" }) { meeting { id } userErrors { field code } } }",
            json!({ "m": ids.meeting }),
            Invalid,
            contribute,
        ),
        row(
            "Mutation.giveMeetingView",
            "mutation($m: ID!) { giveMeetingView(input: { meeting: $m, words: \" \" }) { view { id } userErrors { field code } } }",
            json!({ "m": ids.meeting }),
            Invalid,
            // A household adult gives her views once the plan is shared with her.
            [UN, OK, FB, OK, FB, FB, FB, FB, FB, FB, FB, FB, OK],
        ),
        row(
            "Mutation.giveConsent",
            "mutation($id: ID!) { giveConsent(input: { family: $id, scope: NAMED_ORGANISATIONS, organisations: [] }) { consent { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            [UN, OK, FB, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB],
        ),
        row(
            "Mutation.recordPaperConsent",
            "mutation($id: ID!, $by: ID!) { recordPaperConsent(input: { family: $id, givenBy: $by, scope: NAMED_ORGANISATIONS, organisations: [], evidence: \" \" }) { consent { id } userErrors { field code } } }",
            json!({ "id": ids.morgans, "by": ids.dana }),
            Invalid,
            // The hub, anyone on the team (consent or not), an override holder.
            [UN, FB, FB, FB, OK, OK, FB, FB, OK, FB, FB, OK, FB],
        ),
        row(
            "Mutation.withdrawConsent",
            "mutation($consent: ID!) { withdrawConsent(input: { consent: $consent }) { consent { id } userErrors { field code } } }",
            json!({ "consent": ids.withdrawn_consent }),
            Invalid,
            // A young person withdraws only their own consent, not the family's.
            [UN, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB, FB],
        ),
        // Issue 14: only a young person shares (or keeps private) what they wrote; the demo
        // outcome is Dana's, so Jordan is told it is not his to share.
        row(
            "Mutation.shareWithMyFamily",
            "mutation($outcome: ID!) { shareWithMyFamily(input: { item: $outcome }) { private userErrors { field code } } }",
            json!({ "outcome": ids.outcome }),
            Invalid,
            [UN, FB, FB, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB],
        ),
        row(
            "Mutation.recordCompetenceAssessment",
            "mutation($member: ID!) { recordCompetenceAssessment(input: { member: $member, competentToConsent: true, reason: \"Understands.\" }) { member { id } userErrors { field code } } }",
            json!({ "member": ids.dana }),
            Invalid,
            [UN, FB, FB, FB, OK, CR, FB, FB, FB, FB, FB, OK, FB],
        ),
        row(
            "Mutation.addTeamMember",
            "mutation($id: ID!, $sam: ID!) { addTeamMember(input: { family: $id, practitioner: $sam }) { membership { current } userErrors { field code } } }",
            json!({ "id": ids.morgans, "sam": ids.sam }),
            Invalid,
            hub_only,
        ),
        row(
            "Mutation.removeTeamMember",
            "mutation($id: ID!, $sam: ID!) { removeTeamMember(input: { family: $id, practitioner: $sam, reason: \" \" }) { membership { current } userErrors { field code } } }",
            json!({ "id": ids.morgans, "sam": ids.sam }),
            Invalid,
            hub_only,
        ),
        row(
            "Mutation.leaveTeam",
            "mutation($id: ID!) { leaveTeam(input: { family: $id, reason: \" \" }) { membership { current } userErrors { field code } } }",
            family.clone(),
            Invalid,
            // Members of the team (the override holder is one, since issue 17).
            [UN, FB, FB, FB, OK, OK, FB, FB, FB, FB, FB, OK, FB],
        ),
        row(
            "Mutation.raiseSafeguardingConcern",
            "mutation($id: ID!) { raiseSafeguardingConcern(input: { family: $id, reason: \" \" }) { override { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            // Any practitioner: on the team, the override (rule 2); not working with the
            // family, an urgent request to the hub instead (issue 17, `front_door.rs`). Not
            // managers or admins.
            [UN, FB, FB, FB, OK, OK, OK, OK, OK, FB, FB, OK, FB],
        ),
        row(
            "Mutation.reviewSafeguardingOverride",
            "mutation($o: ID!) { reviewSafeguardingOverride(input: { override: $o, outcome: UPHELD, notes: \" \" }) { override { id } userErrors { field code } } }",
            json!({ "o": ids.override_id }),
            Invalid,
            manager_only,
        ),
        row(
            "Mutation.invitePerson",
            // Ellie has no email address, so cannot be invited.
            "mutation($p: ID!) { invitePerson(input: { person: $p }) { invitation { expiresAt } userErrors { field code } } }",
            json!({ "p": ids.ellie }),
            Invalid,
            [UN, FB, FB, FB, FB, FB, FB, FB, OK, FB, OK, FB, FB],
        ),
        row(
            "Mutation.giveFeedback",
            "mutation($id: ID!) { giveFeedback(input: { family: $id, about: SERVICE, answers: [] }) { feedback { id } userErrors { field code } } }",
            family.clone(),
            Invalid,
            // The family's own members and the team (frontline practitioners through consent).
            voice,
        ),
        row(
            "Mutation.shareView",
            "mutation { shareView(input: { words: \"  \" }) { view { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            // Young people only.
            [UN, FB, FB, OK, FB, FB, FB, FB, FB, FB, FB, FB, FB],
        ),
        row(
            "Mutation.followUp",
            // No follow-up with this ID: family members are told so; others are refused first.
            "mutation($f: ID!) { followUp(input: { followUp: $f }) { followUp { id } userErrors { field code } } }",
            json!({ "f": ids.no_follow_up }),
            Invalid,
            [UN, OK, OK, OK, FB, FB, FB, FB, FB, FB, FB, FB, OK],
        ),
        row(
            "Mutation.startPasskeyRegistration",
            "mutation { startPasskeyRegistration(input: { invitationToken: \"not-a-real-invitation\" }) { ceremony { ceremonyId } userErrors { field code } } }",
            json!({}),
            Invalid,
            anyone,
        ),
        row(
            "Mutation.finishPasskeyRegistration",
            "mutation { finishPasskeyRegistration(input: { ceremonyId: \"00000000-0000-7000-8000-000000000000\", credential: {}, name: \"My phone\" }) { session { expiresAt } userErrors { field code } } }",
            json!({}),
            Invalid,
            anyone,
        ),
        row(
            "Mutation.startPasskeySignIn",
            // No email: the device offers its passkeys; anyone may start.
            "mutation { startPasskeySignIn(input: {}) { ceremony { ceremonyId } userErrors { field code } } }",
            json!({}),
            Plain,
            anyone,
        ),
        row(
            "Mutation.finishPasskeySignIn",
            "mutation { finishPasskeySignIn(input: { ceremonyId: \"00000000-0000-7000-8000-000000000000\", credential: {} }) { session { expiresAt } userErrors { field code } } }",
            json!({}),
            Invalid,
            anyone,
        ),
        row(
            "Mutation.signOut",
            "mutation { signOut { endedSessions } }",
            json!({}),
            FreshSession,
            signed_in,
        ),
        row(
            "Mutation.signOutEverywhere",
            "mutation { signOutEverywhere { endedSessions } }",
            json!({}),
            FreshSession,
            signed_in,
        ),
        row(
            "Mutation.renamePasskey",
            "mutation { renamePasskey(input: { passkey: \"00000000-0000-7000-8000-000000000000\", name: \"x\" }) { passkey { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            signed_in,
        ),
        row(
            "Mutation.removePasskey",
            "mutation { removePasskey(input: { passkey: \"00000000-0000-7000-8000-000000000000\" }) { removedPasskeyId userErrors { field code } } }",
            json!({}),
            Invalid,
            signed_in,
        ),
        // Issue 17: the front door. Family members ask from the app and read their family's
        // requests; anyone asks through the public front door; practitioners (and the hub)
        // refer and read their own referrals; the hub screens.
        row(
            "Query.supportRequests",
            "{ supportRequests(first: 5) { nodes { id reference } } }",
            json!({}),
            Plain,
            hub_only,
        ),
        row(
            "Query.myReferrals",
            "{ myReferrals(first: 5) { nodes { id status } } }",
            json!({}),
            Plain,
            referrers,
        ),
        row(
            "Query.mySupportRequests",
            "{ mySupportRequests(first: 5) { nodes { id status } } }",
            json!({}),
            Plain,
            any_family_member,
        ),
        row(
            "Mutation.askForSupport",
            "mutation { askForSupport(input: { whatIsHappening: \" \" }) { supportRequest { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            any_family_member,
        ),
        row(
            "Mutation.requestSupport",
            "mutation { requestSupport(input: { name: \" \", whatIsHappening: \" \", agreesToAgencyContact: true }) { receipt { reference } userErrors { field code } } }",
            json!({}),
            Invalid,
            anyone,
        ),
        row(
            "Mutation.referFamily",
            "mutation { referFamily(input: { concerns: \" \", familyConsented: true }) { referral { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            referrers,
        ),
        row(
            "Mutation.claimSupportRequest",
            "mutation($id: ID!) { claimSupportRequest(input: { request: $id }) { supportRequest { id } userErrors { field code } } }",
            json!({ "id": no_request }),
            Invalid,
            hub_only,
        ),
        row(
            "Mutation.askForInformation",
            "mutation($id: ID!) { askForInformation(input: { request: $id, question: \" \" }) { informationRequest { id } userErrors { field code } } }",
            json!({ "id": no_request }),
            Invalid,
            hub_only,
        ),
        row(
            "Mutation.answerInformationRequest",
            "mutation($id: ID!) { answerInformationRequest(input: { question: $id, answer: \"x\" }) { informationRequest { id } userErrors { field code } } }",
            json!({ "id": no_question }),
            Invalid,
            // Whoever asked answers (tested in `front_door.rs`); here nobody asked, so the hub.
            hub_only,
        ),
        row(
            "Mutation.decideSupportRequest",
            "mutation($id: ID!) { decideSupportRequest(input: { request: $id, decision: ADVICE, reason: \" \" }) { supportRequest { id } userErrors { field code } } }",
            json!({ "id": no_request }),
            Invalid,
            hub_only,
        ),
        // Issue 17: the consultation line (practitioners ask, the hub answers).
        row(
            "Query.consultations",
            "{ consultations(first: 5) { nodes { id situation } } }",
            json!({}),
            Plain,
            hub_only,
        ),
        row(
            "Query.myConsultations",
            "{ myConsultations(first: 5) { nodes { id advice } } }",
            json!({}),
            Plain,
            consulting,
        ),
        row(
            "Mutation.consultHub",
            "mutation { consultHub(input: { situation: \" \" }) { consultation { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            consulting,
        ),
        row(
            "Mutation.answerConsultation",
            "mutation($id: ID!) { answerConsultation(input: { consultation: $id, advice: \" \", adviseReferral: false }) { consultation { id } userErrors { field code } } }",
            json!({ "id": no_consultation }),
            Invalid,
            hub_only,
        ),
        row(
            "Mutation.referFromConsultation",
            "mutation($id: ID!) { referFromConsultation(input: { consultation: $id, familyConsented: true }) { referral { id } userErrors { field code } } }",
            json!({ "id": no_consultation }),
            Invalid,
            referrers,
        ),
        // Issue 17: the directory of local services is public.
        row(
            "Query.services",
            "{ services(search: \"housing\", first: 5) { nodes { id name } } }",
            json!({}),
            Plain,
            anyone,
        ),
        // Issue 13: everyone's own inbox, choices and devices.
        Row {
            label: "Query.viewer (inbox, choices, devices)".to_owned(),
            ..row(
                "Query.viewer",
                "{ viewer { unreadNotificationCount notifications(first: 5) { edges { node { id kind } } } notificationPreferences { quietHours { from } } pushDevices { id } } }",
                json!({}),
                Plain,
                anyone,
            )
        },
        row(
            "Mutation.markNotificationsRead",
            "mutation { markNotificationsRead(input: {}) { markedCount userErrors { field code } } }",
            json!({}),
            Invalid,
            signed_in,
        ),
        row(
            "Mutation.setNotificationPreferences",
            "mutation { setNotificationPreferences(input: { quietHours: { from: \"25:00\", to: \"07:00\" } }) { preferences { quietHours { from } } userErrors { field code } } }",
            json!({}),
            Invalid,
            signed_in,
        ),
        row(
            "Mutation.registerPushDevice",
            "mutation { registerPushDevice(input: { platform: WEB }) { device { id } userErrors { field code } } }",
            json!({}),
            Invalid,
            signed_in,
        ),
        // Issue 14: "I don't feel safe" is each family member's own (for their own family);
        // the numbers to call are public.
        row(
            "Mutation.sayIDontFeelSafe",
            "mutation($words: String!) { sayIDontFeelSafe(input: { words: $words }) { alerted helplines { number } userErrors { field code } } }",
            json!({ "words": "x".repeat(2001) }),
            Invalid,
            any_family_member,
        ),
        row(
            "Query.helplines",
            "{ helplines { name number text url } }",
            json!({}),
            Plain,
            anyone,
        ),
        row(
            "Mutation.unregisterPushDevice",
            "mutation { unregisterPushDevice(input: { device: \"bm90LWFuLWlk\" }) { unregisteredDeviceId userErrors { field code } } }",
            json!({}),
            Invalid,
            signed_in,
        ),
        // Issue 14: parental responsibility per pair (the hub, the lead professional,
        // locality managers) and restrictions (locality managers alone; never the family).
        row(
            "Mutation.setParentalResponsibility",
            "mutation($a: ID!, $c: ID!) { setParentalResponsibility(input: { adult: $a, child: $c, holds: true, reason: \" \" }) { adult { id } userErrors { field code } } }",
            json!({ "a": ids.dana, "c": ids.ellie }),
            Invalid,
            [UN, FB, FB, FB, FB, FB, FB, FB, OK, OK, FB, FB, FB],
        ),
        row(
            "Mutation.recordRestriction",
            "mutation($a: ID!, $c: ID!) { recordRestriction(input: { adult: $a, child: $c, kind: SAFEGUARDING_DECISION, reason: \" \", endsOn: \"2999-01-01\" }) { restriction { id } userErrors { field code } } }",
            json!({ "a": ids.dana, "c": ids.ellie }),
            Invalid,
            manager_only,
        ),
        row(
            "Mutation.liftRestriction",
            "mutation($r: ID!) { liftRestriction(input: { restriction: $r, reason: \"Again.\" }) { restriction { id } userErrors { field code } } }",
            json!({ "r": ids.restriction }),
            Invalid,
            manager_only,
        ),
        row(
            "Mutation.reviewRestriction",
            "mutation($r: ID!) { reviewRestriction(input: { restriction: $r, reason: \"Reviewed.\" }) { restriction { id } userErrors { field code } } }",
            json!({ "r": ids.restriction }),
            Invalid,
            manager_only,
        ),
        row(
            "Query.familyRestrictions",
            "query($id: ID!) { familyRestrictions(family: $id, first: 5) { nodes { id inForce } } }",
            family.clone(),
            Plain,
            manager_only,
        ),
        row(
            "Query.restrictionsToReview",
            "{ restrictionsToReview(first: 5) { nodes { id } } }",
            json!({}),
            Plain,
            manager_only,
        ),
    ]
}

/// The completeness check itself: it reads the fields from the SDL, and it notices a missing
/// row and a row for an operation the schema does not have.
mod completeness {
    use super::*;

    fn dummy_ids() -> Ids {
        let id = || "x".to_owned();
        Ids {
            morgans: id(),
            dana: id(),
            ellie: id(),
            sam: id(),
            housing_org: id(),
            withdrawn_consent: id(),
            override_id: id(),
            no_follow_up: id(),
            plan: id(),
            outcome: id(),
            action: id(),
            meeting: id(),
            declined_nomination: id(),
            restriction: id(),
        }
    }

    #[test]
    fn fields_are_read_from_the_sdl_without_their_descriptions() {
        let sdl = api::graphql::sdl();
        let mutations = sdl_fields(&sdl, "type Mutation {");
        assert!(mutations.contains(&"createOrganisation".to_owned()));
        assert!(mutations.contains(&"signOut".to_owned()));
        assert!(mutations.contains(&"removePasskey".to_owned()));
        let queries = sdl_fields(&sdl, "type Query {");
        assert!(queries.contains(&"viewer".to_owned()));
        assert!(queries.contains(&"safeguardingReviewQueue".to_owned()));
        let family = sdl_fields(&sdl, "type Family implements Node {");
        assert!(family.contains(&"needLevelHistory".to_owned()));
        for field in mutations.iter().chain(&queries).chain(&family) {
            assert!(
                !field.is_empty() && field.chars().all(char::is_alphanumeric),
                "{field:?} is not a field name"
            );
        }
    }

    #[test]
    fn every_operation_has_a_row() {
        check_completeness(&rows(&dummy_ids()));
    }

    #[test]
    #[should_panic(expected = "operations without a row: [\"Mutation.leaveTeam\"]")]
    fn an_operation_without_a_row_fails() {
        let mut rows = rows(&dummy_ids());
        rows.retain(|r| r.operation != "Mutation.leaveTeam");
        check_completeness(&rows);
    }

    #[test]
    #[should_panic(expected = "rows for operations not in the schema: [\"Mutation.launchRocket\"]")]
    fn a_row_for_an_operation_not_in_the_schema_fails() {
        let mut rows = rows(&dummy_ids());
        rows.push(row(
            "Mutation.launchRocket",
            "mutation { launchRocket }",
            json!({}),
            Run::Plain,
            [OK; 13],
        ));
        check_completeness(&rows);
    }
}
