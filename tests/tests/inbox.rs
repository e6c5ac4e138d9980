//! Issue 13: the app's own channel. Every event that emails also lands in the inbox of each
//! person it concerns (and nobody else's), as the same notification its email and push come
//! from; a notification is shown only while its reader may still see what it points at;
//! everyone chooses how they are told; devices belong to the session's person.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use entities::{notification, outbox_message, push_device};
use family_plan_tests::live::Subscriber;
use family_plan_tests::stories::{
    assert_no_personal_details, family_of, nodes, ok, practitioner_id,
};
use family_plan_tests::{TestApp, db_tests_with_fast_jobs, demo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

// Every story with the background jobs looking often (the deadline alert is one event).
db_tests_with_fast_jobs!(
    each_event_tells_the_people_it_concerns_and_nobody_else,
    a_notification_disappears_when_its_reader_loses_access,
    people_choose_how_they_are_told_and_a_young_persons_choices_are_their_own,
    notifications_are_marked_read_by_id_or_up_to_one,
    an_email_queued_the_old_way_is_in_the_inbox_too,
    a_new_notification_arrives_live_on_the_websocket,
    without_push_settings_no_device_registers,
);

const INBOX: &str = "{ viewer { unreadNotificationCount notifications(first: 50) { edges { node { id kind title familyId planId outcomeId meetingId createdAt readAt } } pageInfo { hasNextPage } } } }";
const NOTE: &str = "mutation($input: AddOutcomeNoteInput!) { addOutcomeNote(input: $input) { outcome { id } userErrors { code message } } }";
const WRITE_OUTCOME: &str = "mutation($input: WriteOutcomeInput!) { addOutcome(input: $input) { outcome { id } userErrors { field code message } } }";
const SHARE: &str = "mutation($input: ShareViewInput!) { shareView(input: $input) { view { id } userErrors { field code message } } }";
const RAISE: &str = "mutation($input: RaiseSafeguardingConcernInput!) { raiseSafeguardingConcern(input: $input) { override { id } userErrors { field code } } }";
const WITHDRAW: &str = "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { consent { status } userErrors { code message } } }";
const GIVE_CONSENT: &str = "mutation($input: GiveConsentInput!) { giveConsent(input: $input) { consent { id } userErrors { field message } } }";
const ADD_TO_TEAM: &str = "mutation($input: AddTeamMemberInput!) { addTeamMember(input: $input) { membership { current } userErrors { field message } } }";
const START_PLAN: &str = "mutation($input: StartPlanInput!) { startPlan(input: $input) { plan { id status } userErrors { field message } } }";
const NOMINATE: &str = "mutation($input: NominateLeadProfessionalInput!) { nominateLeadProfessional(input: $input) { nomination { id status } userErrors { field code message } } }";
const DECLINE: &str = "mutation($input: DeclineLeadNominationInput!) { declineLeadNomination(input: $input) { nomination { id status } userErrors { field code message } } }";
const PREFERENCES: &str = "mutation($input: SetNotificationPreferencesInput!) { setNotificationPreferences(input: $input) { preferences { kinds { kind email push } quietHours { from to timeZone } } userErrors { field code message } } }";
const MY_PREFERENCES: &str = "{ viewer { notificationPreferences { kinds { kind email push } quietHours { from to timeZone } } } }";
const MARK: &str = "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { markedCount userErrors { field code message } } }";
const REGISTER: &str = "mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) { device { id platform appVersion } userErrors { field code message } } }";

/// The notifications `email` sees now, newest first, and their unread count.
async fn inbox(app: &TestApp, email: &str) -> (Vec<Value>, i64) {
    let token = app.token_for(email).await;
    let body = app.gql(Some(&token), INBOX, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let viewer = &body["data"]["viewer"];
    (
        nodes(&viewer["notifications"]),
        viewer["unreadNotificationCount"].as_i64().unwrap(),
    )
}

async fn kinds(app: &TestApp, email: &str) -> Vec<String> {
    let (list, unread) = inbox(app, email).await;
    assert_eq!(unread as usize, list.len(), "all unread: {list:?}");
    list.iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

struct Morgans {
    family: String,
    plan: String,
    outcome: String,
    consent: String,
}

async fn morgans(app: &TestApp) -> Morgans {
    let (family, _) = family_of(app, demo::MORGAN_PARENT).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Family { consents { edges { node { id status } } } plan { id outcomes(first: 5) { nodes { id } } } } } }",
            json!({ "id": family }),
        )
        .await;
    let node = &body["data"]["node"];
    let consent = nodes(&node["consents"])
        .into_iter()
        .find(|c| c["status"] == "ACTIVE")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Morgans {
        family,
        plan: node["plan"]["id"].as_str().unwrap().to_owned(),
        outcome: node["plan"]["outcomes"]["nodes"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        consent,
    }
}

async fn plan_version(app: &TestApp, m: &Morgans) -> i64 {
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            "query($id: ID!) { node(id: $id) { ... on Plan { version } } }",
            json!({ "id": m.plan }),
        )
        .await;
    body["data"]["node"]["version"].as_i64().unwrap()
}

