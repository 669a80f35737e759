//! Prometheus metrics at `/metrics`, recorded with the `metrics` facade and rendered by
//! `metrics-exporter-prometheus` (installed once per process as the global recorder).
//!
//! Names follow Prometheus conventions (`_total` counters, `_seconds` histograms, base
//! units); labels have bounded cardinality: operation names are the client's (first 200
//! distinct ones, then `other`), never query text or ids.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Distinct operation names kept as labels before the rest become `other`.
const MAX_OPERATION_NAMES: usize = 200;

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
const COUNT_BUCKETS: &[f64] = &[1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0];

/// The process's recorder (installed at first use); `None` when another recorder was
/// installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_nodes".into()), COUNT_BUCKETS)
                });
            let handle = match builder {
                Ok(b) => b.install_recorder(),
                Err(e) => Err(e),
            };
            match handle {
                Ok(h) => {
                    describe();
                    Some(h)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    describe_counter!(
        "mlgraph_graphql_requests_total",
        "GraphQL operations, by operation name, type and outcome (ok or an error code)."
    );
    describe_histogram!(
        "mlgraph_graphql_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a GraphQL operation, parse to response."
    );
    describe_counter!(
        "mlgraph_graphql_errors_total",
        "Errors in GraphQL responses, by operation name and code."
    );
    describe_histogram!(
        "mlgraph_sql_statement_duration_seconds",
        Unit::Seconds,
        "SQL statement durations, by statement kind (SELECT, INSERT, ...)."
    );
    describe_counter!(
        "mlgraph_sql_statement_failures_total",
        "SQL statements that failed, by kind."
    );
    describe_gauge!(
        "mlgraph_db_pool_connections",
        "Database pool connections, by state (in_use, idle)."
    );
    describe_histogram!(
        "mlgraph_lineage_traversal_duration_seconds",
        Unit::Seconds,
        "Lineage traversals (one statement for a batch of starts)."
    );
    describe_histogram!(
        "mlgraph_lineage_reached_nodes",
        "Nodes a lineage traversal reached, per start."
    );
    describe_gauge!(
        "mlgraph_subscriptions_open",
        "Open subscription streams on this instance."
    );
    describe_counter!(
        "mlgraph_subscription_deliveries_total",
        "Events handed to subscription streams."
    );
    describe_histogram!(
        "mlgraph_subscription_delivery_lag_seconds",
        Unit::Seconds,
        "Commit (event time) to hand-over to a subscription stream."
    );
    describe_counter!(
        "mlgraph_heartbeat_timeouts_total",
        "Training jobs failed by the server for a missing heartbeat."
    );
    describe_counter!(
        "mlgraph_artifact_bytes_total",
        Unit::Bytes,
        "Artifact bytes: `in` verified into the store, `out` served by the local store."
    );
    describe_counter!(
        "mlgraph_rate_limited_total",
        "Requests refused by the per-caller rate limit."
    );
    describe_counter!(
        "mlgraph_auth_failures_total",
        "Requests refused for bad, expired or revoked credentials."
    );
}

/// The label for an operation name (bounded).
pub fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return "anonymous".to_owned();
    };
    let seen = SEEN.get_or_init(Default::default);
    let Ok(mut seen) = seen.lock() else {
        return "other".to_owned();
    };
    if seen.contains(name) {
        return name.to_owned();
    }
    if seen.len() < MAX_OPERATION_NAMES {
        seen.insert(name.to_owned());
        return name.to_owned();
    }
    "other".to_owned()
}

/// Records one GraphQL operation: its outcome and duration, and each error code.
pub fn graphql_request(operation: &str, kind: &'static str, codes: &[String], took: Duration) {
    let outcome = codes.first().cloned().unwrap_or_else(|| "ok".to_owned());
    counter!("mlgraph_graphql_requests_total", "operation" => operation.to_owned(), "type" => kind, "outcome" => outcome)
        .increment(1);
    histogram!("mlgraph_graphql_request_duration_seconds", "operation" => operation.to_owned(), "type" => kind)
        .record(took.as_secs_f64());
    for code in codes {
        counter!("mlgraph_graphql_errors_total", "operation" => operation.to_owned(), "code" => code.clone())
            .increment(1);
    }
}

