//! Benchmark: the plan screen (`PLAN_SCREEN`) over HTTP for parents and for team
//! practitioners (consent gate and audit included), against the same data fetched by four
//! hand-written SQL statements (the floor), on a generated county, at 1 and 10 clients,
//! interleaved: each point runs floor, floor over HTTP, parent, practitioner in turn, twice.
//! The floor over HTTP serves the same statements' answer as JSON from a hand-written axum
//! endpoint, asked by the same client as the app: what any HTTP API pays for the screen.
//!
//! ```text
//! cargo run --release -p family-plan-tests --example plan_screen
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fp_bench BENCH_FAMILIES=10000 \
//!     cargo run --release -p family-plan-tests --example plan_screen
//! ```
//! `BENCH_DATABASE_URL` (default: a new SQLite file) is filled with `BENCH_FAMILIES`
//! generated families (default 1,000) when it holds none yet, as
//! `family-plan admin generate --families N` does. `BENCH_SECONDS` (default 2) is the time
//! per kind per round per point. Client and server share the process and the machine; the
//! CPU column is the process's CPU time per request, both sides together.
//!
//! On PostgreSQL, `BENCH_POSTGRAPHILE=1` also runs PostGraphile 4 over the same database
//! (`scripts/postgraphile`, installed from npm the first time) and asks it the same screen in
//! the same rounds. The run ends with the peak memory at 50 clients. `BENCH_ONLY=parent`
//! (`team`, `postgraphile`) runs one kind beside the two floors, for a profiler.
//!
//! `BENCH_REQUESTS=N` instead asks for N screens of that kind (parent by default; `team`,
//! `floor`, `http` for the floor over HTTP) one after another, prints the time, this
//! process's CPU and PostgreSQL's per screen, and stops: a fixed workload, also to count
//! instructions with valgrind, which a shared machine does not disturb. Run it for
//! two values of N; the difference over the difference in N is the cost of one screen
//! (client and server, and SQLite where it is the database):
//! `valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/plan_screen`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use api::app::AppState;
use api::clock::Clock;
use api::config::Settings;
use api::db::Db;
use api::graphql::ids::{self, Kind};
use entities::{family, practitioner, team_member};
use family_plan_tests::screens::PLAN_SCREEN;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Families given sessions and asked for at random.
const SAMPLE: usize = 200;

/// The same data as the screen, by hand: plan and lead; outcomes and proposers; who each is
/// for, notes and authors, ratings; actions and assignees. Names are looked up by key in
/// scalar subqueries: as `LEFT JOIN`s PostgreSQL hashed every practitioner while the county
/// was small (0.27 and 0.38 ms for the outcomes and actions at 10,000 families, against
/// 0.06 and 0.09), and the floor was slower at 10,000 families than at 100,000.
const FLOOR: [&str; 4] = [
    "SELECT p.id, p.version, p.status, lp.name FROM plans p LEFT JOIN practitioners lp ON lp.id = p.lead_professional_id WHERE p.family_id = $1 AND p.status <> 'closed'",
    "SELECT o.id, o.words, o.status, o.area_label, (SELECT fm.name FROM family_members fm WHERE fm.id = o.proposed_by_member_id), (SELECT pr.name FROM practitioners pr WHERE pr.id = o.proposed_by_practitioner_id) FROM outcomes o WHERE o.plan_id = $1 AND o.status NOT IN ('declined', 'withdrawn') ORDER BY o.position",
    "SELECT 'for' AS kind, om.outcome_id, fm.name AS a, CAST(NULL AS text) AS b, CAST(NULL AS smallint) AS score FROM outcome_members om JOIN outcomes o ON o.id = om.outcome_id JOIN family_members fm ON fm.id = om.member_id WHERE o.plan_id = $1 \
     UNION ALL SELECT 'note', n.outcome_id, n.body, pr.name, CAST(NULL AS smallint) FROM outcome_notes n JOIN outcomes o ON o.id = n.outcome_id JOIN practitioners pr ON pr.id = n.practitioner_id WHERE o.plan_id = $1 \
     UNION ALL SELECT r.source, r.outcome_id, CAST(NULL AS text), CAST(NULL AS text), r.score FROM progress_ratings r JOIN outcomes o ON o.id = r.outcome_id WHERE o.plan_id = $1",
    "SELECT a.id, a.outcome_id, a.description, a.done_at, a.due_date, (SELECT fm.name FROM family_members fm WHERE fm.id = a.assignee_member_id), (SELECT pr.name FROM practitioners pr WHERE pr.id = a.assignee_practitioner_id) FROM plan_actions a WHERE a.plan_id = $1 ORDER BY a.id",
];

