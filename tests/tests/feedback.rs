//! Feedback and young people's views over HTTP (issue 7): an adult's feedback reaches the
//! team; a young person's private view is read by their lead professional and never by their
//! parent (DESIGN rule 5); anonymous feedback keeps no name anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use api::domain::plans;
use api::graphql::ids::{self, Kind};
use entities::{audit_entry, feedback};
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

db_tests!(
    family_adult_gives_feedback_that_the_team_reads,
    a_young_persons_private_view_is_for_the_lead_professional_not_the_parent,
    anonymous_feedback_keeps_no_name,
);

const GIVE: &str = "mutation($input: GiveFeedbackInput!) { giveFeedback(input: $input) { feedback { id about subjectId anonymous private giverSide givenBy { name } answers { question text score yes } freeText givenAt } userErrors { field code message } } }";
const FEEDBACK: &str = "query($id: ID!) { node(id: $id) { ... on Family { feedback(first: 50) { edges { node { id about anonymous private giverSide givenBy { name } givenByPractitioner { name } answers { question score } freeText givenAt } } } } } }";
const VIEWS: &str = "query($id: ID!) { node(id: $id) { ... on Family { youngPeoplesViews(first: 50) { edges { node { id words private givenBy { name } } } } } } }";
const SHARE: &str = "mutation($input: ShareViewInput!) { shareView(input: $input) { view { id words private givenBy { name } } userErrors { field code message } } }";
const QUESTIONS: &str =
    "{ questionnaire(kind: EXPERIENCE) { kind version questions { code text answerKind } } }";

struct Morgans {
    family: Value,
    family_id: Uuid,
    parent: String,
    young_person: String,
    school: String,
    sam_id: Uuid,
}

async fn morgans(app: &TestApp) -> Morgans {
    app.load_demo().await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let me = app
        .gql(
            Some(&parent),
            "{ viewer { familyMember { family { id } } } }",
            json!({}),
        )
        .await;
    let family = me["data"]["viewer"]["familyMember"]["family"]["id"].clone();
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let sam = app
        .gql(
            Some(&school),
            "{ viewer { practitioner { id } } }",
            json!({}),
        )
        .await;
    let sam_id = uuid_of(&sam["data"]["viewer"]["practitioner"]["id"]);
    Morgans {
        family_id: uuid_of(&family),
        family,
        parent,
        young_person: app.token_for(demo::MORGAN_YOUNG_PERSON).await,
        school,
        sam_id,
    }
}

/// The UUID inside a global ID.
pub fn uuid_of(id: &Value) -> Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
}

fn global(kind: Kind, id: Uuid) -> String {
    ids::encode(kind, id).to_string()
}

