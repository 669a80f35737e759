//! `runs/search` compiled to one SQL statement: the filter becomes its `WHERE` (a
//! `dataset.*` clause an `EXISTS` over the run's logged inputs), `order_by` its
//! `ORDER BY` (a missing value last whatever the direction, then MLflow's tie-break:
//! start time, newest first, then run id), the page its `LIMIT`/`OFFSET`. The database
//! reads what the page needs and no run is loaded to be thrown away.
//!
//! The filter is typed as MLflow's is: a metric or a time compares with a number, a
//! param, tag or text attribute with a quoted string; anything else is
//! `INVALID_PARAMETER_VALUE`. A missing metric, param or tag matches only `!=` and
//! `NOT IN`. Strings compare and sort by their bytes on both backends (`COLLATE "C"` on
//! PostgreSQL); `LIKE` is case-sensitive on both (SQLite's own `LIKE` is not, so it runs
//! as `GLOB` there), `ILIKE` folds case (ASCII letters only on SQLite).

use entity::{edge, experiment, job_run, job_run_metric, logged_model, model, model_version};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, NullOrdering, Query, SimpleExpr};
use sea_orm::{Condition, DbBackend, Order};

use super::{Clause, Lit, MAX_LIKE_PATTERN, MlResult, MlflowError, Op, OrderKey};
use crate::core::context::RequestContext;

/// What a field holds.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Num,
    Str,
}

/// A field's expression, with the SQL of each backend.
pub(super) struct Field {
    expr: SimpleExpr,
    kind: Kind,
}

fn col(c: job_run::Column) -> SimpleExpr {
    Expr::col((job_run::Entity, c))
}

/// `pg` with `$1`.. for PostgreSQL, `sqlite` with one `?` per use for SQLite.
fn cust(pg: bool, pg_sql: &str, sqlite_sql: &str, args: Vec<SimpleExpr>) -> SimpleExpr {
    Expr::cust_with_exprs(if pg { pg_sql } else { sqlite_sql }.to_owned(), args)
}

/// The value of `key` in the JSON object column `c` when it is a string.
fn json_text(pg: bool, c: job_run::Column, key: &str) -> SimpleExpr {
    json_text_in(pg, col(c), key)
}

/// The value of `key` in the JSON object `obj` when it is a string.
fn json_text_in(pg: bool, obj: SimpleExpr, key: &str) -> SimpleExpr {
    let k = || SimpleExpr::from(key.to_owned());
    cust(
        pg,
        "CASE WHEN jsonb_typeof($1 -> $2) = 'string' THEN $1 ->> $2 END",
        "CASE WHEN json_type(? -> ?) = 'text' THEN ? ->> ? END",
        if pg {
            vec![obj, k()]
        } else {
            vec![obj.clone(), k(), obj, k()]
        },
    )
}

/// Milliseconds since the epoch of a time column (MLflow's `start_time`, `end_time`,
/// `creation_time`, ...).
fn millis_of(pg: bool, e: SimpleExpr) -> SimpleExpr {
    if pg {
        Expr::cust_with_exprs("floor(extract(epoch from $1) * 1000)::float8", [e])
    } else {
        Expr::cust_with_exprs("CAST(round(unixepoch(?, 'subsec') * 1000) AS REAL)", [e])
    }
}

/// MLflow's id of a UUID column: its 32 hex digits.
fn hex_of(pg: bool, e: SimpleExpr) -> SimpleExpr {
    cust(
        pg,
        "replace(CAST($1 AS text), '-', '')",
        "lower(hex(?))",
        vec![e],
    )
}

/// `config -> 'mlflow' -> <part>` of an experiment.
fn mlflow_part(pg: bool, part: &str) -> SimpleExpr {
    let config = Expr::col((experiment::Entity, experiment::Column::Config));
    cust(
        pg,
        "($1 -> 'mlflow' -> $2)",
        "(? -> 'mlflow' -> ?)",
        vec![config, part.to_owned().into()],
    )
}

/// An experiment's field as the filter and `order_by` name it.
fn experiment_field(pg: bool, name: &str) -> Field {
    use experiment::Column as C;
    let c = |c: C| SimpleExpr::from(Expr::col((experiment::Entity, c)));
    let (expr, kind) = match name {
        "name" => (c(C::Name), Kind::Str),
        "experiment_id" => (hex_of(pg, c(C::Id)), Kind::Str),
        "creation_time" => (millis_of(pg, c(C::CreatedAt)), Kind::Num),
        "last_update_time" => (millis_of(pg, c(C::UpdatedAt)), Kind::Num),
        f => match f.strip_prefix("tags.") {
            Some(k) => (json_text_in(pg, mlflow_part(pg, "tags"), k), Kind::Str),
            None => (Expr::cust("NULL"), Kind::Str),
        },
    };
    Field { expr, kind }
}

