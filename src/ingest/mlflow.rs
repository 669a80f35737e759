//! An MLflow-compatible REST API (`/api/2.0/mlflow/...`): enough for the stock `mlflow`
//! client, with `MLFLOW_TRACKING_URI` pointed at mlgraph, to track experiments and runs
//! and to use the model registry. What it writes is ordinary registry data:
//!
//! | MLflow | mlgraph |
//! |---|---|
//! | experiment (`experiment_id` = the experiment's UUID in hex; `0` = `Default`) | `Experiment` (tags and artifact location in `config.mlflow`) |
//! | run (`run_id` = the run's UUID in hex) | `JobRun` (source MLFLOW): params, latest metrics, tags; `run --partOf--> experiment`; every logged value in `job_run_metrics` |
//! | logged model (`m-<hex>`, MLflow 3) | `logged_models` |
//! | registered model | `Model` (tags in `tags`) |
//! | model version | `ModelVersion`: `source` → `artifactUri`, the run's params and latest metrics copied, `version --producedBy--> run`; tags in `tags`, MLflow's own fields under `tags._mlflow` |
//! | alias | a first-class alias (`model_aliases`, `ModelVersion.aliases`) |
//! | stage (`None`, `Staging`, `Production`, `Archived`) | the version's `stage` (promotion rules and approvals apply) |
//!
//! Requests are served in one namespace: `--mlflow-namespace` at `/api/2.0/...`, or any
//! other at `/ns/<namespace>/api/2.0/...` (`MLFLOW_TRACKING_URI=http://host/ns/<namespace>`).
//! Errors are MLflow's `{error_code, message}` with its HTTP statuses; routes not served
//! answer `ENDPOINT_NOT_FOUND` (404).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use chrono::{DateTime, Utc};
use entity::enums::{ExperimentStatus, ExperimentType, JobRunSource, JobRunState, ModelStage};
use entity::{experiment, job_run, job_run_metric, logged_model, model, model_version};
use regex::Regex;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::store;
use crate::core::validate;
use crate::error::AppError;
use crate::registry::service as registry;
use crate::runs::service as runs;
use crate::training::service as training;

mod artifacts;
/// A JSON object built by moving each value in. `json!` serializes every interpolated
/// value into a fresh copy (a page of 1,000 runs was copied key by key, most of a
/// search's CPU); this takes each as it is (`Value::from`).
macro_rules! object {
    ($($k:literal: $v:expr),* $(,)?) => {{
        let mut m = ::serde_json::Map::new();
        $( m.insert(($k).to_owned(), ::serde_json::Value::from($v)); )*
        ::serde_json::Value::Object(m)
    }};
}

mod inputs;
mod run_view;
mod search;

use run_view::{RunRow, RunView};

/// An answer: a JSON tree, or a body already written (a page of runs is serialized
/// straight from its rows, with no tree in between).
enum Reply {
    Tree(Value),
    Written(Vec<u8>),
}

/// The MLflow routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/2.0/{*rest}", any(at_root))
        // MLflow 3's capability probe (`server-info`, `server-features`).
        .route("/api/3.0/{*rest}", any(at_root))
        .route("/ns/{*rest}", any(at_namespace))
}

/// An error as MLflow answers it.
#[derive(Debug)]
pub struct MlflowError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

type MlResult<T> = Result<T, MlflowError>;

impl MlflowError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        MlflowError {
            status,
            code,
            message: message.into(),
        }
    }
    fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
    }
    fn missing(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)
    }
    fn endpoint(method: &Method, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ENDPOINT_NOT_FOUND",
            format!("mlgraph does not serve {method} /api/2.0/{path}"),
        )
    }
}

impl std::fmt::Display for MlflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl From<AppError> for MlflowError {
    fn from(e: AppError) -> Self {
        use crate::error::ErrorCode as C;
        let (status, code) = match e.code() {
            C::BadUserInput | C::QueryTooComplex => {
                (StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE")
            }
            C::NotFound => (StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST"),
            C::Conflict => (StatusCode::BAD_REQUEST, "RESOURCE_ALREADY_EXISTS"),
            C::InvalidTransition => (StatusCode::BAD_REQUEST, "INVALID_STATE"),
            C::Unauthenticated => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            C::Forbidden => (StatusCode::FORBIDDEN, "PERMISSION_DENIED"),
            C::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "REQUEST_LIMIT_EXCEEDED"),
            C::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "TEMPORARILY_UNAVAILABLE"),
            _ => {
                tracing::error!(error = ?e, "MLflow request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR")
            }
        };
        MlflowError::new(status, code, e.message())
    }
}

impl From<serde_json::Error> for MlflowError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(format!("writing an MLflow answer: {e}")).into()
    }
}

impl From<sea_orm::DbErr> for MlflowError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::from_db(e).into()
    }
}

impl IntoResponse for MlflowError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({ "error_code": self.code, "message": self.message })),
        )
            .into_response()
    }
}

async fn at_root(
    State(state): State<AppState>,
    method: Method,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    verified: Option<axum::Extension<crate::callers::Verified>>,
    body: Body,
) -> Response {
    // MLflow 3's workspaces (`mlflow.set_workspace`, the `X-MLFLOW-WORKSPACE` header)
    // are namespaces; its `default` workspace is `--mlflow-namespace`.
    let workspace = headers
        .get("x-mlflow-workspace")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|w| !w.is_empty() && *w != "default");
    let ns = match workspace {
        None => state.mlflow_namespace.clone(),
        Some(w) => match validate::namespace("X-MLFLOW-WORKSPACE", w) {
            Ok(()) => w.to_owned(),
            Err(e) => return MlflowError::from(e).into_response(),
        },
    };
    let verified = verified.map(|v| v.0);
    serve(&state, ns, method, &rest, query, headers, verified, body).await
}

async fn at_namespace(
    State(state): State<AppState>,
    method: Method,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    verified: Option<axum::Extension<crate::callers::Verified>>,
    body: Body,
) -> Response {
    let Some((ns, path)) = rest
        .split_once("/api/2.0/")
        .or_else(|| rest.split_once("/api/3.0/"))
    else {
        // Not MLflow's: a canonical URL (`/ns/<namespace>/<Type>/<name>`).
        if method == Method::GET {
            let verified = verified.as_deref();
            return crate::graph::canonical::serve(&state, &headers, verified, &rest).await;
        }
        return MlflowError::endpoint(&method, &rest).into_response();
    };
    if let Err(e) = validate::namespace("namespace", ns) {
        return MlflowError::from(e).into_response();
    }
    let verified = verified.map(|v| v.0);
    serve(
        &state,
        ns.to_owned(),
        method,
        path,
        query,
        headers,
        verified,
        body,
    )
    .await
}

/// A request's parameters: the query string of a GET (repeated keys become lists), the
/// JSON body otherwise.
struct Params(Map<String, Value>);

impl Params {
    fn opt(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(a) => a.first().and_then(|v| v.as_str()).map(str::to_owned),
            _ => None,
        }
    }
    fn req(&self, key: &str) -> MlResult<String> {
        self.opt(key).filter(|s| !s.is_empty()).ok_or_else(|| {
            MlflowError::invalid(format!("Missing value for required parameter '{key}'."))
        })
    }
    fn int(&self, key: &str) -> MlResult<Option<i64>> {
        match self.opt(key) {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                MlflowError::invalid(format!("Parameter '{key}' must be an integer, got {s:?}."))
            }),
        }
    }
    /// The run a request names (`run_id`, or the older `run_uuid`).
    fn run_id(&self) -> MlResult<String> {
        self.opt("run_id")
            .or_else(|| self.opt("run_uuid"))
            .ok_or_else(|| MlflowError::invalid("Missing value for required parameter 'run_id'."))
    }
    fn list(&self, key: &str) -> Vec<Value> {
        match self.0.get(key) {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        }
    }
    fn strings(&self, key: &str) -> Vec<String> {
        self.list(key)
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }
}

/// Answers one MLflow REST call in process, as the server answers a client's `method`
/// request to `/api/2.0/<path>` with this JSON body in namespace `ns` (the demo logs its
/// MLflow runs this way, through the same code as a client's).
pub async fn call(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    ns: &str,
    method: Method,
    path: &str,
    body: Value,
) -> Result<Value, MlflowError> {
    let Value::Object(params) = body else {
        return Err(MlflowError::invalid("the body must be a JSON object"));
    };
    let api = Api {
        db,
        ctx,
        ns,
        arts: None,
    };
    // On the heap: the dispatch's state machine is large (every route's future).
    match Box::pin(api.dispatch(&method, path, &Params(params))).await? {
        Reply::Tree(v) => Ok(v),
        Reply::Written(body) => Ok(serde_json::from_slice(&body)?),
    }
}

#[expect(clippy::too_many_arguments)]
async fn serve(
    state: &AppState,
    ns: String,
    method: Method,
    path: &str,
    query: Option<String>,
    headers: HeaderMap,
    verified: Option<crate::callers::Verified>,
    body: Body,
) -> Response {
    let ctx = match crate::callers::rest_caller(state, &headers, verified.as_ref()).await {
        Ok(ctx) => ctx,
        Err(e) => {
            return crate::callers::with_bearer_challenge(MlflowError::from(e).into_response());
        }
    };
    let api = Api {
        db: &state.db,
        ctx: &ctx,
        ns: &ns,
        arts: state.artifacts.as_deref(),
    };
    // Files stream in and out (any size); every other route reads a JSON body under the
    // REST cap.
    if let Some(location) = path.strip_prefix("mlflow-artifacts/artifacts") {
        return api
            .artifacts(&method, location, query.as_deref(), &headers, body)
            .await
            .unwrap_or_else(IntoResponse::into_response);
    }
    let body = match axum::body::to_bytes(body, super::routes::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return MlflowError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "INVALID_PARAMETER_VALUE",
                format!(
                    "the body is larger than {} bytes",
                    super::routes::MAX_BODY_BYTES
                ),
            )
            .into_response();
        }
    };
    let params = if method == Method::GET || body.is_empty() {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
        let mut map = Map::new();
        for (k, v) in pairs {
            match map.get_mut(&k) {
                Some(Value::Array(list)) => list.push(Value::String(v)),
                Some(first) => {
                    let first = first.take();
                    map.insert(k, Value::Array(vec![first, Value::String(v)]));
                }
                None => {
                    map.insert(k, Value::String(v));
                }
            }
        }
        map
    } else {
        match super::routes::json_body(&headers, body).await {
            Ok(Value::Object(map)) => map,
            Ok(_) => return MlflowError::invalid("the body must be a JSON object").into_response(),
            // A file sent to the artifact routes mlgraph does not serve: say so, not that
            // the file is not JSON.
            Err(_) if method == Method::PUT || path.starts_with("mlflow-artifacts") => {
                return MlflowError::endpoint(&method, path).into_response();
            }
            Err(e) => {
                return MlflowError::new(e.status, "MALFORMED_REQUEST", e.message).into_response();
            }
        }
    };
    match api.dispatch(&method, path, &Params(params)).await {
        Ok(Reply::Tree(v)) => (StatusCode::OK, axum::Json(v)).into_response(),
        Ok(Reply::Written(body)) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> MlResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| MlflowError::invalid(format!("{v} is not a time in milliseconds")))
}

fn hex(id: Uuid) -> String {
    id.simple().to_string()
}

fn parse_id(s: &str, what: &str) -> MlResult<Uuid> {
    let s = s.strip_prefix("m-").unwrap_or(s);
    Uuid::parse_str(s).map_err(|_| MlflowError::missing(format!("{what} '{s}' does not exist.")))
}

/// `[{key, value}]` of a JSON object of strings.
fn tag_list(tags: &Value) -> Vec<Value> {
    tags.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != "_mlflow")
                .map(|(k, v)| {
                    object! {"key": k.as_str(), "value": v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())}
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A `[{key, value}]` list as a JSON object.
fn tags_of(list: &[Value]) -> MlResult<Map<String, Value>> {
    let mut out = Map::new();
    for t in list {
        let key = t
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| MlflowError::invalid("a tag needs a key"))?;
        let value = match t.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        out.insert(key.to_owned(), Value::String(value));
    }
    Ok(out)
}