/// The kind of a SQL statement: its first keyword (WITH counts as SELECT).
pub fn statement_kind(sql: &str) -> &'static str {
    let word = sql
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    match word.to_ascii_uppercase().as_str() {
        "SELECT" | "WITH" | "VALUES" => "SELECT",
        "INSERT" => "INSERT",
        "UPDATE" => "UPDATE",
        "DELETE" => "DELETE",
        "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => "TRANSACTION",
        _ => "OTHER",
    }
}

/// Records one SQL statement.
pub fn sql_statement(sql: &str, took: Duration, failed: bool) {
    let kind = statement_kind(sql);
    histogram!("mlgraph_sql_statement_duration_seconds", "kind" => kind).record(took.as_secs_f64());
    if failed {
        counter!("mlgraph_sql_statement_failures_total", "kind" => kind).increment(1);
    }
}

/// Sets the pool gauges (at scrape time).
pub fn pool(in_use: u32, idle: u32) {
    gauge!("mlgraph_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    gauge!("mlgraph_db_pool_connections", "state" => "idle").set(f64::from(idle));
}

/// Records a lineage traversal of `starts` starts that reached `reached` nodes in all.
pub fn lineage_traversal(took: Duration, reached_per_start: impl Iterator<Item = usize>) {
    histogram!("mlgraph_lineage_traversal_duration_seconds").record(took.as_secs_f64());
    for n in reached_per_start {
        histogram!("mlgraph_lineage_reached_nodes").record(n as f64);
    }
}

/// A subscription stream opened (the guard closes it when dropped).
pub struct OpenSubscription(());

impl OpenSubscription {
    /// Counts a stream as open until the guard is dropped.
    pub fn open() -> OpenSubscription {
        gauge!("mlgraph_subscriptions_open").increment(1.0);
        OpenSubscription(())
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        gauge!("mlgraph_subscriptions_open").decrement(1.0);
    }
}

/// An event handed to a subscription stream, `lag` after its commit.
pub fn delivery(lag: Duration) {
    counter!("mlgraph_subscription_deliveries_total").increment(1);
    histogram!("mlgraph_subscription_delivery_lag_seconds").record(lag.as_secs_f64());
}

/// `n` training jobs failed for a missing heartbeat.
pub fn heartbeat_timeouts(n: usize) {
    counter!("mlgraph_heartbeat_timeouts_total").increment(n as u64);
}

/// Artifact bytes moved (`in` verified into the store, `out` served).
pub fn artifact_bytes(direction: &'static str, n: u64) {
    counter!("mlgraph_artifact_bytes_total", "direction" => direction).increment(n);
}

/// A request refused by the rate limit.
pub fn rate_limited() {
    counter!("mlgraph_rate_limited_total").increment(1);
}

/// A request refused for its credentials.
pub fn auth_failure() {
    counter!("mlgraph_auth_failures_total").increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_labelled_by_kind() {
        assert_eq!(statement_kind("  select 1"), "SELECT");
        assert_eq!(statement_kind("WITH RECURSIVE w AS (...) SELECT"), "SELECT");
        assert_eq!(statement_kind("INSERT INTO x"), "INSERT");
        assert_eq!(statement_kind("BEGIN"), "TRANSACTION");
        assert_eq!(statement_kind("VACUUM"), "OTHER");
    }

    #[test]
    fn operation_names_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("ListModels")), "ListModels");
        for i in 0..(MAX_OPERATION_NAMES + 10) {
            operation_label(Some(&format!("op{i}")));
        }
        assert_eq!(operation_label(Some("yet-another-new-one")), "other");
        assert_eq!(
            operation_label(Some("ListModels")),
            "ListModels",
            "known names stay"
        );
    }
}
