//! The web console at `/`: a single-page app (`web/`, TypeScript + Preact, built by Vite)
//! whose bundle is committed in `web/dist` and embedded here at build time, so the
//! binary serves it with no Node and no network. Every view is one GraphQL operation of
//! `web/src/operations.graphql`, typed from `schema.graphql` when the bundle is built
//! (`scripts/build-console.sh`; the test command rebuilds it and fails if the committed
//! bundle differs from its source). Its operations are added to the server's persisted
//! documents ([`persist`]), so `--persisted-only` still serves it.
//!
//! The files have fixed names, so they are served with `no-cache` and a strong ETag (a
//! browser revalidates and gets 304 until the binary changes), gzipped for browsers
//! (`crate::assets`), and the page with a Content-Security-Policy that lets it talk to
//! this host only.

use axum::Router;

use crate::assets::Embedded;

/// This host only: scripts, styles, fetches and the subscription socket.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

static FILES: [Embedded; 5] = [
    Embedded::with_headers(
        "/",
        "text/html; charset=utf-8",
        include_bytes!("../web/dist/index.html"),
        &[("content-security-policy", CSP)],
    ),
    Embedded::new(
        "/assets/console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/dist/assets/console.js"),
    ),
    Embedded::new(
        "/assets/console.css",
        "text/css; charset=utf-8",
        include_bytes!("../web/dist/assets/console.css"),
    ),
    // The lineage graph (Cytoscape.js and dagre), loaded when a lineage is shown.
    Embedded::new(
        "/assets/console-graph.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/dist/assets/console-graph.js"),
    ),
    // The licenses of the npm packages in the bundle.
    Embedded::new(
        "/licenses.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../web/dist/LICENSES.txt"),
    ),
];

/// The console's operations, as a persisted-documents manifest (`web/dist/persisted.json`,
/// written by the console's build).
const DOCUMENTS: &str = include_str!("../web/dist/persisted.json");

/// Adds the console's operations to a server's persisted documents, so that
/// `--persisted-only` still serves the console.
pub fn persist(
    docs: &mut crate::gql::persisted::PersistedDocuments,
) -> crate::error::AppResult<()> {
    let manifest: std::collections::BTreeMap<String, String> = serde_json::from_str(DOCUMENTS)
        .map_err(|e| crate::error::AppError::bad_input("console", e.to_string()))?;
    for (id, text) in manifest {
        docs.add(id, text)?;
    }
    Ok(())
}

/// The console's routes.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    crate::assets::routes(&FILES)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation the bundle sends is in the manifest, under its own hash, and runs
    /// under `--persisted-only`.
    #[test]
    fn the_bundles_operations_are_persisted() {
        let mut docs = crate::gql::persisted::PersistedDocuments::from_manifest("{}", true)
            .unwrap_or_default();
        assert!(persist(&mut docs).is_ok());
        let manifest: std::collections::BTreeMap<String, String> =
            serde_json::from_str(DOCUMENTS).unwrap_or_default();
        assert!(manifest.len() >= 10, "{manifest:?}");
        let bundle = String::from_utf8_lossy(FILES[1].body());
        for text in manifest.values() {
            assert!(docs.allows(text));
            let name = text
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.split('(').next())
                .unwrap_or_default();
            assert!(bundle.contains(name), "{name} is not in the bundle");
        }
        assert!(!docs.allows("{ __typename }"));
    }
}
