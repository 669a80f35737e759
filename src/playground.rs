//! The GraphiQL playground at `/graphiql` (the console is at `/`), served entirely from this binary: GraphiQL and React
//! are embedded at build time (`vendor/graphiql`, pinned in `scripts/vendor-graphiql.sh`),
//! so the page works on an offline or locked-down network. Queries go to `/graphql`,
//! subscriptions over `graphql-transport-ws` on the same path; the header editor is on
//! (e.g. `{"Authorization": "Bearer mlg_..."}`, or `{"x-actor": "alice"}` while
//! authentication is off).

use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::assets::Embedded;

static ASSETS: [Embedded; 4] = [
    Embedded::new(
        "/playground/graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../vendor/graphiql/graphiql.min.js"),
    ),
    Embedded::new(
        "/playground/graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../vendor/graphiql/graphiql.min.css"),
    ),
    Embedded::new(
        "/playground/react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../vendor/graphiql/react.production.min.js"),
    ),
    Embedded::new(
        "/playground/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../vendor/graphiql/react-dom.production.min.js"),
    ),
];

/// What the editor opens with: queries that run against the demo registry.
const DEFAULT_QUERY: &str = r#"# Welcome to mlgraph. Run with Ctrl-Enter; `cargo run -- serve --demo` fills the demo.
{
  models(first: 5, orderBy: [{field: NAME}]) {
    totalCount
    edges { node {
      id name
      versions(first: 3) { edges { node { version stage metrics
        deployments { edges { node { trafficPercent endpoint { name environment } } } }
      } } }
    } }
  }
}
"#;

fn page() -> String {
    let query = serde_json::to_string(DEFAULT_QUERY).unwrap_or_else(|_| "\"\"".into());
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>mlgraph</title>
  <link rel="stylesheet" href="/playground/graphiql.min.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/playground/react.production.min.js"></script>
  <script src="/playground/react-dom.production.min.js"></script>
  <script src="/playground/graphiql.min.js"></script>
  <script>
    const ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
    const fetcher = GraphiQL.createFetcher({{ url: "/graphql", subscriptionUrl: ws }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher,
        defaultQuery: {query},
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: true,
      }})
    );
  </script>
</body>
</html>"#
    )
}

/// The playground's routes: the page at `/graphiql` and its embedded assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/graphiql", get(|| async { Html(page()) }))
        .merge(crate::assets::routes(&ASSETS))
}
