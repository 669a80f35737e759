//! Canonical URLs of named nodes (the seed design's `/<ns>/<Name_with_underscores>`):
//! `/ns/<namespace>/<Type>/<name>`, spaces written as `_` (Wikipedia style), other
//! characters that a path cannot hold percent-encoded. The namespace is lowercase and the
//! type capitalised, so the first capitalised segment ends the namespace; the name may
//! hold `/` (`/ns/github.com/Dataset/dot-do/workers`).

use entity::{dataset, endpoint, experiment, model, pipeline, workflow};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use crate::AppState;
use crate::core::context::{RequestContext, Role};
use crate::core::ids::NodeType;
use crate::core::node::NodeEntity;
use crate::error::{AppResult, ErrorCode};

/// What a path segment of a name keeps as is: `/` separates, `%` and what URLs reserve
/// are encoded.
const NAME: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// The node types that have a canonical URL: named, one name per namespace.
pub const NAMED: &[NodeType] = &[
    NodeType::Workflow,
    NodeType::Dataset,
    NodeType::Pipeline,
    NodeType::Model,
    NodeType::Experiment,
    NodeType::Endpoint,
];

/// The canonical URL (a path) of the node named `name` of type `ty` in `ns`.
pub fn url(ty: NodeType, ns: &str, name: &str) -> String {
    let name = name.replace(' ', "_");
    format!(
        "/ns/{ns}/{}/{}",
        ty.name(),
        utf8_percent_encode(&name, NAME)
    )
}

/// A canonical path (after `/ns/`, decoded) split into namespace, type and name;
/// `None` when it names no type or no name.
pub fn parse(path: &str) -> Option<(String, NodeType, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments
        .iter()
        .position(|s| NAMED.iter().any(|t| t.name() == *s))?;
    let ty = NAMED.iter().copied().find(|t| t.name() == segments[at])?;
    let ns = segments[..at].join("/");
    let name = segments[at + 1..].join("/");
    // What no stored namespace or name can be is no node, without asking the database
    // (which refuses a NUL in text).
    if crate::core::validate::namespace("ns", &ns).is_err()
        || crate::core::validate::name("name", &name).is_err()
        || name.contains('\0')
    {
        return None;
    }
    Some((ns, ty, name))
}

/// The id of the node of `E` in `ns` whose name, spaces written as `_`, is `url_name`,
/// among those the caller may read; the exact name wins when several match
/// (`a b` and `a_b`).
async fn find_in<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ns: &str,
    url_name: &str,
    name_col: E::Column,
    id_name: fn(E::Model) -> (Uuid, String),
) -> AppResult<Option<(Uuid, String)>> {
    let rows = E::find()
        .filter(E::col_ns().eq(ns))
        .filter(
            Expr::expr(Func::cust("replace").args([
                Expr::col(name_col),
                Expr::val(" "),
                Expr::val("_"),
            ]))
            .eq(Expr::val(url_name)),
        )
        .filter(ctx.scope.condition_for(E::col_ns(), Role::Viewer))
        .limit(10)
        .all(db)
        .await?;
    let mut found: Vec<(Uuid, String)> = rows.into_iter().map(id_name).collect();
    found.sort_by_key(|(_, name)| name != url_name);
    Ok(found.into_iter().next())
}

/// The node a canonical URL names (its id and name), if it exists and the caller may read
/// it (one answer for "elsewhere" and "nowhere").
pub async fn find(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ns: &str,
    ty: NodeType,
    url_name: &str,
) -> AppResult<Option<(Uuid, String)>> {
    macro_rules! by_name {
        ($module:ident) => {
            find_in::<$module::Entity>(db, ctx, ns, url_name, $module::Column::Name, |m| {
                (m.id, m.name)
            })
            .await
        };
    }
    match ty {
        NodeType::Workflow => by_name!(workflow),
        NodeType::Dataset => by_name!(dataset),
        NodeType::Pipeline => by_name!(pipeline),
        NodeType::Model => by_name!(model),
        NodeType::Experiment => by_name!(experiment),
        NodeType::Endpoint => by_name!(endpoint),
        _ => Ok(None),
    }
}

/// `GET /ns/<namespace>/<Type>/<Name_with_underscores>`: the node a canonical URL names,
/// as `{id, type, ns, name, url}` (then `node(id:)` reads it); `404 NOT_FOUND` when there
/// is none the caller may read. Routed by the MLflow routes, which share `/ns/`.
pub(crate) async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    verified: Option<&crate::callers::Verified>,
    path: &str,
) -> axum::response::Response {
    let rc = match crate::callers::request_context(state, headers, verified).await {
        Ok(rc) => rc,
        Err(refused) => return refused,
    };
    let not_found = || {
        crate::callers::refuse(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            &format!("nothing is named /ns/{path}"),
        )
    };
    let Some((ns, ty, name)) = parse(path) else {
        return not_found();
    };
    match find(&state.db, &rc, &ns, ty, &name).await {
        Ok(Some((id, name))) => axum::Json(serde_json::json!({
            "id": crate::core::ids::encode(ty, id).to_string(),
            "type": ty.name(),
            "ns": ns,
            "url": url(ty, &ns, &name),
            "name": name,
        }))
        .into_response(),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "canonical lookup failed");
            crate::callers::refuse(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.message())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_write_spaces_as_underscores_and_parse_back() {
        let u = url(NodeType::Model, "acme.com/fraud", "Software developer");
        assert_eq!(u, "/ns/acme.com/fraud/Model/Software_developer");
        assert_eq!(
            parse("acme.com/fraud/Model/Software_developer"),
            Some((
                "acme.com/fraud".into(),
                NodeType::Model,
                "Software_developer".into()
            ))
        );
        assert_eq!(
            url(NodeType::Dataset, "github.com", "dot-do/workers 100%?"),
            "/ns/github.com/Dataset/dot-do/workers_100%25%3F"
        );
        assert_eq!(
            parse("github.com/Dataset/dot-do/workers"),
            Some((
                "github.com".into(),
                NodeType::Dataset,
                "dot-do/workers".into()
            ))
        );
        let long = format!("acme.com/Model/{}", "x".repeat(3000));
        for bad in [
            "acme.com/Model",
            "Model/x",
            "acme.com/Thing/x",
            "acme.com/Edge/x",
            "acme.com/Model/a\0b",
            "../x/Model/y",
            &long,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