/// A registered model's field as the filter and `order_by` name it.
fn model_field(pg: bool, name: &str) -> Field {
    use model::Column as C;
    let c = |c: C| SimpleExpr::from(Expr::col((model::Entity, c)));
    let (expr, kind) = match name {
        "name" => (c(C::Name), Kind::Str),
        "creation_timestamp" | "timestamp" => (millis_of(pg, c(C::CreatedAt)), Kind::Num),
        "last_updated_timestamp" => (millis_of(pg, c(C::UpdatedAt)), Kind::Num),
        f => match f.strip_prefix("tags.") {
            Some(k) => (json_text_in(pg, c(C::Tags), k), Kind::Str),
            None => (Expr::cust("NULL"), Kind::Str),
        },
    };
    Field { expr, kind }
}

/// MLflow's order of registered models: by name (unique in a namespace), then id.
fn model_ties(backend: DbBackend) -> Vec<SortKey> {
    let pg = backend == DbBackend::Postgres;
    vec![
        SortKey::of(pg, model_field(pg, "name"), true),
        SortKey::id(Expr::col((model::Entity, model::Column::Id))),
    ]
}

/// A model version's field as the filter and `order_by` name it (`name` is its model's).
fn version_field(pg: bool, name: &str) -> Field {
    use model_version::Column as C;
    let c = |c: C| SimpleExpr::from(Expr::col((model_version::Entity, c)));
    let (expr, kind) = match name {
        "name" => (
            cust(
                pg,
                "(SELECT models.name FROM models WHERE models.id = $1)",
                "(SELECT models.name FROM models WHERE models.id = ?)",
                vec![c(C::ModelId)],
            ),
            Kind::Str,
        ),
        "version_number" | "version" => (
            cust(
                pg,
                "CAST($1 AS float8)",
                "CAST(? AS REAL)",
                vec![c(C::Version)],
            ),
            Kind::Num,
        ),
        "creation_timestamp" | "timestamp" => (millis_of(pg, c(C::CreatedAt)), Kind::Num),
        "last_updated_timestamp" => (millis_of(pg, c(C::UpdatedAt)), Kind::Num),
        "run_id" => (
            json_text_in(
                pg,
                cust(
                    pg,
                    "($1 -> '_mlflow')",
                    "(? -> '_mlflow')",
                    vec![c(C::Tags)],
                ),
                "run_id",
            ),
            Kind::Str,
        ),
        "source_path" | "source" => (c(C::ArtifactUri), Kind::Str),
        "current_stage" => {
            let sql = |a: &str| {
                format!(
                    "CASE {a} WHEN 'NONE' THEN 'None' WHEN 'STAGING' THEN 'Staging' WHEN 'PRODUCTION' THEN 'Production' WHEN 'ARCHIVED' THEN 'Archived' END"
                )
            };
            (
                cust(pg, &sql("$1"), &sql("?"), vec![c(C::Stage)]),
                Kind::Str,
            )
        }
        f => match f.strip_prefix("tags.") {
            Some(k) => (json_text_in(pg, c(C::Tags), k), Kind::Str),
            None => (Expr::cust("NULL"), Kind::Str),
        },
    };
    Field { expr, kind }
}

/// MLflow's order of model versions: model name, then newest version first, then id.
fn version_ties(backend: DbBackend) -> Vec<SortKey> {
    let pg = backend == DbBackend::Postgres;
    vec![
        SortKey::of(pg, version_field(pg, "name"), true),
        SortKey::of(pg, version_field(pg, "version_number"), false),
        SortKey::id(Expr::col((
            model_version::Entity,
            model_version::Column::Id,
        ))),
    ]
}

/// A logged model's field as the filter names it.
fn logged_model_field(pg: bool, name: &str) -> Field {
    use logged_model::Column as C;
    let c = |c: C| SimpleExpr::from(Expr::col((logged_model::Entity, c)));
    let (expr, kind) = match name {
        "name" => (c(C::Name), Kind::Str),
        "model_id" => (
            cust(
                pg,
                "('m-' || $1)",
                "('m-' || ?)",
                vec![hex_of(pg, c(C::Id))],
            ),
            Kind::Str,
        ),
        "experiment_id" => (hex_of(pg, c(C::ExperimentId)), Kind::Str),
        "source_run_id" => (hex_of(pg, c(C::SourceRunId)), Kind::Str),
        "status" => (c(C::Status), Kind::Str),
        "model_type" => (c(C::ModelType), Kind::Str),
        "creation_timestamp" | "creation_timestamp_ms" | "creation_time" => {
            (millis_of(pg, c(C::CreatedAt)), Kind::Num)
        }
        "last_updated_timestamp" | "last_updated_timestamp_ms" => {
            (millis_of(pg, c(C::UpdatedAt)), Kind::Num)
        }
        f => match f.strip_prefix("tags.") {
            Some(k) => (json_text_in(pg, c(C::Tags), k), Kind::Str),
            None if f.starts_with("params.") => (
                json_text_in(pg, c(C::Params), &f["params.".len()..]),
                Kind::Str,
            ),
            // The latest value logged to the model under the key (newest timestamp,
            // then step, then run id, as MLflow); missing for a model that never
            // logged it, and such models sort last.
            None => match f.strip_prefix("metrics.") {
                Some(k) => (latest_model_metric(k), Kind::Num),
                None => (Expr::cust("NULL"), Kind::Str),
            },
        },
    };
    Field { expr, kind }
}

