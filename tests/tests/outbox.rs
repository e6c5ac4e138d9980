//! Email through the outbox: queued with the change that caused it, delivered by workers on
//! every replica exactly once, retried when the transport fails, over files or real SMTP.
use chrono::Duration;
use entities::outbox_message;
use family_plan_tests::passkeys::{
    FINISH_REGISTRATION, FINISH_SIGN_IN, Phone, START_REGISTRATION, START_SIGN_IN, invitation_token,
};
use family_plan_tests::smtp::SmtpSink;
use family_plan_tests::{TestApp, db_tests, demo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::collections::HashSet;

db_tests!(
    two_replicas_deliver_every_message_once,
    a_ceremony_started_on_one_replica_finishes_on_another,
    an_invitation_rolled_back_sends_no_email,
);

async fn wait_until_all_sent(app: &TestApp) {
    for _ in 0..300 {
        let unsent = outbox_message::Entity::find()
            .filter(outbox_message::Column::SentAt.is_null())
            .count(&app.db)
            .await
            .unwrap();
        if unsent == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("messages were left unsent");
}

async fn two_replicas_deliver_every_message_once(app: TestApp) {
    let second = app.spawn_replica(|_| {}).await;
    // Sixty messages land at once, for both workers to race over.
    let txn = api::db::begin_write(&app.db).await.unwrap();
    let mut queued = HashSet::new();
    for i in 0..60 {
        let email = api::mail::Email {
            subject: format!("Message {i}"),
            body: "Something needs your attention in Family Plan.\n".to_owned(),
        };
        let id = api::mail::enqueue(&txn, &format!("p{i}@example.org"), &email, app.clock.now())
            .await
            .unwrap();
        queued.insert(format!("{id}.eml"));
    }
    txn.commit().await.unwrap();
    wait_until_all_sent(&app).await;

    let first_files: Vec<String> = app.outbox_files().into_iter().map(|(n, _)| n).collect();
    let second_files: Vec<String> = second.outbox_files().into_iter().map(|(n, _)| n).collect();
    let mut delivered: Vec<String> = first_files.iter().chain(&second_files).cloned().collect();
    delivered.sort();
    let unique: HashSet<String> = delivered.iter().cloned().collect();
    assert_eq!(
        delivered.len(),
        60,
        "each message delivered once, not twice"
    );
    assert_eq!(unique, queued);
    eprintln!(
        "{:?}: first replica delivered {}, second {}",
        app.backend,
        first_files.len(),
        second_files.len()
    );
    let rows = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert!(
        rows.iter()
            .all(|m| m.sent_at.is_some() && m.attempts == 1 && m.claimed_by.is_none())
    );
}

mod retries {
    use family_plan_tests::{Backend, run_with};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Backend::Sqlite,
            |s| s.mail_worker = false,
            super::a_failed_delivery_is_retried_later_by_any_replica,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Backend::Postgres,
            |s| s.mail_worker = false,
            super::a_failed_delivery_is_retried_later_by_any_replica,
        )
        .await
    }
}

mod smtp {
    use family_plan_tests::{Backend, run_with};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Backend::Sqlite,
            |s| s.mail_worker = false,
            super::email_goes_through_a_real_smtp_server,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Backend::Postgres,
            |s| s.mail_worker = false,
            super::email_goes_through_a_real_smtp_server,
        )
        .await
    }
}

/// Runs on an app without a worker of its own.
async fn a_failed_delivery_is_retried_later_by_any_replica(app: TestApp) {
    let txn = api::db::begin_write(&app.db).await.unwrap();
    let email = api::mail::Email {
        subject: "Check".into(),
        body: "Something needs your attention.\n".into(),
    };
    api::mail::enqueue(&txn, demo::MANAGER, &email, app.clock.now())
        .await
        .unwrap();
    txn.commit().await.unwrap();

    // A worker whose relay is down: nothing listens on its port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut broken = app.settings.clone();
    broken.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    let worker =
        api::mail::worker::Worker::new(app.db.clone(), &broken, app.clock.clone()).unwrap();
    assert_eq!(worker.deliver_due().await.unwrap(), 0);
    let row = outbox_message::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.sent_at.is_none());
    assert_eq!(row.attempts, 1);
    assert!(row.last_error.is_some(), "{row:?}");
    assert!(row.claimed_by.is_none(), "the claim is let go");
    let wait = row.next_attempt_at - app.clock.now();
    assert!(
        wait > Duration::seconds(25) && wait <= Duration::seconds(30),
        "{wait}"
    );
    // Not retried before its time.
    assert_eq!(worker.deliver_due().await.unwrap(), 0);
    assert_eq!(
        outbox_message::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .attempts,
        1
    );

    // A replica with a working transport delivers it once the backoff is over.
    let replica = app.spawn_replica(|s| s.mail_worker = true).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(replica.outbox_files().is_empty(), "too early");
    replica.clock.advance(Duration::seconds(31));
    wait_until_all_sent(&app).await;
    let row = outbox_message::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.attempts, 2);
    assert!(row.last_error.is_none());
    assert_eq!(replica.outbox_files().len(), 1);
}