/// Sam (on the team) adds a note beside an outcome: a change by a practitioner.
async fn sam_adds_a_note(app: &TestApp, m: &Morgans) {
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let version = plan_version(app, m).await;
    let body = app
        .gql(
            Some(&sam),
            NOTE,
            json!({ "input": { "outcome": m.outcome, "expectedVersion": version, "body": "Jordan was on time all week." } }),
        )
        .await;
    ok(&body, "addOutcomeNote");
}

/// Dana writes an outcome: a change by the family.
async fn dana_writes_an_outcome(app: &TestApp, m: &Morgans) {
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let version = plan_version(app, m).await;
    let body = app
        .gql(
            Some(&dana),
            WRITE_OUTCOME,
            json!({ "input": { "plan": m.plan, "expectedVersion": version, "words": "A quiet place for homework.", "area": "EDUCATION" } }),
        )
        .await;
    ok(&body, "addOutcome");
}

async fn emails_queued_to(app: &TestApp, to: &str) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Recipient.eq(to))
        .count(&app.db)
        .await
        .unwrap()
}

async fn each_event_tells_the_people_it_concerns_and_nobody_else(app: TestApp) {
    app.load_demo().await;
    let m = morgans(&app).await;

    // A practitioner changes the plan: the Morgan parent is told (the young person is not
    // told of plan changes), with the plan, family and outcome to open; and emailed.
    sam_adds_a_note(&app, &m).await;
    let (dana, unread) = inbox(&app, demo::MORGAN_PARENT).await;
    assert_eq!(unread, 1);
    assert_eq!(dana[0]["kind"], "PLAN_CHANGED_BY_PRACTITIONER", "{dana:?}");
    assert_eq!(dana[0]["title"], "Your plan has changed");
    assert_eq!(dana[0]["familyId"], m.family.as_str());
    assert_eq!(dana[0]["planId"], m.plan.as_str());
    assert_eq!(dana[0]["outcomeId"], m.outcome.as_str());
    assert_eq!(dana[0]["readAt"], Value::Null);
    let email = app.email_to(demo::MORGAN_PARENT, 1).await;
    assert!(
        email.contains("Subject: Your family plan has changed"),
        "{email}"
    );
    assert_no_personal_details(&email, &[]);

    // The family changes the plan: the lead professional (Priya) is told.
    dana_writes_an_outcome(&app, &m).await;
    assert_eq!(
        kinds(&app, demo::HUB_WORKER).await,
        ["PLAN_CHANGED_BY_FAMILY"]
    );
    let email = app.email_to(demo::HUB_WORKER, 1).await;
    assert!(
        email.contains("A family you lead has changed their plan"),
        "{email}"
    );

    // The young person sends a view: the lead professional has something to read.
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let body = app
        .gql(
            Some(&jordan),
            SHARE,
            json!({ "input": { "words": "I find maths lessons hard.", "private": true } }),
        )
        .await;
    ok(&body, "shareView");
    assert_eq!(
        kinds(&app, demo::HUB_WORKER).await,
        ["YOUNG_PERSON_VIEW_TO_READ", "PLAN_CHANGED_BY_FAMILY"]
    );

    // A safeguarding override: the locality manager has one to review.
    let sam = app.token_for(demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&sam),
            RAISE,
            json!({ "input": { "family": m.family, "reason": "A child said something worrying at school." } }),
        )
        .await;
    ok(&body, "raiseSafeguardingConcern");
    assert_eq!(
        kinds(&app, demo::MANAGER).await,
        ["SAFEGUARDING_REVIEW_NEEDED"]
    );
    let (manager, _) = inbox(&app, demo::MANAGER).await;
    assert_eq!(
        manager[0]["familyId"],
        Value::Null,
        "the manager reviews, not reads"
    );

    // The Rahmans nominate Sam, who is told, and declines: Aisha is told of the answer.
    let rahmans = rahmans_with_a_draft_plan(&app).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let sam_id = practitioner_id(&app, demo::SCHOOL_PRACTITIONER).await;
    let body = app
        .gql(
            Some(&aisha),
            NOMINATE,
            json!({ "input": { "family": rahmans, "practitioner": sam_id } }),
        )
        .await;
    let nomination = ok(&body, "nominateLeadProfessional")["nomination"]["id"].clone();
    assert_eq!(
        kinds(&app, demo::SCHOOL_PRACTITIONER).await,
        ["LEAD_NOMINATION_RECEIVED"]
    );
    let body = app
        .gql(
            Some(&sam),
            DECLINE,
            json!({ "input": { "nomination": nomination, "reason": "My caseload is full until the spring." } }),
        )
        .await;
    ok(&body, "declineLeadNomination");
    let (told, _) = inbox(&app, demo::RAHMAN_PARENT).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["kind"], "LEAD_NOMINATION_ANSWERED");
    assert_eq!(told[0]["familyId"], rahmans.as_str());

    // Aisha asks Priya, who does not answer in time: the locality manager is told.
    let priya_id = practitioner_id(&app, demo::HUB_WORKER).await;
    let body = app
        .gql(
            Some(&aisha),
            NOMINATE,
            json!({ "input": { "family": rahmans, "practitioner": priya_id } }),
        )
        .await;
    ok(&body, "nominateLeadProfessional");
    app.clock.advance(Duration::days(8));
    let mut overdue = vec![];
    for _ in 0..100 {
        overdue = kinds(&app, demo::MANAGER).await;
        if overdue.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        overdue,
        ["LEAD_NOMINATION_OVERDUE", "SAFEGUARDING_REVIEW_NEEDED"]
    );

    // Nobody else was told anything.
    assert_eq!(
        kinds(&app, demo::MORGAN_PARENT).await,
        ["PLAN_CHANGED_BY_PRACTITIONER"]
    );
    assert_eq!(
        kinds(&app, demo::HUB_WORKER).await,
        [
            "LEAD_NOMINATION_RECEIVED",
            "YOUNG_PERSON_VIEW_TO_READ",
            "PLAN_CHANGED_BY_FAMILY"
        ]
    );
    assert_eq!(
        kinds(&app, demo::SCHOOL_PRACTITIONER).await,
        ["LEAD_NOMINATION_RECEIVED"]
    );
    assert!(kinds(&app, demo::MORGAN_YOUNG_PERSON).await.is_empty());
    assert!(kinds(&app, demo::ADMIN).await.is_empty());
    assert_eq!(
        kinds(&app, demo::RAHMAN_PARENT).await,
        ["LEAD_NOMINATION_ANSWERED"]
    );
    // And every notification is one person's: the rows say so too.
    let rows = notification::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(rows, 8);
}

