//! Family records over HTTP: opened from the command line or by the hub, read through `node`,
//! members added, need levels stepped up and down, and who may do each.
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

db_tests!(
    admin_commands_set_up_an_area_that_the_hub_can_read,
    admin_commands_explain_bad_input_and_change_nothing,
    demo_data_loads_once,
    any_object_is_found_again_by_its_id,
    hub_worker_opens_a_family_record_and_adds_its_members,
    mistakes_in_a_new_family_get_kind_errors_and_change_nothing,
    need_level_steps_are_recorded_with_who_when_and_why,
    families_page_through_in_order_without_repeats,
    people_only_reach_the_families_they_may_see,
    administrators_add_organisations_and_practitioners,
);

const FAMILIES: &str = "query($first: Int, $after: String) { families(first: $first, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id reference localArea needLevel { level label } members { name relation dateOfBirth hasAccount } } } } }";

async fn admin_commands_set_up_an_area_that_the_hub_can_read(app: TestApp) {
    let out = app
        .cli(&[
            "admin",
            "create-organisation",
            "--name",
            "Northgate Council",
            "--kind",
            "council",
        ])
        .await
        .unwrap();
    assert!(
        out.starts_with("Created organisation Northgate Council"),
        "{out}"
    );
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        "Hana Lee",
        "--email",
        "hana@northgate.example",
        "--organisation",
        "Northgate Council",
        "--role",
        "hub-worker",
        "--role",
        "practitioner",
    ])
    .await
    .unwrap();
    app.cli(&[
        "admin",
        "create-family",
        "--reference",
        "NG-0001",
        "--area",
        "Northgate East",
        "--need-level",
        "2",
    ])
    .await
    .unwrap();
    app.cli(&[
        "admin",
        "add-member",
        "--family",
        "NG-0001",
        "--name",
        "Lou Hart",
        "--born",
        "1990-02-01",
        "--relation",
        "parent",
        "--email",
        "lou@home.example",
    ])
    .await
    .unwrap();
    app.cli(&[
        "admin",
        "add-member",
        "--family",
        "NG-0001",
        "--name",
        "Kit Hart",
        "--born",
        "2013-09-09",
        "--relation",
        "child",
    ])
    .await
    .unwrap();

    let hub = app.token_for("hana@northgate.example").await;
    let body = app.gql(Some(&hub), FAMILIES, json!({})).await;
    let family = &body["data"]["families"]["edges"][0]["node"];
    assert_eq!(family["reference"], "NG-0001", "{body}");
    assert_eq!(family["localArea"], "Northgate East");
    assert_eq!(
        family["needLevel"],
        json!({ "level": 2, "label": "Early help" })
    );
    assert_eq!(
        family["members"],
        json!([
            { "name": "Lou Hart", "relation": "ADULT_WITH_PARENTAL_RESPONSIBILITY", "dateOfBirth": "1990-02-01", "hasAccount": true },
            { "name": "Kit Hart", "relation": "CHILD", "dateOfBirth": "2013-09-09", "hasAccount": false },
        ])
    );
    // The parent added with an email address can sign in.
    let parent = app.token_for("lou@home.example").await;
    let body = app
        .gql(
            Some(&parent),
            "{ viewer { familyMember { family { reference } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["familyMember"]["family"]["reference"],
        "NG-0001"
    );
}

