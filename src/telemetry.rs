//! What the server tells its operators about itself: Prometheus metrics ([`metrics`]) and
//! OpenTelemetry traces (this module). It names nothing of the crate but `core`, so every
//! layer may record into it.
//!
//! OpenTelemetry traces over OTLP (HTTP/protobuf), on when an endpoint is configured
//! (`--otlp-endpoint` or `OTEL_EXPORTER_OTLP_ENDPOINT`) and free otherwise.
//!
//! Spans come from `tracing` (bridged by `tracing-opentelemetry`): the HTTP request
//! (continuing a W3C `traceparent` the client sent), the GraphQL operation, each
//! DataLoader batch and lineage traversal, each subscription delivery. SQL statements
//! are recorded after they ran, from the pool's statement callback, as spans with their
//! real start and end, named by statement kind and table (never parameter values).

pub mod metrics;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue, global};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The exporter, while traces are on; flushed by [`Telemetry::shutdown`].
pub struct Telemetry {
    provider: SdkTracerProvider,
}

static TRACER: OnceLock<opentelemetry_sdk::trace::SdkTracer> = OnceLock::new();

/// Whether traces are exported (then spans carry a trace id).
pub fn enabled() -> bool {
    TRACER.get().is_some()
}

impl Telemetry {
    /// Starts exporting to the OTLP/HTTP endpoint `base` (e.g. `http://collector:4318`;
    /// traces go to `<base>/v1/traces`). The tracer is installed globally, with the W3C
    /// trace-context propagator.
    pub fn start(base: &str) -> Result<Telemetry, String> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{}/v1/traces", base.trim_end_matches('/')))
            .build()
            .map_err(|e| format!("OTLP exporter: {e}"))?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name("mlgraph")
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        global::set_tracer_provider(provider.clone());
        TRACER.get_or_init(|| provider.tracer("mlgraph"));
        Ok(Telemetry { provider })
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans.
    pub fn layer<S>(&self) -> impl tracing_subscriber::Layer<S> + use<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("mlgraph"))
    }

    /// Exports what is still buffered and stops.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("OTLP exporter shutdown: {e}");
        }
    }
}

/// Continues the trace of a W3C `traceparent` (and `tracestate`) header on `span`, and
/// records the trace id on it (logs show it as `trace_id`).
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    if !enabled() {
        return;
    }
    let parent = global::get_text_map_propagator(|p| {
        p.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    if let Some(id) = trace_id(span) {
        span.record("trace_id", id.as_str());
    }
}

/// The trace id of `span`, when traces are on.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    if !enabled() {
        return None;
    }
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// Records a SQL statement that ran for `took` and has just finished, as a span child of
/// the current one: `SELECT models`, with the statement kind and table.
pub fn sql_statement(sql: &str, took: Duration, failed: bool) {
    let Some(tracer) = TRACER.get() else { return };
    let parent: Context = tracing::Span::current().context();
    if !parent.span().span_context().is_valid() {
        return;
    }
    let kind = metrics::statement_kind(sql);
    let table = table_of(sql);
    let name = match table {
        Some(t) => format!("{kind} {t}"),
        None => kind.to_owned(),
    };
    let end = SystemTime::now();
    let mut attributes = vec![KeyValue::new("db.operation.name", kind)];
    if let Some(t) = table {
        attributes.push(KeyValue::new("db.collection.name", t.to_owned()));
    }
    if failed {
        attributes.push(KeyValue::new("error.type", "db_error"));
    }
    let mut span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .with_start_time(end - took)
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    opentelemetry::trace::Span::end_with_timestamp(&mut span, end);
}

/// The table a statement reads or writes: the first name after `FROM`, `INTO` or
/// `UPDATE` (none for statements that begin with a `WITH` list, whose first `FROM` is
/// inside it).
fn table_of(sql: &str) -> Option<&str> {
    let upper = sql.trim_start();
    if upper.len() >= 4 && upper[..4].eq_ignore_ascii_case("WITH") {
        return None;
    }
    let words: Vec<&str> = upper.split_whitespace().take(256).collect();
    // The first keyword followed by a plain name (`FROM (VALUES ...)` is skipped).
    words.windows(2).find_map(|w| {
        let keyword = ["FROM", "INTO", "UPDATE"]
            .iter()
            .any(|k| w[0].eq_ignore_ascii_case(k));
        let name = w[1]
            .split([',', ')'])
            .next()
            .unwrap_or(w[1])
            .trim_matches('"');
        (keyword
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .then_some(name)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_are_read_off_the_statement() {
        use super::table_of;
        assert_eq!(
            table_of(r#"SELECT "models"."id" FROM "models" WHERE"#),
            Some("models")
        );
        assert_eq!(
            table_of(r#"INSERT INTO "events" ("id") VALUES ($1)"#),
            Some("events")
        );
        assert_eq!(table_of(r#"UPDATE "deployments" SET"#), Some("deployments"));
        assert_eq!(
            table_of("WITH x AS (SELECT 1 FROM a) SELECT * FROM x"),
            None
        );
        assert_eq!(table_of("SELECT 1"), None);
        assert_eq!(
            table_of(
                r#"SELECT * FROM (VALUES ($1)) p CROSS JOIN LATERAL (SELECT * FROM "deployments" d"#
            ),
            Some("deployments")
        );
    }
}