/// Separates an order key's metric from the dataset it is measured on (see
/// [`model_metric_order`]).
const DATASET_MARK: char = '\u{1f}';

/// The field a logged-models search orders by for `metrics.<key>` on a dataset (MLflow
/// 3's `{"field_name": "metrics.acc", "dataset_name": ..., "dataset_digest": ...}`).
pub(super) fn model_metric_order(
    field: &str,
    dataset: Option<&str>,
    digest: Option<&str>,
) -> String {
    format!(
        "{field}{DATASET_MARK}{}{DATASET_MARK}{}",
        dataset.unwrap_or_default(),
        digest.unwrap_or_default()
    )
}

/// A logged model's latest value of the metric `key` (newest timestamp, then step, then
/// run id, as MLflow), of the dataset the key names when it names one.
fn latest_model_metric(key: &str) -> SimpleExpr {
    let mut parts = key.split(DATASET_MARK);
    let key = parts.next().unwrap_or_default();
    let p = Alias::new("p");
    let pc = |c: job_run_metric::Column| Expr::col((p.clone(), c));
    let mut q = Query::select();
    q.column((p.clone(), job_run_metric::Column::Value))
        .from_as(job_run_metric::Entity, p.clone())
        .and_where(
            pc(job_run_metric::Column::ModelId)
                .equals((logged_model::Entity, logged_model::Column::Id)),
        )
        .and_where(pc(job_run_metric::Column::Key).eq(key))
        .order_by(
            (p.clone(), job_run_metric::Column::TimestampMs),
            Order::Desc,
        )
        .order_by((p.clone(), job_run_metric::Column::Step), Order::Desc)
        .order_by((p.clone(), job_run_metric::Column::RunId), Order::Asc)
        .limit(1);
    if let Some(name) = parts.next().filter(|n| !n.is_empty()) {
        q.and_where(pc(job_run_metric::Column::DatasetName).eq(name));
    }
    if let Some(digest) = parts.next().filter(|d| !d.is_empty()) {
        q.and_where(pc(job_run_metric::Column::DatasetDigest).eq(digest));
    }
    SimpleExpr::SubQuery(None, Box::new(q.into()))
}

/// A logged models search's filter, as MLflow's: attributes, params and tags on the
/// model; a `metrics.` clause holds when **any** value logged to the model under the key
/// (any step, run or dataset, of `datasets` when given) meets it; `datasets` alone keeps
/// the models with a metric on one of them.
pub(super) fn logged_model_matching(
    backend: DbBackend,
    clauses: &[Clause],
    datasets: &[(String, Option<String>)],
) -> MlResult<Condition> {
    let pg = backend == DbBackend::Postgres;
    let (metric, other): (Vec<&Clause>, Vec<&Clause>) = clauses
        .iter()
        .partition(|c| c.field.starts_with("metrics."));
    let mut all = matching(backend, other, &LOGGED_MODELS)?;
    let p = Alias::new("p");
    let pc = |c: job_run_metric::Column| Expr::col((p.clone(), c));
    let on_datasets = || {
        if datasets.is_empty() {
            return Condition::all();
        }
        datasets
            .iter()
            .fold(Condition::any(), |any, (name, digest)| {
                let mut one =
                    Condition::all().add(pc(job_run_metric::Column::DatasetName).eq(name));
                if let Some(d) = digest {
                    one = one.add(pc(job_run_metric::Column::DatasetDigest).eq(d));
                }
                any.add(one)
            })
    };
    let points = || {
        let mut q = Query::select();
        q.expr(Expr::val(1))
            .from_as(job_run_metric::Entity, p.clone())
            .and_where(
                pc(job_run_metric::Column::ModelId)
                    .equals((logged_model::Entity, logged_model::Column::Id)),
            )
            .cond_where(on_datasets());
        q
    };
    for c in &metric {
        let key = &c.field["metrics.".len()..];
        let mut q = points();
        q.and_where(pc(job_run_metric::Column::Key).eq(key))
            .cond_where(compare(
                pg,
                &c.field,
                pc(job_run_metric::Column::Value),
                Kind::Num,
                c,
            )?);
        all = all.add(Expr::exists(q));
    }
    if metric.is_empty() && !datasets.is_empty() {
        all = all.add(Expr::exists(points()));
    }
    Ok(all)
}

/// The attributes a logged-models search may order by (`metrics.<key>` besides).
pub(super) const LOGGED_MODEL_ORDER: &[&str] = &[
    "name",
    "model_id",
    "experiment_id",
    "source_run_id",
    "status",
    "model_type",
    "creation_timestamp",
    "creation_timestamp_ms",
    "creation_time",
    "last_updated_timestamp",
    "last_updated_timestamp_ms",
];