/// The Rahmans (no plan yet) share with every organisation, Sam joins their team, and Aisha
/// starts the plan. Returns the family's ID.
async fn rahmans_with_a_draft_plan(app: &TestApp) -> String {
    let (family, _) = family_of(app, demo::RAHMAN_PARENT).await;
    let aisha = app.token_for(demo::RAHMAN_PARENT).await;
    let hub = app.token_for(demo::HUB_WORKER).await;
    let orgs = app
        .gql(
            Some(&hub),
            "{ organisations { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let orgs: Vec<Value> = nodes(&orgs["data"]["organisations"])
        .into_iter()
        .map(|o| o["id"].clone())
        .collect();
    let given = app
        .gql(
            Some(&aisha),
            GIVE_CONSENT,
            json!({ "input": { "family": family, "scope": "NAMED_ORGANISATIONS", "organisations": orgs } }),
        )
        .await;
    ok(&given, "giveConsent");
    let sam = practitioner_id(app, demo::SCHOOL_PRACTITIONER).await;
    let added = app
        .gql(
            Some(&hub),
            ADD_TO_TEAM,
            json!({ "input": { "family": family, "practitioner": sam } }),
        )
        .await;
    ok(&added, "addTeamMember");
    let started = app
        .gql(
            Some(&aisha),
            START_PLAN,
            json!({ "input": { "family": family } }),
        )
        .await;
    ok(&started, "startPlan");
    family
}

async fn a_notification_disappears_when_its_reader_loses_access(app: TestApp) {
    app.load_demo().await;
    let m = morgans(&app).await;
    dana_writes_an_outcome(&app, &m).await;
    sam_adds_a_note(&app, &m).await;
    assert_eq!(
        kinds(&app, demo::HUB_WORKER).await,
        ["PLAN_CHANGED_BY_FAMILY"]
    );

    // Dana withdraws the family's consent: Priya may no longer read the plan, so she no
    // longer sees what it says changed, in the list or the count. Dana still sees hers.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            WITHDRAW,
            json!({ "input": { "consent": m.consent } }),
        )
        .await;
    ok(&body, "withdrawConsent");
    let (list, unread) = inbox(&app, demo::HUB_WORKER).await;
    assert!(list.is_empty(), "{list:?}");
    assert_eq!(unread, 0);
    assert_eq!(
        kinds(&app, demo::MORGAN_PARENT).await,
        ["PLAN_CHANGED_BY_PRACTITIONER"]
    );
    // The row is kept: given consent again, the notification is back.
    let rows = notification::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(rows, 2);
}