fn stage_name(stage: ModelStage) -> &'static str {
    match stage {
        ModelStage::None => "None",
        ModelStage::Staging => "Staging",
        ModelStage::Production => "Production",
        ModelStage::Archived => "Archived",
    }
}

fn parse_stage(s: &str) -> MlResult<ModelStage> {
    match s.to_ascii_lowercase().as_str() {
        "none" => Ok(ModelStage::None),
        "staging" => Ok(ModelStage::Staging),
        "production" => Ok(ModelStage::Production),
        "archived" => Ok(ModelStage::Archived),
        _ => Err(MlflowError::invalid(format!(
            "Invalid Model Version stage: {s}. Value must be one of None, Staging, Production, Archived."
        ))),
    }
}

fn run_status(state: JobRunState) -> &'static str {
    match state {
        JobRunState::Scheduled => "SCHEDULED",
        JobRunState::Running => "RUNNING",
        JobRunState::Completed => "FINISHED",
        JobRunState::Failed => "FAILED",
        JobRunState::Aborted => "KILLED",
    }
}

fn parse_run_status(s: &str) -> MlResult<JobRunState> {
    match s {
        "RUNNING" => Ok(JobRunState::Running),
        "SCHEDULED" => Ok(JobRunState::Scheduled),
        "FINISHED" => Ok(JobRunState::Completed),
        "FAILED" => Ok(JobRunState::Failed),
        "KILLED" => Ok(JobRunState::Aborted),
        _ => Err(MlflowError::invalid(format!("Invalid run status {s:?}"))),
    }
}

// ---------------------------------------------------------------------------------------
// Filters: MLflow's search grammar (`name = 'x' AND tags.team LIKE 'fr%' AND metrics.auc > 0.9`).

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Num(f64),
    List(Vec<Lit>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    ILike,
    In,
    NotIn,
}

#[derive(Debug, Clone)]
struct Clause {
    field: String,
    op: Op,
    value: Lit,
}

/// Longest `LIKE` pattern a filter may hold (MLflow names and tags are far shorter).
const MAX_LIKE_PATTERN: usize = 1000;