/// The order of logged models: newest first, then id.
fn logged_model_ties(backend: DbBackend) -> Vec<SortKey> {
    let c = |c: logged_model::Column| SimpleExpr::from(Expr::col((logged_model::Entity, c)));
    vec![
        SortKey::time(backend, c(logged_model::Column::CreatedAt), false),
        SortKey::id(c(logged_model::Column::Id)),
    ]
}

/// Experiments MLflow calls deleted (`config.mlflow.deleted` is true).
pub(super) fn experiment_deleted(backend: DbBackend) -> SimpleExpr {
    let pg = backend == DbBackend::Postgres;
    let deleted = mlflow_part(pg, "deleted");
    cust(
        pg,
        "COALESCE($1 = 'true'::jsonb, false)",
        "COALESCE(json_type(?) = 'true', 0)",
        vec![deleted],
    )
}

/// MLflow's tie-break of experiments: newest first, then id.
fn experiment_ties(backend: DbBackend) -> Vec<SortKey> {
    let c = |c: experiment::Column| SimpleExpr::from(Expr::col((experiment::Entity, c)));
    vec![
        SortKey::time(backend, c(experiment::Column::CreatedAt), false),
        SortKey::id(c(experiment::Column::Id)),
    ]
}

/// A run's field as the filter and `order_by` name it.
fn field(pg: bool, name: &str) -> Field {
    use job_run::Column as C;
    let (expr, kind) = match name {
        "run_name" | "name" => (col(C::Name), Kind::Str),
        "status" => {
            let sql = |a: &str| {
                format!(
                    "CASE {a} WHEN 'COMPLETED' THEN 'FINISHED' WHEN 'ABORTED' THEN 'KILLED' ELSE {a} END"
                )
            };
            (
                cust(
                    pg,
                    &sql("$1"),
                    &sql("?"),
                    if pg {
                        vec![col(C::State)]
                    } else {
                        vec![col(C::State), col(C::State)]
                    },
                ),
                Kind::Str,
            )
        }
        // MLflow's run id: the UUID's 32 hex digits.
        "run_id" => (hex_of(pg, col(C::Id)), Kind::Str),
        "start_time" | "created" => (millis_of(pg, col(C::StartedAt)), Kind::Num),
        "end_time" => (millis_of(pg, col(C::EndedAt)), Kind::Num),
        f => {
            if let Some(k) = f.strip_prefix("metrics.") {
                let key = SimpleExpr::from(k.to_owned());
                (
                    cust(
                        pg,
                        "CASE WHEN jsonb_typeof($1 -> $2 -> 'value') = 'number' THEN ($1 -> $2 ->> 'value')::float8 END",
                        "CASE WHEN json_type(? -> ?, '$.value') IN ('integer', 'real') THEN CAST((? -> ?) ->> 'value' AS REAL) END",
                        if pg {
                            vec![col(C::Metrics), key]
                        } else {
                            vec![col(C::Metrics), key.clone(), col(C::Metrics), key]
                        },
                    ),
                    Kind::Num,
                )
            } else if let Some(k) = f.strip_prefix("params.") {
                (json_text(pg, C::Params, k), Kind::Str)
            } else if let Some(k) = f.strip_prefix("tags.") {
                (json_text(pg, C::Tags, k), Kind::Str)
            } else {
                // An attribute runs do not have: never set.
                (Expr::cust("NULL"), Kind::Str)
            }
        }
    };
    Field { expr, kind }
}

/// `%` runs collapsed (`%%%` is `%`), bounded in length.
pub(super) fn collapsed(pattern: &str) -> MlResult<String> {
    let mut out = String::with_capacity(pattern.len().min(4 * MAX_LIKE_PATTERN));
    for c in pattern.chars() {
        if !(c == '%' && out.ends_with('%')) {
            out.push(c);
        }
    }
    if out.chars().count() > MAX_LIKE_PATTERN {
        return Err(MlflowError::invalid(format!(
            "a LIKE pattern has at most {MAX_LIKE_PATTERN} characters"
        )));
    }
    Ok(out)
}

