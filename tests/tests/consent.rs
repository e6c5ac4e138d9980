//! Consent gates practitioners (DESIGN rule 1), the safeguarding override (rule 2), and the
//! access log the family reads (rule 6), as people would live them, over HTTP.
use chrono::Duration;
use family_plan_tests::{TestApp, db_tests, demo, error_code};
use serde_json::{Value, json};

db_tests!(
    withdrawing_consent_removes_access_on_the_very_next_request,
    consent_for_one_organisation_gives_nothing_to_another,
    consent_given_for_a_limited_time_expires,
    paper_consent_is_recorded_with_evidence_and_the_family_can_withdraw_it,
    young_person_consents_for_their_own_information_once_assessed_competent,
    practitioners_join_leave_and_are_removed_from_the_team,
    safeguarding_override_grants_time_limited_access_and_is_reviewed,
    override_not_upheld_ends_access_at_once,
    family_reads_who_read_and_changed_their_information,
);

const READ: &str =
    "query($id: ID!) { node(id: $id) { ... on Family { reference members { name } } } }";
const CONSENTS: &str = "query($id: ID!) { node(id: $id) { ... on Family { consents { edges { node { id status scope organisations { name } givenBy { name } forOwnInformationOf { name } evidence recordedBy { name } withdrawnBy { name } } } } } } }";
const GIVE: &str = "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id status } userErrors { field code message } } }";
const WITHDRAW: &str = "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { id status withdrawnBy { name } } userErrors { code message } } }";
const ADD_TO_TEAM: &str = "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { practitioner { name } current } userErrors { field code message } } }";
const RAISE: &str = "mutation($input: RaiseSafeguardingConcernInput!) { raiseSafeguardingConcern(input: $input) { override { id active expiresAt withheldFromFamily } userErrors { field code } } }";
const REVIEW: &str = "mutation($input: ReviewSafeguardingOverrideInput!) { reviewSafeguardingOverride(input: $input) { override { active review { outcome notes reviewedBy { name } } } userErrors { code } } }";
const MANAGER_LOG: &str = "query($id: ID!) { familyAccessLog(family: $id, first: 100) { edges { node { kind what underSafeguardingOverride actor { name organisation role } } } } }";
const LOG: &str = "query($id: ID!) { node(id: $id) { ... on Family { accessLog(first: 100) { edges { node { kind what underSafeguardingOverride actor { name organisation role } } } } } } }";

/// The ids of the demo's families and organisations, as the hub sees them.
struct Ids {
    morgans: Value,
    rahmans: Value,
    council: Value,
    school: Value,
}

