//! Issue 14: growing up in the plan. A young person's competence to consent is assessed
//! with a minimum age, a reason and an assessor; once competent, their own consent governs
//! practitioners' access to information about them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use family_plan_tests::stories::inbox;
use family_plan_tests::{TestApp, db_tests, demo};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

db_tests!(
    the_competence_minimum_refuses_a_six_year_old_and_stores_nothing,
    a_competent_young_persons_consent_narrows_a_practitioners_view,
    what_a_young_person_writes_starts_private_and_they_share_it,
    parents_see_less_as_a_young_person_grows_up,
    sharing_tells_the_parents_and_taking_back_tells_nobody,
    the_latest_ratings_are_the_same_with_or_without_the_history,
    the_plans_statement_keeps_the_latest_rating_of_each_kind,
);

const ME: &str =
    "{ viewer { familyMember { id family { id members { id name competentToConsent } } } } }";
const ASSESS: &str = "mutation($input: RecordCompetenceAssessmentInput!) { recordCompetenceAssessment(input: $input) { member { id competentToConsent } userErrors { field code message } } }";
const GIVE: &str = "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field code message } } }";
const WITHDRAW: &str = "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { field code } } }";
const PLAN: &str = "query($id: ID!) { node(id: $id) { ... on Family { plan { id outcomes(first: 50) { nodes { id words for { name } } } } } } }";
const PLAN_BY_ID: &str = "query($id: ID!) { node(id: $id) { ... on Plan { outcomes(first: 50) { nodes { words for { name } } } } } }";
const VIEWS: &str = "query($id: ID!) { node(id: $id) { ... on Family { youngPeoplesViews(first: 50) { nodes { words } } } } }";
const SHARE_VIEW: &str = "mutation($input: ShareViewInput!) { shareView(input: $input) { view { id } userErrors { field code } } }";

pub fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

struct Morgans {
    family: Value,
    members: Vec<Value>,
}

impl Morgans {
    fn id_of(&self, name: &str) -> Value {
        self.members
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{name} is a Morgan"))["id"]
            .clone()
    }
}

async fn morgans(app: &TestApp) -> Morgans {
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let me = app.gql(Some(&dana), ME, json!({})).await;
    let family = &me["data"]["viewer"]["familyMember"]["family"];
    Morgans {
        family: family["id"].clone(),
        members: family["members"].as_array().unwrap().clone(),
    }
}

async fn add_child(app: &TestApp, name: &str, born: chrono::NaiveDate) {
    app.cli(&[
        "admin",
        "add-member",
        "--family",
        "EH-DEMO-001",
        "--name",
        name,
        "--born",
        &born.to_string(),
        "--relation",
        "child",
    ])
    .await
    .unwrap();
}

async fn the_competence_minimum_refuses_a_six_year_old_and_stores_nothing(app: TestApp) {
    app.load_demo().await;
    let today = app.clock.now().date_naive();
    let six = today
        .checked_sub_months(chrono::Months::new(6 * 12 + 3))
        .unwrap();
    add_child(&app, "Alfie Morgan", six).await;
    let morgans = morgans(&app).await;
    let alfie = morgans.id_of("Alfie Morgan");
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let before = entities::competence_assessment::Entity::find()
        .count(&app.db)
        .await
        .unwrap();

    let body = app
        .gql(
            Some(&sam),
            ASSESS,
            json!({ "input": { "member": alfie, "competentToConsent": true, "reason": "He said he understood." } }),
        )
        .await;
    let payload = &body["data"]["recordCompetenceAssessment"];
    assert_eq!(payload["member"], Value::Null, "{body}");
    assert_eq!(payload["userErrors"][0]["code"], "OUT_OF_RANGE", "{body}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "member"])
    );
    let message = payload["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("from the age of 12"), "{message}");
    assert!(message.contains("is 6"), "{message}");
    // Nothing stored: no assessment, and Alfie is not competent.
    let after = entities::competence_assessment::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(before, after);
    let morgans = self::morgans(&app).await;
    let alfie_now = morgans
        .members
        .iter()
        .find(|m| m["name"] == "Alfie Morgan")
        .unwrap();
    assert_eq!(alfie_now["competentToConsent"], false);

    // A reason is required, even at 14.
    let jordan = morgans.id_of("Jordan Morgan");
    let body = app
        .gql(
            Some(&sam),
            ASSESS,
            json!({ "input": { "member": jordan, "competentToConsent": true, "reason": "  " } }),
        )
        .await;
    let payload = &body["data"]["recordCompetenceAssessment"];
    assert_eq!(payload["userErrors"][0]["code"], "REQUIRED", "{body}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "reason"])
    );

    // At 14, with a reason: recorded, with Sam as the assessor.
    let body = app
        .gql(
            Some(&sam),
            ASSESS,
            json!({ "input": { "member": jordan, "competentToConsent": true, "reason": "Jordan explained who would see what and why." } }),
        )
        .await;
    let payload = &body["data"]["recordCompetenceAssessment"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["member"]["competentToConsent"], true);
    let rows = entities::competence_assessment::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, before + 1);
    let latest = rows.iter().max_by_key(|r| r.id).unwrap();
    assert!(latest.assessed_by_practitioner_id.is_some());
    assert_eq!(
        latest.reason,
        "Jordan explained who would see what and why."
    );

    // The minimum is a setting: a local authority may choose 13.
    let stricter = app.spawn_replica(|s| s.competence_minimum_age = 13).await;
    let twelve = today
        .checked_sub_months(chrono::Months::new(12 * 12 + 1))
        .unwrap();
    add_child(&app, "Cara Morgan", twelve).await;
    let cara = self::morgans(&app).await.id_of("Cara Morgan");
    let body = stricter
        .gql(
            Some(&sam),
            ASSESS,
            json!({ "input": { "member": cara, "competentToConsent": true, "reason": "Cara understood." } }),
        )
        .await;
    let payload = &body["data"]["recordCompetenceAssessment"];
    assert_eq!(payload["userErrors"][0]["code"], "OUT_OF_RANGE", "{body}");
    let body = app
        .gql(
            Some(&sam),
            ASSESS,
            json!({ "input": { "member": cara, "competentToConsent": true, "reason": "Cara understood." } }),
        )
        .await;
    assert_eq!(
        body["data"]["recordCompetenceAssessment"]["userErrors"],
        json!([]),
        "{body}"
    );
}