/// A `LIKE` pattern as SQLite's case-sensitive `GLOB`: `%` is `*`, `_` is `?`, and
/// GLOB's own wildcards match themselves.
fn glob_of(like: &str) -> String {
    let mut out = String::with_capacity(like.len() + 8);
    for c in like.chars() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

fn expected(field: &str, kind: Kind) -> MlflowError {
    MlflowError::invalid(match kind {
        Kind::Num => format!("Expected numeric value type for {field}"),
        Kind::Str => format!("Expected a quoted string value for {field}"),
    })
}

/// A string made comparable byte for byte.
fn bytewise(pg: bool, e: SimpleExpr) -> SimpleExpr {
    if pg {
        Expr::cust_with_exprs("($1 COLLATE \"C\")", [e])
    } else {
        e
    }
}

/// One clause on an expression of a field of `kind`: a condition that is true where the
/// clause holds (a missing value, SQL's NULL, holds for `!=` and `NOT IN` only).
fn compare(pg: bool, name: &str, e: SimpleExpr, kind: Kind, c: &Clause) -> MlResult<Condition> {
    let lit = |l: &Lit| -> MlResult<SimpleExpr> {
        match (kind, l) {
            (Kind::Num, Lit::Num(n)) => Ok((*n).into()),
            // `metrics.auc > '0.9'` reads the number in the string.
            (Kind::Num, Lit::Str(s)) => s
                .trim()
                .parse::<f64>()
                .map(SimpleExpr::from)
                .map_err(|_| expected(name, kind)),
            (Kind::Str, Lit::Str(s)) => Ok(s.clone().into()),
            _ => Err(expected(name, kind)),
        }
    };
    let missing_or = |cond: SimpleExpr| Condition::any().add(e.clone().is_null()).add(cond);
    Ok(match c.op {
        Op::Eq => Condition::all().add(e.clone().eq(lit(&c.value)?)),
        Op::Ne => missing_or(e.clone().ne(lit(&c.value)?)),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let (l, r) = match kind {
                Kind::Num => (e.clone(), lit(&c.value)?),
                Kind::Str => (bytewise(pg, e.clone()), bytewise(pg, lit(&c.value)?)),
            };
            Condition::all().add(match c.op {
                Op::Lt => l.lt(r),
                Op::Le => l.lte(r),
                Op::Gt => l.gt(r),
                _ => l.gte(r),
            })
        }
        Op::Like | Op::ILike => {
            let Lit::Str(p) = &c.value else {
                return Err(expected(name, Kind::Str));
            };
            if kind != Kind::Str {
                return Err(MlflowError::invalid(format!(
                    "LIKE and ILIKE compare strings: {name} is a number"
                )));
            }
            let p = collapsed(p)?;
            let cond = match (pg, c.op) {
                (true, Op::Like) => {
                    Expr::cust_with_exprs("$1 LIKE $2 ESCAPE ''", [e.clone(), p.into()])
                }
                (true, _) => Expr::cust_with_exprs("$1 ILIKE $2 ESCAPE ''", [e.clone(), p.into()]),
                (false, Op::Like) => {
                    Expr::cust_with_exprs("? GLOB ?", [e.clone(), glob_of(&p).into()])
                }
                (false, _) => Expr::cust_with_exprs("? LIKE ?", [e.clone(), p.into()]),
            };
            Condition::all().add(cond)
        }
        Op::In | Op::NotIn => {
            let Lit::List(items) = &c.value else {
                return Err(MlflowError::invalid(format!(
                    "IN takes a parenthesised list for {name}"
                )));
            };
            let items: Vec<SimpleExpr> = items.iter().map(lit).collect::<MlResult<_>>()?;
            if c.op == Op::In {
                Condition::all().add(e.clone().is_in(items))
            } else {
                missing_or(e.clone().is_not_in(items))
            }
        }
    })
}

/// A `dataset.*` field of a logged input (the `mlflow` part of a `consumes` edge's
/// properties): its name, digest, or `mlflow.data.context` tag.
fn input_field(pg: bool, name: &str) -> SimpleExpr {
    let props = || SimpleExpr::from(Expr::col((edge::Entity, edge::Column::Properties)));
    match (name, pg) {
        ("dataset.context", true) => Expr::cust_with_exprs(
            "(SELECT t ->> 'value' FROM jsonb_array_elements(CASE WHEN jsonb_typeof($1 -> 'mlflow' -> 'tags') = 'array' THEN $1 -> 'mlflow' -> 'tags' ELSE '[]'::jsonb END) t WHERE t ->> 'key' = 'mlflow.data.context' LIMIT 1)",
            [props()],
        ),
        ("dataset.context", false) => Expr::cust_with_exprs(
            "(SELECT json_extract(t.value, '$.value') FROM json_each(?, '$.mlflow.tags') t WHERE json_extract(t.value, '$.key') = 'mlflow.data.context' LIMIT 1)",
            [props()],
        ),
        (f, true) => Expr::cust_with_exprs(
            format!(
                "($1 -> 'mlflow' -> 'dataset' ->> '{}')",
                if f == "dataset.digest" {
                    "digest"
                } else {
                    "name"
                }
            ),
            [props()],
        ),
        (f, false) => Expr::cust_with_exprs(
            format!(
                "json_extract(?, '$.mlflow.dataset.{}')",
                if f == "dataset.digest" {
                    "digest"
                } else {
                    "name"
                }
            ),
            [props()],
        ),
    }
}