static TOKEN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)\s*(?:
            (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
          | (?P<op><=|>=|!=|<>|=|<|>)
          | (?P<punct>[(),])
          | (?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
          | (?P<ident>(?:[A-Za-z_][A-Za-z0-9_]*\.)?(?:`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_.\-]*))
        )"#,
    )
    .ok()
});

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Op(String),
    Punct(char),
    Num(f64),
    Ident(String),
}

fn unquote(s: &str) -> String {
    let inner = &s[1..s.len() - 1];
    inner.replace("\\'", "'").replace("\\\"", "\"")
}

fn tokens(filter: &str) -> MlResult<Vec<Tok>> {
    let re = TOKEN
        .as_ref()
        .ok_or_else(|| MlflowError::invalid("filter grammar unavailable"))?;
    let mut out = Vec::new();
    let mut rest = filter.trim();
    while !rest.is_empty() {
        let caps = re
            .captures(rest)
            .filter(|c| c.get(0).is_some_and(|m| m.start() == 0))
            .ok_or_else(|| {
                MlflowError::invalid(format!("Invalid filter '{filter}': cannot read {rest:?}"))
            })?;
        let whole = caps.get(0).map_or(0, |m| m.end());
        if let Some(m) = caps.name("str") {
            out.push(Tok::Str(unquote(m.as_str())));
        } else if let Some(m) = caps.name("op") {
            out.push(Tok::Op(m.as_str().to_owned()));
        } else if let Some(m) = caps.name("punct") {
            out.push(Tok::Punct(m.as_str().chars().next().unwrap_or(',')));
        } else if let Some(m) = caps.name("num") {
            out.push(Tok::Num(m.as_str().parse().unwrap_or(0.0)));
        } else if let Some(m) = caps.name("ident") {
            out.push(Tok::Ident(m.as_str().to_owned()));
        }
        if whole == 0 {
            break;
        }
        rest = rest[whole..].trim_start();
    }
    Ok(out)
}

/// A field name as the searches read it: `attributes.x` is `x`; `tags.`, `params.`,
/// `metrics.` keep their prefix (with the key unquoted).
fn field_name(ident: &str) -> String {
    let (prefix, key) = match ident.split_once('.') {
        Some((p, k))
            if [
                "tags",
                "tag",
                "params",
                "param",
                "metrics",
                "metric",
                "attributes",
                "attribute",
                "attr",
                "run",
                "dataset",
                "datasets",
            ]
            .contains(&p.to_ascii_lowercase().as_str()) =>
        {
            (Some(p.to_ascii_lowercase()), k)
        }
        _ => (None, ident),
    };
    let key = key.trim_matches('`').trim_matches('"').to_owned();
    match prefix.as_deref() {
        Some("tags" | "tag") => format!("tags.{key}"),
        Some("params" | "param") => format!("params.{key}"),
        Some("metrics" | "metric") => format!("metrics.{key}"),
        Some("dataset" | "datasets") => format!("dataset.{}", key.to_ascii_lowercase()),
        _ => key.to_ascii_lowercase(),
    }
}

/// Parses a filter into clauses joined by AND (MLflow has no OR).
fn parse_filter(filter: Option<&str>) -> MlResult<Vec<Clause>> {
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(Vec::new());
    };
    let toks = tokens(filter)?;
    let bad = || MlflowError::invalid(format!("Invalid filter '{filter}'"));
    let mut clauses = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let Tok::Ident(ident) = &toks[i] else {
            return Err(bad());
        };
        let field = field_name(ident);
        i += 1;
        let op = match toks.get(i) {
            Some(Tok::Op(o)) => match o.as_str() {
                "=" => Op::Eq,
                "!=" | "<>" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                _ => return Err(bad()),
            },
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("like") => Op::Like,
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("ilike") => Op::ILike,
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("in") => Op::In,
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("not") => {
                i += 1;
                match toks.get(i) {
                    Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("in") => Op::NotIn,
                    _ => return Err(bad()),
                }
            }
            _ => return Err(bad()),
        };
        i += 1;
        let value = match toks.get(i) {
            Some(Tok::Str(s)) => Lit::Str(s.clone()),
            Some(Tok::Num(n)) => Lit::Num(*n),
            Some(Tok::Punct('(')) => {
                let mut items = Vec::new();
                i += 1;
                loop {
                    match toks.get(i) {
                        Some(Tok::Str(s)) => items.push(Lit::Str(s.clone())),
                        Some(Tok::Num(n)) => items.push(Lit::Num(*n)),
                        _ => return Err(bad()),
                    }
                    i += 1;
                    match toks.get(i) {
                        Some(Tok::Punct(',')) => i += 1,
                        Some(Tok::Punct(')')) => break,
                        _ => return Err(bad()),
                    }
                }
                Lit::List(items)
            }
            _ => return Err(bad()),
        };
        i += 1;
        // A run of `%` is one `%`; a pattern past the bound is refused.
        if let (Lit::Str(p), Op::Like | Op::ILike) = (&value, op) {
            search::collapsed(p)?;
        }
        clauses.push(Clause { field, op, value });
        match toks.get(i) {
            None => break,
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("and") => i += 1,
            _ => return Err(bad()),
        }
    }
    Ok(clauses)
}

/// A page's size: `max_results`, else `default_max`; 1 to 50,000.
fn page_size(max: Option<i64>, default_max: usize) -> usize {
    max.map_or(default_max, |m| usize::try_from(m).unwrap_or(default_max))
        .clamp(1, 50_000)
}

/// A page's size and its first item (`page_token`, an offset).
fn page_bounds(
    max: Option<i64>,
    token: Option<String>,
    default_max: usize,
) -> MlResult<(usize, usize)> {
    let max = page_size(max, default_max);
    let start = match token {
        Some(t) if !t.is_empty() => t
            .parse::<usize>()
            .map_err(|_| MlflowError::invalid("Invalid page token"))?,
        _ => 0,
    };
    Ok((max, start))
}

/// One `order_by` key of a search: a field as its search's getter names it, and its
/// direction.
struct OrderKey {
    field: String,
    asc: bool,
}

/// A search's `order_by` (`[attributes.|metrics.|params.|tags.]key [ASC|DESC]`, keys
/// quoted with backticks or double quotes when they have to be): `attributes` are the
/// fields it may order by, `prefixes` the entity kinds (`metrics.`, ...) it may.
fn order_by(p: &Params, attributes: &[&str], prefixes: &[&str]) -> MlResult<Vec<OrderKey>> {
    let mut keys = Vec::new();
    for clause in p.strings("order_by") {
        let bad = || MlflowError::invalid(format!("Invalid order_by clause '{clause}'."));
        let toks = tokens(&clause).map_err(|_| bad())?;
        let (ident, asc) = match toks.as_slice() {
            [Tok::Ident(i)] => (i, true),
            [Tok::Ident(i), Tok::Ident(d)] if d.eq_ignore_ascii_case("asc") => (i, true),
            [Tok::Ident(i), Tok::Ident(d)] if d.eq_ignore_ascii_case("desc") => (i, false),
            _ => return Err(bad()),
        };
        let field = field_name(ident);
        let known = attributes.contains(&field.as_str())
            || prefixes
                .iter()
                .any(|p| field.strip_prefix(p).is_some_and(|k| !k.is_empty()));
        if !known {
            return Err(bad());
        }
        keys.push(OrderKey { field, asc });
    }
    Ok(keys)
}

/// A logged-models search's `order_by`: objects `{field_name, ascending}` (ascending by
/// default), an attribute or `metrics.<key>`, as MLflow takes them.
fn logged_model_order(p: &Params) -> MlResult<Vec<OrderKey>> {
    p.list("order_by")
        .iter()
        .map(|o| {
            let field = o["field_name"].as_str().unwrap_or_default();
            let bad = |more: &str| {
                MlflowError::invalid(format!("Invalid order by field name: {field}{more}"))
            };
            let asc = match &o["ascending"] {
                Value::Null => true,
                Value::Bool(b) => *b,
                _ => return Err(bad("")),
            };
            let field = match field.split_once('.') {
                None if search::LOGGED_MODEL_ORDER.contains(&field) => field.to_owned(),
                None => return Err(bad("")),
                // The latest value, of the dataset the key names when it names one.
                Some(("metrics", k)) if !k.is_empty() && !k.contains('\u{1f}') => {
                    search::model_metric_order(
                        field,
                        o["dataset_name"].as_str(),
                        o["dataset_digest"].as_str(),
                    )
                }
                Some(_) => return Err(bad(". Only metrics are supported.")),
            };
            Ok(OrderKey { field, asc })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------

struct Api<'a> {
    db: &'a DatabaseConnection,
    ctx: &'a RequestContext,
    ns: &'a str,
    /// The artifact store, when the server has one.
    arts: Option<&'a crate::artifacts::service::Artifacts>,
}

impl Api<'_> {
    async fn dispatch(&self, method: &Method, path: &str, p: &Params) -> MlResult<Reply> {
        // The two answers that can be large are written from their rows.
        match (method.as_str(), path.trim_end_matches('/')) {
            ("POST", "mlflow/runs/search") => self.search_runs(p).await.map(Reply::Written),
            ("GET", "mlflow/metrics/get-history") => {
                self.metric_history(p).await.map(Reply::Written)
            }
            _ => self.answer(method, path, p).await.map(Reply::Tree),
        }
    }

    async fn answer(&self, method: &Method, path: &str, p: &Params) -> MlResult<Value> {
        let path = path.trim_end_matches('/');
        let segments: Vec<&str> = path.split('/').collect();
        let m = method.as_str();
        match (m, segments.as_slice()) {
            ("GET", ["mlflow", "server-info" | "server-features"]) => Ok(json!({
                "store_type": "SqlStore",
                "workspaces_enabled": true,
                "artifact_serving_enabled": self.arts.is_some(),
                "multipart_uploads_enabled": self.arts.is_some(),
                "multipart_downloads_enabled": false,
                "artifacts_presigned_only": false,
            })),
            ("POST", ["mlflow", "experiments", "create"]) => self.create_experiment(p).await,
            ("GET", ["mlflow", "experiments", "get"]) => self.get_experiment(p).await,
            ("GET", ["mlflow", "experiments", "get-by-name"]) => self.experiment_by_name(p).await,
            ("POST" | "GET", ["mlflow", "experiments", "search"]) => {
                self.search_experiments(p).await
            }
            ("POST", ["mlflow", "experiments", "set-experiment-tag"]) => {
                self.set_experiment_tag(p).await
            }
            ("POST", ["mlflow", "experiments", "delete-experiment-tag"]) => {
                self.delete_experiment_tag(p).await
            }
            ("POST", ["mlflow", "experiments", "update"]) => self.rename_experiment(p).await,
            ("POST", ["mlflow", "experiments", "delete"]) => {
                self.set_experiment_deleted(p, true).await
            }
            ("POST", ["mlflow", "experiments", "restore"]) => {
                self.set_experiment_deleted(p, false).await
            }
            ("POST", ["mlflow", "runs", "create"]) => self.create_run(p).await,
            ("GET", ["mlflow", "runs", "get"]) => self.get_run(p).await,
            ("POST", ["mlflow", "runs", "update"]) => self.update_run(p).await,
            ("POST", ["mlflow", "runs", "delete"]) => self.delete_run(p).await,
            ("POST", ["mlflow", "runs", "restore"]) => self.restore_run(p).await,
            ("POST", ["mlflow", "runs", "log-parameter"]) => {
                let params = vec![
                    json!({"key": p.req("key")?, "value": p.opt("value").unwrap_or_default()}),
                ];
                self.log(p, &[], &params, &[]).await
            }
            ("POST", ["mlflow", "runs", "log-metric"]) => {
                let field = |k: &str| p.0.get(k).cloned().unwrap_or(Value::Null);
                let metric = json!({
                    "key": p.req("key")?, "value": field("value"),
                    "timestamp": field("timestamp"), "step": field("step"),
                    "model_id": field("model_id"), "dataset_name": field("dataset_name"),
                    "dataset_digest": field("dataset_digest"),
                });
                self.log(p, &[metric], &[], &[]).await
            }
            ("POST", ["mlflow", "runs", "set-tag"]) => {
                let tag = vec![
                    json!({"key": p.req("key")?, "value": p.opt("value").unwrap_or_default()}),
                ];
                self.log(p, &[], &[], &tag).await
            }
            ("POST", ["mlflow", "runs", "log-batch"]) => {
                self.log(p, &p.list("metrics"), &p.list("params"), &p.list("tags"))
                    .await
            }
            ("POST", ["mlflow", "runs", "delete-tag"]) => self.delete_run_tag(p).await,
            ("POST", ["mlflow", "runs", "outputs"]) => self.log_outputs(p).await,
            ("POST", ["mlflow", "runs", "log-inputs"]) => self.log_inputs(p).await,
            ("GET", ["mlflow", "metrics", "get-history-bulk-interval"]) => {
                self.metric_history_sampled(p).await
            }
            ("GET", ["mlflow", "artifacts", "list"]) => self.list_run_artifacts(p).await,
            ("POST", ["mlflow-artifacts", "mpu", op, location @ ..]) => {
                self.multipart(op, &location.join("/"), p).await
            }
            ("POST", ["mlflow", "logged-models"]) => self.create_logged_model(p).await,
            ("POST", ["mlflow", "logged-models", "search"]) => self.search_logged_models(p).await,
            ("GET", ["mlflow", "logged-models", id]) => {
                let lm = self.logged_model(id).await?;
                Ok(json!({"model": self.logged_model_reply(&lm).await?}))
            }
            ("PATCH", ["mlflow", "logged-models", id]) => self.finalize_logged_model(id, p).await,
            ("PATCH", ["mlflow", "logged-models", id, "tags"]) => {
                self.set_logged_model_tags(id, p).await
            }
            ("DELETE", ["mlflow", "logged-models", id, "tags", key @ ..]) if !key.is_empty() => {
                self.delete_logged_model_tag(id, &key.join("/")).await
            }
            ("POST", ["mlflow", "logged-models", id, "params"]) => {
                self.log_logged_model_params(id, p).await
            }
            ("POST", ["mlflow", "registered-models", "create"]) => {
                self.create_registered_model(p).await
            }
            ("GET", ["mlflow", "registered-models", "get"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                Ok(json!({"registered_model": self.registered_model_json(&m).await?}))
            }
            ("GET", ["mlflow", "registered-models", "search"]) => {
                self.search_registered_models(p).await
            }
            ("PATCH", ["mlflow", "registered-models", "update"]) => {
                self.update_registered_model(p).await
            }
            ("POST", ["mlflow", "registered-models", "rename"]) => {
                self.rename_registered_model(p).await
            }
            ("DELETE", ["mlflow", "registered-models", "delete"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                crate::lineage::service::delete_node::<model::Entity>(self.db, self.ctx, m.id)
                    .await?;
                Ok(json!({}))
            }
            ("POST" | "GET", ["mlflow", "registered-models", "get-latest-versions"]) => {
                self.latest_versions(p).await
            }
            ("POST", ["mlflow", "registered-models", "set-tag"]) => {
                self.set_model_tag(p, true).await
            }
            ("DELETE", ["mlflow", "registered-models", "delete-tag"]) => {
                self.set_model_tag(p, false).await
            }
            ("POST", ["mlflow", "registered-models", "alias"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                let v = self.version_of(&m, &p.req("version")?).await?;
                registry::set_alias(self.db, self.ctx, m.id, &p.req("alias")?, v.id).await?;
                Ok(json!({}))
            }
            ("DELETE", ["mlflow", "registered-models", "alias"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                registry::delete_alias(self.db, self.ctx, m.id, &p.req("alias")?).await?;
                Ok(json!({}))
            }
            ("GET", ["mlflow", "registered-models", "alias"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                let alias = p.req("alias")?;
                let v = registry::version_by_alias(self.db, self.ctx, m.id, &alias)
                    .await
                    .map_err(|_| {
                        MlflowError::missing(format!("Registered model alias {alias} not found."))
                    })?;
                Ok(json!({"model_version": self.version_json(&m, &v).await?}))
            }
            ("POST", ["mlflow", "model-versions", "create"]) => self.create_model_version(p).await,
            ("GET", ["mlflow", "model-versions", "get"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                let v = self.version_of(&m, &p.req("version")?).await?;
                Ok(json!({"model_version": self.version_json(&m, &v).await?}))
            }
            ("GET", ["mlflow", "model-versions", "search"]) => self.search_model_versions(p).await,
            ("GET", ["mlflow", "model-versions", "get-download-uri"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                let v = self.version_of(&m, &p.req("version")?).await?;
                Ok(json!({"artifact_uri": v.artifact_uri.unwrap_or_default()}))
            }
            ("PATCH", ["mlflow", "model-versions", "update"]) => self.update_model_version(p).await,
            ("POST", ["mlflow", "model-versions", "transition-stage"]) => {
                self.transition_stage(p).await
            }
            ("DELETE", ["mlflow", "model-versions", "delete"]) => {
                let m = self.model_named(&p.req("name")?).await?;
                let v = self.version_of(&m, &p.req("version")?).await?;
                crate::lineage::service::delete_node::<model_version::Entity>(
                    self.db, self.ctx, v.id,
                )
                .await?;
                Ok(json!({}))
            }
            ("POST", ["mlflow", "model-versions", "set-tag"]) => {
                self.set_version_tag(p, true).await
            }
            ("DELETE", ["mlflow", "model-versions", "delete-tag"]) => {
                self.set_version_tag(p, false).await
            }
            _ => Err(MlflowError::endpoint(method, path)),
        }
    }

    // ---- experiments ----

    fn experiment_json(&self, e: &experiment::Model) -> Value {
        let ml = e.config.get("mlflow");
        let id = hex(e.id);
        json!({
            "experiment_id": id,
            "name": e.name,
            "artifact_location": ml.and_then(|m| m.get("artifact_location")).and_then(Value::as_str)
                .map_or_else(|| format!("mlflow-artifacts:/{id}"), str::to_owned),
            "lifecycle_stage": if experiment_deleted(e) { "deleted" } else { "active" },
            "creation_time": ms(e.created_at),
            "last_update_time": ms(e.updated_at),
            "tags": tag_list(ml.and_then(|m| m.get("tags")).unwrap_or(&Value::Null)),
        })
    }

    async fn insert_experiment(
        &self,
        txn: &DatabaseTransaction,
        name: &str,
        artifact_location: Option<String>,
        tags: Map<String, Value>,
    ) -> MlResult<experiment::Model> {
        validate::name("name", name)?;
        let mut ml = json!({"tags": tags});
        if let Some(loc) = artifact_location.filter(|l| !l.is_empty()) {
            ml["artifact_location"] = Value::String(loc);
        }
        Ok(crate::training::service::insert_experiment(
            txn,
            self.ctx,
            crate::training::commands::CreateExperiment {
                ns: self.ns.to_owned(),
                name: name.to_owned(),
                description: None,
                experiment_type: ExperimentType::Other,
                status: Some(ExperimentStatus::Running),
                config: Some(json!({"mlflow": ml})),
                workflow_id: None,
            },
        )
        .await?)
    }

    async fn create_experiment(&self, p: &Params) -> MlResult<Value> {
        let name = p.req("name")?;
        let tags = tags_of(&p.list("tags"))?;
        let loc = p.opt("artifact_location");
        self.experiment_name_free(&name, None).await?;
        let e = store::transaction(self.db, async |txn| {
            self.insert_experiment(txn, &name, loc, tags)
                .await
                .map_err(to_app)
        })
        .await?;
        Ok(json!({"experiment_id": hex(e.id)}))
    }

    /// Refuses a name another experiment of this namespace has (`except` aside), deleted
    /// ones included, as MLflow does.
    async fn experiment_name_free(&self, name: &str, except: Option<Uuid>) -> MlResult<()> {
        let mut q = store::unscoped::<experiment::Entity>()
            .filter(experiment::Column::Ns.eq(self.ns))
            .filter(experiment::Column::Name.eq(name));
        if let Some(id) = except {
            q = q.filter(experiment::Column::Id.ne(id));
        }
        match q.one(self.db).await? {
            None => Ok(()),
            Some(_) => Err(MlflowError::new(
                StatusCode::BAD_REQUEST,
                "RESOURCE_ALREADY_EXISTS",
                format!("Experiment '{name}' already exists."),
            )),
        }
    }

    /// The experiment `id` names in this namespace; `0` is `Default`, made on first use
    /// by a writer.
    async fn experiment(&self, id: &str, create_default: bool) -> MlResult<experiment::Model> {
        if id == "0" {
            return match self.default_experiment().await? {
                Some(e) => Ok(e),
                None if create_default => {
                    let made = store::transaction(self.db, async |txn| {
                        self.insert_experiment(txn, "Default", None, Map::new())
                            .await
                            .map_err(to_app)
                    })
                    .await;
                    match made {
                        Ok(e) => Ok(e),
                        // Made concurrently by another request: read it.
                        Err(AppError::Conflict { .. }) => {
                            Box::pin(self.experiment(id, false)).await
                        }
                        Err(e) => Err(e.into()),
                    }
                }
                None => Err(MlflowError::missing("Could not find experiment with ID 0")),
            };
        }
        let uuid = parse_id(id, "Experiment")?;
        match store::get::<experiment::Entity>(self.db, self.ctx, uuid).await {
            Ok(e) if e.ns == self.ns => Ok(e),
            // A database that cannot be asked is not a missing experiment.
            Err(e) if e.code() == crate::error::ErrorCode::Unavailable => Err(e.into()),
            _ => Err(MlflowError::missing(format!(
                "Could not find experiment with ID {id}"
            ))),
        }
    }

    /// This namespace's `Default` experiment, when a writer made it.
    async fn default_experiment(&self) -> MlResult<Option<experiment::Model>> {
        Ok(store::scoped::<experiment::Entity>(self.ctx)
            .filter(experiment::Column::Ns.eq(self.ns))
            .filter(experiment::Column::Name.eq("Default"))
            .one(self.db)
            .await?)
    }

    /// The experiments a search names (`experiment_ids`).
    async fn experiment_ids(&self, p: &Params) -> MlResult<Vec<Uuid>> {
        let mut out = Vec::new();
        for id in p.strings("experiment_ids") {
            out.push(self.experiment(&id, false).await?.id);
        }
        Ok(out)
    }

    async fn get_experiment(&self, p: &Params) -> MlResult<Value> {
        let id = p.req("experiment_id")?;
        // A read never writes: before a writer makes `Default`, `0` answers it as MLflow
        // shows a fresh server's (the first run logged to `0` makes it for real).
        if id == "0" && self.default_experiment().await?.is_none() {
            return Ok(json!({"experiment": {
                "experiment_id": "0",
                "name": "Default",
                "artifact_location": "mlflow-artifacts:/0",
                "lifecycle_stage": "active",
                "tags": [],
            }}));
        }
        let e = self.experiment(&id, false).await?;
        Ok(json!({"experiment": self.experiment_json(&e)}))
    }

    async fn experiment_by_name(&self, p: &Params) -> MlResult<Value> {
        let name = p.req("experiment_name")?;
        let e = store::scoped::<experiment::Entity>(self.ctx)
            .filter(experiment::Column::Ns.eq(self.ns))
            .filter(experiment::Column::Name.eq(name.as_str()))
            .one(self.db)
            .await?
            .ok_or_else(|| {
                MlflowError::missing(format!("Could not find experiment with name {name}"))
            })?;
        Ok(json!({"experiment": self.experiment_json(&e)}))
    }

    async fn search_experiments(&self, p: &Params) -> MlResult<Value> {
        let clauses = parse_filter(p.opt("filter").as_deref())?;
        let keys = order_by(
            p,
            &["experiment_id", "name", "creation_time", "last_update_time"],
            &[],
        )?;
        // In the database: the filter, MLflow's view, the order (ties: newest first, then
        // id) and a keyset page.
        use sea_orm::sea_query::ExprTrait;
        let backend = self.db.get_database_backend();
        let deleted = search::experiment_deleted(backend);
        let mut rows = store::scoped::<experiment::Entity>(self.ctx)
            .filter(experiment::Column::Ns.eq(self.ns))
            .filter(search::matching(backend, &clauses, &search::EXPERIMENTS)?);
        rows = match p.opt("view_type").as_deref() {
            Some("DELETED_ONLY") => rows.filter(deleted),
            Some("ALL") => rows,
            _ => rows.filter(deleted.not()),
        };
        let (rows, next) = search::page_of::<_, experiment::Model>(
            self.db,
            rows,
            |all| all,
            &keys,
            &search::EXPERIMENTS,
            page_size(p.int("max_results")?, 1000),
            p.opt("page_token"),
        )
        .await?;
        let items: Vec<Value> = rows.iter().map(|e| self.experiment_json(e)).collect();
        Ok(with_token(object! {"experiments": items}, next))
    }

    async fn set_experiment_tag(&self, p: &Params) -> MlResult<Value> {
        let e = self.experiment(&p.req("experiment_id")?, true).await?;
        let key = p.req("key")?;
        let value = p.opt("value").unwrap_or_default();
        let mut config = e.config.clone();
        if !config["mlflow"].is_object() {
            config["mlflow"] = json!({});
        }
        if !config["mlflow"]["tags"].is_object() {
            config["mlflow"]["tags"] = json!({});
        }
        config["mlflow"]["tags"][key.as_str()] = Value::String(value);
        self.set_experiment_config(&e, config, None).await?;
        Ok(json!({}))
    }

    async fn delete_experiment_tag(&self, p: &Params) -> MlResult<Value> {
        let e = self.experiment(&p.req("experiment_id")?, false).await?;
        let key = p.req("key")?;
        if e.config["mlflow"]["tags"].get(&key).is_none() {
            return Err(MlflowError::missing(format!(
                "No tag with name: {key} in experiment with id {}",
                hex(e.id)
            )));
        }
        let mut config = e.config.clone();
        if let Some(tags) = config["mlflow"]["tags"].as_object_mut() {
            tags.remove(&key);
        }
        self.set_experiment_config(&e, config, None).await?;
        Ok(json!({}))
    }

    /// `experiments/update`: a new name for an active experiment (names stay unique in
    /// the namespace, deleted experiments' included, as in MLflow).
    async fn rename_experiment(&self, p: &Params) -> MlResult<Value> {
        let e = self.experiment(&p.req("experiment_id")?, false).await?;
        let Some(name) = p.opt("new_name").filter(|n| !n.is_empty()) else {
            return Ok(json!({}));
        };
        if experiment_deleted(&e) {
            return Err(MlflowError::invalid(
                "Cannot rename a non-active experiment.",
            ));
        }
        validate::name("new_name", &name)?;
        self.experiment_name_free(&name, Some(e.id)).await?;
        let config = e.config.clone();
        self.set_experiment_config(&e, config, Some(name)).await?;
        Ok(json!({}))
    }

    /// `experiments/delete` and `experiments/restore`: MLflow's lifecycle. Deleting marks
    /// the experiment and its active runs deleted (the name stays taken); restoring
    /// brings back the experiment and the runs deleted with it (a run deleted on its own
    /// before stays deleted).
    async fn set_experiment_deleted(&self, p: &Params, deleted: bool) -> MlResult<Value> {
        let id = p.req("experiment_id")?;
        if id == "0" && deleted {
            return Err(MlflowError::invalid(
                "Cannot delete the default experiment '0'. This is an internally reserved experiment.",
            ));
        }
        let e = self.experiment(&id, false).await?;
        if experiment_deleted(&e) == deleted {
            return if deleted {
                Err(MlflowError::invalid(format!(
                    "The experiment {id} must be in the 'active' state. Current state is deleted."
                )))
            } else {
                Err(MlflowError::invalid(format!(
                    "The experiment {id} must be in the 'deleted' state. Current state is active."
                )))
            };
        }
        // To the microsecond: the runs' `deleted_at` must equal the instant the config
        // keeps (in microseconds) on both backends, for the restore to find them.
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let mut config = e.config.clone();
        if !config["mlflow"].is_object() {
            config["mlflow"] = json!({});
        }
        let deleted_at = config["mlflow"]["deleted_at"]
            .as_i64()
            .and_then(DateTime::from_timestamp_micros);
        if deleted {
            config["mlflow"]["deleted"] = Value::Bool(true);
            config["mlflow"]["deleted_at"] = json!(now.timestamp_micros());
        } else if let Some(m) = config["mlflow"].as_object_mut() {
            m.remove("deleted");
            m.remove("deleted_at");
        }
        let ctx = self.ctx;
        store::transaction(self.db, async |txn| {
            let before = store::lock::<experiment::Entity>(txn, ctx, e.id).await?;
            training::change_experiment(txn, ctx, &before, |row| row.config = Set(config)).await?;
            let mut affected = store::scoped::<job_run::Entity>(ctx)
                .filter(job_run::Column::ExperimentId.eq(e.id));
            affected = if deleted {
                affected.filter(job_run::Column::DeletedAt.is_null())
            } else {
                match deleted_at {
                    Some(at) => affected.filter(job_run::Column::DeletedAt.eq(at)),
                    None => affected.filter(job_run::Column::DeletedAt.is_not_null()),
                }
            };
            for run in affected.all(txn).await? {
                let mut next = run.clone();
                next.deleted_at = deleted.then_some(now);
                runs::save(txn, ctx, Some(&run), next).await?;
            }
            Ok(())
        })
        .await?;
        Ok(json!({}))
    }

    /// Writes an experiment's MLflow settings (and a new name), one `UPDATE` event.
    async fn set_experiment_config(
        &self,
        e: &experiment::Model,
        config: Value,
        name: Option<String>,
    ) -> MlResult<experiment::Model> {
        let ctx = self.ctx;
        Ok(store::transaction(self.db, async |txn| {
            let before = store::lock::<experiment::Entity>(txn, ctx, e.id).await?;
            training::change_experiment(txn, ctx, &before, |row| {
                row.config = Set(config);
                if let Some(n) = name {
                    row.name = Set(n);
                }
            })
            .await
        })
        .await?)
    }

    // ---- runs ----

    async fn run(&self, id: &str) -> MlResult<job_run::Model> {
        let uuid = parse_id(id, "Run")?;
        match store::get::<job_run::Entity>(self.db, self.ctx, uuid).await {
            Ok(r) if r.ns == self.ns => Ok(r),
            Err(e) if e.code() == crate::error::ErrorCode::Unavailable => Err(e.into()),
            _ => Err(MlflowError::missing(format!("Run '{id}' not found"))),
        }
    }

    async fn run_json(&self, r: &job_run::Model) -> MlResult<Value> {
        let row = RunRow::of(r);
        let (mut inputs, mut outputs) = self.logged_of(&[r.id]).await?;
        let view = RunView {
            row: &row,
            inputs: &inputs.remove(&r.id).unwrap_or_default(),
            outputs: &outputs.remove(&r.id).unwrap_or_default(),
        };
        Ok(serde_json::to_value(view)?)
    }

    /// The logged inputs and models of runs, one statement each for all of them.
    async fn logged_of(&self, ids: &[Uuid]) -> MlResult<(Logged, Logged)> {
        let mut outputs: Logged = HashMap::new();
        for chunk in ids.chunks(1000) {
            for lm in store::unscoped::<logged_model::Entity>()
                .filter(logged_model::Column::SourceRunId.is_in(chunk.iter().copied()))
                .order_by_asc(logged_model::Column::CreatedAt)
                .all(self.db)
                .await?
            {
                if let Some(run) = lm.source_run_id {
                    outputs
                        .entry(run)
                        .or_default()
                        .push(json!({"model_id": format!("m-{}", hex(lm.id)), "step": 0}));
                }
            }
        }
        let inputs = self.inputs_of(ids.iter().copied()).await?;
        Ok((inputs, outputs))
    }
}

/// Each run's logged inputs (or models), in MLflow's shape.
type Logged = HashMap<Uuid, Vec<Value>>;

/// `runs/search`'s answer, written from the page's rows.
struct RunsPage {
    rows: Vec<RunRow>,
    inputs: Logged,
    outputs: Logged,
    next: Option<String>,
}

impl serde::Serialize for RunsPage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Runs<'a>(&'a RunsPage);
        impl serde::Serialize for Runs<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let p = self.0;
                s.collect_seq(p.rows.iter().map(|row| RunView {
                    row,
                    inputs: p.inputs.get(&row.id).map_or(&[], Vec::as_slice),
                    outputs: p.outputs.get(&row.id).map_or(&[], Vec::as_slice),
                }))
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("runs", &Runs(self))?;
        if let Some(t) = &self.next {
            m.serialize_entry("next_page_token", t)?;
        }
        m.end()
    }
}

impl Api<'_> {
    async fn create_run(&self, p: &Params) -> MlResult<Value> {
        let exp = self
            .experiment(&p.opt("experiment_id").unwrap_or_else(|| "0".into()), true)
            .await?;
        if experiment_deleted(&exp) {
            return Err(MlflowError::invalid(format!(
                "The experiment {} must be in the 'active' state. Current state is deleted.",
                hex(exp.id)
            )));
        }
        let mut tags = tags_of(&p.list("tags"))?;
        let name = p
            .opt("run_name")
            .filter(|n| !n.is_empty())
            .or_else(|| {
                tags.get("mlflow.runName")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| format!("run-{}", &hex(crate::core::ids::new_id())[24..]));
        tags.insert("mlflow.runName".into(), Value::String(name.clone()));
        if let Some(user) = p.opt("user_id").filter(|u| !u.is_empty()) {
            tags.entry("mlflow.user").or_insert(Value::String(user));
        }
        let started = match p.int("start_time")? {
            Some(t) => from_ms(t)?,
            None => Utc::now(),
        };
        let ns = self.ns.to_owned();
        let ctx = self.ctx;
        let run = store::transaction(self.db, async |txn| {
            let now = Utc::now();
            let mut next = runs::fresh(ctx, &ns, JobRunSource::Mlflow, name, now);
            next.experiment_id = Some(exp.id);
            next.state_at = Some(now);
            next.started_at = Some(started);
            next.tags = Value::Object(tags);
            let run = runs::save(txn, ctx, None, next).await?;
            crate::lineage::service::link_in(
                txn,
                ctx,
                "partOf",
                (NodeType::JobRun, run.id),
                (NodeType::Experiment, exp.id),
                None,
            )
            .await?;
            Ok(run)
        })
        .await?;
        // A run made just now has logged no model and no input: nothing to read back.
        let view = RunView {
            row: &RunRow::of(&run),
            inputs: &[],
            outputs: &[],
        };
        Ok(object! {"run": serde_json::to_value(view)?})
    }

    async fn get_run(&self, p: &Params) -> MlResult<Value> {
        let id = p.run_id()?;
        let run = self.run(&id).await?;
        Ok(object! {"run": self.run_json(&run).await?})
    }

    /// Locks the run, applies `edit` (which may refuse), records the change when there is one.
    async fn change_run(
        &self,
        id: &str,
        edit: impl FnOnce(&mut job_run::Model) -> MlResult<()> + Send,
        history: Vec<runs::Point>,
    ) -> MlResult<job_run::Model> {
        let run = self.run(id).await?;
        let ctx = self.ctx;
        let mut refusal = None;
        let result = store::transaction(self.db, async |txn| {
            let before = store::lock::<job_run::Entity>(txn, ctx, run.id).await?;
            let mut next = before.clone();
            if let Err(e) = edit(&mut next) {
                refusal = Some(e);
                return Err(AppError::bad_input("run", "refused"));
            }
            runs::append_history(txn, &before, &history).await?;
            runs::save(txn, ctx, Some(&before), next).await
        })
        .await;
        match (result, refusal) {
            (_, Some(e)) => Err(e),
            (r, None) => Ok(r?),
        }
    }

    async fn update_run(&self, p: &Params) -> MlResult<Value> {
        let id = p.run_id()?;
        let status = p.opt("status").map(|s| parse_run_status(&s)).transpose()?;
        let end = p.int("end_time")?.map(from_ms).transpose()?;
        let name = p.opt("run_name").filter(|n| !n.is_empty());
        let run = self
            .change_run(
                &id,
                |r| {
                    active(r)?;
                    if let Some(s) = status {
                        r.state = s;
                        r.state_at = Some(Utc::now());
                        if s == JobRunState::Running {
                            r.ended_at = None;
                        }
                    }
                    if let Some(e) = end {
                        r.ended_at = Some(e);
                    } else if status
                        .is_some_and(|s| s != JobRunState::Running && s != JobRunState::Scheduled)
                        && r.ended_at.is_none()
                    {
                        r.ended_at = Some(Utc::now());
                    }
                    if let Some(n) = name {
                        r.tags["mlflow.runName"] = Value::String(n.clone());
                        r.name = n;
                    }
                    Ok(())
                },
                Vec::new(),
            )
            .await?;
        Ok(json!({"run_info": self.run_json(&run).await?["info"]}))
    }

    /// MLflow's delete: the run stays, marked deleted (restorable), as in MLflow.
    async fn delete_run(&self, p: &Params) -> MlResult<Value> {
        let now = Utc::now();
        self.change_run(
            &p.req("run_id")?,
            |r| {
                r.deleted_at.get_or_insert(now);
                Ok(())
            },
            Vec::new(),
        )
        .await?;
        Ok(json!({}))
    }

    async fn restore_run(&self, p: &Params) -> MlResult<Value> {
        self.change_run(
            &p.req("run_id")?,
            |r| {
                r.deleted_at = None;
                Ok(())
            },
            Vec::new(),
        )
        .await?;
        Ok(json!({}))
    }

    /// Logs metrics, params and tags to a run in one transaction (log-batch and the
    /// single-value calls). Params are immutable once logged (MLflow's rule).
    async fn log(
        &self,
        p: &Params,
        metrics: &[Value],
        params: &[Value],
        tags: &[Value],
    ) -> MlResult<Value> {
        let id = p.run_id()?;
        if metrics.len() > 1000 || params.len() > 100 || tags.len() > 100 {
            return Err(MlflowError::invalid(
                "A batch logging request can contain at most 1000 metrics, 100 params and 100 tags.",
            ));
        }
        let mut points = Vec::new();
        let mut models: HashMap<String, Uuid> = HashMap::new();
        for (i, m) in metrics.iter().enumerate() {
            let key = m
                .get("key")
                .and_then(Value::as_str)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| MlflowError::invalid(format!("metrics[{i}] needs a key")))?;
            let value = match m.get("value") {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => match s.as_str() {
                    "NaN" => Some(f64::NAN),
                    "Infinity" => Some(f64::INFINITY),
                    "-Infinity" => Some(f64::NEG_INFINITY),
                    s => s.parse().ok(),
                },
                _ => None,
            }
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                MlflowError::invalid(format!("metrics[{i}] ({key}) needs a finite numeric value"))
            })?;
            let int = |v: Option<&Value>| -> Option<i64> {
                match v? {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                }
            };
            let timestamp =
                int(m.get("timestamp")).unwrap_or_else(|| Utc::now().timestamp_millis());
            let step = int(m.get("step")).unwrap_or(0);
            let text = |k: &str| {
                m.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let model_id = match text("model_id") {
                Some(id) => Some(
                    *models
                        .entry(id.clone())
                        .or_insert(parse_id(&id, "Logged model")?),
                ),
                None => None,
            };
            points.push(runs::Point {
                key: key.to_owned(),
                value,
                timestamp_ms: timestamp,
                step,
                model_id,
                dataset_name: text("dataset_name"),
                dataset_digest: text("dataset_digest"),
            });
        }
        // Every model a value names is a logged model this caller sees in the namespace.
        if !models.is_empty() {
            let found = store::scoped::<logged_model::Entity>(self.ctx)
                .filter(logged_model::Column::Ns.eq(self.ns))
                .filter(logged_model::Column::Id.is_in(models.values().copied()))
                .select_only()
                .column(logged_model::Column::Id)
                .into_tuple::<Uuid>()
                .all(self.db)
                .await?;
            if let Some((name, _)) = models.iter().find(|(_, id)| !found.contains(id)) {
                return Err(MlflowError::missing(format!(
                    "Logged model with ID '{name}' not found."
                )));
            }
        }
        let new_params = tags_of(params)?;
        let new_tags = tags_of(tags)?;
        let latest = points.clone();
        let run_id = id.clone();
        self.change_run(
            &id,
            move |r| {
                active(r)?;
                if !r.params.is_object() {
                    r.params = json!({});
                }
                for (k, v) in &new_params {
                    match r.params.get(k) {
                        Some(old) if old != v => {
                            return Err(MlflowError::invalid(format!(
                                "Changing param values is not allowed. Param with key='{k}' was already logged with value='{}' for run ID='{run_id}'. Attempted logging new value '{}'.",
                                old.as_str().unwrap_or_default(),
                                v.as_str().unwrap_or_default()
                            )));
                        }
                        _ => {
                            r.params[k.as_str()] = v.clone();
                        }
                    }
                }
                if !r.tags.is_object() {
                    r.tags = json!({});
                }
                for (k, v) in new_tags {
                    if k == "mlflow.runName"
                        && let Some(n) = v.as_str()
                    {
                        r.name = n.to_owned();
                    }
                    r.tags[k.as_str()] = v;
                }
                if !r.metrics.is_object() {
                    r.metrics = json!({});
                }
                for runs::Point {
                    key,
                    value,
                    timestamp_ms: timestamp,
                    step,
                    ..
                } in latest
                {
                    let newer = match r.metrics.get(&key) {
                        None => true,
                        Some(old) => {
                            let (os, ot, ov) = (
                                old["step"].as_i64().unwrap_or(i64::MIN),
                                old["timestamp"].as_i64().unwrap_or(i64::MIN),
                                old["value"].as_f64().unwrap_or(f64::MIN),
                            );
                            (step, timestamp) > (os, ot) || ((step, timestamp) == (os, ot) && value > ov)
                        }
                    };
                    if newer {
                        r.metrics[key.as_str()] = json!({"value": value, "timestamp": timestamp, "step": step});
                    }
                }
                Ok(())
            },
            points,
        )
        .await?;
        Ok(json!({}))
    }

    /// `artifacts/list`: a run's files and directories under `path`, paths from the run's
    /// artifact root.
    async fn list_run_artifacts(&self, p: &Params) -> MlResult<Value> {
        let run = self.run(&p.run_id()?).await?;
        let exp = run.experiment_id.map(hex).unwrap_or_else(|| "0".into());
        let path = p.opt("path").unwrap_or_default();
        let path = path.trim_matches('/');
        let place = self
            .place(&format!("{exp}/{}/artifacts/{path}", hex(run.id)))
            .await?;
        let files: Vec<Value> = self
            .list(&place)
            .await?
            .into_iter()
            .map(|mut f| {
                if !path.is_empty() {
                    let rel = f["path"].as_str().unwrap_or_default().to_owned();
                    f["path"] = Value::String(format!("{path}/{rel}"));
                }
                f
            })
            .collect();
        Ok(json!({
            "root_uri": format!("mlflow-artifacts:/{exp}/{}/artifacts", hex(run.id)),
            "files": files,
        }))
    }

    async fn delete_run_tag(&self, p: &Params) -> MlResult<Value> {
        let key = p.req("key")?;
        let id = p.req("run_id")?;
        self.change_run(
            &id,
            |r| match active(r).map(|()| r.tags.as_object_mut().and_then(|t| t.remove(&key)))? {
                Some(_) => Ok(()),
                None => Err(MlflowError::missing(format!(
                    "No tag with name: {key} in run with id {id}"
                ))),
            },
            Vec::new(),
        )
        .await?;
        Ok(json!({}))
    }

    async fn log_outputs(&self, p: &Params) -> MlResult<Value> {
        let run = self.run(&p.req("run_id")?).await?;
        for m in p.list("models") {
            if let Some(id) = m.get("model_id").and_then(Value::as_str) {
                let lm = self.logged_model(id).await?;
                if lm.source_run_id.is_none() {
                    let ctx = self.ctx;
                    store::transaction(self.db, async |txn| {
                        runs::update_logged_model(txn, ctx, &lm, |row| {
                            row.source_run_id = Set(Some(run.id));
                        })
                        .await
                    })
                    .await?;
                }
            }
        }
        Ok(json!({}))
    }

    /// `runs/search`: `filter`, `run_view_type` (ACTIVE_ONLY by default) and `order_by`,
    /// ties broken by start time (newest first) and run id, as in MLflow.
    async fn search_runs(&self, p: &Params) -> MlResult<Vec<u8>> {
        let experiments = self.experiment_ids(p).await?;
        let clauses = parse_filter(p.opt("filter").as_deref())?;
        let keys = order_by(
            p,
            &[
                "run_name",
                "name",
                "status",
                "run_id",
                "start_time",
                "end_time",
                "created",
            ],
            &["metrics.", "params.", "tags."],
        )?;
        let backend = self.db.get_database_backend();
        let matching = search::condition(backend, self.ctx, &clauses)?;
        let max = page_size(p.int("max_results")?, 1000);
        let mut rows = store::scoped::<job_run::Entity>(self.ctx)
            .filter(job_run::Column::Ns.eq(self.ns))
            .filter(job_run::Column::ExperimentId.is_in(experiments))
            .filter(matching);
        rows = match p.opt("run_view_type").as_deref() {
            Some("DELETED_ONLY") => rows.filter(job_run::Column::DeletedAt.is_not_null()),
            Some("ALL") => rows,
            _ => rows.filter(job_run::Column::DeletedAt.is_null()),
        };
        let (rows, next) = search::page_of::<_, RunRow>(
            self.db,
            rows,
            RunRow::narrow,
            &keys,
            &search::RUNS,
            max,
            p.opt("page_token"),
        )
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let (inputs, outputs) = self.logged_of(&ids).await?;
        let page = RunsPage {
            rows,
            inputs,
            outputs,
            next,
        };
        Ok(serde_json::to_vec(&page)?)
    }

    /// `metrics/get-history`: one metric's points by step then time, a page of them read
    /// and written straight to the answer.
    async fn metric_history(&self, p: &Params) -> MlResult<Vec<u8>> {
        let run = self
            .run(
                &p.opt("run_id")
                    .or_else(|| p.opt("run_uuid"))
                    .unwrap_or_default(),
            )
            .await?;
        let key = p.req("metric_key")?;
        let (max, start) = page_bounds(p.int("max_results")?, p.opt("page_token"), 25_000)?;
        use job_run_metric::Column as C;
        // One point past the page says whether there is a next one.
        let mut points = store::unscoped::<job_run_metric::Entity>()
            .select_only()
            .columns([C::Value, C::TimestampMs, C::Step])
            .filter(C::RunId.eq(run.id))
            .filter(C::Key.eq(key.as_str()))
            .order_by_asc(C::Step)
            .order_by_asc(C::TimestampMs)
            .offset(u64::try_from(start).unwrap_or(u64::MAX))
            .limit(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
            .into_tuple::<(f64, i64, i64)>()
            .all(self.db)
            .await?;
        let next = (points.len() > max).then(|| (start + max).to_string());
        points.truncate(max);
        Ok(serde_json::to_vec(&run_view::History {
            key: &key,
            points: &points,
            next,
        })?)
    }

    /// `metrics/get-history-bulk-interval`: one metric of up to 100 runs, each sampled
    /// in the server to at most `max_results` steps (320 by default, 2,500 at most)
    /// between `start_step` and `end_step`, evenly over its steps with the first and last
    /// always kept (what MLflow's charts read).
    async fn metric_history_sampled(&self, p: &Params) -> MlResult<Value> {
        let ids = p.strings("run_ids");
        if ids.is_empty() || ids.len() > 100 {
            return Err(MlflowError::invalid(
                "run_ids must name between 1 and 100 runs",
            ));
        }
        let key = p.req("metric_key")?;
        let max = match p.int("max_results")? {
            None => 320,
            Some(n) if (1..=2500).contains(&n) => usize::try_from(n).unwrap_or(320),
            Some(n) => {
                return Err(MlflowError::invalid(format!(
                    "max_results must be between 1 and 2500, got {n}"
                )));
            }
        };
        let (start, end) = (p.int("start_step")?, p.int("end_step")?);
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(MlflowError::invalid(
                "start_step must not be after end_step",
            ));
        }
        let mut out = Vec::new();
        for id in ids {
            let run = self.run(&id).await?;
            let mut q = store::unscoped::<job_run_metric::Entity>()
                .filter(job_run_metric::Column::RunId.eq(run.id))
                .filter(job_run_metric::Column::Key.eq(key.as_str()));
            if let Some(s) = start {
                q = q.filter(job_run_metric::Column::Step.gte(s));
            }
            if let Some(e) = end {
                q = q.filter(job_run_metric::Column::Step.lte(e));
            }
            let steps: Vec<i64> = q
                .clone()
                .select_only()
                .column(job_run_metric::Column::Step)
                .distinct()
                .order_by_asc(job_run_metric::Column::Step)
                .into_tuple()
                .all(self.db)
                .await?;
            let kept = sampled_steps(&steps, max);
            let rows = q
                .filter(job_run_metric::Column::Step.is_in(kept))
                .order_by_asc(job_run_metric::Column::Step)
                .order_by_asc(job_run_metric::Column::TimestampMs)
                .all(self.db)
                .await?;
            out.extend(rows.iter().map(|m| {
                json!({"key": m.key, "value": m.value, "timestamp": m.timestamp_ms,
                       "step": m.step, "run_id": hex(run.id)})
            }));
        }
        Ok(object! {"metrics": out})
    }

    // ---- logged models ----

    async fn logged_model(&self, id: &str) -> MlResult<logged_model::Model> {
        let uuid = parse_id(id, "Logged model")?;
        store::scoped::<logged_model::Entity>(self.ctx)
            .filter(logged_model::Column::Id.eq(uuid))
            .filter(logged_model::Column::Ns.eq(self.ns))
            .one(self.db)
            .await?
            .ok_or_else(|| MlflowError::missing(format!("Logged model with ID '{id}' not found.")))
    }

    /// Logged models as MLflow answers them, with the metrics logged to each (one
    /// statement for all of them).
    async fn logged_models_json(&self, models: &[logged_model::Model]) -> MlResult<Vec<Value>> {
        let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
        let mut points: HashMap<Uuid, Vec<job_run_metric::Model>> = HashMap::new();
        if !ids.is_empty() {
            // The models were read in scope; their points are in their namespace.
            for p in store::unscoped::<job_run_metric::Entity>()
                .filter(job_run_metric::Column::ModelId.is_in(ids))
                .filter(job_run_metric::Column::Ns.eq(self.ns))
                .order_by_asc(job_run_metric::Column::Key)
                .order_by_asc(job_run_metric::Column::TimestampMs)
                .order_by_asc(job_run_metric::Column::Step)
                .all(self.db)
                .await?
            {
                if let Some(m) = p.model_id {
                    points.entry(m).or_default().push(p);
                }
            }
        }
        Ok(models
            .iter()
            .map(|m| logged_model_json(m, points.get(&m.id).map_or(&[], Vec::as_slice)))
            .collect())
    }

    async fn logged_model_reply(&self, m: &logged_model::Model) -> MlResult<Value> {
        let mut all = self.logged_models_json(std::slice::from_ref(m)).await?;
        all.pop()
            .ok_or_else(|| MlflowError::missing("Logged model not found."))
    }

    async fn create_logged_model(&self, p: &Params) -> MlResult<Value> {
        let exp = self.experiment(&p.req("experiment_id")?, true).await?;
        let run = match p.opt("source_run_id").filter(|r| !r.is_empty()) {
            Some(r) => Some(self.run(&r).await?.id),
            None => None,
        };
        let name = p
            .opt("name")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "model".into());
        let params = tags_of(&p.list("params"))?;
        let tags = tags_of(&p.list("tags"))?;
        let model_type = p.opt("model_type");
        self.ctx.scope.check_write(self.ns)?;
        let ctx = self.ctx;
        let ns = self.ns.to_owned();
        let lm = store::transaction(self.db, async |txn| {
            runs::insert_logged_model(
                txn,
                ctx,
                runs::NewLoggedModel {
                    ns,
                    experiment_id: exp.id,
                    source_run_id: run,
                    name,
                    model_type,
                    params: Value::Object(params),
                    tags: Value::Object(tags),
                },
            )
            .await
        })
        .await?;
        Ok(json!({"model": self.logged_model_reply(&lm).await?}))
    }

    async fn change_logged_model(
        &self,
        id: &str,
        edit: impl FnOnce(&mut logged_model::ActiveModel) + Send,
    ) -> MlResult<logged_model::Model> {
        let before = self.logged_model(id).await?;
        self.ctx.scope.check_write(&before.ns)?;
        let ctx = self.ctx;
        Ok(store::transaction(self.db, async |txn| {
            runs::update_logged_model(txn, ctx, &before, edit).await
        })
        .await?)
    }

    async fn finalize_logged_model(&self, id: &str, p: &Params) -> MlResult<Value> {
        let status = match p.opt("status").as_deref() {
            Some("LOGGED_MODEL_READY") | None => "READY",
            Some("LOGGED_MODEL_UPLOAD_FAILED") => "FAILED",
            Some("LOGGED_MODEL_PENDING") => "PENDING",
            Some(other) => {
                return Err(MlflowError::invalid(format!(
                    "Invalid logged model status {other:?}"
                )));
            }
        };
        let lm = self
            .change_logged_model(id, |row| row.status = Set(status.to_owned()))
            .await?;
        Ok(json!({"model": self.logged_model_reply(&lm).await?}))
    }

    async fn set_logged_model_tags(&self, id: &str, p: &Params) -> MlResult<Value> {
        let new = tags_of(&p.list("tags"))?;
        let before = self.logged_model(id).await?;
        let mut tags = before.tags.as_object().cloned().unwrap_or_default();
        tags.extend(new);
        self.change_logged_model(id, |row| row.tags = Set(Value::Object(tags)))
            .await?;
        Ok(json!({}))
    }

    async fn delete_logged_model_tag(&self, id: &str, key: &str) -> MlResult<Value> {
        let before = self.logged_model(id).await?;
        let mut tags = before.tags.as_object().cloned().unwrap_or_default();
        if tags.remove(key).is_none() {
            return Err(MlflowError::missing(format!(
                "No tag with key {key:?} found for logged model {id}."
            )));
        }
        self.change_logged_model(id, |row| row.tags = Set(Value::Object(tags)))
            .await?;
        Ok(json!({}))
    }

    /// Logged models' params, as runs' are: a key keeps its first value.
    async fn log_logged_model_params(&self, id: &str, p: &Params) -> MlResult<Value> {
        let new = tags_of(&p.list("params"))?;
        if new.len() > 100 {
            return Err(MlflowError::invalid(
                "A request can log at most 100 params to a logged model.",
            ));
        }
        let before = self.logged_model(id).await?;
        let mut params = before.params.as_object().cloned().unwrap_or_default();
        for (k, v) in new {
            match params.get(&k) {
                Some(old) if *old != v => {
                    return Err(MlflowError::invalid(format!(
                        "Changing param values is not allowed. Param with key='{k}' was already logged with value='{}' for logged model ID='{id}'.",
                        old.as_str().unwrap_or_default()
                    )));
                }
                _ => {
                    params.insert(k, v);
                }
            }
        }
        self.change_logged_model(id, |row| row.params = Set(Value::Object(params)))
            .await?;
        Ok(json!({}))
    }

    async fn search_logged_models(&self, p: &Params) -> MlResult<Value> {
        let experiments = self.experiment_ids(p).await?;
        let clauses = parse_filter(p.opt("filter").as_deref())?;
        let backend = self.db.get_database_backend();
        let mut datasets = Vec::new();
        for d in p.list("datasets") {
            let name = d["dataset_name"]
                .as_str()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    MlflowError::invalid(
                        "`dataset_name` in the `datasets` clause must be specified.",
                    )
                })?;
            datasets.push((
                name.to_owned(),
                d["dataset_digest"].as_str().map(str::to_owned),
            ));
        }
        let rows = store::scoped::<logged_model::Entity>(self.ctx)
            .filter(logged_model::Column::Ns.eq(self.ns))
            .filter(logged_model::Column::ExperimentId.is_in(experiments))
            .filter(search::logged_model_matching(backend, &clauses, &datasets)?);
        let keys = logged_model_order(p)?;
        let (models, next) = search::page_of::<_, logged_model::Model>(
            self.db,
            rows,
            |all| all,
            &keys,
            &search::LOGGED_MODELS,
            page_size(p.int("max_results")?, 100),
            p.opt("page_token"),
        )
        .await?;
        let items = self.logged_models_json(&models).await?;
        Ok(with_token(object! {"models": items}, next))
    }

    // ---- registry ----

    async fn model_named(&self, name: &str) -> MlResult<model::Model> {
        store::by_name::<model::Entity>(self.db, self.ctx, model::Column::Name, self.ns, name)
            .await
            .map_err(|_| {
                MlflowError::missing(format!("Registered Model with name={name} not found"))
            })
    }

    async fn version_of(&self, m: &model::Model, version: &str) -> MlResult<model_version::Model> {
        let n: i32 = version.parse().map_err(|_| {
            MlflowError::invalid(format!("Model version must be an integer, got {version:?}"))
        })?;
        store::scoped::<model_version::Entity>(self.ctx)
            .filter(model_version::Column::ModelId.eq(m.id))
            .filter(model_version::Column::Version.eq(n))
            .one(self.db)
            .await?
            .ok_or_else(|| {
                MlflowError::missing(format!(
                    "Model Version (name={}, version={n}) not found",
                    m.name
                ))
            })
    }

    async fn versions_json(
        &self,
        m: &model::Model,
        versions: &[model_version::Model],
    ) -> MlResult<Vec<Value>> {
        let ids: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
        let aliases = registry::aliases_of_versions(self.db, self.ctx, &ids).await?;
        Ok(versions
            .iter()
            .map(|v| {
                let names: Vec<&str> = aliases
                    .iter()
                    .filter(|a| a.model_version_id == v.id)
                    .map(|a| a.alias.as_str())
                    .collect();
                version_json(m, v, &names)
            })
            .collect())
    }

    async fn version_json(&self, m: &model::Model, v: &model_version::Model) -> MlResult<Value> {
        Ok(self
            .versions_json(m, std::slice::from_ref(v))
            .await?
            .pop()
            .unwrap_or(Value::Null))
    }

    async fn registered_model_json(&self, m: &model::Model) -> MlResult<Value> {
        Ok(self
            .registered_models_json(std::slice::from_ref(m))
            .await?
            .pop()
            .unwrap_or(Value::Null))
    }

    /// Registered models as MLflow answers them (latest version of each stage, aliases,
    /// tags), in three statements for all of them.
    async fn registered_models_json(&self, models: &[model::Model]) -> MlResult<Vec<Value>> {
        use model_version::Column as V;
        use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
        let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
        let aliases = registry::aliases_of_models(self.db, self.ctx, &ids).await?;
        // Only the versions the answer names: each model's latest of each stage, and the
        // aliased ones (a model may hold thousands of versions).
        let aliased: Vec<Uuid> = aliases.iter().map(|a| a.model_version_id).collect();
        let mut versions: HashMap<Uuid, Vec<model_version::Model>> = HashMap::new();
        for chunk in ids.chunks(1000) {
            let latest = Query::select()
                .columns([V::ModelId, V::Stage])
                .expr(Func::max(Expr::col(V::Version)))
                .from(model_version::Entity)
                .and_where(V::ModelId.is_in(chunk.iter().copied()))
                .group_by_columns([V::ModelId, V::Stage])
                .to_owned();
            let named = sea_orm::Condition::any()
                .add(
                    Expr::tuple([
                        Expr::col((model_version::Entity, V::ModelId)),
                        Expr::col((model_version::Entity, V::Stage)),
                        Expr::col((model_version::Entity, V::Version)),
                    ])
                    .in_subquery(latest),
                )
                .add(V::Id.is_in(aliased.iter().copied()));
            for v in store::scoped::<model_version::Entity>(self.ctx)
                .filter(V::ModelId.is_in(chunk.iter().copied()))
                .filter(named)
                .order_by_asc(V::Version)
                .all(self.db)
                .await?
            {
                versions.entry(v.model_id).or_default().push(v);
            }
        }
        // Each model's latest version of each stage.
        let latest: HashMap<Uuid, Vec<&model_version::Model>> = versions
            .iter()
            .map(|(id, vs)| {
                let mut by_stage: HashMap<&'static str, &model_version::Model> = HashMap::new();
                for v in vs {
                    by_stage.insert(stage_name(v.stage), v);
                }
                let mut latest: Vec<&model_version::Model> = by_stage.into_values().collect();
                latest.sort_by_key(|v| v.version);
                (*id, latest)
            })
            .collect();
        let latest_ids: Vec<Uuid> = latest.values().flatten().map(|v| v.id).collect();
        let latest_aliases = registry::aliases_of_versions(self.db, self.ctx, &latest_ids).await?;
        Ok(models
            .iter()
            .map(|m| {
                let own = versions.get(&m.id).map_or(&[][..], Vec::as_slice);
                let alias_list: Vec<Value> = aliases
                    .iter()
                    .filter(|a| a.model_id == m.id)
                    .filter_map(|a| {
                        own.iter()
                            .find(|v| v.id == a.model_version_id)
                            .map(|v| json!({"alias": a.alias, "version": v.version.to_string()}))
                    })
                    .collect();
                let latest_versions: Vec<Value> = latest
                    .get(&m.id)
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        let names: Vec<&str> = latest_aliases
                            .iter()
                            .filter(|a| a.model_version_id == v.id)
                            .map(|a| a.alias.as_str())
                            .collect();
                        version_json(m, v, &names)
                    })
                    .collect();
                let tags = m.tags.clone().unwrap_or_else(|| json!({}));
                object! {
                    "name": m.name.as_str(),
                    "creation_timestamp": ms(m.created_at),
                    "last_updated_timestamp": ms(m.updated_at),
                    "user_id": m.created_by.clone().unwrap_or_default(),
                    "description": m.description.clone().unwrap_or_default(),
                    "latest_versions": latest_versions,
                    "tags": tag_list(&tags),
                    "aliases": alias_list,
                }
            })
            .collect())
    }

    async fn create_registered_model(&self, p: &Params) -> MlResult<Value> {
        let name = p.req("name")?;
        validate::name("name", &name)?;
        let tags = tags_of(&p.list("tags"))?;
        let description = p.opt("description").filter(|d| !d.is_empty());
        self.ctx.scope.check_write(self.ns)?;
        let exists = store::unscoped::<model::Entity>()
            .filter(model::Column::Ns.eq(self.ns))
            .filter(model::Column::Name.eq(name.as_str()))
            .one(self.db)
            .await?;
        if exists.is_some() {
            return Err(MlflowError::new(
                StatusCode::BAD_REQUEST,
                "RESOURCE_ALREADY_EXISTS",
                format!("Registered Model (name={name}) already exists."),
            ));
        }
        let ctx = self.ctx;
        let input = crate::registry::commands::CreateModel {
            ns: self.ns.to_owned(),
            name,
            description,
            task: None,
            framework: None,
            workflow_id: None,
        };
        let m = store::transaction(self.db, async |txn| {
            crate::registry::service::insert_model(txn, ctx, input, Some(Value::Object(tags))).await
        })
        .await?;
        Ok(json!({"registered_model": self.registered_model_json(&m).await?}))
    }

    async fn update_registered_model(&self, p: &Params) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let description = p.opt("description");
        let m = registry::change_model(self.db, self.ctx, m.id, |row| {
            row.description = Set(description.filter(|d| !d.is_empty()));
        })
        .await?;
        Ok(json!({"registered_model": self.registered_model_json(&m).await?}))
    }

    /// `registered-models/rename`: through the registry's service, so versions and
    /// aliases (which hang off the model's id) follow.
    async fn rename_registered_model(&self, p: &Params) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let new_name = p.req("new_name")?;
        let m = registry::update_model(
            self.db,
            self.ctx,
            crate::registry::commands::UpdateModel {
                id: m.id,
                name: Some(new_name.clone()),
                description: crate::core::patch::Patch::Keep,
                task: crate::core::patch::Patch::Keep,
                framework: crate::core::patch::Patch::Keep,
                workflow_id: crate::core::patch::Patch::Keep,
            },
        )
        .await
        .map_err(|e| match e {
            AppError::Conflict { .. } => MlflowError::new(
                StatusCode::BAD_REQUEST,
                "RESOURCE_ALREADY_EXISTS",
                format!("Registered Model (name={new_name}) already exists."),
            ),
            e => e.into(),
        })?;
        Ok(json!({"registered_model": self.registered_model_json(&m).await?}))
    }

    async fn set_model_tag(&self, p: &Params, set: bool) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let key = p.req("key")?;
        let value = p.opt("value").unwrap_or_default();
        let mut tags = m
            .tags
            .clone()
            .and_then(|t| t.as_object().cloned())
            .unwrap_or_default();
        if set {
            tags.insert(key, Value::String(value));
        } else {
            tags.remove(&key);
        }
        registry::change_model(self.db, self.ctx, m.id, |row| {
            row.tags = Set(Some(Value::Object(tags)));
        })
        .await?;
        Ok(json!({}))
    }

    /// `registered-models/search`: by name unless `order_by` says otherwise (name breaks
    /// ties), as in MLflow.
    async fn search_registered_models(&self, p: &Params) -> MlResult<Value> {
        let clauses = parse_filter(p.opt("filter").as_deref())?;
        let keys = order_by(
            p,
            &[
                "name",
                "creation_timestamp",
                "timestamp",
                "last_updated_timestamp",
            ],
            &[],
        )?;
        // In the database: the filter, the order (ties: name) and a keyset page.
        let backend = self.db.get_database_backend();
        let rows = store::scoped::<model::Entity>(self.ctx)
            .filter(model::Column::Ns.eq(self.ns))
            .filter(search::matching(
                backend,
                &clauses,
                &search::REGISTERED_MODELS,
            )?);
        let (models, next) = search::page_of::<_, model::Model>(
            self.db,
            rows,
            |all| all,
            &keys,
            &search::REGISTERED_MODELS,
            page_size(p.int("max_results")?, 100),
            p.opt("page_token"),
        )
        .await?;
        let out = self.registered_models_json(&models).await?;
        Ok(with_token(object! {"registered_models": out}, next))
    }

    async fn latest_versions(&self, p: &Params) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let stages: Vec<ModelStage> = p
            .strings("stages")
            .iter()
            .map(|s| parse_stage(s))
            .collect::<MlResult<_>>()?;
        let json = self.registered_model_json(&m).await?;
        let versions: Vec<Value> = json["latest_versions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|v| {
                stages.is_empty()
                    || stages
                        .iter()
                        .any(|s| v["current_stage"].as_str() == Some(stage_name(*s)))
            })
            .collect();
        Ok(object! {"model_versions": versions})
    }

    async fn create_model_version(&self, p: &Params) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let source = p.opt("source").filter(|s| !s.is_empty());
        let logged = match p.opt("model_id").filter(|s| !s.is_empty()) {
            Some(id) => Some(self.logged_model(&id).await?),
            None => None,
        };
        let run = match p.opt("run_id").filter(|s| !s.is_empty()) {
            Some(id) => Some(self.run(&id).await?),
            None => match logged.as_ref().and_then(|l| l.source_run_id) {
                Some(id) => Some(self.run(&hex(id)).await?),
                None => None,
            },
        };
        let mut tags = tags_of(&p.list("tags"))?;
        let mut own = Map::new();
        if let Some(r) = &run {
            own.insert("run_id".into(), Value::String(hex(r.id)));
        }
        if let Some(l) = &logged {
            own.insert("model_id".into(), Value::String(format!("m-{}", hex(l.id))));
        }
        if let Some(d) = p.opt("description").filter(|d| !d.is_empty()) {
            own.insert("description".into(), Value::String(d));
        }
        if let Some(link) = p.opt("run_link").filter(|d| !d.is_empty()) {
            own.insert("run_link".into(), Value::String(link));
        }
        tags.insert("_mlflow".into(), Value::Object(own));
        let params = match (&run, &logged) {
            (Some(r), _) => Some(r.params.clone()),
            (None, Some(l)) => Some(l.params.clone()),
            _ => None,
        };
        let metrics = run.as_ref().map(|r| crate::runs::values_of(&r.metrics));
        // The model's files (a logged model's, or those under the run path the source
        // names) become the version's artifacts too, sharing the stored objects.
        let files = self
            .files_of_source(logged.as_ref(), source.as_deref())
            .await?;
        let ctx = self.ctx;
        let v = store::transaction(self.db, async |txn| {
            let v = registry::insert_new_model_version(
                txn,
                ctx,
                registry::NewModelVersion {
                    model_id: m.id,
                    parent_version_id: None,
                    training_job: None,
                    artifact_uri: source,
                    checksum: None,
                    size_bytes: None,
                    metrics,
                    params,
                    tags: Some(Value::Object(tags)),
                },
                "model_version",
            )
            .await?;
            if let Some(r) = &run {
                crate::lineage::service::link_in(
                    txn,
                    ctx,
                    "producedBy",
                    (NodeType::ModelVersion, v.id),
                    (NodeType::JobRun, r.id),
                    None,
                )
                .await?;
            }
            for (path, file) in &files {
                crate::artifacts::service::share(
                    txn,
                    ctx,
                    (NodeType::ModelVersion, v.id),
                    file,
                    path,
                )
                .await?;
            }
            Ok(v)
        })
        .await?;
        Ok(json!({"model_version": self.version_json(&m, &v).await?}))
    }

    /// The stored files a model version's source names, with their paths under it: a
    /// logged model's (`model_id`, `models:/m-...`), or a run's under a path
    /// (`runs:/<run>/<path>`, `mlflow-artifacts:/<experiment>/<run>/artifacts/<path>`).
    /// None without an artifact store or when the source is elsewhere (`s3://...`).
    async fn files_of_source(
        &self,
        logged: Option<&logged_model::Model>,
        source: Option<&str>,
    ) -> MlResult<Vec<(String, entity::artifact::Model)>> {
        if self.arts.is_none() {
            return Ok(Vec::new());
        }
        let location = match (logged, source) {
            (Some(l), _) => Some(logged_model_location(l)),
            (None, Some(s)) => {
                if let Some(id) = s.strip_prefix("models:/").filter(|i| i.starts_with("m-")) {
                    let l = self.logged_model(id.trim_end_matches('/')).await?;
                    Some(logged_model_location(&l))
                } else if let Some(rest) = s.strip_prefix("runs:/") {
                    let (run, path) = rest.split_once('/').unwrap_or((rest, ""));
                    let r = self.run(run).await?;
                    let exp = r.experiment_id.map(hex).unwrap_or_else(|| "0".into());
                    Some(format!("{exp}/{}/artifacts/{path}", hex(r.id)))
                } else {
                    s.strip_prefix("mlflow-artifacts:/").map(str::to_owned)
                }
            }
            (None, None) => None,
        };
        let Some(location) = location else {
            return Ok(Vec::new());
        };
        self.files(&self.place(&location).await?).await
    }

    async fn update_model_version(&self, p: &Params) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let v = self.version_of(&m, &p.req("version")?).await?;
        let description = p.opt("description").unwrap_or_default();
        let mut tags = v
            .tags
            .clone()
            .and_then(|t| t.as_object().cloned())
            .unwrap_or_default();
        let mut own = tags
            .get("_mlflow")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        own.insert("description".into(), Value::String(description));
        tags.insert("_mlflow".into(), Value::Object(own));
        let v = registry::change_model_version(self.db, self.ctx, v.id, |row| {
            row.tags = Set(Some(Value::Object(tags)));
        })
        .await?;
        Ok(json!({"model_version": self.version_json(&m, &v).await?}))
    }

    async fn set_version_tag(&self, p: &Params, set: bool) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let v = self.version_of(&m, &p.req("version")?).await?;
        let key = p.req("key")?;
        if key == "_mlflow" {
            return Err(MlflowError::invalid("the tag `_mlflow` is mlgraph's"));
        }
        let mut tags = v
            .tags
            .clone()
            .and_then(|t| t.as_object().cloned())
            .unwrap_or_default();
        if set {
            tags.insert(key, Value::String(p.opt("value").unwrap_or_default()));
        } else {
            tags.remove(&key);
        }
        registry::change_model_version(self.db, self.ctx, v.id, |row| {
            row.tags = Set(Some(Value::Object(tags)));
        })
        .await?;
        Ok(json!({}))
    }

    async fn transition_stage(&self, p: &Params) -> MlResult<Value> {
        let m = self.model_named(&p.req("name")?).await?;
        let v = self.version_of(&m, &p.req("version")?).await?;
        let stage = parse_stage(&p.req("stage")?)?;
        let promoted = registry::promote_model_version(self.db, self.ctx, v.id, stage).await?;
        Ok(json!({"model_version": self.version_json(&m, &promoted.version).await?}))
    }

    /// `model-versions/search`: by model name, then newest version first, unless
    /// `order_by` says otherwise (those two break ties), as in MLflow.
    async fn search_model_versions(&self, p: &Params) -> MlResult<Value> {
        let clauses = parse_filter(p.opt("filter").as_deref())?;
        let keys = order_by(
            p,
            &[
                "name",
                "version_number",
                "version",
                "creation_timestamp",
                "timestamp",
                "last_updated_timestamp",
            ],
            &[],
        )?;
        // In the database: the filter, the order (ties: model name, newest version) and
        // a keyset page; then the page's models and aliases, one statement each.
        let backend = self.db.get_database_backend();
        let rows = store::scoped::<model_version::Entity>(self.ctx)
            .filter(model_version::Column::Ns.eq(self.ns))
            .filter(search::matching(
                backend,
                &clauses,
                &search::MODEL_VERSIONS,
            )?);
        let (versions, next) = search::page_of::<_, model_version::Model>(
            self.db,
            rows,
            |all| all,
            &keys,
            &search::MODEL_VERSIONS,
            page_size(p.int("max_results")?, 10_000),
            p.opt("page_token"),
        )
        .await?;
        let mut model_ids: Vec<Uuid> = versions.iter().map(|v| v.model_id).collect();
        model_ids.sort_unstable();
        model_ids.dedup();
        let models = store::by_ids::<model::Entity>(self.db, self.ctx, &model_ids).await?;
        let ids: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
        let aliases = registry::aliases_of_versions(self.db, self.ctx, &ids).await?;
        let out: Vec<Value> = versions
            .iter()
            .filter_map(|v| {
                let m = models.get(&v.model_id)?;
                let names: Vec<&str> = aliases
                    .iter()
                    .filter(|a| a.model_version_id == v.id)
                    .map(|a| a.alias.as_str())
                    .collect();
                Some(version_json(m, v, &names))
            })
            .collect();
        Ok(with_token(object! {"model_versions": out}, next))
    }
}