const HOUSING_WORKER: &str = "housing@wrenfield.example";
const ORG: &str = "{ viewer { practitioner { id organisation { id } } } }";
const JORDANS_WORDS: &str = "I have somewhere quiet to go at break when it gets too much";

fn words(body: &Value) -> Vec<String> {
    let plan = if body["data"]["node"]["plan"].is_null() {
        &body["data"]["node"]
    } else {
        &body["data"]["node"]["plan"]
    };
    plan["outcomes"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no outcomes: {body}"))
        .iter()
        .map(|o| o["words"].as_str().unwrap().to_owned())
        .collect()
}

fn view_words(body: &Value) -> Vec<String> {
    body["data"]["node"]["youngPeoplesViews"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no views: {body}"))
        .iter()
        .map(|v| v["words"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_competent_young_persons_consent_narrows_a_practitioners_view(app: TestApp) {
    app.load_demo().await;
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
        HOUSING_WORKER,
        "--organisation",
        "Wrenfield Housing",
        "--role",
        "practitioner",
    ])
    .await
    .unwrap();
    let morgans = morgans(&app).await;
    let family = morgans.family.clone();
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let priya = app.token_for(demo::HUB_WORKER).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let hal = app.token_for(HOUSING_WORKER).await;
    let org_of = async |token: &str| {
        let me = app.gql(Some(token), ORG, json!({})).await;
        (
            me["data"]["viewer"]["practitioner"]["id"].clone(),
            me["data"]["viewer"]["practitioner"]["organisation"]["id"].clone(),
        )
    };
    let (_, council) = org_of(&priya).await;
    let (hal_id, housing) = org_of(&hal).await;
    // Housing joins the team with the family's consent, which Dana then withdraws.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let for_housing = app
        .gql(
            Some(&dana),
            GIVE,
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": [housing] } }),
        )
        .await;
    let for_housing = for_housing["data"]["giveConsent"]["consent"]["id"].clone();
    let added = app
        .gql(
            Some(&priya),
            "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { current } userErrors { code } } }",
            json!({ "input": { "family": family, "practitioner": hal_id } }),
        )
        .await;
    assert_eq!(
        added["data"]["addTeamMember"]["membership"]["current"], true,
        "{added}"
    );
    let withdrawn = app
        .gql(
            Some(&dana),
            WITHDRAW,
            json!({ "input": { "consent": for_housing } }),
        )
        .await;
    assert_eq!(
        withdrawn["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );
    // Jordan tells the team something, kept from the family.
    let shared = app
        .gql(
            Some(&jordan),
            SHARE_VIEW,
            json!({ "input": { "words": "Mornings are hard for me too." } }),
        )
        .await;
    assert_eq!(
        shared["data"]["shareView"]["userErrors"],
        json!([]),
        "{shared}"
    );

    // Before Jordan decides, the family's consent covers the school for everything.
    let plan = app.gql(Some(&sam), PLAN, json!({ "id": family })).await;
    assert!(words(&plan).contains(&JORDANS_WORDS.to_owned()), "{plan}");
    let plan_id = plan["data"]["node"]["plan"]["id"].clone();
    let views = app.gql(Some(&sam), VIEWS, json!({ "id": family })).await;
    assert_eq!(view_words(&views), ["Mornings are hard for me too."]);

    // Jordan, assessed competent, shares his own information with the council and housing,
    // not with the school.
    let given = app
        .gql(
            Some(&jordan),
            GIVE,
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": [council, housing], "forOwnInformation": true } }),
        )
        .await;
    assert_eq!(
        given["data"]["giveConsent"]["userErrors"],
        json!([]),
        "{given}"
    );
    let jordans_consent = given["data"]["giveConsent"]["consent"]["id"].clone();

    // The school: the family's plan without Jordan's items.
    let plan = app.gql(Some(&sam), PLAN, json!({ "id": family })).await;
    let seen = words(&plan);
    assert!(!seen.contains(&JORDANS_WORDS.to_owned()), "{plan}");
    assert!(
        seen.iter().any(|w| w.contains("rent arrears")),
        "the family's items stay: {plan}"
    );
    let views = app.gql(Some(&sam), VIEWS, json!({ "id": family })).await;
    assert_eq!(view_words(&views), Vec::<String>::new(), "{views}");
    // Nor can the school act on Jordan's outcome.
    let outcome_id = {
        let priya_plan = app.gql(Some(&priya), PLAN, json!({ "id": family })).await;
        priya_plan["data"]["node"]["plan"]["outcomes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["words"] == JORDANS_WORDS)
            .unwrap_or_else(|| panic!("the council sees Jordan's outcome: {priya_plan}"))["id"]
            .clone()
    };
    let outcome = app
        .gql(
            Some(&sam),
            "query($id: ID!) { node(id: $id) { ... on Outcome { words } } }",
            json!({ "id": outcome_id }),
        )
        .await;
    assert_eq!(code(&outcome), Some("FORBIDDEN"), "{outcome}");
    let note = app
        .gql(
            Some(&sam),
            "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { userErrors { code } } }",
            json!({ "input": { "outcome": outcome_id, "expectedVersion": 1, "body": "A note." } }),
        )
        .await;
    assert_eq!(code(&note), Some("CONSENT_REQUIRED"), "{note}");

    // The council (covered by both) sees everything.
    let views = app.gql(Some(&priya), VIEWS, json!({ "id": family })).await;
    assert_eq!(view_words(&views), ["Mornings are hard for me too."]);

    // The reverse: housing, covered by Jordan but not by the family, reads Jordan's items
    // only, and not the family's record.
    let record = app.gql(Some(&hal), PLAN, json!({ "id": family })).await;
    assert_eq!(code(&record), Some("CONSENT_REQUIRED"), "{record}");
    let plan = app
        .gql(Some(&hal), PLAN_BY_ID, json!({ "id": plan_id }))
        .await;
    assert_eq!(words(&plan), [JORDANS_WORDS], "{plan}");
    let views = app.gql(Some(&hal), VIEWS, json!({ "id": family })).await;
    assert_eq!(
        code(&views),
        Some("CONSENT_REQUIRED"),
        "family record first: {views}"
    );

    // Jordan withdraws: on the very next request housing reads nothing, and the council
    // no longer sees Jordan's items.
    let withdrawn = app
        .gql(
            Some(&jordan),
            WITHDRAW,
            json!({ "input": { "consent": jordans_consent } }),
        )
        .await;
    assert_eq!(
        withdrawn["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );
    let plan = app
        .gql(Some(&hal), PLAN_BY_ID, json!({ "id": plan_id }))
        .await;
    assert_eq!(code(&plan), Some("CONSENT_REQUIRED"), "{plan}");
    let plan = app.gql(Some(&priya), PLAN, json!({ "id": family })).await;
    assert!(!words(&plan).contains(&JORDANS_WORDS.to_owned()), "{plan}");
    // Jordan and his parent see the plan as before.
    let plan = app.gql(Some(&jordan), PLAN, json!({ "id": family })).await;
    assert!(words(&plan).contains(&JORDANS_WORDS.to_owned()), "{plan}");
}

const VISIBLE: &str = "visibleTo { summary family hub organisations { name } }";

fn orgs(visible: &Value) -> Vec<String> {
    visible["organisations"]
        .as_array()
        .unwrap_or_else(|| panic!("no organisations: {visible}"))
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn what_a_young_person_writes_starts_private_and_they_share_it(app: TestApp) {
    app.load_demo().await;
    let morgans = morgans(&app).await;
    let family = morgans.family.clone();
    let jordan_id = morgans.id_of("Jordan Morgan");
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let priya = app.token_for(demo::HUB_WORKER).await;
    let plan_of = async |token: &str| {
        app.gql(
            Some(token),
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Family {{ plan {{ id version outcomes(first: 50) {{ nodes {{ id words private {VISIBLE} ratingHistory(first: 50) {{ nodes {{ score private {VISIBLE} }} }} }} }} }} }} }} }}"),
            json!({ "id": family }),
        )
        .await
    };
    let find = |body: &Value, words: &str| -> Option<Value> {
        body["data"]["node"]["plan"]["outcomes"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("no plan: {body}"))
            .iter()
            .find(|o| o["words"] == words)
            .cloned()
    };
    let plan = plan_of(&jordan).await;
    let plan_id = plan["data"]["node"]["plan"]["id"].clone();
    let version = plan["data"]["node"]["plan"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("{plan}"));

    // Jordan writes an outcome for himself: private to him and the team.
    let mine = "I go to the climbing club on Thursdays";
    let added = app
        .gql(
            Some(&jordan),
            &format!("mutation($input: WriteOutcomeInput!) {{ addOutcome(input: $input) {{ outcome {{ id private {VISIBLE} }} userErrors {{ code message }} }} }}"),
            json!({ "input": { "plan": plan_id, "expectedVersion": version, "words": mine, "area": "HEALTH", "for": [jordan_id] } }),
        )
        .await;
    let outcome = &added["data"]["addOutcome"]["outcome"];
    assert_eq!(outcome["private"], true, "{added}");
    let visible = &outcome["visibleTo"];
    assert_eq!(visible["family"], false);
    assert_eq!(
        visible["hub"], true,
        "Priya, the hub worker, is on the team: {visible}"
    );
    assert_eq!(
        orgs(visible),
        ["Larkhill Academy", "Wrenfield Council Early Help"]
    );
    let summary = visible["summary"].as_str().unwrap();
    assert!(
        summary.contains("cannot see it unless you share it"),
        "{summary}"
    );
    let outcome_id = outcome["id"].clone();
    assert!(
        find(&plan_of(&dana).await, mine).is_none(),
        "Dana does not see it"
    );
    assert!(find(&plan_of(&sam).await, mine).is_some(), "the team does");
    // Dana orders the outcomes she sees; Jordan's private one keeps its place after them.
    let dana_plan = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { plan { version outcomes(first: 50, includeSetAside: true) { nodes { id } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let mut hers: Vec<Value> = dana_plan["data"]["node"]["plan"]["outcomes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    hers.reverse();
    let reordered = app
        .gql(
            Some(&dana),
            "mutation($input: ReorderOutcomesInput!) { reorderOutcomes(input: $input) { userErrors { code message } } }",
            json!({ "input": { "plan": plan_id, "expectedVersion": dana_plan["data"]["node"]["plan"]["version"], "outcomes": hers } }),
        )
        .await;
    assert_eq!(
        reordered["data"]["reorderOutcomes"]["userErrors"],
        json!([]),
        "{reordered}"
    );

    // His rating of his own outcome is private too; his parent sees the outcome, not it.
    let quiet = find(&plan_of(&jordan).await, JORDANS_WORDS).unwrap();
    let version = plan_of(&jordan).await["data"]["node"]["plan"]["version"]
        .as_i64()
        .unwrap();
    let rated = app
        .gql(
            Some(&jordan),
            "mutation($input: RateProgressInput!) { rateProgress(input: $input) { userErrors { code message } } }",
            json!({ "input": { "outcome": quiet["id"], "expectedVersion": version, "score": 3 } }),
        )
        .await;
    assert_eq!(
        rated["data"]["rateProgress"]["userErrors"],
        json!([]),
        "{rated}"
    );
    let jordans_ratings = |body: &Value| -> Vec<Value> {
        find(body, JORDANS_WORDS).unwrap()["ratingHistory"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["score"] == 3)
            .cloned()
            .collect()
    };
    let own = jordans_ratings(&plan_of(&jordan).await);
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["private"], true);
    assert_eq!(own[0]["visibleTo"]["family"], false);
    assert!(jordans_ratings(&plan_of(&dana).await).is_empty());
    assert_eq!(jordans_ratings(&plan_of(&sam).await).len(), 1);
    // The outcome itself (written before, shared) stays visible to Dana.
    let quiet_for_dana = find(&plan_of(&dana).await, JORDANS_WORDS).unwrap();
    assert_eq!(quiet_for_dana["visibleTo"]["family"], true);

    // His views for a meeting are private unless he says otherwise.
    let scheduled = app
        .gql(
            Some(&priya),
            "mutation($id: ID!, $on: Date!) { scheduleMeeting(input: { family: $id, kind: REVIEW, heldOn: $on }) { meeting { id } userErrors { field message } } }",
            json!({ "id": family, "on": (app.clock.now() + chrono::Duration::days(14)).date_naive().to_string() }),
        )
        .await;
    let meeting = scheduled["data"]["scheduleMeeting"]["meeting"]["id"].clone();
    let given = app
        .gql(
            Some(&jordan),
            &format!("mutation($input: GiveMeetingViewInput!) {{ giveMeetingView(input: $input) {{ view {{ id private {VISIBLE} }} userErrors {{ code }} }} }}"),
            json!({ "input": { "meeting": meeting, "words": "I want to talk about school." } }),
        )
        .await;
    let view = &given["data"]["giveMeetingView"]["view"];
    assert_eq!(view["private"], true, "{given}");
    assert_eq!(view["visibleTo"]["family"], false);
    let meeting_view = view["id"].clone();
    let views_of = async |token: &str| {
        let body = app
            .gql(
                Some(token),
                "query($id: ID!) { node(id: $id) { ... on Meeting { views { words } } } }",
                json!({ "id": meeting }),
            )
            .await;
        body["data"]["node"]["views"].as_array().unwrap().len()
    };
    assert_eq!(views_of(&dana).await, 0);
    assert_eq!(views_of(&sam).await, 1);
    // An adult's views are the family's.
    let dana_view = app
        .gql(
            Some(&dana),
            "mutation($input: GiveMeetingViewInput!) { giveMeetingView(input: $input) { view { private } userErrors { code } } }",
            json!({ "input": { "meeting": meeting, "words": "Mornings, again." } }),
        )
        .await;
    assert_eq!(
        dana_view["data"]["giveMeetingView"]["view"]["private"], false,
        "{dana_view}"
    );

    // His feedback and his views for his worker start private too.
    let view = app
        .gql(
            Some(&jordan),
            &format!("mutation($input: ShareViewInput!) {{ shareView(input: $input) {{ view {{ id private {VISIBLE} }} userErrors {{ code }} }} }}"),
            json!({ "input": { "words": "I like the quiet room." } }),
        )
        .await;
    assert_eq!(view["data"]["shareView"]["view"]["private"], true, "{view}");

    // He shares his outcome and his meeting view: Dana sees them, and "who can see this"
    // says so.
    let share = "mutation($input: ShareWithMyFamilyInput!) { shareWithMyFamily(input: $input) { private visibleTo { summary family } userErrors { field code } } }";
    for item in [&outcome_id, &meeting_view] {
        let shared = app
            .gql(Some(&jordan), share, json!({ "input": { "item": item } }))
            .await;
        let payload = &shared["data"]["shareWithMyFamily"];
        assert_eq!(payload["private"], false, "{shared}");
        assert_eq!(payload["visibleTo"]["family"], true);
        assert!(
            payload["visibleTo"]["summary"]
                .as_str()
                .unwrap()
                .starts_with("You, your parents or carers"),
            "{shared}"
        );
    }
    assert!(find(&plan_of(&dana).await, mine).is_some(), "shared now");
    assert_eq!(views_of(&dana).await, 2);
    // Dana cannot share (or unshare) what Jordan wrote.
    let refused = app
        .gql(
            Some(&dana),
            share,
            json!({ "input": { "item": outcome_id, "shared": false } }),
        )
        .await;
    assert_eq!(code(&refused), Some("FORBIDDEN"), "{refused}");
    // Jordan can take it back.
    let back = app
        .gql(
            Some(&jordan),
            share,
            json!({ "input": { "item": outcome_id, "shared": false } }),
        )
        .await;
    assert_eq!(back["data"]["shareWithMyFamily"]["private"], true, "{back}");
    assert!(find(&plan_of(&dana).await, mine).is_none());

    // "Who can see this" follows consent: Jordan shares his own information with the
    // council only, so the school no longer sees his outcome.
    let council = {
        let me = app.gql(Some(&priya), ORG, json!({})).await;
        me["data"]["viewer"]["practitioner"]["organisation"]["id"].clone()
    };
    let given = app
        .gql(
            Some(&jordan),
            GIVE,
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": [council], "forOwnInformation": true } }),
        )
        .await;
    assert_eq!(
        given["data"]["giveConsent"]["userErrors"],
        json!([]),
        "{given}"
    );
    let mine_now = find(&plan_of(&jordan).await, mine).unwrap();
    assert_eq!(
        orgs(&mine_now["visibleTo"]),
        ["Wrenfield Council Early Help"]
    );
    // The whole family's outcomes still follow the family's consent.
    let whole = plan_of(&jordan).await["data"]["node"]["plan"]["outcomes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["words"].as_str().unwrap().contains("out of the door"))
        .cloned()
        .unwrap();
    assert_eq!(
        orgs(&whole["visibleTo"]),
        ["Larkhill Academy", "Wrenfield Council Early Help"]
    );
    assert!(find(&plan_of(&sam).await, mine).is_none());
}

const MIA: &str = "mia@family.example";

async fn parents_see_less_as_a_young_person_grows_up(app: TestApp) {
    app.load_demo().await;
    // Mia turns 13 in 20 days.
    let today = app.clock.now().date_naive();
    let born = today
        .checked_sub_months(chrono::Months::new(13 * 12))
        .unwrap()
        .checked_add_days(chrono::Days::new(20))
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
        "--email",
        MIA,
    ])
    .await
    .unwrap();
    let morgans = morgans(&app).await;
    let family = morgans.family.clone();
    let mia_id = morgans.id_of("Mia Morgan");
    let plan_query = format!(
        "query($id: ID!) {{ node(id: $id) {{ ... on Family {{ plan {{ id version outcomes(first: 50) {{ nodes {{ id words private {VISIBLE} }} }} }} }} }} }}"
    );
    let plan_of = async |email: &str| {
        let token = app.token_for(email).await;
        app.gql(Some(&token), &plan_query, json!({ "id": family }))
            .await
    };
    let find = |body: &Value, words: &str| -> Option<Value> {
        body["data"]["node"]["plan"]["outcomes"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("no plan: {body}"))
            .iter()
            .find(|o| o["words"] == words)
            .cloned()
    };
    let add = async |email: &str, words: &str| {
        let plan = plan_of(email).await;
        let token = app.token_for(email).await;
        let added = app
            .gql(
                Some(&token),
                "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { outcome { id } userErrors { code message } } }",
                json!({ "input": { "plan": plan["data"]["node"]["plan"]["id"], "expectedVersion": plan["data"]["node"]["plan"]["version"], "words": words, "area": "HEALTH", "for": [mia_id] } }),
            )
            .await;
        assert_eq!(
            added["data"]["addOutcome"]["userErrors"],
            json!([]),
            "{added}"
        );
        added["data"]["addOutcome"]["outcome"]["id"].clone()
    };
    let hers = "I sleep better on school nights";
    let about_her = "Mia has a bedtime routine that works for her";
    let hers_id = add(MIA, hers).await;
    add(demo::MORGAN_PARENT, about_her).await;

    // At 12 her parent still sees what she wrote, and "who can see this" tells her so.
    let mine = find(&plan_of(MIA).await, hers).unwrap();
    assert_eq!(mine["private"], true);
    assert_eq!(mine["visibleTo"]["family"], true, "{mine}");
    let summary = mine["visibleTo"]["summary"].as_str().unwrap();
    assert!(summary.contains("until you are 13"), "{summary}");
    assert!(find(&plan_of(demo::MORGAN_PARENT).await, hers).is_some());

    // She turns 13: her own words no longer reach Dana unless she shares them; what Dana
    // wrote about her stays visible.
    app.clock.advance(chrono::Duration::days(21));
    let dana_plan = plan_of(demo::MORGAN_PARENT).await;
    assert!(find(&dana_plan, hers).is_none(), "{dana_plan}");
    assert!(find(&dana_plan, about_her).is_some(), "{dana_plan}");
    let mine = find(&plan_of(MIA).await, hers).unwrap();
    assert_eq!(mine["visibleTo"]["family"], false, "{mine}");
    // She shares it: Dana sees it again.
    let mia = app.token_for(MIA).await;
    let shared = app
        .gql(
            Some(&mia),
            "mutation($input: ShareWithMyFamilyInput!) { shareWithMyFamily(input: $input) { private userErrors { code } } }",
            json!({ "input": { "item": hers_id } }),
        )
        .await;
    assert_eq!(
        shared["data"]["shareWithMyFamily"]["private"], false,
        "{shared}"
    );
    assert!(find(&plan_of(demo::MORGAN_PARENT).await, hers).is_some());

    // Four years on Jordan is 18, an adult member: nothing about him reaches Dana, while
    // the whole family's outcomes and Mia's (17) stay. The team still sees his.
    app.clock.advance(chrono::Duration::days(4 * 365 + 1));
    let dana_plan = plan_of(demo::MORGAN_PARENT).await;
    assert!(find(&dana_plan, JORDANS_WORDS).is_none(), "{dana_plan}");
    assert!(find(&dana_plan, about_her).is_some(), "{dana_plan}");
    assert!(
        dana_plan["data"]["node"]["plan"]["outcomes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["words"].as_str().unwrap().contains("rent arrears")),
        "{dana_plan}"
    );
    let jordans = find(&plan_of(demo::MORGAN_YOUNG_PERSON).await, JORDANS_WORDS).unwrap();
    assert_eq!(jordans["visibleTo"]["family"], false, "{jordans}");
    assert!(find(&plan_of(demo::SCHOOL_PRACTITIONER).await, JORDANS_WORDS).is_some());

    // From 16 her information follows her own consent with no competence assessment: she
    // shares it with the council only, and the school no longer sees her items.
    let council = {
        let priya = app.token_for(demo::HUB_WORKER).await;
        let me = app.gql(Some(&priya), ORG, json!({})).await;
        me["data"]["viewer"]["practitioner"]["organisation"]["id"].clone()
    };
    assert!(find(&plan_of(demo::SCHOOL_PRACTITIONER).await, about_her).is_some());
    let mia = app.token_for(MIA).await;
    let given = app
        .gql(
            Some(&mia),
            GIVE,
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": [council], "forOwnInformation": true } }),
        )
        .await;
    assert_eq!(
        given["data"]["giveConsent"]["userErrors"],
        json!([]),
        "{given}"
    );
    let school = plan_of(demo::SCHOOL_PRACTITIONER).await;
    assert!(find(&school, about_her).is_none(), "{school}");
    assert!(find(&plan_of(demo::HUB_WORKER).await, about_her).is_some());
}

/// Two servers on one database look for birthdays often; the change is told once.
fn often(settings: &mut api::config::Settings) {
    settings.growing_up_poll_interval = std::time::Duration::from_millis(100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_young_person_and_their_parent_are_told_once_when_their_view_changes() {
    family_plan_tests::run_with(
        family_plan_tests::Backend::Sqlite,
        often,
        a_young_person_and_their_parent_are_told_once_when_their_view_changes,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_young_person_and_their_parent_are_told_once_when_their_view_changes() {
    family_plan_tests::run_with(
        family_plan_tests::Backend::Postgres,
        often,
        a_young_person_and_their_parent_are_told_once_when_their_view_changes,
    )
    .await
}

async fn a_young_person_and_their_parent_are_told_once_when_their_view_changes(app: TestApp) {
    app.load_demo().await;
    let today = app.clock.now().date_naive();
    let born = today
        .checked_sub_months(chrono::Months::new(13 * 12))
        .unwrap()
        .checked_add_days(chrono::Days::new(5))
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
        "--email",
        MIA,
    ])
    .await
    .unwrap();
    let replica = app.spawn_replica(often).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let before_dana =
        app.emails_to(demo::MORGAN_PARENT).len() + replica.emails_to(demo::MORGAN_PARENT).len();
    assert_eq!(app.emails_to(MIA).len() + replica.emails_to(MIA).len(), 0);

    // Mia turns 13 on both servers' clocks.
    app.clock.advance(chrono::Duration::days(6));
    replica.clock.advance(chrono::Duration::days(6));
    let mut told = vec![];
    for _ in 0..200 {
        told = app.emails_to(MIA);
        told.extend(replica.emails_to(MIA));
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Both servers keep looking for a while: still one email each.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mut told = app.emails_to(MIA);
    told.extend(replica.emails_to(MIA));
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("Who can see what in Family Plan has changed"));
    assert!(!told[0].contains("Mia"), "no names in email: {}", told[0]);
    let dana =
        app.emails_to(demo::MORGAN_PARENT).len() + replica.emails_to(demo::MORGAN_PARENT).len();
    assert_eq!(dana, before_dana + 1);
    let notices = entities::growing_up_notice::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(notices, 1);
    // In the inbox too, as its own kind: Mia and her parent, once each, nobody else.
    let parents_view_changed = |list: Vec<Value>| {
        list.iter()
            .filter(|n| n["kind"] == "PARENTS_VIEW_CHANGED")
            .count()
    };
    assert_eq!(parents_view_changed(inbox(&app, MIA).await), 1);
    assert_eq!(
        parents_view_changed(inbox(&app, demo::MORGAN_PARENT).await),
        1
    );
    for other in [
        demo::MORGAN_YOUNG_PERSON,
        demo::HUB_WORKER,
        demo::RAHMAN_PARENT,
    ] {
        assert_eq!(parents_view_changed(inbox(&app, other).await), 0, "{other}");
    }
}

async fn emails_queued_to(app: &TestApp, to: &str) -> usize {
    use sea_orm::{ColumnTrait, QueryFilter};
    entities::outbox_message::Entity::find()
        .filter(entities::outbox_message::Column::Recipient.eq(to))
        .count(&app.db)
        .await
        .unwrap() as usize
}

/// Issue 14: a change of what a parent can see is told to them: when a young person past
/// the privacy age shares something, their parents are told (no words, no item); taking it
/// back tells nobody (a notice would only point a parent at what their child chose to keep);
/// under the privacy age parents saw it already, so nothing changed and nobody is told.
async fn sharing_tells_the_parents_and_taking_back_tells_nobody(app: TestApp) {
    app.load_demo().await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let morgans = morgans(&app).await;
    let write = async |app: &TestApp, words: &str| {
        let view = app
            .gql(
                Some(&jordan),
                "mutation($input: ShareViewInput!) { shareView(input: $input) { view { id private } userErrors { code } } }",
                json!({ "input": { "words": words } }),
            )
            .await;
        assert_eq!(view["data"]["shareView"]["view"]["private"], true, "{view}");
        view["data"]["shareView"]["view"]["id"].clone()
    };
    let share = async |app: &TestApp, item: &Value, shared: bool| {
        let body = app
            .gql(
                Some(&jordan),
                "mutation($input: ShareWithMyFamilyInput!) { shareWithMyFamily(input: $input) { private userErrors { code } } }",
                json!({ "input": { "item": item, "shared": shared } }),
            )
            .await;
        assert_eq!(
            body["data"]["shareWithMyFamily"]["private"], !shared,
            "{body}"
        );
    };
    let view = write(&app, "I like the quiet room.").await;
    let people = [
        demo::MORGAN_PARENT,
        demo::MORGAN_YOUNG_PERSON,
        demo::HUB_WORKER,
        demo::SCHOOL_PRACTITIONER,
        demo::RAHMAN_PARENT,
    ];
    let mut before = vec![];
    for who in people {
        before.push((
            inbox(&app, who).await.len(),
            emails_queued_to(&app, who).await,
        ));
    }

    // Jordan (14) shares it: Dana is told, once, with no words; nobody else.
    share(&app, &view, true).await;
    let dana = inbox(&app, demo::MORGAN_PARENT).await;
    assert_eq!(dana.len(), before[0].0 + 1, "{dana:?}");
    assert_eq!(dana[0]["kind"], "SHARED_WITH_YOU");
    assert_eq!(dana[0]["title"], "Something has been shared with you");
    assert_eq!(dana[0]["familyId"], morgans.family);
    assert_eq!(
        emails_queued_to(&app, demo::MORGAN_PARENT).await,
        before[0].1 + 1
    );
    for (who, (count, emails)) in people.iter().zip(&before).skip(1) {
        assert_eq!(inbox(&app, who).await.len(), *count, "{who}");
        assert_eq!(emails_queued_to(&app, who).await, *emails, "{who}");
    }
    // Sharing what is already shared changes nothing; taking it back tells nobody.
    share(&app, &view, true).await;
    share(&app, &view, false).await;
    assert_eq!(
        inbox(&app, demo::MORGAN_PARENT).await.len(),
        before[0].0 + 1
    );
    assert_eq!(
        emails_queued_to(&app, demo::MORGAN_PARENT).await,
        before[0].1 + 1
    );
    let mut email = None;
    for _ in 0..200 {
        email = app
            .emails_to(demo::MORGAN_PARENT)
            .into_iter()
            .find(|e| e.contains("Something has been shared with you"));
        if email.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let email = email.expect("the parent's email was delivered");
    assert!(
        !email.contains("quiet room") && !email.contains("Jordan"),
        "{email}"
    );

    // Where the privacy age is 15, Jordan's parents saw his private words anyway: sharing
    // changes nothing for them, and nobody is told.
    let later = app
        .spawn_replica(|s| {
            s.young_person_privacy_age = 15;
        })
        .await;
    let other = write(&later, "Mornings are hard.").await;
    share(&later, &other, true).await;
    assert_eq!(
        inbox(&app, demo::MORGAN_PARENT).await.len(),
        before[0].0 + 1
    );
}

/// A plan read without the rating history holds only the latest rating of each kind; what
/// each reader sees side by side is the same as when the history is read too. The young
/// person's private rating comes last: his parent sees her own latest instead, he and the
/// team see his.
async fn the_latest_ratings_are_the_same_with_or_without_the_history(app: TestApp) {
    app.load_demo().await;
    let family = morgans(&app).await.family;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    const PROGRESS: &str = "progress { gap family { score private } practitioner { score } }";
    let plan_of = async |token: &str, history: bool| {
        let history = if history {
            "ratingHistory(first: 100) { nodes { score } }"
        } else {
            ""
        };
        let body = app
            .gql(
                Some(token),
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Family {{ plan {{ version outcomes(first: 50) {{ nodes {{ id words {PROGRESS} {history} }} }} }} }} }} }}"),
                json!({ "id": family }),
            )
            .await;
        let plan = body["data"]["node"]["plan"].clone();
        assert!(plan["version"].is_i64(), "{body}");
        plan
    };
    let outcome_of = |plan: &Value| -> Value {
        plan["outcomes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["words"] == JORDANS_WORDS)
            .unwrap_or_else(|| panic!("{plan}"))
            .clone()
    };
    let outcome = outcome_of(&plan_of(&dana, false).await)["id"].clone();
    for (token, score) in [(&dana, 4), (&dana, 5), (&sam, 6), (&sam, 7), (&jordan, 2)] {
        let version = plan_of(token, false).await["version"].clone();
        let rated = app
            .gql(
                Some(token),
                "mutation($input: RateProgressInput!) { rateProgress(input: $input) { userErrors { code message } } }",
                json!({ "input": { "outcome": outcome, "expectedVersion": version, "score": score } }),
            )
            .await;
        assert_eq!(
            rated["data"]["rateProgress"]["userErrors"],
            json!([]),
            "{rated}"
        );
    }
    for (who, token, family_score, private) in [
        ("Dana", &dana, 5, false),
        ("Jordan", &jordan, 2, true),
        ("Sam, on the team", &sam, 2, true),
    ] {
        let without = outcome_of(&plan_of(token, false).await);
        let with = outcome_of(&plan_of(token, true).await);
        let progress = &without["progress"];
        assert_eq!(
            progress["family"],
            json!({ "score": family_score, "private": private }),
            "{who}: {without}"
        );
        assert_eq!(progress["practitioner"]["score"], 7, "{who}: {without}");
        assert_eq!(with["progress"], *progress, "{who}: {with}");
        // The history itself is every rating the reader may see.
        let history: Vec<i64> = with["ratingHistory"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["score"].as_i64().unwrap())
            .collect();
        assert!(
            history.ends_with(if private {
                &[4, 5, 6, 7, 2]
            } else {
                &[4, 5, 6, 7]
            }),
            "{who}: {history:?}"
        );
    }
}

/// Read with only the latest rating of each kind, a plan's contents are those read with
/// every rating, but for the ratings, of which each outcome keeps the latest of each kind
/// (who gave it, which member, kept private or not), and the practitioners only those
/// dropped ratings named. An outcome of the demo is given two rounds of ratings of kinds
/// that differ in one part each (the source, the member, none, privacy), the second in
/// another order, so that each part of the kind decides what is kept.
async fn the_plans_statement_keeps_the_latest_rating_of_each_kind(app: TestApp) {
    use api::domain::plan_contents::{self, ById, IdSet, PlanContents, Ratings};
    use entities::progress_rating::RatingSource::{Family, Practitioner};
    use entities::{family, family_member, progress_rating};
    use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter};
    use uuid::Uuid;
    app.load_demo().await;
    let db = &app.db;
    let rated = progress_rating::Entity::find()
        .filter(progress_rating::Column::PractitionerId.is_not_null())
        .one(db)
        .await
        .unwrap()
        .expect("a practitioner's rating in the demo");
    let members: Vec<Uuid> = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(rated.family_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    let (a, b) = (Some(members[0]), Some(members[1]));
    let by = rated.practitioner_id;
    let kinds = [
        (Family, a, None, false),
        (Family, b, None, false),
        (Family, b, None, true),
        (Family, None, None, false),
        (Practitioner, None, by, false),
    ];
    for round in [kinds, [kinds[3], kinds[4], kinds[0], kinds[2], kinds[1]]] {
        for (source, member_id, practitioner_id, private) in round {
            let rating = progress_rating::Model {
                id: Uuid::now_v7(),
                source,
                member_id,
                practitioner_id,
                private,
                ..rated.clone()
            };
            progress_rating::ActiveModel::from(rating)
                .insert(db)
                .await
                .unwrap();
        }
    }
    let (mut plans, mut dropped) = (0, 0);
    for f in family::Entity::find().all(db).await.unwrap() {
        let Some((_, Some(plan))) = api::domain::families::with_current_plan(db, f.id)
            .await
            .unwrap()
        else {
            continue;
        };
        let every = plan_contents::read(db, &plan, Ratings::Every)
            .await
            .unwrap();
        let latest = plan_contents::read(db, &plan, Ratings::LatestOfEachKind)
            .await
            .unwrap();
        let mut expected: ById<Vec<progress_rating::Model>> = ById::default();
        for (outcome, ratings) in &every.ratings_of {
            let kept: Vec<_> = ratings
                .iter()
                .filter(|r| {
                    !ratings.iter().any(|later| {
                        (later.source, later.member_id, later.private)
                            == (r.source, r.member_id, r.private)
                            && later.id > r.id
                    })
                })
                .cloned()
                .collect();
            dropped += ratings.len() - kept.len();
            expected.insert(*outcome, kept);
        }
        assert_eq!(latest.ratings_of, expected, "{}", f.reference);
        let named: IdSet = every
            .outcomes
            .iter()
            .filter_map(|o| o.proposed_by_practitioner_id)
            .chain(every.notes_of.values().flatten().map(|n| n.practitioner_id))
            .chain(
                expected
                    .values()
                    .flatten()
                    .filter_map(|r| r.practitioner_id),
            )
            .chain(every.actions_of.values().flatten().flat_map(|a| {
                [
                    a.assignee_practitioner_id,
                    a.created_by_practitioner_id,
                    a.done_by_practitioner_id,
                ]
                .into_iter()
                .flatten()
            }))
            .chain(plan.lead_professional_id)
            .collect();
        let mut practitioners = every.practitioners.clone();
        practitioners.retain(|id, _| named.contains(id));
        assert_eq!(latest.practitioners, practitioners, "{}", f.reference);
        let without = |contents: PlanContents| PlanContents {
            ratings_of: ById::default(),
            practitioners: ById::default(),
            ..contents
        };
        assert_eq!(without(latest), without(every), "{}", f.reference);
        plans += 1;
    }
    assert!(
        plans > 0 && dropped >= 5,
        "{plans} plans, {dropped} dropped"
    );
}
