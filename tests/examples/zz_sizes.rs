use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
#[tokio::main]
async fn main() {
    let db = Database::connect("postgres://postgres@127.0.0.1:5432/fp_bench")
        .await
        .unwrap();
    let stmt = Statement::from_string(DatabaseBackend::Postgres, "SELECT 1");
    let f = db.query_all_raw(stmt.clone());
    println!(
        "sea-orm query_all_raw future: {}",
        std::mem::size_of_val(&f)
    );
    drop(f);
    let pool = db.get_postgres_connection_pool().clone();
    let f2 = sea_orm::sqlx::query("SELECT 1").fetch_all(&pool);
    println!(
        "sqlx fetch_all(pool) future: {}",
        std::mem::size_of_val(&f2)
    );
    drop(f2);
    let f3 = pool.acquire();
    println!("sqlx acquire future: {}", std::mem::size_of_val(&f3));
    let mut c = f3.await.unwrap();
    let f4 = sea_orm::sqlx::query("SELECT 1").fetch_all(&mut *c);
    println!(
        "sqlx fetch_all(conn) future: {}",
        std::mem::size_of_val(&f4)
    );
}