fn to_app(e: MlflowError) -> AppError {
    match e.code {
        "RESOURCE_DOES_NOT_EXIST" => AppError::not_found(e.message),
        "RESOURCE_ALREADY_EXISTS" => AppError::Conflict {
            message: e.message,
            field: None,
        },
        "PERMISSION_DENIED" => AppError::Forbidden(e.message),
        _ => AppError::bad_input("request", e.message),
    }
}

/// At most `max` of `steps` (sorted, distinct), evenly spread, the first and the last
/// always among them.
fn sampled_steps(steps: &[i64], max: usize) -> Vec<i64> {
    if steps.len() <= max {
        return steps.to_vec();
    }
    if max == 1 {
        return steps.last().copied().into_iter().collect();
    }
    let last = steps.len() - 1;
    let mut out: Vec<i64> = (0..max)
        .filter_map(|i| steps.get(i * last / (max - 1)).copied())
        .collect();
    out.dedup();
    out
}

/// Where a logged model's files live under `mlflow-artifacts:/`.
fn logged_model_location(m: &logged_model::Model) -> String {
    format!("{}/models/m-{}/artifacts", hex(m.experiment_id), hex(m.id))
}

/// MLflow refuses writes to a deleted run.
fn active(r: &job_run::Model) -> MlResult<()> {
    match r.deleted_at {
        None => Ok(()),
        Some(_) => Err(MlflowError::invalid(format!(
            "The run {} must be in the 'active' state. Current state is deleted.",
            hex(r.id)
        ))),
    }
}