async fn ids(app: &TestApp) -> Ids {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let families = app
        .gql(
            Some(&hub),
            "{ families { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let orgs = app
        .gql(
            Some(&hub),
            "{ organisations { edges { node { id } } } }",
            json!({}),
        )
        .await;
    Ids {
        morgans: families["data"]["families"]["edges"][0]["node"]["id"].clone(),
        rahmans: families["data"]["families"]["edges"][1]["node"]["id"].clone(),
        council: orgs["data"]["organisations"]["edges"][0]["node"]["id"].clone(),
        school: orgs["data"]["organisations"]["edges"][1]["node"]["id"].clone(),
    }
}

/// Adds an organisation and one practitioner of it; returns (practitioner id, token).
async fn partner(app: &TestApp, org: &str, kind: &str, email: &str) -> (Value, String) {
    app.cli(&[
        "admin",
        "create-organisation",
        "--name",
        org,
        "--kind",
        kind,
    ])
    .await
    .unwrap();
    app.cli(&[
        "admin",
        "create-practitioner",
        "--name",
        "Alex Byrne",
        "--email",
        email,
        "--organisation",
        org,
    ])
    .await
    .unwrap();
    let token = app.token_for(email).await;
    let me = app
        .gql(
            Some(&token),
            "{ viewer { practitioner { id } } }",
            json!({}),
        )
        .await;
    (me["data"]["viewer"]["practitioner"]["id"].clone(), token)
}

fn edges(body: &Value, field: &str) -> Vec<Value> {
    body["data"]["node"][field]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn withdrawing_consent_removes_access_on_the_very_next_request(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(Some(&school), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(body["data"]["node"]["reference"], "EH-DEMO-001", "{body}");

    let consents = edges(
        &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.morgans }))
            .await,
        "consents",
    );
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0]["status"], "ACTIVE");
    assert_eq!(
        consents[0]["organisations"],
        json!([{ "name": "Larkhill Academy" }, { "name": "Wrenfield Council Early Help" }])
    );
    let body = app
        .gql(
            Some(&parent),
            WITHDRAW,
            json!({ "input": { "consent": consents[0]["id"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{body}"
    );
    assert_eq!(
        body["data"]["withdrawConsent"]["consent"]["withdrawnBy"]["name"],
        "Dana Morgan"
    );

    // The very next request: refused, and said plainly why.
    let body = app
        .gql(Some(&school), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(error_code(&body), Some("CONSENT_REQUIRED"), "{body}");
    assert!(
        body["data"]["node"].is_null(),
        "a denial, never an empty record"
    );
    // History is kept, not rewritten; withdrawing twice changes nothing.
    let body = app
        .gql(
            Some(&parent),
            WITHDRAW,
            json!({ "input": { "consent": consents[0]["id"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["withdrawConsent"]["userErrors"][0]["code"],
        "UNCHANGED"
    );
    let after = edges(
        &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.morgans }))
            .await,
        "consents",
    );
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["status"], "WITHDRAWN");

    // Consent given again, for the school only: access returns.
    let body = app.gql(Some(&parent), GIVE, json!({ "input": { "family": ids.morgans, "scope": "NAMED_ORGANISATIONS", "organisations": [ids.school] } })).await;
    assert_eq!(
        body["data"]["giveConsent"]["consent"]["status"], "ACTIVE",
        "{body}"
    );
    let body = app
        .gql(Some(&school), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(body["data"]["node"]["reference"], "EH-DEMO-001", "{body}");
    // Another family cannot touch this family's consent.
    let other = app.token_for(demo::RAHMAN_PARENT).await;
    let body = app
        .gql(
            Some(&other),
            WITHDRAW,
            json!({ "input": { "consent": consents[0]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}

async fn consent_for_one_organisation_gives_nothing_to_another(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let (housing_worker, housing) =
        partner(&app, "Wrenfield Housing", "housing", "alex@housing.example").await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;

    // The consent names the council and the school: housing cannot join, nor read.
    let body = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": ids.morgans, "practitioner": housing_worker } }),
        )
        .await;
    assert_eq!(
        body["data"]["addTeamMember"]["userErrors"][0]["code"], "CONSENT_REQUIRED",
        "{body}"
    );
    let body = app
        .gql(Some(&housing), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    // A consent naming housing: now they join and read.
    let orgs = app
        .gql(
            Some(&hub),
            "{ organisations { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let housing_org = orgs["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "Wrenfield Housing")
        .unwrap()["node"]["id"]
        .clone();
    let body = app.gql(Some(&parent), GIVE, json!({ "input": { "family": ids.morgans, "scope": "NAMED_ORGANISATIONS", "organisations": [housing_org] } })).await;
    assert_eq!(
        body["data"]["giveConsent"]["userErrors"],
        json!([]),
        "{body}"
    );
    let body = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": ids.morgans, "practitioner": housing_worker } }),
        )
        .await;
    assert_eq!(
        body["data"]["addTeamMember"]["membership"]["current"], true,
        "{body}"
    );
    let body = app
        .gql(Some(&housing), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(body["data"]["node"]["reference"], "EH-DEMO-001", "{body}");
    // Consent for the Morgans gives nothing for the Rahmans.
    let body = app
        .gql(Some(&housing), READ, json!({ "id": ids.rahmans }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    // Mistakes in giving consent: kind errors, nothing recorded.
    let body = app
        .gql(
            Some(&parent),
            GIVE,
            json!({ "input": { "family": ids.morgans, "scope": "NAMED_ORGANISATIONS" } }),
        )
        .await;
    assert_eq!(
        body["data"]["giveConsent"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let body = app.gql(Some(&parent), GIVE, json!({ "input": { "family": ids.morgans, "scope": "ALL_PARTNERS", "expiresOn": "2001-01-01" } })).await;
    assert_eq!(
        body["data"]["giveConsent"]["userErrors"][0]["code"],
        "OUT_OF_RANGE"
    );
    let body = app
        .gql(
            Some(&parent),
            GIVE,
            json!({ "input": { "family": ids.rahmans, "scope": "ALL_PARTNERS" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "not their family");
    assert_eq!(
        edges(
            &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.morgans }))
                .await,
            "consents"
        )
        .len(),
        2
    );
    let _ = ids.council;
}

async fn consent_given_for_a_limited_time_expires(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let consents = edges(
        &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.morgans }))
            .await,
        "consents",
    );
    app.gql(
        Some(&parent),
        WITHDRAW,
        json!({ "input": { "consent": consents[0]["id"] } }),
    )
    .await;
    let tomorrow = (chrono::Utc::now() + Duration::days(1))
        .date_naive()
        .to_string();
    let body = app.gql(Some(&parent), GIVE, json!({ "input": { "family": ids.morgans, "scope": "ALL_PARTNERS", "expiresOn": tomorrow } })).await;
    assert_eq!(
        body["data"]["giveConsent"]["consent"]["status"], "ACTIVE",
        "{body}"
    );
    let body = app
        .gql(Some(&school), READ, json!({ "id": ids.morgans }))
        .await;
    assert!(body["errors"].is_null(), "{body}");

    app.clock.advance(Duration::days(3));
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(Some(&school), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(error_code(&body), Some("CONSENT_REQUIRED"), "{body}");
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let statuses: Vec<Value> = edges(
        &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.morgans }))
            .await,
        "consents",
    )
    .iter()
    .map(|c| c["status"].clone())
    .collect();
    assert_eq!(statuses, [json!("EXPIRED"), json!("WITHDRAWN")]);
}

async fn paper_consent_is_recorded_with_evidence_and_the_family_can_withdraw_it(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let members = app
        .gql(
            Some(&hub),
            "query($id: ID!) { node(id: $id) { ... on Family { members { id name } } } }",
            json!({ "id": ids.rahmans }),
        )
        .await;
    let aisha = members["data"]["node"]["members"][0]["id"].clone();
    let yusuf = members["data"]["node"]["members"][1]["id"].clone();
    let record = "mutation($input: RecordPaperConsentInput!) { recordPaperConsent(input: $input) { consent { id evidence recordedBy { name } givenBy { name } } userErrors { field code } } }";

    let body = app.gql(Some(&hub), record, json!({ "input": { "family": ids.rahmans, "givenBy": aisha, "scope": "ALL_PARTNERS", "evidence": " " } })).await;
    assert_eq!(
        body["data"]["recordPaperConsent"]["userErrors"][0]["field"],
        json!(["input", "evidence"]),
        "{body}"
    );
    // Only a parent or carer with parental responsibility consents for the family.
    let body = app.gql(Some(&hub), record, json!({ "input": { "family": ids.rahmans, "givenBy": yusuf, "scope": "ALL_PARTNERS", "evidence": "Form EH1-0042" } })).await;
    assert_eq!(
        body["data"]["recordPaperConsent"]["userErrors"][0]["field"],
        json!(["input", "givenBy"]),
        "{body}"
    );
    // A practitioner with nothing to do with the family cannot record consent for it.
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = app.gql(Some(&school), record, json!({ "input": { "family": ids.rahmans, "givenBy": aisha, "scope": "ALL_PARTNERS", "evidence": "Form X" } })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    let body = app.gql(Some(&hub), record, json!({ "input": { "family": ids.rahmans, "givenBy": aisha, "scope": "ALL_PARTNERS", "evidence": "Form EH1-0042" } })).await;
    let consent = &body["data"]["recordPaperConsent"]["consent"];
    assert_eq!(consent["recordedBy"]["name"], "Priya Nair", "{body}");
    // The family sees it in the app, with who recorded it, and can withdraw it.
    let parent = app.token_for(demo::RAHMAN_PARENT).await;
    let seen = edges(
        &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.rahmans }))
            .await,
        "consents",
    );
    assert_eq!(seen[0]["evidence"], "Form EH1-0042");
    assert_eq!(seen[0]["givenBy"]["name"], "Aisha Rahman");
    assert_eq!(seen[0]["recordedBy"]["name"], "Priya Nair");
    let body = app
        .gql(
            Some(&parent),
            WITHDRAW,
            json!({ "input": { "consent": seen[0]["id"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{body}"
    );
}

async fn young_person_consents_for_their_own_information_once_assessed_competent(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let body = app.gql(Some(&jordan), GIVE, json!({ "input": { "family": ids.morgans, "scope": "NAMED_ORGANISATIONS", "organisations": [ids.school], "forOwnInformation": true } })).await;
    assert_eq!(
        body["data"]["giveConsent"]["consent"]["status"], "ACTIVE",
        "{body}"
    );
    // Consent for the whole family is a parent's to give, and a young person cannot withdraw it.
    let body = app
        .gql(
            Some(&jordan),
            GIVE,
            json!({ "input": { "family": ids.morgans, "scope": "ALL_PARTNERS" } }),
        )
        .await;
    assert_eq!(
        body["data"]["giveConsent"]["userErrors"][0]["field"],
        json!(["input", "givenBy"]),
        "{body}"
    );
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let consents = edges(
        &app.gql(Some(&parent), CONSENTS, json!({ "id": ids.morgans }))
            .await,
        "consents",
    );
    assert_eq!(consents[0]["forOwnInformationOf"]["name"], "Jordan Morgan");
    let family_consent = consents
        .iter()
        .find(|c| c["forOwnInformationOf"].is_null())
        .unwrap();
    let body = app
        .gql(
            Some(&jordan),
            WITHDRAW,
            json!({ "input": { "consent": family_consent["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // And a parent cannot withdraw the young person's own consent.
    let body = app
        .gql(
            Some(&parent),
            WITHDRAW,
            json!({ "input": { "consent": consents[0]["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // The school records that Jordan is not (yet) able to decide: Jordan's consent is refused.
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let members = app.gql(Some(&school), "query($id: ID!) { node(id: $id) { ... on Family { members { id name competentToConsent } } } }", json!({ "id": ids.morgans })).await;
    let jordan_id = members["data"]["node"]["members"][1]["id"].clone();
    assert_eq!(
        members["data"]["node"]["members"][1]["competentToConsent"],
        true
    );
    let assess = "mutation($input: RecordCompetenceAssessmentInput!) { recordCompetenceAssessment(input: $input) { member { competentToConsent } userErrors { code } } }";
    let body = app
        .gql(
            Some(&school),
            assess,
            json!({ "input": { "member": jordan_id, "competentToConsent": false, "reason": "Jordan could not yet weigh up who would see what." } }),
        )
        .await;
    assert_eq!(
        body["data"]["recordCompetenceAssessment"]["member"]["competentToConsent"], false,
        "{body}"
    );
    let body = app.gql(Some(&jordan), GIVE, json!({ "input": { "family": ids.morgans, "scope": "ALL_PARTNERS", "forOwnInformation": true } })).await;
    assert_eq!(
        body["data"]["giveConsent"]["userErrors"][0]["field"],
        json!(["input", "forOwnInformation"]),
        "{body}"
    );
    // Only the team assesses competence; a parent cannot.
    let body = app
        .gql(
            Some(&parent),
            assess,
            json!({ "input": { "member": jordan_id, "competentToConsent": true, "reason": "Jordan understands." } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}

async fn practitioners_join_leave_and_are_removed_from_the_team(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let team = "query($id: ID!, $past: Boolean) { node(id: $id) { ... on Family { team(includePast: $past) { edges { node { practitioner { id name } current leavingReason removedBy { name } } } } } } }";
    let body = app
        .gql(Some(&school), team, json!({ "id": ids.morgans }))
        .await;
    let names: Vec<Value> = edges(&body, "team")
        .iter()
        .map(|m| m["practitioner"]["name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("Priya Nair"), json!("Sam Whitlock")],
        "{body}"
    );
    let sam = edges(&body, "team")[1]["practitioner"]["id"].clone();

    // Adding someone already on the team changes nothing.
    let body = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": ids.morgans, "practitioner": sam } }),
        )
        .await;
    assert_eq!(
        body["data"]["addTeamMember"]["userErrors"][0]["code"],
        "TAKEN"
    );
    // Only the hub manages the team; a team member cannot add others.
    let body = app
        .gql(
            Some(&school),
            ADD_TO_TEAM,
            json!({ "input": { "family": ids.morgans, "practitioner": sam } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    let leave = "mutation($input: LeaveTeamInput!) { leaveTeam(input: $input) { membership { current leavingReason } userErrors { code } } }";
    let body = app
        .gql(
            Some(&school),
            leave,
            json!({ "input": { "family": ids.morgans, "reason": "Moved to another school." } }),
        )
        .await;
    assert_eq!(
        body["data"]["leaveTeam"]["membership"]["current"], false,
        "{body}"
    );
    // Consent still covers the school, but Sam is no longer on the team.
    let body = app
        .gql(Some(&school), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&school),
            leave,
            json!({ "input": { "family": ids.morgans } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    // The hub brings Sam back, then removes them with a reason the family can read.
    let body = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": ids.morgans, "practitioner": sam } }),
        )
        .await;
    assert_eq!(
        body["data"]["addTeamMember"]["membership"]["current"], true,
        "{body}"
    );
    let remove = "mutation($input: RemoveTeamMemberInput!) { removeTeamMember(input: $input) { membership { current removedBy { name } leavingReason } userErrors { field code } } }";
    let body = app
        .gql(
            Some(&hub),
            remove,
            json!({ "input": { "family": ids.morgans, "practitioner": sam, "reason": "" } }),
        )
        .await;
    assert_eq!(
        body["data"]["removeTeamMember"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let body = app.gql(Some(&hub), remove, json!({ "input": { "family": ids.morgans, "practitioner": sam, "reason": "The family asked for a different school contact." } })).await;
    assert_eq!(
        body["data"]["removeTeamMember"]["membership"]["removedBy"]["name"], "Priya Nair",
        "{body}"
    );
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let history = edges(
        &app.gql(
            Some(&parent),
            team,
            json!({ "id": ids.morgans, "past": true }),
        )
        .await,
        "team",
    );
    assert_eq!(history.len(), 3, "memberships are kept as history");
    assert_eq!(
        history[2]["leavingReason"],
        "The family asked for a different school contact."
    );
    assert_eq!(
        edges(
            &app.gql(Some(&parent), team, json!({ "id": ids.morgans }))
                .await,
            "team"
        )
        .len(),
        1
    );
}

/// Issue 17: only practitioners on the family's team use the override. The partner joins the
/// Rahmans' team while Aisha's consent covers their organisation, and stays once she
/// withdraws it.
async fn on_the_rahmans_team_without_consent(app: &TestApp, ids: &Ids, practitioner: &Value) {
    let hub = app.token_for(demo::HUB_WORKER).await;
    let orgs = app
        .gql(
            Some(&hub),
            "{ organisations(first: 50) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let police = orgs["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "Wrenfield Police")
        .unwrap()["node"]["id"]
        .clone();
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let given = app
        .gql(
            Some(&aisha),
            GIVE,
            json!({ "input": { "family": ids.rahmans, "scope": "NAMED_ORGANISATIONS", "organisations": [police] } }),
        )
        .await;
    let consent = given["data"]["giveConsent"]["consent"]["id"].clone();
    let added = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": ids.rahmans, "practitioner": practitioner } }),
        )
        .await;
    assert_eq!(
        added["data"]["addTeamMember"]["membership"]["current"], true,
        "{added}"
    );
    let withdrawn = app
        .gql(
            Some(&aisha),
            WITHDRAW,
            json!({ "input": { "consent": consent } }),
        )
        .await;
    assert_eq!(
        withdrawn["data"]["withdrawConsent"]["consent"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );
}

async fn safeguarding_override_grants_time_limited_access_and_is_reviewed(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let (officer, police) =
        partner(&app, "Wrenfield Police", "police", "officer@police.example").await;
    on_the_rahmans_team_without_consent(&app, &ids, &officer).await;
    let body = app
        .gql(Some(&police), READ, json!({ "id": ids.rahmans }))
        .await;
    assert_eq!(error_code(&body), Some("CONSENT_REQUIRED"));

    let body = app
        .gql(
            Some(&police),
            RAISE,
            json!({ "input": { "family": ids.rahmans, "reason": "  " } }),
        )
        .await;
    assert_eq!(
        body["data"]["raiseSafeguardingConcern"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let body = app.gql(Some(&police), RAISE, json!({ "input": { "family": ids.rahmans, "reason": "Report of a child left alone overnight.", "withholdFromFamily": true } })).await;
    let raised = body["data"]["raiseSafeguardingConcern"]["override"].clone();
    assert_eq!(raised["active"], true, "{body}");
    let expires: chrono::DateTime<chrono::Utc> =
        raised["expiresAt"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes();
    assert!(
        (71 * 60..=72 * 60).contains(&hours),
        "72 hours by default, got {hours} minutes"
    );

    // Access without consent, audited under the override.
    let body = app
        .gql(Some(&police), READ, json!({ "id": ids.rahmans }))
        .await;
    assert_eq!(body["data"]["node"]["reference"], "EH-DEMO-002", "{body}");

    // The locality manager is emailed (no family details) and sees it in the review queue.
    let email = app.email_to(demo::MANAGER, 1).await;
    assert!(email.contains("safeguarding override"), "{email}");
    for private in ["Rahman", "EH-DEMO-002", "left alone"] {
        assert!(!email.contains(private), "email must not carry {private}");
    }
    let manager = app.token_for(demo::MANAGER).await;
    let queue = app.gql(Some(&manager), "{ safeguardingReviewQueue { edges { node { id familyReference reason raisedBy { name organisation { name } } } } } }", json!({})).await;
    let waiting = &queue["data"]["safeguardingReviewQueue"]["edges"][0]["node"];
    assert_eq!(waiting["familyReference"], "EH-DEMO-002", "{queue}");
    assert_eq!(
        waiting["raisedBy"]["organisation"]["name"],
        "Wrenfield Police"
    );
    // Only managers review.
    let body = app
        .gql(
            Some(&police),
            "{ safeguardingReviewQueue { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    // Withheld: the family's log shows nothing of it; the manager's full trail does.
    let parent = app.token_for(demo::RAHMAN_PARENT).await;
    let family_log = edges(
        &app.gql(Some(&parent), LOG, json!({ "id": ids.rahmans }))
            .await,
        "accessLog",
    );
    assert!(
        family_log
            .iter()
            .all(|e| e["underSafeguardingOverride"] == false),
        "{family_log:?}"
    );
    assert!(
        family_log
            .iter()
            .all(|e| e["actor"]["organisation"] != "Wrenfield Police")
    );
    let full = app
        .gql(Some(&manager), MANAGER_LOG, json!({ "id": ids.rahmans }))
        .await;
    let full: Vec<Value> = full["data"]["familyAccessLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let police_entries: Vec<&Value> = full
        .iter()
        .filter(|e| e["actor"]["organisation"] == "Wrenfield Police")
        .collect();
    assert_eq!(
        police_entries.len(),
        2,
        "the override itself and the read: {full:?}"
    );
    assert!(
        police_entries
            .iter()
            .all(|e| e["underSafeguardingOverride"] == true)
    );

    // Reviewed and upheld: the family now sees who looked, and why it was allowed.
    let body = app
        .gql(
            Some(&manager),
            REVIEW,
            json!({ "input": { "override": waiting["id"], "outcome": "UPHELD", "notes": "" } }),
        )
        .await;
    assert_eq!(
        body["data"]["reviewSafeguardingOverride"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let body = app.gql(Some(&manager), REVIEW, json!({ "input": { "override": waiting["id"], "outcome": "UPHELD", "notes": "Concern was well founded; referred to children's social care." } })).await;
    assert_eq!(
        body["data"]["reviewSafeguardingOverride"]["override"]["review"]["outcome"], "UPHELD",
        "{body}"
    );
    let family_log = edges(
        &app.gql(Some(&parent), LOG, json!({ "id": ids.rahmans }))
            .await,
        "accessLog",
    );
    assert!(
        family_log
            .iter()
            .any(|e| e["actor"]["organisation"] == "Wrenfield Police" && e["kind"] == "READ"),
        "{family_log:?}"
    );
    let queue = app
        .gql(
            Some(&manager),
            "{ safeguardingReviewQueue { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["data"]["safeguardingReviewQueue"]["edges"], json!([]));

    // Time-limited: after 72 hours the override gives nothing.
    app.clock.advance(Duration::hours(73));
    let police = app.token_for("officer@police.example").await;
    let body = app
        .gql(Some(&police), READ, json!({ "id": ids.rahmans }))
        .await;
    assert_eq!(error_code(&body), Some("CONSENT_REQUIRED"), "{body}");
}

async fn override_not_upheld_ends_access_at_once(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let (officer, police) =
        partner(&app, "Wrenfield Police", "police", "officer@police.example").await;
    on_the_rahmans_team_without_consent(&app, &ids, &officer).await;
    let body = app
        .gql(
            Some(&police),
            RAISE,
            json!({ "input": { "family": ids.rahmans, "reason": "Anonymous call." } }),
        )
        .await;
    let id = body["data"]["raiseSafeguardingConcern"]["override"]["id"].clone();
    assert_eq!(
        app.gql(Some(&police), READ, json!({ "id": ids.rahmans }))
            .await["data"]["node"]["reference"],
        "EH-DEMO-002"
    );
    let manager = app.token_for(demo::MANAGER).await;
    let body = app.gql(Some(&manager), REVIEW, json!({ "input": { "override": id, "outcome": "NOT_UPHELD", "notes": "No indication of significant harm." } })).await;
    assert_eq!(
        body["data"]["reviewSafeguardingOverride"]["override"]["active"], false,
        "{body}"
    );
    let body = app
        .gql(Some(&police), READ, json!({ "id": ids.rahmans }))
        .await;
    assert_eq!(error_code(&body), Some("CONSENT_REQUIRED"), "{body}");
    // Not withheld: the family saw it all along.
    let parent = app.token_for(demo::RAHMAN_PARENT).await;
    let log = edges(
        &app.gql(Some(&parent), LOG, json!({ "id": ids.rahmans }))
            .await,
        "accessLog",
    );
    assert!(
        log.iter()
            .any(|e| e["kind"] == "OVERRIDE" && e["actor"]["organisation"] == "Wrenfield Police"),
        "{log:?}"
    );
    // A review is final.
    let body = app.gql(Some(&manager), REVIEW, json!({ "input": { "override": id, "outcome": "UPHELD", "notes": "Changed my mind." } })).await;
    assert_eq!(
        body["data"]["reviewSafeguardingOverride"]["userErrors"][0]["code"],
        "UNCHANGED"
    );
}

async fn family_reads_who_read_and_changed_their_information(app: TestApp) {
    app.load_demo().await;
    let ids = ids(&app).await;
    let school = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let parent = app.token_for(demo::MORGAN_PARENT).await;
    let before = edges(
        &app.gql(Some(&parent), LOG, json!({ "id": ids.morgans }))
            .await,
        "accessLog",
    )
    .len();

    // One request reading the record and the team: one entry naming both.
    let both = "query($id: ID!) { node(id: $id) { ... on Family { reference team { edges { node { current } } } } } }";
    app.gql(Some(&school), both, json!({ "id": ids.morgans }))
        .await;
    let log = edges(
        &app.gql(Some(&parent), LOG, json!({ "id": ids.morgans }))
            .await,
        "accessLog",
    );
    assert_eq!(log.len(), before + 1, "{log:?}");
    assert_eq!(
        log[0],
        json!({
            "kind": "READ",
            "what": "family record, team",
            "underSafeguardingOverride": false,
            "actor": { "name": "Sam Whitlock", "organisation": "Larkhill Academy", "role": "practitioner" },
        })
    );
    // The family's own reads are not logged; their changes are, and so is the hub's opening.
    let whats: Vec<&str> = log.iter().map(|e| e["what"].as_str().unwrap()).collect();
    for expected in [
        "opened the family record",
        "gave consent for the family",
        "added a practitioner to the team",
        "stepped the need level down",
    ] {
        assert!(
            whats.contains(&expected),
            "{expected} missing from {whats:?}"
        );
    }
    assert!(log.iter().any(|e| e["kind"] == "CONSENT"
        && e["actor"]["name"] == "Dana Morgan"
        && e["actor"]["role"] == "family member"));
    // A denied read leaves no trace of data read.
    let other = app.token_for(demo::RAHMAN_PARENT).await;
    let body = app
        .gql(Some(&other), LOG, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    // Practitioners do not read the family's log; the locality manager does.
    let body = app
        .gql(Some(&school), LOG, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let manager = app.token_for(demo::MANAGER).await;
    let body = app
        .gql(Some(&manager), MANAGER_LOG, json!({ "id": ids.morgans }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // The manager's own reading of the trail is on it, from the next request on.
    let body = app
        .gql(Some(&manager), MANAGER_LOG, json!({ "id": ids.morgans }))
        .await;
    let newest = &body["data"]["familyAccessLog"]["edges"][0]["node"];
    assert_eq!(newest["what"], "access log", "{body}");
    assert_eq!(newest["actor"]["role"], "locality manager");
    let body = app
        .gql(Some(&manager), READ, json!({ "id": ids.morgans }))
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "the trail, not the record"
    );
}