/// Whether the run has a logged input (a readable `consumes` edge with MLflow's part)
/// that also meets `extra`.
fn has_input(pg: bool, ctx: &RequestContext, extra: Option<Condition>) -> SimpleExpr {
    use sea_orm::ColumnTrait;
    let mlflow_part = if pg {
        Expr::cust_with_exprs(
            "($1 ? 'mlflow')",
            [SimpleExpr::from(Expr::col((
                edge::Entity,
                edge::Column::Properties,
            )))],
        )
    } else {
        Expr::cust_with_exprs(
            "json_type(?, '$.mlflow') IS NOT NULL",
            [SimpleExpr::from(Expr::col((
                edge::Entity,
                edge::Column::Properties,
            )))],
        )
    };
    let mut cond = Condition::all()
        .add(edge::Column::Kind.eq("consumes"))
        .add(
            Expr::col((edge::Entity, edge::Column::SourceId))
                .equals((job_run::Entity, job_run::Column::Id)),
        )
        .add(mlflow_part)
        .add(ctx.scope.condition(edge::Column::Ns));
    if let Some(extra) = extra {
        cond = cond.add(extra);
    }
    Expr::exists(
        Query::select()
            .expr(Expr::cust("1"))
            .from(edge::Entity)
            .cond_where(cond)
            .to_owned(),
    )
}

/// The filter's clauses as one condition on `job_runs`.
pub(super) fn condition(
    backend: DbBackend,
    ctx: &RequestContext,
    clauses: &[Clause],
) -> MlResult<Condition> {
    let pg = backend == DbBackend::Postgres;
    let mut all = Condition::all();
    for c in clauses {
        if let Some(attr) = c.field.strip_prefix("dataset.") {
            if !["name", "digest", "context"].contains(&attr) {
                return Err(MlflowError::invalid(format!(
                    "Invalid dataset attribute '{}': name, digest or context",
                    c.field
                )));
            }
            // Each clause on its own, as MLflow's subqueries: one of the run's inputs
            // meets it; a run with no inputs meets only `!=` and `NOT IN`.
            let on_input = compare(pg, &c.field, input_field(pg, &c.field), Kind::Str, c)?;
            let mut any = Condition::any().add(has_input(pg, ctx, Some(on_input)));
            if matches!(c.op, Op::Ne | Op::NotIn) {
                any = any.add(has_input(pg, ctx, None).not());
            }
            all = all.add(any);
            continue;
        }
        let f = field(pg, &c.field);
        all = all.add(compare(pg, &c.field, f.expr, f.kind, c)?);
    }
    Ok(all)
}

/// A searched table: its fields as the filter and `order_by` name them, and the
/// tie-breaks that end its order (the last its id). The filter and the order read the
/// same fields.
pub(super) struct Table {
    field: fn(bool, &str) -> Field,
    ties: fn(DbBackend) -> Vec<SortKey>,
}

/// MLflow's runs (`job_runs`; `runs/search` adds its `dataset.*` clauses).
pub(super) const RUNS: Table = Table {
    field,
    ties: run_ties,
};
pub(super) const EXPERIMENTS: Table = Table {
    field: experiment_field,
    ties: experiment_ties,
};
pub(super) const REGISTERED_MODELS: Table = Table {
    field: model_field,
    ties: model_ties,
};
pub(super) const MODEL_VERSIONS: Table = Table {
    field: version_field,
    ties: version_ties,
};
pub(super) const LOGGED_MODELS: Table = Table {
    field: logged_model_field,
    ties: logged_model_ties,
};

/// The filter's clauses as one condition on `table`'s fields.
pub(super) fn matching<'c>(
    backend: DbBackend,
    clauses: impl IntoIterator<Item = &'c Clause>,
    table: &Table,
) -> MlResult<Condition> {
    let pg = backend == DbBackend::Postgres;
    let mut all = Condition::all();
    for c in clauses {
        let f = (table.field)(pg, &c.field);
        all = all.add(compare(pg, &c.field, f.expr, f.kind, c)?);
    }
    Ok(all)
}

/// What a sort key's values are.
#[derive(Clone, Copy, PartialEq, Debug)]
enum KeyKind {
    Num,
    Str,
    Time,
    Id,
}

/// One term of a search's order: one of `order_by`'s keys, or one of the searched
/// table's tie-breaks (the last always its id).
pub(super) struct SortKey {
    expr: SimpleExpr,
    kind: KeyKind,
    asc: bool,
    nulls_last: bool,
}

/// A sort key's value in a row, as a page token carries it.
#[derive(Debug, Clone, PartialEq)]
enum KeyVal {
    Null,
    Num(f64),
    Str(String),
    /// Nanoseconds since the epoch.
    Time(i64),
    Id(uuid::Uuid),
}

/// The order of a search of `table`: `keys`, then the table's tie-breaks.
fn order(backend: DbBackend, keys: &[OrderKey], table: &Table) -> Vec<SortKey> {
    let pg = backend == DbBackend::Postgres;
    let mut out: Vec<SortKey> = keys
        .iter()
        .map(|k| SortKey::of(pg, (table.field)(pg, &k.field), k.asc))
        .collect();
    out.extend((table.ties)(backend));
    out
}

