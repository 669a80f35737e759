//! `/lineage?node=<id>&depth=<n>`, the lineage view's old address: it now lives in the
//! web console (`/#/lineage/<id>?depth=<n>`, see `console`), where this redirects.

use axum::Router;
use axum::extract::Query;
use axum::response::Redirect;
use axum::routing::get;

#[derive(serde::Deserialize)]
struct Params {
    node: Option<String>,
    depth: Option<u32>,
}

/// The console's address of the same view.
fn target(p: &Params) -> String {
    let depth = p.depth.unwrap_or(3).clamp(1, 10);
    match p.node.as_deref().filter(|n| !n.is_empty()) {
        Some(node) => {
            let pair = serde_urlencoded::to_string([("n", node)]).unwrap_or_default();
            let node = pair.strip_prefix("n=").unwrap_or_default();
            format!("/#/lineage/{node}?depth={depth}")
        }
        None => "/".into(),
    }
}

/// The old address's route.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(
        "/lineage",
        // A malformed query string lands on the console's start page.
        get(
            |q: Result<Query<Params>, axum::extract::rejection::QueryRejection>| async move {
                let p = q.map_or(
                    Params {
                        node: None,
                        depth: None,
                    },
                    |Query(p)| p,
                );
                Redirect::permanent(&target(&p))
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_links_land_on_the_same_view_of_the_console() {
        let p = Params {
            node: Some("ZGF0YXNldDox/x y".into()),
            depth: Some(99),
        };
        assert_eq!(target(&p), "/#/lineage/ZGF0YXNldDox%2Fx+y?depth=10");
        let none = Params {
            node: None,
            depth: None,
        };
        assert_eq!(target(&none), "/");
    }
}
