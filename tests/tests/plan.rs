//! Issue 5: the family plan as people live it, over HTTP — the story told once, outcomes in
//! the family's words, a proposal declined with a reason, progress from both sides, actions,
//! no lost updates, and every step in the history and the access log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use serde_json::{Value, json};

db_tests!(
    the_story_is_told_once_and_earlier_versions_are_kept,
    family_chooses_outcomes_and_both_sides_see_progress,
    two_edits_from_the_same_version_one_wins_and_nothing_is_lost,
    the_lead_professional_reviews_finalises_and_closes,
);

const HEALTH_VISITOR: &str = "hv@wrenfield-health.example";
const PARENT: &str = "lee@home.example";
const YOUNG_PERSON: &str = "robin@home.example";

const SECTION: &str = "mutation($input: WriteSectionInput!) { writeFamilySection(input: $input) { assessment { familySection { version goingWell worries earlierVersions { nodes { version goingWell writtenBy { ... on FamilyMember { name } } } } } } userErrors { field code message } } }";
const ORG_SECTION: &str = "mutation($input: WriteSectionInput!) { writeOrganisationSection(input: $input) { assessment { organisationSections { version organisation { name } worries writtenBy { ... on Practitioner { name } } } } userErrors { field code message } } }";
const OUTCOME_FIELDS: &str = "id words status declineReason area { code label frameworkVersion } for { name } proposedBy { ... on FamilyMember { name } ... on Practitioner { name } } progress { gap largeGap family { score comment } practitioner { score comment } } ratingHistory { nodes { score source } } notes { nodes { body author { name } } } actions { nodes { id description done overdue assignee { ... on FamilyMember { name } ... on Practitioner { name } } } }";
const PLAN_FIELDS: &str = "id status version";

/// A fresh family with a parent and a young person who can sign in; consent covers the
/// school and the health service; the school practitioner and a health visitor join the team.
struct Story {
    family: Value,
    parent: String,
    young_person: String,
    school: String,
    health: String,
    robin: Value,
    lee: Value,
    hv: Value,
}

async fn cli(app: &TestApp, args: &[&str]) {
    app.cli(args)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
}