struct Sampled {
    family: Uuid,
    family_gid: String,
    plan: Uuid,
    parent: String,
    practitioner: String,
}

/// The same screen asked of PostGraphile 4 over the same tables, as its default inflection
/// names them: it runs no session, consent, visibility or audit, and it returns declined and
/// withdrawn outcomes too (its conditions are equalities only).
const POSTGRAPHILE_SCREEN: &str = "query($id: UUID!) { familyById(id: $id) { plansByFamilyId(condition: { status: \"active\" }) { nodes { id version status practitionerByLeadProfessionalId { name } outcomesByPlanId(orderBy: POSITION_ASC) { nodes { id words status areaLabel familyMemberByProposedByMemberId { name } practitionerByProposedByPractitionerId { name } outcomeMembersByOutcomeId { nodes { familyMemberByMemberId { name } } } outcomeNotesByOutcomeId { nodes { body practitionerByPractitionerId { name } } } progressRatingsByOutcomeId { nodes { source score } } planActionsByOutcomeId { nodes { description doneAt dueDate familyMemberByAssigneeMemberId { name } practitionerByAssigneePractitionerId { name } localServiceByServiceId { name contact } } } } } } } } }";

#[derive(Clone, Copy, PartialEq)]
enum Who {
    Floor,
    FloorOverHttp,
    Parent,
    Practitioner,
    PostGraphile,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Floor => "floor (SQL)",
            Who::FloorOverHttp => "floor over HTTP",
            Who::Parent => "parent",
            Who::Practitioner => "team practitioner",
            Who::PostGraphile => "PostGraphile 4",
        }
    }
}

async fn floor(db: &Db, s: &Sampled) {
    let backend = db.get_database_backend();
    let by_family = Statement::from_sql_and_values(backend, FLOOR[0], [s.family.into()]);
    let plan = db.query_all_raw(by_family).await.unwrap();
    assert_eq!(plan.len(), 1);
    for sql in &FLOOR[1..] {
        let stmt = Statement::from_sql_and_values(backend, *sql, [s.plan.into()]);
        let rows = db.query_all_raw(stmt).await.unwrap();
        for row in rows {
            let _: Uuid = row.try_get_by_index(1).unwrap_or_default();
        }
    }
}

/// The floor served over HTTP: the same four statements behind the same axum and hyper, each
/// row decoded once into the screen's shape and written as JSON by serde's derive. No
/// session, access rule, audit or GraphQL: what a lean hand-written HTTP API pays for this
/// screen, so that the app's rows show what those cost beyond it.
mod over_http {
    use super::FLOOR;
    use api::db::Db;
    use sea_orm::{ConnectionTrait, QueryResult, Statement};
    use serde::Serialize;
    use std::collections::HashMap;
    use uuid::Uuid;

    #[derive(Serialize)]
    pub struct Screen {
        plan: Option<Plan>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Plan {
        id: Uuid,
        version: i32,
        status: String,
        lead_professional: Option<Named>,
        outcomes: Vec<Outcome>,
        overdue_actions: Vec<Uuid>,
    }

    #[derive(Serialize)]
    struct Named {
        name: String,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Outcome {
        id: Uuid,
        words: String,
        status: String,
        area_label: String,
        r#for: Vec<Named>,
        proposed_by: Option<Named>,
        notes: Vec<Note>,
        family_score: Option<i16>,
        practitioner_score: Option<i16>,
        actions: Vec<Action>,
    }

    #[derive(Serialize)]
    struct Note {
        body: String,
        author: Option<Named>,
    }

    #[derive(Serialize)]
    struct Action {
        description: String,
        done: bool,
        overdue: bool,
        assignee: Option<Named>,
    }

    fn get<T: sea_orm::TryGetable>(row: &QueryResult, i: usize) -> T {
        row.try_get_by_index(i).unwrap()
    }

    fn named(row: &QueryResult, first: usize, second: usize) -> Option<Named> {
        get::<Option<String>>(row, first)
            .or_else(|| get(row, second))
            .map(|name| Named { name })
    }