/// Runs on an app without a worker of its own; the sending replica uses SMTP.
async fn email_goes_through_a_real_smtp_server(app: TestApp) {
    let smtp = SmtpSink::start().await;
    let sender = app
        .spawn_replica(|s| {
            s.mail_worker = true;
            s.smtp_url = Some(smtp.url());
            s.mail_from = "Family Plan <hello@family-plan.example>".into();
        })
        .await;
    sender.load_demo().await;
    sender
        .cli(&["admin", "invite", "--email", demo::RAHMAN_PARENT])
        .await
        .unwrap();
    let messages = smtp.wait_for(1).await;
    let message = &messages[0];
    assert!(message.contains("To: aisha@family.example"), "{message}");
    assert!(
        message.contains("From: \"Family Plan\" <hello@family-plan.example>"),
        "{message}"
    );
    assert!(message.contains("Subject: You are invited to Family Plan"));
    assert!(
        !message.contains("Rahman") && !message.contains("Aisha"),
        "{message}"
    );
    let token = invitation_token(message);
    assert_eq!(token.len(), 43);
    let row = outbox_message::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(message.contains(&format!("Message-ID: <{}@family-plan>", row.id)));
    wait_until_all_sent(&app).await;

    // The link in the delivered email works.
    let mut phone = Phone::default();
    let done = phone.register(&sender, &token, "Phone").await;
    assert_eq!(done["userErrors"], json!([]), "{done}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1, "sent once");
}

async fn a_ceremony_started_on_one_replica_finishes_on_another(app: TestApp) {
    let other = app.spawn_replica(|_| {}).await;
    app.load_demo().await;
    app.cli(&["admin", "invite", "--email", demo::MORGAN_PARENT])
        .await
        .unwrap();
    // Whichever replica's worker delivered it.
    let mut email = None;
    for _ in 0..200 {
        let files: Vec<String> = app
            .outbox_files()
            .into_iter()
            .chain(other.outbox_files())
            .map(|(_, c)| c)
            .collect();
        if let Some(found) = files.into_iter().next() {
            email = Some(found);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = invitation_token(&email.expect("the invitation email"));

    let mut phone = Phone::default();
    let started = app
        .gql(
            None,
            START_REGISTRATION,
            json!({ "input": { "invitationToken": token } }),
        )
        .await;
    let ceremony = &started["data"]["startPasskeyRegistration"]["ceremony"];
    let credential = phone.create(&ceremony["publicKey"]);
    let finished = other
        .gql(
            None,
            FINISH_REGISTRATION,
            json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": credential, "name": "Phone" } }),
        )
        .await;
    let payload = &finished["data"]["finishPasskeyRegistration"];
    assert_eq!(payload["userErrors"], json!([]), "{finished}");

    let started = other
        .gql(
            None,
            START_SIGN_IN,
            json!({ "input": { "email": demo::MORGAN_PARENT } }),
        )
        .await;
    let ceremony = &started["data"]["startPasskeySignIn"]["ceremony"];
    let assertion = phone.get(&ceremony["publicKey"]);
    let finished = app
        .gql(
            None,
            FINISH_SIGN_IN,
            json!({ "input": { "ceremonyId": ceremony["ceremonyId"], "credential": assertion } }),
        )
        .await;
    let session = finished["data"]["finishPasskeySignIn"]["session"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{finished}"))
        .to_owned();
    // And the session works on both.
    for replica in [&app, &other] {
        let body = replica
            .gql(Some(&session), "{ viewer { email } }", json!({}))
            .await;
        assert_eq!(body["data"]["viewer"]["email"], demo::MORGAN_PARENT);
    }
}

async fn an_invitation_rolled_back_sends_no_email(app: TestApp) {
    app.load_demo().await;
    let account = api::domain::accounts::account_by_email(&app.db, demo::MANAGER)
        .await
        .unwrap()
        .unwrap();
    let txn = api::db::begin_write(&app.db).await.unwrap();
    api::auth::invitations::invite(
        &txn,
        &account,
        None,
        "http://localhost:8080",
        app.clock.now(),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(
        outbox_message::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    assert_eq!(
        entities::invitation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}
