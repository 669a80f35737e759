//! Reads keep their PostgreSQL connection between statements (`core::reads`): no test
//! round trip per statement, and nothing lost when a read fails, is cancelled, or finds
//! its connection closed by the server.

use std::time::Duration;

use mlgraph::core::reads::Reads;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, RuntimeErr, Statement};
use serde_json::json;

use crate::harness::{TestApp, create_model};

fn kept(app: &TestApp) -> &Reads {
    app.state
        .reads
        .kept()
        .unwrap_or_else(|| panic!("a PostgreSQL pool keeps read connections"))
}

fn sql(text: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, text)
}

/// The server process behind the connection a read gets.
async fn backend_pid(reads: &Reads) -> i32 {
    let row = reads
        .query_one(&sql("SELECT pg_backend_pid()"))
        .await
        .unwrap_or_else(|e| panic!("pid: {e}"))
        .unwrap_or_else(|| panic!("a row"));
    row.try_get_by_index::<i32>(0)
        .unwrap_or_else(|e| panic!("pid: {e}"))
}

/// A GraphQL read leaves its connection kept, and the next read runs on the same
/// server process, its statements counted as before.
#[tokio::test]
async fn a_read_keeps_its_connection_for_the_next() {
    let app = TestApp::new().await;
    create_model(&app, "acme.com", "kept").await;
    let reads = kept(&app);
    reads.release();
    let before = app.statements().get();
    let body = app.gql("{ models { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["models"]["totalCount"], 1, "{body}");
    assert!(app.statements().get() > before, "the read was counted");
    assert_eq!(reads.kept(), 1);
    let first = backend_pid(reads).await;
    assert_eq!(backend_pid(reads).await, first);
    assert_eq!(reads.kept(), 1);
}

/// A failed statement answers its database error (SQLSTATE kept) and its connection goes
/// back to the pool; the next read is served.
#[tokio::test]
async fn a_failed_read_answers_its_error_and_keeps_nothing_broken() {
    let app = TestApp::new().await;
    let reads = kept(&app);
    backend_pid(reads).await;
    let err = match reads.query_all(&sql("SELECT FROM no_such_table")).await {
        Ok(rows) => panic!("{} rows from no table", rows.len()),
        Err(e) => e,
    };
    match &err {
        DbErr::Query(RuntimeErr::SqlxError(e)) => {
            let code = e.as_database_error().and_then(|d| d.code());
            assert_eq!(code.as_deref(), Some("42P01"), "{err}");
        }
        other => panic!("a query error, not {other:?}"),
    }
    assert_eq!(reads.kept(), 0, "a failed read keeps no connection");
    assert!(backend_pid(reads).await > 0);
    assert_eq!(reads.kept(), 1);
}

/// A read cancelled mid-statement does not keep its connection (it goes back to the
/// pool, which waits for the statement's end); the next read gets a clean answer.
#[tokio::test]
async fn a_cancelled_read_does_not_keep_its_connection() {
    let app = TestApp::new().await;
    let reads = kept(&app);
    backend_pid(reads).await;
    assert_eq!(reads.kept(), 1);
    let cancelled = tokio::time::timeout(
        Duration::from_millis(100),
        reads.query_one(&sql("SELECT pg_sleep(30)")),
    )
    .await;
    assert!(cancelled.is_err(), "the sleep outlasts the timeout");
    assert_eq!(reads.kept(), 0);
    let row = reads
        .query_one(&sql("SELECT 41 + 1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("a row"));
    assert_eq!(row.try_get_by_index::<i32>(0).ok(), Some(42));
}

/// A kept connection whose server process is gone (terminated, as a restart does) is
/// replaced: the read runs again on a connection from the pool and is answered.
#[tokio::test]
async fn a_kept_connection_the_server_closed_is_replaced() {
    let app = TestApp::new().await;
    let reads = kept(&app);
    let pid = backend_pid(reads).await;
    assert_eq!(reads.kept(), 1);
    // From another connection; waits until that process has exited.
    let row = app
        .db()
        .query_one_raw(sql(&format!(
            "SELECT pg_terminate_backend({pid}, timeout => 10000)"
        )))
        .await
        .unwrap_or_else(|e| panic!("terminate: {e}"))
        .unwrap_or_else(|| panic!("a row"));
    assert_eq!(row.try_get_by_index::<bool>(0).ok(), Some(true));
    let replaced = backend_pid(reads).await;
    assert_ne!(replaced, pid);
    assert_eq!(reads.kept(), 1);
}

/// Reads queued in sqlx's pool are served in turn while others reuse their kept
/// connections: kept and lent connections are at most half the pool, so the other half
/// cycle through sqlx's queue. Twelve readers over a pool of four for three seconds: none
/// waits out the acquire timeout, and every one of them is served many times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_queued_for_the_pool_are_served_in_turn() {
    let app = TestApp::new().await;
    let (db, statements) = mlgraph::db::connect(
        &app.url,
        &mlgraph::db::DbOptions {
            max_connections: 4,
            acquire_timeout: Duration::from_secs(2),
            ..mlgraph::db::DbOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("connect: {e}"));
    let pool = mlgraph::core::reads::ReadPool::new(db, mlgraph::db::report(&statements));
    let until = std::time::Instant::now() + Duration::from_secs(3);
    let mut readers = Vec::new();
    for _ in 0..12 {
        let pool = pool.clone();
        readers.push(tokio::spawn(async move {
            let (mut served, mut failed) = (0u32, Vec::new());
            while std::time::Instant::now() < until {
                let Some(reads) = pool.kept() else {
                    return (0, vec!["no kept reads".to_owned()]);
                };
                match reads.query_one(&sql("SELECT pg_sleep(0.02)")).await {
                    Ok(_) => served += 1,
                    Err(e) => failed.push(e.to_string()),
                }
            }
            (served, failed)
        }));
    }
    let mut served = Vec::new();
    for r in readers {
        let (n, failed) = r.await.unwrap_or_else(|e| panic!("reader: {e}"));
        assert!(failed.is_empty(), "{failed:?}");
        served.push(n);
    }
    assert!(
        served.iter().all(|&n| n >= 5),
        "served per reader: {served:?}"
    );
    let kept_here = pool.kept().map_or(99, |r| r.kept() + r.lent());
    assert!(kept_here <= 2, "{kept_here} kept of a pool of 4");
}