fn nodes(body: &Value, field: &str) -> Vec<Value> {
    body["data"]["node"][field]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn feedback_rows(app: &TestApp) -> u64 {
    feedback::Entity::find().count(&app.db).await.unwrap()
}

async fn family_adult_gives_feedback_that_the_team_reads(app: TestApp) {
    let m = morgans(&app).await;
    let questions = app.gql(Some(&m.parent), QUESTIONS, json!({})).await;
    let codes: Vec<&str> = questions["data"]["questionnaire"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 6, "{questions}");
    assert_eq!(
        questions["data"]["questionnaire"]["questions"][0]["text"],
        "I felt listened to"
    );

    // The demo family's plan, to give feedback about.
    let plan = plans::current(&app.db, m.family_id).await.unwrap().unwrap();
    let plan_id = global(Kind::Plan, plan.id);
    let body = app
        .gql(
            Some(&m.parent),
            GIVE,
            json!({ "input": {
                "family": m.family, "about": "PLAN", "subject": plan_id,
                "answers": [
                    { "question": "listened_to", "score": 5 },
                    { "question": "know_how_to_get_help", "score": 4 },
                ],
                "freeText": "Sam rang back every time, which mattered.",
            } }),
        )
        .await;
    let given = &body["data"]["giveFeedback"];
    assert_eq!(given["userErrors"], json!([]), "{body}");
    assert_eq!(given["feedback"]["about"], "PLAN");
    assert_eq!(given["feedback"]["subjectId"], json!(plan_id));
    assert_eq!(given["feedback"]["giverSide"], "FAMILY_ADULT");
    assert_eq!(given["feedback"]["private"], false);
    assert_eq!(given["feedback"]["givenBy"]["name"], "Dana Morgan");
    assert_eq!(
        given["feedback"]["answers"],
        json!([
            { "question": "listened_to", "text": "I felt listened to", "score": 5, "yes": null },
            { "question": "know_how_to_get_help", "text": "I know how to get more help if I need it", "score": 4, "yes": null },
        ])
    );

    // The team reads it, with the name; the read is on the family's trail.
    let team = app
        .gql(Some(&m.school), FEEDBACK, json!({ "id": m.family }))
        .await;
    let seen = nodes(&team, "feedback");
    assert_eq!(seen.len(), 1, "{team}");
    assert_eq!(seen[0]["givenBy"]["name"], "Dana Morgan");
    assert_eq!(
        seen[0]["freeText"],
        "Sam rang back every time, which mattered."
    );
    let reads = audit_entry::Entity::find()
        .filter(audit_entry::Column::FamilyId.eq(m.family_id))
        .filter(audit_entry::Column::What.contains("feedback and views"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(reads, 1);

    // Mistakes are explained, and nothing is kept.
    let before = feedback_rows(&app).await;
    let rahmans_plan = {
        let hub = app.token_for(demo::HUB_WORKER).await;
        let families = app
            .gql(
                Some(&hub),
                "{ families { edges { node { id } } } }",
                json!({}),
            )
            .await;
        let rahmans = uuid_of(&families["data"]["families"]["edges"][1]["node"]["id"]);
        plans::start(&app.db, rahmans, &api::access::operator(app.clock.now()))
            .await
            .unwrap()
    };
    for (input, field, code) in [
        (
            json!({ "family": m.family, "about": "SERVICE", "answers": [{ "question": "listened_to", "score": 7 }] }),
            json!(["input", "answers", "0"]),
            "OUT_OF_RANGE",
        ),
        (
            json!({ "family": m.family, "about": "SERVICE", "answers": [{ "question": "favourite_colour", "score": 3 }] }),
            json!(["input", "answers", "0"]),
            "NOT_FOUND",
        ),
        (
            json!({ "family": m.family, "about": "SERVICE", "answers": [] }),
            json!(["input", "answers"]),
            "REQUIRED",
        ),
        (
            json!({ "family": m.family, "about": "PLAN", "subject": global(Kind::Plan, rahmans_plan.id), "freeText": "Fine." }),
            json!(["input", "subject"]),
            "NOT_FOUND",
        ),
        (
            json!({ "family": m.family, "about": "SERVICE", "freeText": "Fine.", "private": true }),
            json!(["input", "private"]),
            "INVALID",
        ),
    ] {
        let body = app
            .gql(Some(&m.parent), GIVE, json!({ "input": input }))
            .await;
        let errors = &body["data"]["giveFeedback"]["userErrors"];
        assert_eq!(errors[0]["field"], field, "{body}");
        assert_eq!(errors[0]["code"], code, "{body}");
        assert!(body["data"]["giveFeedback"]["feedback"].is_null());
    }
    assert_eq!(feedback_rows(&app).await, before);

    // Another family's adult may not give feedback on the Morgans' behalf.
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let body = app
        .gql(
            Some(&aisha),
            GIVE,
            json!({ "input": { "family": m.family, "about": "SERVICE", "freeText": "Hello" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

async fn a_young_persons_private_view_is_for_the_lead_professional_not_the_parent(app: TestApp) {
    let m = morgans(&app).await;
    // Sam accepted the family's nomination: the lead professional.
    let now = app.clock.now();
    let plan = plans::current(&app.db, m.family_id).await.unwrap().unwrap();
    plans::set_lead_professional(&app.db, plan.id, m.sam_id, &api::access::operator(now))
        .await
        .unwrap();

    let words =
        "I don't want Mum to know I'm skipping after-school club because of the older kids.";
    let body = app
        .gql(
            Some(&m.young_person),
            SHARE,
            json!({ "input": { "words": words } }),
        )
        .await;
    let view = &body["data"]["shareView"]["view"];
    assert_eq!(
        view["private"], true,
        "private unless they say otherwise: {body}"
    );
    assert_eq!(view["givenBy"]["name"], "Jordan Morgan");
    let view_id = view["id"].clone();

    // The lead professional is told there is something to read: no words, no names.
    let email = app.email_to(demo::SCHOOL_PRACTITIONER, 1).await;
    assert!(email.contains("something to read"), "{email}");
    for secret in ["after-school", "Jordan", "Morgan", "Mum"] {
        assert!(
            !email.contains(secret),
            "the email leaks {secret:?}: {email}"
        );
    }

    // The lead professional reads it; so does Jordan; Dana does not, in the list or by ID.
    let lead = app
        .gql(Some(&m.school), VIEWS, json!({ "id": m.family }))
        .await;
    assert_eq!(
        nodes(&lead, "youngPeoplesViews")[0]["words"],
        words,
        "{lead}"
    );
    let own = app
        .gql(Some(&m.young_person), VIEWS, json!({ "id": m.family }))
        .await;
    assert_eq!(nodes(&own, "youngPeoplesViews").len(), 1, "{own}");
    let parent = app
        .gql(Some(&m.parent), VIEWS, json!({ "id": m.family }))
        .await;
    assert_eq!(
        nodes(&parent, "youngPeoplesViews"),
        Vec::<Value>::new(),
        "{parent}"
    );
    let by_id = app
        .gql(
            Some(&m.parent),
            "query($id: ID!) { node(id: $id) { ... on YoungPersonView { words } } }",
            json!({ "id": view_id }),
        )
        .await;
    assert_eq!(error_code(&by_id), Some("FORBIDDEN"), "{by_id}");
    assert!(!by_id.to_string().contains("after-school"));

    // Private feedback likewise; feedback Jordan chooses to share, Dana reads.
    for (private, text) in [
        (None, "Nobody asks me anything."),
        (Some(false), "The plan is fine."),
    ] {
        let mut input = json!({ "family": m.family, "about": "SERVICE", "freeText": text,
            "answers": [{ "question": "listened_to", "score": 2 }] });
        if let Some(private) = private {
            input["private"] = json!(private);
        }
        let body = app
            .gql(Some(&m.young_person), GIVE, json!({ "input": input }))
            .await;
        assert_eq!(
            body["data"]["giveFeedback"]["userErrors"],
            json!([]),
            "{body}"
        );
        assert_eq!(
            body["data"]["giveFeedback"]["feedback"]["giverSide"],
            "YOUNG_PERSON"
        );
    }
    let parent = app
        .gql(Some(&m.parent), FEEDBACK, json!({ "id": m.family }))
        .await;
    let texts: Vec<Value> = nodes(&parent, "feedback")
        .iter()
        .map(|f| f["freeText"].clone())
        .collect();
    assert_eq!(texts, [json!("The plan is fine.")], "{parent}");
    let lead = app
        .gql(Some(&m.school), FEEDBACK, json!({ "id": m.family }))
        .await;
    assert_eq!(nodes(&lead, "feedback").len(), 2, "{lead}");

    // Nothing of it shows in the access log the family reads.
    let log = app
        .gql(
            Some(&m.parent),
            "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { edges { node { what actor { name } } } } } } }",
            json!({ "id": m.family }),
        )
        .await;
    let jordans: Vec<String> = nodes(&log, "accessLog")
        .iter()
        .filter(|e| e["actor"]["name"] == "Jordan Morgan")
        .map(|e| e["what"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        jordans
            .iter()
            .all(|w| !w.contains("feedback") && !w.contains("view")),
        "{jordans:?}"
    );

    // Views are the young people's: a parent cannot send one.
    let body = app
        .gql(
            Some(&m.parent),
            SHARE,
            json!({ "input": { "words": "Hello" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // An empty view is explained and nothing is sent.
    let body = app
        .gql(
            Some(&m.young_person),
            SHARE,
            json!({ "input": { "words": "   " } }),
        )
        .await;
    assert_eq!(
        body["data"]["shareView"]["userErrors"][0]["code"], "REQUIRED",
        "{body}"
    );
}

async fn anonymous_feedback_keeps_no_name(app: TestApp) {
    let m = morgans(&app).await;
    let body = app
        .gql(
            Some(&m.parent),
            GIVE,
            json!({ "input": { "family": m.family, "about": "SERVICE", "anonymous": true,
                "answers": [{ "question": "listened_to", "score": 1 }],
                "freeText": "I did not feel heard at the meeting." } }),
        )
        .await;
    let given = &body["data"]["giveFeedback"]["feedback"];
    assert_eq!(given["anonymous"], true, "{body}");
    assert!(given["givenBy"].is_null());
    assert!(given["giverSide"].is_null());
    assert!(
        given["givenAt"].as_str().unwrap().contains("T00:00:00"),
        "only the day: {given}"
    );

    // Stored without the giver; no audit entry names her for it.
    let row = feedback::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.giver_member_id, row.giver_practitioner_id),
        (None, None)
    );
    let trail = audit_entry::Entity::find()
        .filter(audit_entry::Column::FamilyId.eq(m.family_id))
        .filter(audit_entry::Column::What.contains("feedback"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(trail, 0);

    // The team sees the answers without the name; the family does not see it at all.
    let team = app
        .gql(Some(&m.school), FEEDBACK, json!({ "id": m.family }))
        .await;
    let seen = nodes(&team, "feedback");
    assert_eq!(seen.len(), 1, "{team}");
    assert_eq!(
        seen[0]["answers"],
        json!([{ "question": "listened_to", "score": 1 }])
    );
    assert!(seen[0]["givenBy"].is_null() && seen[0]["givenByPractitioner"].is_null());
    let parent = app
        .gql(Some(&m.parent), FEEDBACK, json!({ "id": m.family }))
        .await;
    assert_eq!(nodes(&parent, "feedback"), Vec::<Value>::new());
}
