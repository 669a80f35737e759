//! The web console at `/`: a single-page app (`web/`, TypeScript + Preact, built by Vite)
//! whose bundle is committed in `web/dist` and embedded here at build time, so the
//! binary serves it with no Node and no network. Every view is one GraphQL operation of
//! `web/src/operations.graphql`, typed from `schema.graphql` when the bundle is built
//! (`scripts/build-console.sh`; the test command rebuilds it and fails if the committed
//! bundle differs from its source). Its operations are added to the server's persisted
//! documents ([`persist`]), so `--persisted-only` still serves it.
//!
//! The files have fixed names, so they are served with `no-cache` and a strong ETag (a
//! browser revalidates and gets 304 until the binary changes), and the page with a
//! Content-Security-Policy that lets it talk to this host only.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest;

struct File {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: [File; 5] = [
    File {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../web/dist/index.html"),
    },
    File {
        path: "/assets/console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/dist/assets/console.js"),
    },
    File {
        path: "/assets/console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../web/dist/assets/console.css"),
    },
    // The lineage graph (Cytoscape.js and dagre), loaded when a lineage is shown.
    File {
        path: "/assets/console-graph.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/dist/assets/console-graph.js"),
    },
    // The licenses of the npm packages in the bundle.
    File {
        path: "/licenses.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../web/dist/LICENSES.txt"),
    },
];

/// Each file's ETag: its SHA-256, computed once.
static ETAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|f| {
            let tag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(f.body)[..16]));
            HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"console\""))
        })
        .collect()
});

/// This host only: scripts, styles, fetches and the subscription socket.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

fn serve(i: usize, headers: &HeaderMap) -> Response {
    let (Some(file), Some(etag)) = (FILES.get(i), ETAGS.get(i)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let mut resp = (
        common,
        [(header::CONTENT_TYPE, file.content_type)],
        file.body,
    )
        .into_response();
    if i == 0 {
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    resp
}

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
    let mut router = Router::new();
    for (i, file) in FILES.iter().enumerate() {
        router = router.route(
            file.path,
            get(move |headers: HeaderMap| async move { serve(i, &headers) }),
        );
    }
    router
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
        let bundle = String::from_utf8_lossy(FILES[1].body);
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