/// MLflow's tie-break of runs: start time, newest first, then run id.
fn run_ties(backend: DbBackend) -> Vec<SortKey> {
    vec![
        SortKey::time(backend, col(job_run::Column::StartedAt), false),
        SortKey::id(col(job_run::Column::Id)),
    ]
}

impl SortKey {
    /// A key on a field: strings by their bytes, a missing value last whatever the
    /// direction.
    fn of(pg: bool, f: Field, asc: bool) -> Self {
        let (expr, kind) = match f.kind {
            Kind::Str => (bytewise(pg, f.expr), KeyKind::Str),
            Kind::Num => (f.expr, KeyKind::Num),
        };
        SortKey {
            expr,
            kind,
            asc,
            nulls_last: true,
        }
    }

    /// A tie-break on a time column, where a missing time goes where the backend puts
    /// it (as its index has it): PostgreSQL's NULL is the largest value, SQLite's the
    /// smallest.
    pub fn time(backend: DbBackend, expr: SimpleExpr, asc: bool) -> Self {
        let pg = backend == DbBackend::Postgres;
        SortKey {
            expr,
            kind: KeyKind::Time,
            asc,
            nulls_last: if pg { asc } else { !asc },
        }
    }

    /// The last tie-break: a unique id, ascending.
    pub fn id(expr: SimpleExpr) -> Self {
        SortKey {
            expr,
            kind: KeyKind::Id,
            asc: true,
            nulls_last: true,
        }
    }

    /// The key's value in `column` of a row.
    fn read(&self, row: &sea_orm::QueryResult, column: &str) -> Result<KeyVal, sea_orm::DbErr> {
        Ok(match self.kind {
            KeyKind::Num => row
                .try_get::<Option<f64>>("", column)?
                .map_or(KeyVal::Null, KeyVal::Num),
            KeyKind::Str => row
                .try_get::<Option<String>>("", column)?
                .map_or(KeyVal::Null, KeyVal::Str),
            KeyKind::Time => row
                .try_get::<Option<chrono::DateTime<chrono::Utc>>>("", column)?
                .and_then(|t| t.timestamp_nanos_opt())
                .map_or(KeyVal::Null, KeyVal::Time),
            KeyKind::Id => KeyVal::Id(row.try_get::<uuid::Uuid>("", column)?),
        })
    }

    fn value(&self, v: &KeyVal, pg: bool) -> SimpleExpr {
        match v {
            KeyVal::Num(n) => (*n).into(),
            KeyVal::Str(s) => bytewise(pg, s.clone().into()),
            KeyVal::Time(ns) => Expr::val(chrono::DateTime::from_timestamp_nanos(*ns)),
            KeyVal::Id(id) => Expr::val(*id),
            KeyVal::Null => Expr::cust("NULL"),
        }
    }

    /// Rows with the same value of this key.
    fn same(&self, v: &KeyVal, pg: bool) -> SimpleExpr {
        match v {
            KeyVal::Null => self.expr.clone().is_null(),
            v => self.expr.clone().eq(self.value(v, pg)),
        }
    }

    /// Rows after `v` by this key.
    fn after(&self, v: &KeyVal, pg: bool) -> SimpleExpr {
        match (v, self.nulls_last) {
            // Missing values come last: nothing comes after one; everything present
            // comes after one that comes first.
            (KeyVal::Null, true) => Expr::cust("1 = 0"),
            (KeyVal::Null, false) => self.expr.clone().is_not_null(),
            (v, nulls_last) => {
                let e = self.expr.clone();
                let beyond = if self.asc {
                    e.gt(self.value(v, pg))
                } else {
                    e.lt(self.value(v, pg))
                };
                if nulls_last {
                    Condition::any()
                        .add(beyond)
                        .add(self.expr.clone().is_null())
                        .into()
                } else {
                    beyond
                }
            }
        }
    }
}

/// The rows after the one whose sort values are `last`: `(k1, k2, ...) > last` in the
/// search's order, each key with its direction and place of missing values.
fn after(backend: DbBackend, keys: &[SortKey], last: &[KeyVal]) -> Condition {
    let pg = backend == DbBackend::Postgres;
    let mut any = Condition::any();
    for (i, (k, v)) in keys.iter().zip(last).enumerate() {
        let mut branch = Condition::all();
        for (kj, vj) in keys.iter().zip(last).take(i) {
            branch = branch.add(kj.same(vj, pg));
        }
        any = any.add(branch.add(k.after(v, pg)));
    }
    any
}