/// Runs a query that must succeed, and returns `data.<field>` (checking its userErrors).
async fn ok(app: &TestApp, token: &str, query: &str, variables: Value, field: &str) -> Value {
    let body = app.gql(Some(token), query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    let payload = body["data"][field].clone();
    if let Some(errors) = payload.get("userErrors") {
        assert_eq!(errors, &json!([]), "{body}");
    }
    payload
}

async fn set_up(app: &TestApp) -> Story {
    app.load_demo().await;
    cli(
        app,
        &[
            "admin",
            "create-organisation",
            "--name",
            "Wrenfield Health",
            "--kind",
            "health",
        ],
    )
    .await;
    cli(
        app,
        &[
            "admin",
            "create-practitioner",
            "--name",
            "Jess Amadi",
            "--email",
            HEALTH_VISITOR,
            "--organisation",
            "Wrenfield Health",
            "--role",
            "practitioner",
        ],
    )
    .await;
    cli(
        app,
        &[
            "admin",
            "create-family",
            "--reference",
            "EH-PLAN-001",
            "--area",
            "Wrenfield North",
            "--need-level",
            "2",
        ],
    )
    .await;
    for (name, born, relation, email) in [
        ("Lee Hart", "1988-03-02", "parent", PARENT),
        ("Robin Hart", "2011-06-20", "child", YOUNG_PERSON),
    ] {
        cli(
            app,
            &[
                "admin",
                "add-member",
                "--family",
                "EH-PLAN-001",
                "--name",
                name,
                "--born",
                born,
                "--relation",
                relation,
                "--email",
                email,
            ],
        )
        .await;
    }
    let parent = app.token_for(PARENT).await;
    let me = ok(
        app,
        &parent,
        "{ viewer { familyMember { id family { id members { id name } } } } }",
        json!({}),
        "viewer",
    )
    .await;
    let family = me["familyMember"]["family"]["id"].clone();
    let lee = me["familyMember"]["id"].clone();
    let robin = me["familyMember"]["family"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Robin Hart")
        .unwrap()["id"]
        .clone();
    let hub = app.token_for(demo::HUB_WORKER).await;
    let orgs = ok(
        app,
        &hub,
        "{ organisations(first: 10) { edges { node { id name } } } }",
        json!({}),
        "organisations",
    )
    .await;
    let org = |name: &str| {
        orgs["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["name"] == name)
            .unwrap()["node"]["id"]
            .clone()
    };
    ok(
        app,
        &parent,
        "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field message } } }",
        json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": [org(api::domain::demo::SCHOOL), org("Wrenfield Health")] } }),
        "giveConsent",
    )
    .await;
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let health = app.token_for(HEALTH_VISITOR).await;
    let id_of = async |token: &str| {
        ok(
            app,
            token,
            "{ viewer { practitioner { id } } }",
            json!({}),
            "viewer",
        )
        .await["practitioner"]["id"]
            .clone()
    };
    let sam = id_of(&school).await;
    let hv = id_of(&health).await;
    for practitioner in [&sam, &hv] {
        ok(
            app,
            &hub,
            "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { current } userErrors { field message } } }",
            json!({ "input": { "family": family, "practitioner": practitioner } }),
            "addTeamMember",
        )
        .await;
    }
    Story {
        family,
        parent,
        young_person: app.token_for(YOUNG_PERSON).await,
        school,
        health,
        robin,
        lee,
        hv,
    }
}

fn section_input(family: &Value, version: i64, going_well: &str, worries: &str) -> Value {
    json!({ "input": {
        "family": family, "expectedVersion": version,
        "goingWell": going_well, "worries": worries, "needsToChange": "Mornings",
    } })
}

async fn the_story_is_told_once_and_earlier_versions_are_kept(app: TestApp) {
    let s = set_up(&app).await;
    ok(
        &app,
        &s.parent,
        "mutation($input: AssessmentInput!) { openAssessment(input: $input) { assessment { status } userErrors { field message } } }",
        json!({ "input": { "family": s.family } }),
        "openAssessment",
    )
    .await;
    let first = ok(
        &app,
        &s.parent,
        SECTION,
        section_input(&s.family, 0, "We are close", "Money"),
        "writeFamilySection",
    )
    .await;
    assert_eq!(first["assessment"]["familySection"]["version"], 1);

    // The school and the health visitor each add their organisation's section.
    ok(
        &app,
        &s.school,
        ORG_SECTION,
        section_input(&s.family, 0, "Robin is kind", "Late most days"),
        "writeOrganisationSection",
    )
    .await;
    let health = ok(
        &app,
        &s.health,
        ORG_SECTION,
        section_input(&s.family, 0, "Growing well", "Lee is exhausted"),
        "writeOrganisationSection",
    )
    .await;
    let sections = health["assessment"]["organisationSections"]
        .as_array()
        .unwrap();
    assert_eq!(sections.len(), 2, "{health}");
    assert_eq!(
        sections[0]["organisation"]["name"],
        api::domain::demo::SCHOOL
    );
    assert_eq!(sections[1]["organisation"]["name"], "Wrenfield Health");
    assert_eq!(sections[1]["writtenBy"]["name"], "Jess Amadi");

    // The family rewrites their section: the first version is kept as they wrote it.
    let second = ok(
        &app,
        &s.parent,
        SECTION,
        section_input(&s.family, 1, "We are close and we laugh a lot", "Money"),
        "writeFamilySection",
    )
    .await;
    let family_section = &second["assessment"]["familySection"];
    assert_eq!(family_section["version"], 2);
    assert_eq!(
        family_section["goingWell"],
        "We are close and we laugh a lot"
    );
    assert_eq!(
        family_section["earlierVersions"]["nodes"],
        json!([{ "version": 1, "goingWell": "We are close", "writtenBy": { "name": "Lee Hart" } }])
    );

    // Robin writes from the version he saw, which is now stale: nothing changes.
    let stale = app
        .gql(
            Some(&s.young_person),
            SECTION,
            section_input(&s.family, 1, "I like drawing", "School"),
        )
        .await;
    assert_eq!(
        stale["data"]["writeFamilySection"]["userErrors"][0]["code"], "STALE_VERSION",
        "{stale}"
    );
    assert_eq!(
        stale["data"]["writeFamilySection"]["assessment"]["familySection"]["version"],
        2
    );

    // Practitioners never write the family's section (rule 3); a young person does not read
    // the agencies' sections (an empty list: the normal answer for them, not an error).
    let refused = app
        .gql(
            Some(&s.school),
            SECTION,
            section_input(&s.family, 2, "x", "y"),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let read = app
        .gql(
            Some(&s.young_person),
            "query($id: ID!) { node(id: $id) { ... on Family { assessment { familySection { version } organisationSections { version } } } } }",
            json!({ "id": s.family }),
        )
        .await;
    assert!(read["errors"].is_null(), "{read}");
    assert_eq!(
        read["data"]["node"]["assessment"]["organisationSections"],
        json!([]),
        "{read}"
    );
    let own = app
        .gql(
            Some(&s.young_person),
            "query($id: ID!) { node(id: $id) { ... on Family { assessment { status familySection { version } } } } }",
            json!({ "id": s.family }),
        )
        .await;
    assert_eq!(
        own["data"]["node"]["assessment"]["familySection"]["version"], 2,
        "{own}"
    );
}

async fn start_plan(app: &TestApp, s: &Story) -> Value {
    ok(
        app,
        &s.parent,
        &format!("mutation($input: StartPlanInput!) {{ startPlan(input: $input) {{ plan {{ {PLAN_FIELDS} }} userErrors {{ field message }} }} }}"),
        json!({ "input": { "family": s.family } }),
        "startPlan",
    )
    .await["plan"]
        .clone()
}

fn write_outcome(mutation: &str) -> String {
    format!(
        "mutation($input: WriteOutcomeInput!) {{ {mutation}(input: $input) {{ outcome {{ {OUTCOME_FIELDS} }} plan {{ {PLAN_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn outcome_step(mutation: &str, input: &str) -> String {
    format!(
        "mutation($input: {input}!) {{ {mutation}(input: $input) {{ outcome {{ {OUTCOME_FIELDS} }} plan {{ {PLAN_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

const ACTION: &str = "mutation($input: AddActionInput!) { addAction(input: $input) { action { id description done overdue } plan { version } userErrors { field code message } } }";
const DONE: &str = "mutation($input: MarkActionDoneInput!) { markActionDone(input: $input) { action { id done doneAt } plan { version } userErrors { field code message } } }";

async fn outcome_node(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app
        .gql(
            Some(token),
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Outcome {{ {OUTCOME_FIELDS} history(first: 50) {{ edges {{ node {{ what detail side by {{ ... on FamilyMember {{ name }} ... on Practitioner {{ name }} }} planVersion }} }} }} }} }} }}"),
            json!({ "id": id }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["node"].clone()
}

fn history(outcome: &Value) -> Vec<(String, String)> {
    outcome["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["what"].as_str().unwrap().to_owned(),
                e["node"]["side"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn family_chooses_outcomes_and_both_sides_see_progress(app: TestApp) {
    let s = set_up(&app).await;
    let plan = start_plan(&app, &s).await;
    assert_eq!(plan["status"], "DRAFT");
    assert_eq!(plan["version"], 1);

    // Lee writes an outcome in their own words: it is in the plan at once.
    let added = ok(&app, &s.parent, &write_outcome("addOutcome"), json!({ "input": {
        "plan": plan["id"], "expectedVersion": 1, "words": "Robin gets to school on time", "area": "EDUCATION",
    } }), "addOutcome").await;
    let school_run = added["outcome"].clone();
    assert_eq!(school_run["status"], "CHOSEN");
    assert_eq!(
        school_run["area"],
        json!({ "code": "EDUCATION", "label": "Getting a good education", "frameworkVersion": "supporting-families-2022" })
    );
    assert_eq!(added["plan"]["version"], 2);

    // Robin writes one about himself; he cannot write one for the whole family.
    let robins = ok(&app, &s.young_person, &write_outcome("addOutcome"), json!({ "input": {
        "plan": plan["id"], "expectedVersion": 2, "words": "I feel less worried at school", "area": "HEALTH", "for": [s.robin],
    } }), "addOutcome").await;
    assert_eq!(robins["outcome"]["for"], json!([{ "name": "Robin Hart" }]));
    let whole_family = app
        .gql(
            Some(&s.young_person),
            &write_outcome("addOutcome"),
            json!({ "input": {
        "plan": plan["id"], "expectedVersion": 3, "words": "We move house", "area": "HOUSING",
    } }),
        )
        .await;
    assert_eq!(
        error_code(&whole_family),
        Some("FORBIDDEN"),
        "{whole_family}"
    );

    // The school proposes one; Lee declines it with a reason the school then reads.
    let proposed = ok(&app, &s.school, &write_outcome("proposeOutcome"), json!({ "input": {
        "plan": plan["id"], "expectedVersion": 3, "words": "Parenting course", "area": "RELATIONSHIPS",
    } }), "proposeOutcome").await;
    assert_eq!(proposed["outcome"]["status"], "PROPOSED");
    assert_eq!(proposed["outcome"]["proposedBy"]["name"], "Sam Whitlock");
    let proposal = proposed["outcome"]["id"].clone();
    ok(&app, &s.parent, &outcome_step("declineOutcome", "OutcomeStepInput"), json!({ "input": {
        "outcome": proposal, "expectedVersion": 4, "reason": "We did one last year; mornings are the problem.",
    } }), "declineOutcome").await;
    let seen_by_school = outcome_node(&app, &s.school, &proposal).await;
    assert_eq!(seen_by_school["status"], "DECLINED");
    assert_eq!(
        seen_by_school["declineReason"],
        "We did one last year; mornings are the problem."
    );

    // Only the family changes the family's words (rule 3).
    let overwrite = app
        .gql(
            Some(&s.school),
            &outcome_step("amendOutcome", "AmendOutcomeInput"),
            json!({ "input": {
        "outcome": school_run["id"], "expectedVersion": 5, "words": "Attendance above 95%",
    } }),
        )
        .await;
    assert_eq!(error_code(&overwrite), Some("FORBIDDEN"), "{overwrite}");

    // Both rate progress: the ratings are side by side, never averaged, the gap flagged.
    let rate = outcome_step("rateProgress", "RateProgressInput");
    ok(&app, &s.parent, &rate, json!({ "input": { "outcome": school_run["id"], "expectedVersion": 5, "score": 3, "comment": "Still hard on early shifts" } }), "rateProgress").await;
    let rated = ok(
        &app,
        &s.school,
        &rate,
        json!({ "input": { "outcome": school_run["id"], "expectedVersion": 6, "score": 8 } }),
        "rateProgress",
    )
    .await;
    let progress = &rated["outcome"]["progress"];
    assert_eq!(
        progress["family"],
        json!({ "score": 3, "comment": "Still hard on early shifts" })
    );
    assert_eq!(
        progress["practitioner"],
        json!({ "score": 8, "comment": null })
    );
    assert_eq!(progress["gap"], 5);
    assert_eq!(progress["largeGap"], true);
    let out_of_range = app
        .gql(
            Some(&s.parent),
            &rate,
            json!({ "input": { "outcome": school_run["id"], "expectedVersion": 7, "score": 11 } }),
        )
        .await;
    assert_eq!(
        out_of_range["data"]["rateProgress"]["userErrors"][0]["code"],
        "OUT_OF_RANGE"
    );
    assert_eq!(
        out_of_range["data"]["rateProgress"]["plan"]["version"], 7,
        "a refused change moves nothing on"
    );

    // The health visitor adds a note beside Lee's words, and actions are added and done.
    let noted = ok(&app, &s.health, &outcome_step("addOutcomeNote", "AddOutcomeNoteInput"), json!({ "input": {
        "outcome": school_run["id"], "expectedVersion": 7, "body": "Lee may get help with childcare costs.",
    } }), "addOutcomeNote").await;
    assert_eq!(noted["outcome"]["words"], "Robin gets to school on time");
    assert_eq!(
        noted["outcome"]["notes"]["nodes"],
        json!([{ "body": "Lee may get help with childcare costs.", "author": { "name": "Jess Amadi" } }])
    );
    let today = chrono::Utc::now().date_naive();
    let for_lee = ok(
        &app,
        &s.school,
        ACTION,
        json!({ "input": {
        "outcome": school_run["id"], "expectedVersion": 8, "description": "Set two alarms",
        "assignee": s.lee, "dueDate": (today + Duration::days(5)).to_string(),
    } }),
        "addAction",
    )
    .await;
    assert_eq!(for_lee["action"]["done"], false);
    let done = ok(
        &app,
        &s.parent,
        DONE,
        json!({ "input": { "action": for_lee["action"]["id"], "expectedVersion": 9 } }),
        "markActionDone",
    )
    .await;
    assert_eq!(done["action"]["done"], true);
    let for_hv = ok(
        &app,
        &s.health,
        ACTION,
        json!({ "input": {
        "outcome": school_run["id"], "expectedVersion": 10, "description": "Childcare funding form",
        "assignee": s.hv, "dueDate": (today + Duration::days(1)).to_string(),
    } }),
        "addAction",
    )
    .await;
    assert_eq!(for_hv["plan"]["version"], 11);

    // Three days on, the health visitor's action is overdue; Lee's, done, is not.
    app.clock.advance(Duration::days(3));
    let parent = app.token_for(PARENT).await;
    let plan_now = ok(&app, &parent, "query($id: ID!) { node(id: $id) { ... on Plan { version overdueActions { nodes { description assignee { ... on Practitioner { name } } } } } } }", json!({ "id": plan["id"] }), "node").await;
    assert_eq!(
        plan_now["overdueActions"]["nodes"],
        json!([{ "description": "Childcare funding form", "assignee": { "name": "Jess Amadi" } }])
    );

    // Every step is in the outcome's history, with its side.
    let outcome = outcome_node(&app, &parent, &school_run["id"]).await;
    let steps: Vec<(&str, &str)> = vec![
        ("wrote and chose an outcome", "FAMILY"),
        ("rated progress 3 out of 10", "FAMILY"),
        ("rated progress 8 out of 10", "PRACTITIONER"),
        ("added a note", "PRACTITIONER"),
        ("added an action", "PRACTITIONER"),
        ("marked the action done", "FAMILY"),
        ("added an action", "PRACTITIONER"),
    ];
    let expected: Vec<(String, String)> = steps
        .into_iter()
        .map(|(w, s)| (w.to_owned(), s.to_owned()))
        .collect();
    assert_eq!(history(&outcome), expected);
    assert_eq!(
        outcome["ratingHistory"]["nodes"],
        json!([{ "score": 3, "source": "FAMILY" }, { "score": 8, "source": "PRACTITIONER" }])
    );

    // Robin sees the whole-family outcomes and his own, not the rest.
    let robin = app.token_for(YOUNG_PERSON).await;
    let robins_view = ok(&app, &robin, "query($id: ID!) { node(id: $id) { ... on Plan { outcomes(includeSetAside: true) { nodes { words } } } } }", json!({ "id": plan["id"] }), "node").await;
    assert_eq!(
        robins_view["outcomes"]["nodes"],
        json!([{ "words": "Robin gets to school on time" }, { "words": "I feel less worried at school" }, { "words": "Parenting course" }])
    );

    // Robin's outcome is private to him and the team until he shares it (issue 14).
    let shared = app
        .gql(
            Some(&robin),
            "mutation($input: ShareWithMyFamilyInput!) { shareWithMyFamily(input: $input) { private userErrors { code } } }",
            json!({ "input": { "item": robins["outcome"]["id"] } }),
        )
        .await;
    assert_eq!(
        shared["data"]["shareWithMyFamily"]["private"], false,
        "{shared}"
    );

    // Lee puts Robin's outcome first; the order is the family's.
    let reorder = "mutation($input: ReorderOutcomesInput!) { reorderOutcomes(input: $input) { plan { version outcomes(includeSetAside: true) { nodes { words position } } } userErrors { field code message } } }";
    let incomplete = app.gql(Some(&parent), reorder, json!({ "input": { "plan": plan["id"], "expectedVersion": 11, "outcomes": [robins["outcome"]["id"]] } })).await;
    assert_eq!(
        incomplete["data"]["reorderOutcomes"]["userErrors"][0]["code"], "INVALID",
        "{incomplete}"
    );
    let reordered = ok(&app, &parent, reorder, json!({ "input": { "plan": plan["id"], "expectedVersion": 11, "outcomes": [robins["outcome"]["id"], school_run["id"], proposal] } }), "reorderOutcomes").await;
    assert_eq!(
        reordered["plan"]["outcomes"]["nodes"],
        json!([
            { "words": "I feel less worried at school", "position": 1 },
            { "words": "Robin gets to school on time", "position": 2 },
            { "words": "Parenting course", "position": 3 },
        ])
    );

    // And the family's access log shows the practitioners' reads and changes.
    let log = ok(&app, &parent, "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { edges { node { kind what actor { name } } } } } } }", json!({ "id": s.family }), "node").await;
    let entries: Vec<(String, String, String)> = log["accessLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["what"].as_str().unwrap().to_owned(),
                n["actor"]["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for wanted in [
        ("CHANGE", "plan: proposed an outcome", "Sam Whitlock"),
        ("CHANGE", "plan: added a note", "Jess Amadi"),
        ("CHANGE", "plan: declined the proposed outcome", "Lee Hart"),
        ("READ", "plan", "Sam Whitlock"),
    ] {
        let wanted = (
            wanted.0.to_owned(),
            wanted.1.to_owned(),
            wanted.2.to_owned(),
        );
        assert!(entries.contains(&wanted), "{wanted:?} not in {entries:?}");
    }
}

async fn two_edits_from_the_same_version_one_wins_and_nothing_is_lost(app: TestApp) {
    let s = set_up(&app).await;
    let plan = start_plan(&app, &s).await;
    let added = ok(&app, &s.parent, &write_outcome("addOutcome"), json!({ "input": {
        "plan": plan["id"], "expectedVersion": 1, "words": "Calmer mornings", "area": "RELATIONSHIPS",
    } }), "addOutcome").await;
    let outcome = added["outcome"]["id"].clone();
    let amend = outcome_step("amendOutcome", "AmendOutcomeInput");
    let edit = |token: String, words: &'static str| {
        let app = &app;
        let amend = amend.clone();
        let outcome = outcome.clone();
        async move {
            app.gql(
                Some(&token),
                &amend,
                json!({ "input": { "outcome": outcome, "expectedVersion": 2, "words": words } }),
            )
            .await
        }
    };
    // Lee on the phone, Robin on the tablet: both from version 2, at the same moment.
    let (a, b) = tokio::join!(
        edit(s.parent.clone(), "Calmer mornings, out by 8"),
        edit(s.parent.clone(), "Calmer mornings with breakfast together"),
    );
    let results = [&a, &b];
    let won: Vec<_> = results
        .iter()
        .filter(|r| r["data"]["amendOutcome"]["userErrors"] == json!([]))
        .collect();
    let lost: Vec<_> = results
        .iter()
        .filter(|r| r["data"]["amendOutcome"]["userErrors"] != json!([]))
        .collect();
    assert_eq!((won.len(), lost.len()), (1, 1), "{a}\n{b}");
    let lost = &lost[0]["data"]["amendOutcome"];
    assert_eq!(lost["userErrors"][0]["code"], "STALE_VERSION");
    assert_eq!(
        lost["userErrors"][0]["field"],
        json!(["input", "expectedVersion"])
    );
    // The loser gets the plan as it is now, and the words the winner wrote.
    assert_eq!(lost["plan"]["version"], 3);
    let winner_words = won[0]["data"]["amendOutcome"]["outcome"]["words"].clone();
    assert_eq!(lost["outcome"]["words"], winner_words);

    let now = outcome_node(&app, &s.parent, &outcome).await;
    assert_eq!(now["words"], winner_words);
    let amendments: Vec<_> = now["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["what"] == "amended the words")
        .collect();
    assert_eq!(amendments.len(), 1, "{now}");
    // The words before are kept, never lost.
    assert_eq!(amendments[0]["node"]["detail"], "Calmer mornings");

    // A stale choice or rating changes nothing either.
    let stale = app
        .gql(
            Some(&s.parent),
            &outcome_step("rateProgress", "RateProgressInput"),
            json!({ "input": { "outcome": outcome, "expectedVersion": 2, "score": 5 } }),
        )
        .await;
    assert_eq!(
        stale["data"]["rateProgress"]["userErrors"][0]["code"],
        "STALE_VERSION"
    );
    assert_eq!(
        stale["data"]["rateProgress"]["outcome"]["ratingHistory"]["nodes"],
        json!([])
    );
}

async fn the_lead_professional_reviews_finalises_and_closes(app: TestApp) {
    app.load_demo().await;
    let lead = app.token_for(demo::HUB_WORKER).await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    // The demo's plan is active with Priya as lead professional.
    let led = ok(
        &app,
        &lead,
        "{ plansILead { nodes { id status version family { reference } leadProfessional { name } } } }",
        json!({}),
        "plansILead",
    )
    .await["nodes"]
        .clone();
    assert_eq!(led.as_array().unwrap().len(), 1, "{led}");
    let plan = led[0].clone();
    assert_eq!(plan["status"], "ACTIVE");
    assert_eq!(plan["family"]["reference"], "EH-DEMO-001");
    assert_eq!(plan["leadProfessional"]["name"], "Priya Nair");
    let version = plan["version"].as_i64().unwrap();

    let review = "mutation($input: SetPlanReviewDateInput!) { setPlanReviewDate(input: $input) { plan { version reviewDate } userErrors { field code message } } }";
    let date = (chrono::Utc::now().date_naive() + Duration::days(42)).to_string();
    let refused = app.gql(Some(&school), review, json!({ "input": { "plan": plan["id"], "expectedVersion": version, "reviewDate": date } })).await;
    assert_eq!(
        error_code(&refused),
        Some("FORBIDDEN"),
        "only the lead professional sets the review"
    );
    let set = ok(
        &app,
        &lead,
        review,
        json!({ "input": { "plan": plan["id"], "expectedVersion": version, "reviewDate": date } }),
        "setPlanReviewDate",
    )
    .await;
    assert_eq!(set["plan"]["reviewDate"], date);

    let family_id = ok(
        &app,
        &parent,
        "{ viewer { familyMember { family { id } } } }",
        json!({}),
        "viewer",
    )
    .await["familyMember"]["family"]["id"]
        .clone();
    let finalise = "mutation($input: AssessmentInput!) { finaliseAssessment(input: $input) { assessment { status finalisedBy { ... on Practitioner { name } } } userErrors { field code message } } }";
    let finalised = ok(
        &app,
        &lead,
        finalise,
        json!({ "input": { "family": family_id } }),
        "finaliseAssessment",
    )
    .await;
    assert_eq!(finalised["assessment"]["status"], "FINALISED");
    assert_eq!(finalised["assessment"]["finalisedBy"]["name"], "Priya Nair");
    let late = app
        .gql(
            Some(&school),
            ORG_SECTION,
            section_input(&family_id, 1, "x", "y"),
        )
        .await;
    assert_eq!(
        late["data"]["writeOrganisationSection"]["userErrors"][0]["code"], "NOT_ALLOWED_NOW",
        "{late}"
    );

    let close = "mutation($input: ClosePlanInput!) { closePlan(input: $input) { plan { status closedAt closingSummary version } userErrors { field code message } } }";
    let closed = ok(&app, &lead, close, json!({ "input": { "plan": plan["id"], "expectedVersion": version + 1, "summary": "Mornings are calmer and the arrears are on a plan." } }), "closePlan").await;
    assert_eq!(closed["plan"]["status"], "CLOSED");
    let after = app
        .gql(
            Some(&parent),
            &write_outcome("addOutcome"),
            json!({ "input": {
        "plan": plan["id"], "expectedVersion": version + 2, "words": "One more", "area": "HOUSING",
    } }),
        )
        .await;
    assert_eq!(
        after["data"]["addOutcome"]["userErrors"][0]["code"], "NOT_ALLOWED_NOW",
        "{after}"
    );
    let led = ok(
        &app,
        &lead,
        "{ plansILead { nodes { id } } }",
        json!({}),
        "plansILead",
    )
    .await["nodes"]
        .clone();
    assert_eq!(led, json!([]));
}