async fn admin_commands_explain_bad_input_and_change_nothing(app: TestApp) {
    let err = app
        .cli(&[
            "admin",
            "create-organisation",
            "--name",
            "  ",
            "--kind",
            "health",
        ])
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Please enter the organisation's name"),
        "{err}"
    );
    let err = app
        .cli(&[
            "admin",
            "create-practitioner",
            "--name",
            "Al",
            "--email",
            "al@x.example",
            "--organisation",
            "Nowhere",
        ])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no organisation is called"),
        "{err}"
    );
    let err = app
        .cli(&[
            "admin",
            "create-family",
            "--reference",
            "X1",
            "--area",
            "A",
            "--need-level",
            "5",
        ])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("5"), "{err}");
    let err = app
        .cli(&[
            "admin",
            "add-member",
            "--family",
            "NOPE",
            "--name",
            "A",
            "--born",
            "2000-01-01",
            "--relation",
            "child",
        ])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no family record"), "{err}");
    let err = app
        .cli(&[
            "admin",
            "create-organisation",
            "--name",
            "X",
            "--kind",
            "bank",
        ])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bank"), "{err}");
    assert_eq!(
        entities::organisation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        entities::family::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );

    app.cli(&[
        "admin",
        "create-family",
        "--reference",
        "X1",
        "--area",
        "A",
        "--need-level",
        "1",
    ])
    .await
    .unwrap();
    let err = app
        .cli(&[
            "admin",
            "create-family",
            "--reference",
            "X1",
            "--area",
            "B",
            "--need-level",
            "1",
        ])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        entities::family::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

async fn demo_data_loads_once(app: TestApp) {
    let out = app.cli(&["demo"]).await.unwrap();
    assert!(out.contains("Demo data loaded"), "{out}");
    assert!(out.contains(demo::HUB_WORKER));
    let again = app.cli(&["demo"]).await.unwrap();
    assert!(again.contains("already loaded"), "{again}");
    assert_eq!(
        entities::organisation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        entities::practitioner::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        entities::family::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
    let members = entities::family_member::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        members.iter().any(
            |m| m.relation == entities::family_member::MemberRelation::Child
                && m.account_id.is_some()
        ),
        "a young person who can sign in"
    );
}