fn experiment_deleted(e: &experiment::Model) -> bool {
    e.config["mlflow"]["deleted"].as_bool() == Some(true)
}

fn with_token(mut body: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        body["next_page_token"] = Value::String(t);
    }
    body
}

fn version_json(m: &model::Model, v: &model_version::Model, aliases: &[&str]) -> Value {
    let tags = v.tags.clone().unwrap_or_else(|| json!({}));
    let own = tags.get("_mlflow").cloned().unwrap_or_else(|| json!({}));
    let field = |k: &str| {
        own.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut out = json!({
        "name": m.name,
        "version": v.version.to_string(),
        "creation_timestamp": ms(v.created_at),
        "last_updated_timestamp": ms(v.updated_at),
        "user_id": v.created_by.clone().unwrap_or_default(),
        "current_stage": stage_name(v.stage),
        "description": field("description"),
        "source": v.artifact_uri.clone().unwrap_or_default(),
        "run_id": field("run_id"),
        "run_link": field("run_link"),
        "status": "READY",
        "tags": tag_list(&tags),
        "aliases": aliases,
    });
    let model_id = field("model_id");
    if !model_id.is_empty() {
        out["model_id"] = Value::String(model_id);
    }
    out
}

fn logged_model_json(m: &logged_model::Model, metrics: &[job_run_metric::Model]) -> Value {
    let id = format!("m-{}", hex(m.id));
    let exp = hex(m.experiment_id);
    let params: Vec<Value> = m
        .params
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "info": {
            "model_id": id,
            "experiment_id": exp,
            "name": m.name,
            "creation_timestamp_ms": ms(m.created_at),
            "last_updated_timestamp_ms": ms(m.updated_at),
            "artifact_uri": format!("mlflow-artifacts:/{}", logged_model_location(m)),
            "status": match m.status.as_str() {
                "READY" => "LOGGED_MODEL_READY",
                "FAILED" => "LOGGED_MODEL_UPLOAD_FAILED",
                _ => "LOGGED_MODEL_PENDING",
            },
            "model_type": m.model_type.clone().unwrap_or_default(),
            "source_run_id": m.source_run_id.map(hex).unwrap_or_default(),
            "status_message": m.status_message.clone().unwrap_or_default(),
            "tags": tag_list(&m.tags),
        },
        "data": {"params": params, "metrics": metrics.iter().map(|p| model_metric_json(&id, p)).collect::<Vec<_>>()},
    })
}