    pub async fn screen(db: &Db, family: Uuid) -> Screen {
        let backend = db.get_database_backend();
        let by = |sql: &str, id: Uuid| Statement::from_sql_and_values(backend, sql, [id.into()]);
        let plans = db.query_all_raw(by(FLOOR[0], family)).await.unwrap();
        let Some(plan) = plans.first() else {
            return Screen { plan: None };
        };
        let plan_id: Uuid = get(plan, 0);
        let mut outcomes: Vec<Outcome> = vec![];
        let mut at: HashMap<Uuid, usize> = HashMap::new();
        for row in db.query_all_raw(by(FLOOR[1], plan_id)).await.unwrap() {
            let id = get(&row, 0);
            at.insert(id, outcomes.len());
            outcomes.push(Outcome {
                id,
                words: get(&row, 1),
                status: get(&row, 2),
                area_label: get(&row, 3),
                r#for: vec![],
                proposed_by: named(&row, 4, 5),
                notes: vec![],
                family_score: None,
                practitioner_score: None,
                actions: vec![],
            });
        }
        for row in db.query_all_raw(by(FLOOR[2], plan_id)).await.unwrap() {
            let Some(&i) = at.get(&get(&row, 1)) else {
                continue;
            };
            let outcome = &mut outcomes[i];
            match get::<String>(&row, 0).as_str() {
                "for" => outcome.r#for.push(Named { name: get(&row, 2) }),
                "note" => outcome.notes.push(Note {
                    body: get(&row, 2),
                    author: get::<Option<String>>(&row, 3).map(|name| Named { name }),
                }),
                "family" => outcome.family_score = get(&row, 4),
                _ => outcome.practitioner_score = get(&row, 4),
            }
        }
        let today = chrono::Utc::now().date_naive();
        let mut overdue_actions = vec![];
        for row in db.query_all_raw(by(FLOOR[3], plan_id)).await.unwrap() {
            let done = get::<Option<chrono::DateTime<chrono::Utc>>>(&row, 3).is_some();
            let overdue =
                !done && get::<Option<chrono::NaiveDate>>(&row, 4).is_some_and(|d| d < today);
            if overdue {
                overdue_actions.push(get(&row, 0));
            }
            let Some(&i) = get::<Option<Uuid>>(&row, 1).and_then(|id| at.get(&id)) else {
                continue;
            };
            outcomes[i].actions.push(Action {
                description: get(&row, 2),
                done,
                overdue,
                assignee: named(&row, 5, 6),
            });
        }
        Screen {
            plan: Some(Plan {
                id: plan_id,
                version: get(plan, 1),
                status: get(plan, 2),
                lead_professional: get::<Option<String>>(plan, 3).map(|name| Named { name }),
                outcomes,
                overdue_actions,
            }),
        }
    }
}

/// Serves [`over_http::screen`] at `POST /screen` with `{ "id": <family uuid> }`.
async fn serve_floor(db: Db) -> String {
    use axum::{Json, extract::State, routing::post};
    #[derive(serde::Deserialize)]
    struct Asked {
        id: Uuid,
    }
    async fn answer(State(db): State<Db>, Json(asked): Json<Asked>) -> Json<over_http::Screen> {
        Json(over_http::screen(&db, asked.id).await)
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/screen", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route("/screen", post(answer))
        .with_state(db);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Posts one query and reads the whole answer as bytes, as a load generator would: a check
/// that it succeeded, not a decode into values (the floor decodes nothing either).
async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) {
    let mut request = client.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    // Searched as text (`str::contains` skips ahead by the pattern's bytes): comparing every
    // nine-byte window cost the client six instructions a byte of the answer, a twentieth
    // of a parent's screen, counted in this process's CPU with the server's.
    let failed = std::str::from_utf8(&bytes).map_or(true, |text| text.contains("\"errors\":"));
    assert!(
        status.is_success() && !failed,
        "{status} {}",
        String::from_utf8_lossy(&bytes)
    );
}

async fn screen(client: &reqwest::Client, url: &str, token: &str, s: &Sampled) {
    let body = json!({ "query": PLAN_SCREEN, "variables": { "id": s.family_gid } });
    post(client, url, Some(token), &body).await;
}

async fn postgraphile(client: &reqwest::Client, url: &str, s: &Sampled) {
    let body = json!({ "query": POSTGRAPHILE_SCREEN, "variables": { "id": s.family } });
    post(client, url, None, &body).await;
}

/// Where the screens are asked: the app, and PostGraphile when it runs beside it.
struct Targets {
    app: String,
    /// The floor's statements behind a hand-written JSON endpoint.
    floor: String,
    postgraphile: Option<String>,
    /// PostGraphile's process, whose CPU is counted with its requests.
    postgraphile_pid: Option<String>,
}

/// Asks for one family's screen as `who` would.
async fn ask(who: Who, db: &Db, client: &reqwest::Client, targets: &Targets, s: &Sampled) {
    match who {
        Who::Floor => floor(db, s).await,
        Who::FloorOverHttp => post(client, &targets.floor, None, &json!({ "id": s.family })).await,
        Who::Parent => screen(client, &targets.app, &s.parent, s).await,
        Who::Practitioner => screen(client, &targets.app, &s.practitioner, s).await,
        Who::PostGraphile => {
            let url = targets.postgraphile.as_deref().unwrap();
            postgraphile(client, url, s).await
        }
    }
}

/// Runs `clients` loops of `who` for `seconds`; returns each request's latency.
async fn point(
    who: Who,
    clients: usize,
    seconds: f64,
    db: &Db,
    targets: &Arc<Targets>,
    sample: &Arc<Vec<Sampled>>,
) -> (Vec<Duration>, Duration, Duration, Duration) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let process_cpu = || {
        let mut used = cpu("self");
        if let (Who::PostGraphile, Some(pid)) = (who, &targets.postgraphile_pid) {
            used += cpu(pid);
        }
        used
    };
    let cpu_before = process_cpu();
    let database_before = database_cpu();
    let until = started + Duration::from_secs_f64(seconds);
    let mut tasks = vec![];
    for _ in 0..clients {
        let (db, targets, sample, client) =
            (db.clone(), targets.clone(), sample.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = vec![];
            while Instant::now() < until {
                let s = &sample[rand::rng().random_range(0..sample.len())];
                let t = Instant::now();
                ask(who, &db, &client, &targets, s).await;
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut all = vec![];
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (
        all,
        started.elapsed(),
        process_cpu().saturating_sub(cpu_before),
        database_cpu().saturating_sub(database_before),
    )
}

/// CPU time used by PostgreSQL's processes on this machine (zero where there are none, as
/// with SQLite, which runs inside this process).
fn database_cpu() -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|e| cpu(&e.file_name().to_string_lossy()))
        .sum()
}

/// The resident memory of a process (`self` or a pid) in MiB, where `/proc` tells.
fn resident_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// The most memory each process held while `clients` parents (or PostGraphile's clients)
/// asked for plan screens for `seconds`, sampled every 50 ms.
async fn peak_memory(
    who: Who,
    clients: usize,
    seconds: f64,
    db: &Db,
    targets: &Arc<Targets>,
    sample: &Arc<Vec<Sampled>>,
    pid: &str,
) -> f64 {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (done, pid) = (done.clone(), pid.to_owned());
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(resident_mib(&pid));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    };
    let _ = point(who, clients, seconds, db, targets, sample).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    sampler.await.unwrap()
}

/// PostGraphile's process, stopped when the benchmark ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `scripts/postgraphile` over the benchmark's database and waits until it answers.
async fn start_postgraphile(database_url: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgraphile");
    let child = Server(
        std::process::Command::new(script)
            .arg(database_url)
            .arg(port.to_string())
            .spawn()
            .expect("scripts/postgraphile starts"),
    );
    let url = format!("http://127.0.0.1:{port}/graphql");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        let ready = client
            .post(&url)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("PostGraphile did not answer within two minutes");
}

/// CPU time a process (`self` or a pid) has used (user and system), where `/proc` tells.
fn cpu(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // Clock ticks are 1/100 s on Linux.
    Duration::from_millis(ticks * 10)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Set for the process that only fills the database (see `main`).
const GENERATE_ONLY: &str = "BENCH_GENERATE_ONLY";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::defaults().unwrap();
    settings.data_dir = dir.path().join("data");
    settings.database_url = Some(std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("county.db").display()
        )
    }));
    // No background jobs: only the screens asked for run, so that counted runs do the same
    // work however long they take (valgrind runs them fifty times slower).
    settings.mail_worker = false;
    settings.follow_up_scheduler = false;
    settings.push_worker = false;
    let a_day = Duration::from_secs(24 * 3600);
    settings.lead_deadline_poll_interval = a_day;
    settings.growing_up_poll_interval = a_day;
    settings.support_clock_poll_interval = a_day;
    let families: usize = std::env::var("BENCH_FAMILIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0);

    // One handle for the service and the floors, so that they share the connections it
    // keeps between statements.
    let db: Db = api::db::connect(&settings).await.unwrap().into();
    api::db::migrate(db.connection()).await.unwrap();
    let generated = family::Entity::find()
        .filter(family::Column::Reference.starts_with("GEN-"))
        .count(&db)
        .await
        .unwrap() as usize;
    if std::env::var_os(GENERATE_ONLY).is_some() {
        let started = Instant::now();
        let made = api::generate::county(&db, families, chrono::Utc::now())
            .await
            .unwrap();
        println!(
            "generated {} families ({} rows) in {:.0} s",
            made.families,
            made.rows,
            started.elapsed().as_secs_f64()
        );
        return;
    }
    let families = if generated == 0 {
        // In a process of its own: generating a county holds hundreds of MiB at its peak,
        // which this process would keep (the allocator keeps freed pages for reuse) and
        // report as the service's memory at 50 clients.
        let url = settings.database_url.clone().unwrap_or_default();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .env(GENERATE_ONLY, "1")
            .env("BENCH_DATABASE_URL", url)
            .env("BENCH_FAMILIES", families.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "generating the county failed: {status}");
        families
    } else {
        println!("using the {generated} generated families already there");
        generated
    };

    let now = chrono::Utc::now();
    let lifetime = settings.session_lifetime;
    let mut sample = vec![];
    // Seeded: the same families every run, so that counted runs do the same work.
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    while sample.len() < SAMPLE.min(families) {
        let n = rng.random_range(1..=families);
        let f = family::Entity::find()
            .filter(family::Column::Reference.eq(format!("GEN-{n:07}")))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        let plan = api::domain::plans::current(&db, f.id)
            .await
            .unwrap()
            .unwrap();
        let parent = api::domain::accounts::account_by_email(&db, &api::generate::parent_email(n))
            .await
            .unwrap()
            .unwrap();
        // A team member other than the lead: the consent gate, not the lead's own caseload.
        let member = team_member::Entity::find()
            .filter(team_member::Column::FamilyId.eq(f.id))
            .filter(team_member::Column::PractitionerId.ne(plan.lead_professional_id))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        let p = practitioner::Entity::find_by_id(member.practitioner_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        let mint = |account| api::auth::session::mint(&db, account, now, lifetime);
        sample.push(Sampled {
            family: f.id,
            family_gid: ids::encode(Kind::Family, f.id).to_string(),
            plan: plan.id,
            parent: mint(parent.id).await.unwrap().token,
            practitioner: mint(p.account_id).await.unwrap().token,
        });
    }
    let sample = Arc::new(sample);

    // The server's jobs poll once as it starts, before their day-long intervals. Young
    // people who reached an age since the county was generated (or since the last run, on
    // another day) are told now, so that this first poll finds nothing and does not run
    // beside the timed or counted screens (it did: 0.25M instructions a screen in a counted
    // run on a county generated that day).
    let link = format!("{}/plan", settings.public_url.trim_end_matches('/'));
    api::domain::growing_up::notice_grown_up(&db, chrono::Utc::now(), settings.ages(), &link)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = format!("http://{}/graphql", listener.local_addr().unwrap());
    let state = AppState::new(db.clone(), settings.clone(), Clock::system());
    tokio::spawn(api::app::serve(listener, state, std::future::pending()));
    let on_postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let postgraphile = if on_postgres && std::env::var("BENCH_POSTGRAPHILE").is_ok_and(|v| v == "1")
    {
        let url = settings.database_url.clone().unwrap();
        Some(start_postgraphile(&url).await)
    } else {
        None
    };
    let targets = Arc::new(Targets {
        app,
        floor: serve_floor(db.clone()).await,
        postgraphile: postgraphile.as_ref().map(|(_, url)| url.clone()),
        postgraphile_pid: postgraphile
            .as_ref()
            .map(|(child, _)| child.0.id().to_string()),
    });
    if let Some(requests) = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let who = match std::env::var("BENCH_ONLY").as_deref() {
            Ok("team") | Ok("practitioner") => Who::Practitioner,
            Ok("floor") => Who::Floor,
            Ok("http") => Who::FloorOverHttp,
            _ => Who::Parent,
        };
        let client = reqwest::Client::new();
        let (started, cpu_before, database_before) = (Instant::now(), cpu("self"), database_cpu());
        for s in sample.iter().cycle().take(requests) {
            ask(who, &db, &client, &targets, s).await;
        }
        let per_screen = |d: Duration| d.as_secs_f64() * 1000.0 / requests as f64;
        println!(
            "{requests} {} screens, one after another: {:.3} ms each, this process's CPU {:.3} \
             ms, PostgreSQL's {:.3} ms",
            who.name(),
            per_screen(started.elapsed()),
            per_screen(cpu("self").saturating_sub(cpu_before)),
            per_screen(database_cpu().saturating_sub(database_before)),
        );
        return;
    }
    let mut kinds = vec![
        Who::Floor,
        Who::FloorOverHttp,
        Who::Parent,
        Who::Practitioner,
    ];
    if postgraphile.is_some() {
        kinds.push(Who::PostGraphile);
    }
    // `BENCH_ONLY=parent` (or `practitioner`, `postgraphile`) runs that one kind beside the
    // floors, for a profiler.
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        kinds.retain(|who| {
            matches!(who, Who::Floor | Who::FloorOverHttp)
                || who.name().to_lowercase().starts_with(&only)
        });
    }
    // Warm up: prepared statements, pool connections, PostGraphile's JIT.
    for who in &kinds[1..] {
        let _ = point(*who, 2, 1.0, &db, &targets, &sample).await;
    }

    println!(
        "{:?}, {families} families, {seconds} s per kind per round, 2 rounds interleaved",
        db.get_database_backend()
    );
    println!(
        "{:<18} {:>7} {:>9} {:>9} {:>8} {:>10} {:>9} {:>8} {:>8}",
        "", "clients", "p50 ms", "p99 ms", "req/s", "p50/floor", "rps/floor", "cpu ms", "db cpu"
    );
    println!(
        "(cpu ms: this process's CPU per request, client and server together; for PostGraphile, \
         this process's (the client's) and PostGraphile's. db cpu: PostgreSQL's per request)"
    );
    for clients in [1, 10] {
        let mut times: Vec<(Vec<Duration>, Duration, Duration, Duration)> =
            vec![(vec![], Duration::ZERO, Duration::ZERO, Duration::ZERO); kinds.len()];
        for _round in 0..2 {
            for (i, who) in kinds.iter().enumerate() {
                let (t, spent, used, database) =
                    point(*who, clients, seconds, &db, &targets, &sample).await;
                times[i].0.extend(t);
                times[i].1 += spent;
                times[i].2 += used;
                times[i].3 += database;
            }
        }
        let stats: Vec<(f64, f64, f64, f64, f64)> = times
            .iter_mut()
            .map(|(t, spent, used, database)| {
                t.sort();
                let per_request = |d: &Duration| d.as_secs_f64() * 1000.0 / t.len() as f64;
                (
                    percentile(t, 0.5),
                    percentile(t, 0.99),
                    t.len() as f64 / spent.as_secs_f64(),
                    per_request(used),
                    per_request(database),
                )
            })
            .collect();
        for (i, who) in kinds.iter().enumerate() {
            let (p50, p99, rps, cpu_ms, database_ms) = stats[i];
            println!(
                "{:<18} {:>7} {:>9.2} {:>9.2} {:>8.0} {:>9.2}x {:>8.2}x {:>8.2} {:>8.2}",
                who.name(),
                clients,
                p50,
                p99,
                rps,
                p50 / stats[0].0,
                rps / stats[0].2,
                cpu_ms,
                database_ms
            );
        }
        // What GraphQL, the session, access and audit cost beyond serving the same data
        // over the same HTTP stack.
        if let Some(http) = kinds.iter().position(|w| *w == Who::FloorOverHttp) {
            let beyond: Vec<String> = kinds
                .iter()
                .enumerate()
                .filter(|(_, w)| matches!(w, Who::Parent | Who::Practitioner | Who::PostGraphile))
                .map(|(i, w)| {
                    let (p50, rps) = (stats[i].0 / stats[http].0, stats[i].2 / stats[http].2);
                    format!("{} {p50:.2}x p50, {rps:.2}x req/s", w.name())
                })
                .collect();
            println!("  against the floor over HTTP: {}", beyond.join("; "));
        }
    }
    let app_peak = peak_memory(Who::Parent, 50, seconds, &db, &targets, &sample, "self").await;
    println!("memory at 50 clients: this process (client and server) {app_peak:.0} MiB at most");
    if let Some((child, _)) = &postgraphile {
        let pid = child.0.id().to_string();
        let peak = peak_memory(Who::PostGraphile, 50, seconds, &db, &targets, &sample, &pid).await;
        println!("memory at 50 clients: PostGraphile {peak:.0} MiB at most");
    }
}