async fn any_object_is_found_again_by_its_id(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(Some(&hub), "{ families(first: 1) { edges { node { id reference members { id name } needLevelHistory { edges { node { id reason decidedBy { id name organisation { id name } } } } } } } } }", json!({}))
        .await;
    let family = &body["data"]["families"]["edges"][0]["node"];
    let change = &family["needLevelHistory"]["edges"][0]["node"];
    let practitioner = &change["decidedBy"];
    let ids = [
        (
            family["id"].clone(),
            "Family",
            "reference",
            family["reference"].clone(),
        ),
        (
            family["members"][0]["id"].clone(),
            "FamilyMember",
            "name",
            family["members"][0]["name"].clone(),
        ),
        (
            change["id"].clone(),
            "NeedLevelChange",
            "reason",
            change["reason"].clone(),
        ),
        (
            practitioner["id"].clone(),
            "Practitioner",
            "name",
            practitioner["name"].clone(),
        ),
        (
            practitioner["organisation"]["id"].clone(),
            "Organisation",
            "name",
            practitioner["organisation"]["name"].clone(),
        ),
    ];
    for (id, typename, field, expected) in &ids {
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ __typename id ... on {typename} {{ {field} }} }} }}"
        );
        let body = app.gql(Some(&hub), &query, json!({ "id": id })).await;
        assert_eq!(body["data"]["node"]["__typename"], *typename, "{body}");
        assert_eq!(body["data"]["node"]["id"], *id);
        assert_eq!(body["data"]["node"][field], *expected);
    }
    let all: Vec<Value> = ids.iter().map(|(id, ..)| id.clone()).collect();
    let body = app
        .gql(
            Some(&hub),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": all }),
        )
        .await;
    let found: Vec<Value> = body["data"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(found, all, "in the order asked");

    // An ID of the right shape for nothing: null. Not an ID of ours: a clear error.
    let family_id = family["id"].as_str().unwrap();
    let gone = family_id_for_unknown_uuid(family_id);
    let body = app
        .gql(
            Some(&hub),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": gone }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["node"].is_null());
    let body = app
        .gql(
            Some(&hub),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "nonsense" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    // The school's practitioner is on the Morgans' team with their consent, but has nothing
    // to do with the Rahmans: a denial, not an empty answer.
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let read = "query($id: ID!) { node(id: $id) { id } }";
    let body = app
        .gql(Some(&school), read, json!({ "id": family_id }))
        .await;
    assert_eq!(body["data"]["node"]["id"], family["id"], "{body}");
    let families = app
        .gql(
            Some(&hub),
            "{ families { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let rahmans = families["data"]["families"]["edges"][1]["node"]["id"].clone();
    let body = app.gql(Some(&school), read, json!({ "id": rahmans })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert!(body["data"]["node"].is_null());
}

/// A well-formed Family ID for a record that does not exist.
fn family_id_for_unknown_uuid(_known: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("Family:{}", uuid::Uuid::now_v7()))
}

const CREATE_FAMILY: &str = "mutation($input: CreateFamilyInput!) { createFamily(input: $input) { family { id reference localArea needLevel { level } needLevelHistory { edges { node { direction decidedBy { name } } } } } userErrors { field message code } } }";
const ADD_MEMBER: &str = "mutation($input: AddFamilyMemberInput!) { addFamilyMember(input: $input) { member { id name relation dateOfBirth hasAccount email family { reference } } userErrors { field message code } } }";

async fn hub_worker_opens_a_family_record_and_adds_its_members(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(Some(&hub), CREATE_FAMILY, json!({ "input": { "reference": " EH-2026-0142 ", "localArea": "Wrenfield West", "needLevel": 2 } }))
        .await;
    let payload = &body["data"]["createFamily"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["family"]["reference"], "EH-2026-0142", "trimmed");
    assert_eq!(
        payload["family"]["needLevelHistory"]["edges"][0]["node"],
        json!({ "direction": "INITIAL", "decidedBy": { "name": "Priya Nair" } })
    );
    let family_id = payload["family"]["id"].clone();

    let body = app
        .gql(Some(&hub), ADD_MEMBER, json!({ "input": { "family": family_id, "name": "Jo Price", "dateOfBirth": "1991-05-06", "relation": "ADULT_WITH_PARENTAL_RESPONSIBILITY", "email": "Jo.Price@Home.Example" } }))
        .await;
    let member = &body["data"]["addFamilyMember"]["member"];
    assert_eq!(member["email"], "jo.price@home.example", "{body}");
    assert_eq!(member["hasAccount"], true);
    assert_eq!(member["family"]["reference"], "EH-2026-0142");
    let body = app
        .gql(Some(&hub), ADD_MEMBER, json!({ "input": { "family": family_id, "name": "Max Price", "dateOfBirth": "2016-01-20", "relation": "CHILD" } }))
        .await;
    assert_eq!(
        body["data"]["addFamilyMember"]["member"]["hasAccount"], false,
        "{body}"
    );
    assert!(body["data"]["addFamilyMember"]["member"]["email"].is_null());

    let body = app
        .gql(
            Some(&hub),
            "query($id: ID!) { node(id: $id) { ... on Family { members { name } } } }",
            json!({ "id": family_id }),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["members"],
        json!([{ "name": "Jo Price" }, { "name": "Max Price" }])
    );
}

async fn mistakes_in_a_new_family_get_kind_errors_and_change_nothing(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let before = entities::family::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    let body = app
        .gql(
            Some(&hub),
            CREATE_FAMILY,
            json!({ "input": { "reference": "", "localArea": " ", "needLevel": 7 } }),
        )
        .await;
    let payload = &body["data"]["createFamily"];
    assert!(payload["family"].is_null());
    assert_eq!(
        payload["userErrors"],
        json!([
            { "field": ["input", "reference"], "code": "REQUIRED", "message": "Please enter the family's reference." },
            { "field": ["input", "localArea"], "code": "REQUIRED", "message": "Please enter the local area." },
            { "field": ["input", "needLevel"], "code": "OUT_OF_RANGE", "message": "Need levels go from 1 (universal) to 4 (child protection)." },
        ])
    );
    let body = app
        .gql(
            Some(&hub),
            CREATE_FAMILY,
            json!({ "input": { "reference": "EH-DEMO-001", "localArea": "X", "needLevel": 2 } }),
        )
        .await;
    assert_eq!(
        body["data"]["createFamily"]["userErrors"][0]["code"],
        "TAKEN"
    );
    assert_eq!(
        entities::family::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        before
    );

    let family = app
        .gql(
            Some(&hub),
            "{ families(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["data"]["families"]["edges"][0]["node"]["id"]
        .clone();
    let members_before = entities::family_member::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    let body = app
        .gql(Some(&hub), ADD_MEMBER, json!({ "input": { "family": family, "name": "A", "dateOfBirth": "2999-01-01", "relation": "CHILD", "email": "not-an-email" } }))
        .await;
    let codes: Vec<&str> = body["data"]["addFamilyMember"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["OUT_OF_RANGE", "INVALID"], "{body}");
    // An email someone else already signs in with.
    let body = app
        .gql(Some(&hub), ADD_MEMBER, json!({ "input": { "family": family, "name": "A", "dateOfBirth": "2001-01-01", "relation": "OTHER_ADULT", "email": demo::MANAGER } }))
        .await;
    assert_eq!(
        body["data"]["addFamilyMember"]["userErrors"][0]["code"], "TAKEN",
        "{body}"
    );
    let body = app
        .gql(Some(&hub), ADD_MEMBER, json!({ "input": { "family": family, "name": "A", "dateOfBirth": "01/02/2001", "relation": "OTHER_ADULT" } }))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD"),
        "{body}"
    );
    assert_eq!(
        entities::family_member::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        members_before
    );
}

const CHANGE_LEVEL: &str = "mutation($input: ChangeNeedLevelInput!) { changeNeedLevel(input: $input) { family { needLevel { level label } } change { direction from { level } to { level } reason decidedBy { name } decidedAt } userErrors { field code message } } }";

async fn need_level_steps_are_recorded_with_who_when_and_why(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let family = app
        .gql(
            Some(&hub),
            "{ families(first: 1) { edges { node { id needLevel { level } } } } }",
            json!({}),
        )
        .await["data"]["families"]["edges"][0]["node"]
        .clone();
    assert_eq!(family["needLevel"]["level"], 2);

    let body = app.gql(Some(&hub), CHANGE_LEVEL, json!({ "input": { "family": family["id"], "level": 3, "reason": "School raised new concerns about attendance and home." } })).await;
    let payload = &body["data"]["changeNeedLevel"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(
        payload["family"]["needLevel"],
        json!({ "level": 3, "label": "Complex needs (child in need)" })
    );
    assert_eq!(payload["change"]["direction"], "STEP_UP");
    assert_eq!(payload["change"]["from"]["level"], 2);
    assert_eq!(payload["change"]["decidedBy"]["name"], "Priya Nair");
    let decided_at: chrono::DateTime<chrono::Utc> = payload["change"]["decidedAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((chrono::Utc::now() - decided_at).num_seconds().abs() < 60);

    // No reason, the same level, an impossible level: refused, nothing recorded.
    let body = app
        .gql(
            Some(&hub),
            CHANGE_LEVEL,
            json!({ "input": { "family": family["id"], "level": 2, "reason": "  " } }),
        )
        .await;
    assert_eq!(
        body["data"]["changeNeedLevel"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let body = app
        .gql(
            Some(&hub),
            CHANGE_LEVEL,
            json!({ "input": { "family": family["id"], "level": 3, "reason": "again" } }),
        )
        .await;
    assert_eq!(
        body["data"]["changeNeedLevel"]["userErrors"][0]["code"],
        "UNCHANGED"
    );
    let body = app
        .gql(
            Some(&hub),
            CHANGE_LEVEL,
            json!({ "input": { "family": family["id"], "level": 0, "reason": "x" } }),
        )
        .await;
    assert_eq!(
        body["data"]["changeNeedLevel"]["userErrors"][0]["code"],
        "OUT_OF_RANGE"
    );

    // Only the hub makes this decision: not an administrator, not the family.
    for who in [demo::ADMIN, demo::SCHOOL_PRACTITIONER, demo::MORGAN_PARENT] {
        let token = app.token_for(who).await;
        let body = app
            .gql(
                Some(&token),
                CHANGE_LEVEL,
                json!({ "input": { "family": family["id"], "level": 1, "reason": "x" } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}: {body}");
    }

    let body = app.gql(Some(&hub), "query($id: ID!) { node(id: $id) { ... on Family { needLevel { level } needLevelHistory { edges { node { direction from { level } to { level } reason } } } } } }", json!({ "id": family["id"] })).await;
    let history: Vec<(String, i64)> = body["data"]["node"]["needLevelHistory"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["direction"].as_str().unwrap().to_owned(),
                e["node"]["to"]["level"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("INITIAL".into(), 3),
            ("STEP_DOWN".into(), 2),
            ("STEP_UP".into(), 3)
        ]
    );
    assert_eq!(body["data"]["node"]["needLevel"]["level"], 3);
}

async fn families_page_through_in_order_without_repeats(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    for i in 0..23 {
        let body = app.gql(Some(&hub), CREATE_FAMILY, json!({ "input": { "reference": format!("P-{i:03}"), "localArea": "Paging", "needLevel": 1 } })).await;
        assert_eq!(body["data"]["createFamily"]["userErrors"], json!([]));
    }
    let mut seen = vec![];
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let body = app
            .gql(Some(&hub), FAMILIES, json!({ "first": 10, "after": after }))
            .await;
        let connection = &body["data"]["families"];
        let edges = connection["edges"].as_array().unwrap();
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"]["reference"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], pages > 1);
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert_eq!(edges.len(), 10);
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert_eq!(pages, 3);
    let mut expected = vec!["EH-DEMO-001".to_owned(), "EH-DEMO-002".to_owned()];
    expected.extend((0..23).map(|i| format!("P-{i:03}")));
    assert_eq!(seen, expected, "oldest first, each once");

    let body = app
        .gql(
            Some(&hub),
            "{ families(localArea: \"Wrenfield South\") { edges { node { reference } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["families"]["edges"],
        json!([{ "node": { "reference": "EH-DEMO-002" } }])
    );
}

async fn people_only_reach_the_families_they_may_see(app: TestApp) {
    app.load_demo().await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&hub),
            "{ families { edges { node { id reference } } } }",
            json!({}),
        )
        .await;
    let edges = body["data"]["families"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let (morgans, rahmans) = (
        edges[0]["node"]["id"].clone(),
        edges[1]["node"]["id"].clone(),
    );

    // A parent reads their own family, not another, and cannot list families.
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let read = "query($id: ID!) { node(id: $id) { ... on Family { reference members { name } } } }";
    let body = app.gql(Some(&parent), read, json!({ "id": morgans })).await;
    assert_eq!(body["data"]["node"]["reference"], "EH-DEMO-001", "{body}");
    let body = app.gql(Some(&parent), read, json!({ "id": rahmans })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let body = app
        .gql(
            Some(&parent),
            "{ families { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    assert!(
        body["data"].is_null() || body["data"]["families"].is_null(),
        "a denial, never an empty list"
    );
    // Email addresses are for the hub, not for other family members.
    let body = app
        .gql(
            Some(&parent),
            "query($id: ID!) { node(id: $id) { ... on Family { members { email } } } }",
            json!({ "id": morgans }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // Only the hub lists families. The school reads the family it works with, not another;
    // the locality manager and the administrator read neither.
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = app.gql(Some(&school), read, json!({ "id": morgans })).await;
    assert_eq!(body["data"]["node"]["reference"], "EH-DEMO-001", "{body}");
    let body = app.gql(Some(&school), read, json!({ "id": rahmans })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    for who in [demo::SCHOOL_PRACTITIONER, demo::MANAGER, demo::ADMIN] {
        let token = app.token_for(who).await;
        let body = app
            .gql(
                Some(&token),
                "{ families { edges { node { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}");
        if who != demo::SCHOOL_PRACTITIONER {
            let body = app.gql(Some(&token), read, json!({ "id": morgans })).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}");
        }
    }
    // Only the hub and administrators open family records.
    let body = app
        .gql(
            Some(&parent),
            CREATE_FAMILY,
            json!({ "input": { "reference": "Z", "localArea": "Z", "needLevel": 1 } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let body = app
        .gql(
            None,
            CREATE_FAMILY,
            json!({ "input": { "reference": "Z", "localArea": "Z", "needLevel": 1 } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let body = app.gql(Some(&parent), ADD_MEMBER, json!({ "input": { "family": morgans, "name": "Z", "dateOfBirth": "2000-01-01", "relation": "CHILD" } })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    assert!(
        entities::family::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .iter()
            .all(|f| f.reference != "Z")
    );
}

const CREATE_ORGANISATION: &str = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id name kind } userErrors { field code } } }";
const CREATE_PRACTITIONER: &str = "mutation($input: CreatePractitionerInput!) { createPractitioner(input: $input) { practitioner { id name email roles organisation { name } } userErrors { field code } } }";

async fn administrators_add_organisations_and_practitioners(app: TestApp) {
    app.load_demo().await;
    let admin = app.token_for(demo::ADMIN).await;
    let body = app
        .gql(
            Some(&admin),
            CREATE_ORGANISATION,
            json!({ "input": { "name": "Wrenfield Housing", "kind": "HOUSING" } }),
        )
        .await;
    let org = body["data"]["createOrganisation"]["organisation"].clone();
    assert_eq!(org["kind"], "HOUSING", "{body}");
    let body = app
        .gql(
            Some(&admin),
            CREATE_ORGANISATION,
            json!({ "input": { "name": "Wrenfield Housing", "kind": "HOUSING" } }),
        )
        .await;
    assert_eq!(
        body["data"]["createOrganisation"]["userErrors"],
        json!([{ "field": ["input", "name"], "code": "TAKEN" }])
    );

    let body = app.gql(Some(&admin), CREATE_PRACTITIONER, json!({ "input": { "name": "Ben Ito", "email": "Ben@Housing.Example", "organisation": org["id"] } })).await;
    let practitioner = &body["data"]["createPractitioner"]["practitioner"];
    assert_eq!(practitioner["email"], "ben@housing.example", "{body}");
    assert_eq!(practitioner["roles"], json!(["PRACTITIONER"]));
    assert_eq!(practitioner["organisation"]["name"], "Wrenfield Housing");
    let ben = app.token_for("ben@housing.example").await;
    let body = app
        .gql(
            Some(&ben),
            "{ viewer { practitioner { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["practitioner"]["name"], "Ben Ito");

    let body = app
        .gql(
            Some(&admin),
            CREATE_PRACTITIONER,
            json!({ "input": { "name": "X", "email": "x@y.example", "organisation": "bogus" } }),
        )
        .await;
    assert_eq!(
        body["data"]["createPractitioner"]["userErrors"][0]["field"],
        json!(["input", "organisation"]),
        "{body}"
    );

    // Only administrators manage accounts.
    let hub = app.token_for(demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&hub),
            CREATE_ORGANISATION,
            json!({ "input": { "name": "Rogue", "kind": "OTHER" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let body = app.gql(Some(&hub), CREATE_PRACTITIONER, json!({ "input": { "name": "X", "email": "x@y.example", "organisation": org["id"], "roles": ["ADMIN"] } })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    // A family sees the directory's names, never practitioners' email addresses.
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let body = app.gql(Some(&parent), "{ organisations { edges { node { name practitioners { edges { node { name } } } } } } }", json!({})).await;
    assert_eq!(
        body["data"]["organisations"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "{body}"
    );
    let body = app
        .gql(
            Some(&parent),
            "{ organisations { edges { node { practitioners { edges { node { email } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}