/// A logged model's metric as MLflow 3 answers it: the point, its run, the dataset.
fn model_metric_json(model_id: &str, p: &job_run_metric::Model) -> Value {
    let mut out = json!({
        "key": p.key, "value": p.value, "timestamp": p.timestamp_ms, "step": p.step,
        "run_id": hex(p.run_id), "model_id": model_id,
    });
    for (k, v) in [
        ("dataset_name", &p.dataset_name),
        ("dataset_digest", &p.dataset_digest),
    ] {
        if let Some(v) = v {
            out[k] = json!(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(filter: &str) -> Vec<(String, Op, Lit)> {
        parse_filter(Some(filter))
            .unwrap_or_else(|e| panic!("{filter}: {e:?}"))
            .into_iter()
            .map(|c| (c.field, c.op, c.value))
            .collect()
    }

    fn clause(field: &str, op: Op, value: Lit) -> (String, Op, Lit) {
        (field.to_owned(), op, value)
    }

    #[test]
    fn the_search_grammar_reads_mlflow_filters() {
        let s = |v: &str| Lit::Str(v.to_owned());
        assert_eq!(
            parsed("name = 'churn'"),
            [clause("name", Op::Eq, s("churn"))]
        );
        assert_eq!(
            parsed("name LIKE 'fraud-%'"),
            [clause("name", Op::Like, s("fraud-%"))]
        );
        // A run of `%` is one `%` (long runs are fine); a pattern past the bound is
        // refused.
        let many = format!(
            "name LIKE '{}fraud-a{}'",
            "%".repeat(20_000),
            "%".repeat(20_000)
        );
        assert_eq!(parsed(&many).len(), 1);
        let long = format!("name LIKE '{}'", "_%".repeat(MAX_LIKE_PATTERN));
        assert!(parse_filter(Some(&long)).is_err());
        assert_eq!(
            parsed("name ILIKE 'FRAUD-_'"),
            [clause("name", Op::ILike, s("FRAUD-_"))]
        );
        assert_eq!(
            parsed("name != 'churn' AND metrics.auc > 0.8"),
            [
                clause("name", Op::Ne, s("churn")),
                clause("metrics.auc", Op::Gt, Lit::Num(0.8))
            ]
        );
        assert_eq!(
            parsed("attributes.name IN ('churn', 'fraud-b')"),
            [clause(
                "name",
                Op::In,
                Lit::List(vec![s("churn"), s("fraud-b")])
            )]
        );
        assert_eq!(
            parsed("metrics.`auc` >= 0.9"),
            [clause("metrics.auc", Op::Ge, Lit::Num(0.9))]
        );
        assert_eq!(
            parsed("name = \"fraud-a\""),
            [clause("name", Op::Eq, s("fraud-a"))]
        );
        assert!(parse_filter(Some("name = ")).is_err());
        assert!(parse_filter(Some("name = 'x' OR name = 'y'")).is_err());
    }

    /// A logged float comes back bit for bit: JSON numbers are read with correct rounding
    /// (serde_json's `float_roundtrip`), so the request's value, the run's stored latest
    /// value and the answer are the same double. 0.19225217199848266 is one of the values
    /// a default-precision parser reads 1 ulp off.
    #[test]
    fn floats_survive_json_bit_for_bit() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut values = vec![0.192_252_171_998_482_66_f64, 0.1, 1e-300, 123_456.789];
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push((state >> 11) as f64 / (1u64 << 53) as f64);
        }
        for v in values {
            let text = serde_json::json!({ "value": v }).to_string();
            let back: Value = serde_json::from_str(&text).unwrap_or_default();
            assert_eq!(
                back["value"].as_f64().map(f64::to_bits),
                Some(v.to_bits()),
                "{text}"
            );
        }
    }

    #[test]
    fn sampling_keeps_the_ends_and_spreads_evenly() {
        let steps: Vec<i64> = (0..1000).collect();
        let kept = sampled_steps(&steps, 5);
        assert_eq!(kept, [0, 249, 499, 749, 999]);
        assert_eq!(sampled_steps(&steps[..3], 5), [0, 1, 2]);
        assert_eq!(sampled_steps(&steps, 1), [999]);
        let sparse = [3, 10, 11, 500];
        assert_eq!(sampled_steps(&sparse, 2), [3, 500]);
    }
}