/// A page of `filtered` in `sort`'s order, after the row `token` names: its rows, with
/// the columns `columns` selects and each sort value as `_k0`, `_k1`, ... — and the
/// next page's token when there is one. The next page starts after this one's last row:
/// nothing is counted past. The page's ids are found first (the filter and the sort
/// carry only ids and sort values); only the page's rows are then read whole (a page of
/// 1,000 runs out of 4,000 matches sorts no JSON column and turns only 1,000 to text).
async fn keyset_page<E: sea_orm::EntityTrait>(
    db: &sea_orm::DatabaseConnection,
    mut filtered: sea_orm::Select<E>,
    columns: impl FnOnce(sea_orm::Select<E>) -> sea_orm::Select<E>,
    sort: &[SortKey],
    max: usize,
    token: Option<String>,
) -> MlResult<(Vec<sea_orm::QueryResult>, Option<String>)> {
    use sea_orm::{ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
    let backend = db.get_database_backend();
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        filtered = filtered.filter(after(backend, sort, &untoken(sort, &t)?));
    }
    let order = |mut select: sea_orm::Select<E>| {
        for k in sort {
            let dir = if k.asc { Order::Asc } else { Order::Desc };
            select = match k.kind {
                KeyKind::Num | KeyKind::Str => {
                    select.order_by_with_nulls(k.expr.clone(), dir, NullOrdering::Last)
                }
                // The tie-breaks in the backend's own form, which its indexes serve.
                KeyKind::Time | KeyKind::Id => select.order_by(k.expr.clone(), dir),
            };
        }
        select
    };
    // The last key is the row's id. One row past the page says whether there is a next.
    let id = sort
        .last()
        .map(|k| k.expr.clone())
        .ok_or_else(|| MlflowError::invalid("a search needs an order"))?;
    let ids = order(filtered.select_only().expr(id.clone()))
        .limit(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .into_query();
    let mut page = columns(crate::core::store::unscoped::<E>()).filter(id.in_subquery(ids));
    for (i, k) in sort.iter().enumerate() {
        page = page.expr_as(k.expr.clone(), format!("_k{i}"));
    }
    let mut rows = db.query_all_raw(order(page).build(backend)).await?;
    let mut next = None;
    if rows.len() > max {
        rows.truncate(max);
        if let Some(last) = rows.last() {
            let values = sort
                .iter()
                .enumerate()
                .map(|(i, k)| k.read(last, &format!("_k{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            next = Some(token_of(&values));
        }
    }
    Ok((rows, next))
}

/// A page of a search of `table`: `select` (already filtered) ordered by `keys` then
/// the table's tie-breaks, after the row `token` names; each row read as an `M` from the
/// columns `columns` selects, and the next page's token.
pub(super) async fn page_of<E: sea_orm::EntityTrait, M: sea_orm::FromQueryResult>(
    db: &sea_orm::DatabaseConnection,
    select: sea_orm::Select<E>,
    columns: impl FnOnce(sea_orm::Select<E>) -> sea_orm::Select<E>,
    keys: &[OrderKey],
    table: &Table,
    max: usize,
    token: Option<String>,
) -> MlResult<(Vec<M>, Option<String>)> {
    let sort = order(
        sea_orm::ConnectionTrait::get_database_backend(db),
        keys,
        table,
    );
    let (rows, next) = keyset_page(db, select, columns, &sort, max, token).await?;
    let rows = rows
        .iter()
        .map(|r| M::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, next))
}

/// A page token: the last row's sort values, opaque to the client.
fn token_of(values: &[KeyVal]) -> String {
    use base64::Engine;
    let json: Vec<serde_json::Value> = values
        .iter()
        .map(|v| match v {
            KeyVal::Null => serde_json::Value::Null,
            KeyVal::Num(n) => serde_json::Value::from(*n),
            KeyVal::Str(s) => serde_json::Value::from(s.as_str()),
            KeyVal::Time(ns) => serde_json::Value::from(*ns),
            KeyVal::Id(id) => serde_json::Value::from(id.to_string()),
        })
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::Value::Array(json).to_string())
}

/// The sort values a page token carries, checked against the search's keys.
fn untoken(keys: &[SortKey], token: &str) -> MlResult<Vec<KeyVal>> {
    use base64::Engine;
    let bad = || MlflowError::invalid("Invalid page token");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| bad())?;
    let serde_json::Value::Array(items) =
        serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|_| bad())?
    else {
        return Err(bad());
    };
    if items.len() != keys.len() {
        return Err(bad());
    }
    keys.iter()
        .zip(items)
        .map(|(k, v)| {
            Ok(match (k.kind, v) {
                (KeyKind::Num | KeyKind::Str | KeyKind::Time, serde_json::Value::Null) => {
                    KeyVal::Null
                }
                (KeyKind::Num, serde_json::Value::Number(n)) => {
                    KeyVal::Num(n.as_f64().ok_or_else(bad)?)
                }
                (KeyKind::Str, serde_json::Value::String(s)) => KeyVal::Str(s),
                (KeyKind::Time, serde_json::Value::Number(n)) => {
                    KeyVal::Time(n.as_i64().ok_or_else(bad)?)
                }
                (KeyKind::Id, serde_json::Value::String(s)) => {
                    KeyVal::Id(uuid::Uuid::parse_str(&s).map_err(|_| bad())?)
                }
                _ => return Err(bad()),
            })
        })
        .collect()
}