async fn people_choose_how_they_are_told_and_a_young_persons_choices_are_their_own(app: TestApp) {
    app.load_demo().await;
    let m = morgans(&app).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;

    // Bad times are Dana's to fix, and nothing is stored.
    let body = app
        .gql(
            Some(&dana),
            PREFERENCES,
            json!({ "input": { "kinds": [{ "kind": "PLAN_CHANGED_BY_PRACTITIONER", "email": false, "push": true }], "quietHours": { "from": "25:00", "to": "7" } } }),
        )
        .await;
    let errors = &body["data"]["setNotificationPreferences"]["userErrors"];
    assert_eq!(
        errors[0]["field"],
        json!(["input", "quietHours", "from"]),
        "{body}"
    );
    assert_eq!(
        errors[1]["field"],
        json!(["input", "quietHours", "to"]),
        "{body}"
    );
    let mine = app.gql(Some(&dana), MY_PREFERENCES, json!({})).await;
    let prefs = &mine["data"]["viewer"]["notificationPreferences"];
    assert!(
        prefs["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["email"] == true && k["push"] == true),
        "{mine}"
    );
    assert_eq!(
        prefs["quietHours"],
        json!({ "from": "21:00", "to": "07:00", "timeZone": "Europe/London" })
    );

    // Dana turns off email for plan changes and moves her quiet hours.
    let body = app
        .gql(
            Some(&dana),
            PREFERENCES,
            json!({ "input": { "kinds": [{ "kind": "PLAN_CHANGED_BY_PRACTITIONER", "email": false, "push": true }], "quietHours": { "from": "22:30", "to": "06:15" } } }),
        )
        .await;
    let saved = &ok(&body, "setNotificationPreferences")["preferences"];
    assert_eq!(saved["quietHours"]["from"], "22:30");
    let plan_kind = saved["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "PLAN_CHANGED_BY_PRACTITIONER")
        .unwrap();
    assert_eq!(plan_kind["email"], false);

    // The young person's choices are their own: Dana's did not touch them.
    let jordan = app.token_for(demo::MORGAN_YOUNG_PERSON).await;
    let theirs = app.gql(Some(&jordan), MY_PREFERENCES, json!({})).await;
    let theirs = &theirs["data"]["viewer"]["notificationPreferences"];
    assert!(
        theirs["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["email"] == true),
        "{theirs}"
    );
    assert_eq!(theirs["quietHours"]["from"], "21:00");

    // A change by a practitioner: Dana has it in the app, and no email.
    sam_adds_a_note(&app, &m).await;
    assert_eq!(
        kinds(&app, demo::MORGAN_PARENT).await,
        ["PLAN_CHANGED_BY_PRACTITIONER"]
    );
    assert_eq!(emails_queued_to(&app, demo::MORGAN_PARENT).await, 0);

    // No quiet hours at all.
    let body = app
        .gql(
            Some(&dana),
            PREFERENCES,
            json!({ "input": { "quietHours": null } }),
        )
        .await;
    assert_eq!(
        ok(&body, "setNotificationPreferences")["preferences"]["quietHours"],
        Value::Null
    );
}

async fn notifications_are_marked_read_by_id_or_up_to_one(app: TestApp) {
    app.load_demo().await;
    let m = morgans(&app).await;
    // Three changes by the family, each an hour apart (the lead's digests): three for Priya.
    for _ in 0..3 {
        dana_writes_an_outcome(&app, &m).await;
        app.clock.advance(Duration::minutes(61));
    }
    let priya = app.token_for(demo::HUB_WORKER).await;
    let (list, unread) = inbox(&app, demo::HUB_WORKER).await;
    assert_eq!((list.len(), unread), (3, 3), "{list:?}");

    // Neither ids nor upTo: the user's to fix.
    let body = app.gql(Some(&priya), MARK, json!({ "input": {} })).await;
    assert_eq!(
        body["data"]["markNotificationsRead"]["userErrors"][0]["code"], "REQUIRED",
        "{body}"
    );
    // Someone else's notification is not marked.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            MARK,
            json!({ "input": { "ids": [list[0]["id"]] } }),
        )
        .await;
    assert_eq!(ok(&body, "markNotificationsRead")["markedCount"], 0);

    let body = app
        .gql(
            Some(&priya),
            MARK,
            json!({ "input": { "ids": [list[0]["id"]] } }),
        )
        .await;
    assert_eq!(ok(&body, "markNotificationsRead")["markedCount"], 1);
    let (after, unread) = inbox(&app, demo::HUB_WORKER).await;
    assert_eq!(unread, 2);
    assert!(after[0]["readAt"].is_string());

    // Up to the middle one: it and the older one.
    let body = app
        .gql(
            Some(&priya),
            MARK,
            json!({ "input": { "upTo": list[1]["id"] } }),
        )
        .await;
    assert_eq!(ok(&body, "markNotificationsRead")["markedCount"], 2);
    let (_, unread) = inbox(&app, demo::HUB_WORKER).await;
    assert_eq!(unread, 0);
    let unread_only = app
        .gql(
            Some(&priya),
            "{ viewer { notifications(unreadOnly: true) { edges { node { id } } } } }",
            json!({}),
        )
        .await;
    assert!(nodes(&unread_only["data"]["viewer"]["notifications"]).is_empty());

    // Pages: one at a time, newest first.
    let page = app
        .gql(
            Some(&priya),
            "{ viewer { notifications(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }",
            json!({}),
        )
        .await;
    let connection = &page["data"]["viewer"]["notifications"];
    assert_eq!(connection["pageInfo"]["hasNextPage"], true, "{page}");
    let next = app
        .gql(
            Some(&priya),
            "query($after: String) { viewer { notifications(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } } }",
            json!({ "after": connection["pageInfo"]["endCursor"] }),
        )
        .await;
    let rest = nodes(&next["data"]["viewer"]["notifications"]);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["id"], list[2]["id"]);
}

async fn an_email_queued_the_old_way_is_in_the_inbox_too(app: TestApp) {
    app.load_demo().await;
    // Code that queues an email without naming a kind (as issues building beside this one
    // do) still reaches the app: the person sees that something needs their attention.
    let txn = api::db::begin_write(&app.db).await.unwrap();
    let email = api::mail::Email {
        subject: "Something for you".to_owned(),
        body: "Please open Family Plan.\r\n".to_owned(),
    };
    api::mail::enqueue(&txn, demo::MORGAN_PARENT, &email, app.clock.now())
        .await
        .unwrap();
    api::mail::enqueue(&txn, "nobody@example.org", &email, app.clock.now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let (list, _) = inbox(&app, demo::MORGAN_PARENT).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["kind"], "ATTENTION");
    assert_eq!(list[0]["title"], "Something needs your attention");
    assert_eq!(list[0]["familyId"], Value::Null);
    assert_eq!(emails_queued_to(&app, demo::MORGAN_PARENT).await, 1);

    // An invitation to sign in is an email only: the person has no app yet.
    app.cli(&["admin", "invite", "--email", demo::RAHMAN_PARENT])
        .await
        .unwrap();
    assert!(kinds(&app, demo::RAHMAN_PARENT).await.is_empty());
}

async fn a_new_notification_arrives_live_on_the_websocket(app: TestApp) {
    app.load_demo().await;
    let m = morgans(&app).await;
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let mut subscriber = Subscriber::signed_in(&app, &dana).await;
    subscriber
        .subscribe(
            "inbox",
            "subscription { notificationAdded { id kind planId } }",
            json!({}),
        )
        .await;
    // Give the subscription a moment to start listening.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sam_adds_a_note(&app, &m).await;
    let message = subscriber
        .next(std::time::Duration::from_secs(5))
        .await
        .expect("no notification came");
    assert_eq!(message["type"], "next", "{message}");
    let added = &message["payload"]["data"]["notificationAdded"];
    assert_eq!(added["kind"], "PLAN_CHANGED_BY_PRACTITIONER", "{message}");
    assert_eq!(added["planId"], m.plan.as_str());
    let (list, _) = inbox(&app, demo::MORGAN_PARENT).await;
    assert_eq!(added["id"], list[0]["id"]);
}

async fn without_push_settings_no_device_registers(app: TestApp) {
    app.load_demo().await;
    // Without push settings, nothing can register: the inbox still has everything.
    let dana = app.token_for(demo::MORGAN_PARENT).await;
    let body = app
        .gql(
            Some(&dana),
            REGISTER,
            json!({ "input": { "platform": "IOS", "token": "abc123" } }),
        )
        .await;
    assert_eq!(
        body["data"]["registerPushDevice"]["userErrors"][0]["code"], "NOT_ALLOWED_NOW",
        "{body}"
    );
    assert_eq!(push_device::Entity::find().count(&app.db).await.unwrap(), 0);
}
