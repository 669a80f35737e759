//! Files embedded in the binary and served as they are (the console's bundle, GraphiQL):
//! each with a strong ETag and `no-cache` (a browser revalidates and gets 304 until the
//! binary changes), gzip-compressed once, when the router is built, for clients that
//! accept it (`Vary: Accept-Encoding`, its own ETag), and `nosniff`.

use std::io::Write;
use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest;

/// One embedded file.
pub struct Embedded {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// Headers of its own (the console page's Content-Security-Policy).
    headers: &'static [(&'static str, &'static str)],
    prepared: OnceLock<Prepared>,
}

/// What is computed once per file: its ETag, and its gzip form with that form's ETag
/// (none when compressing does not make it smaller).
struct Prepared {
    etag: HeaderValue,
    gzip: Option<(Vec<u8>, HeaderValue)>,
}

impl Embedded {
    /// The file `body` of type `content_type`, served at `path`.
    pub const fn new(path: &'static str, content_type: &'static str, body: &'static [u8]) -> Self {
        Self::with_headers(path, content_type, body, &[])
    }

    /// The same, with these headers (name, value) on every answer.
    pub const fn with_headers(
        path: &'static str,
        content_type: &'static str,
        body: &'static [u8],
        headers: &'static [(&'static str, &'static str)],
    ) -> Self {
        Embedded {
            path,
            content_type,
            body,
            headers,
            prepared: OnceLock::new(),
        }
    }

    /// The bytes it serves uncompressed.
    pub fn body(&self) -> &'static [u8] {
        self.body
    }

    fn prepared(&self) -> &Prepared {
        self.prepared.get_or_init(|| {
            let hash = hex::encode(&sha2::Sha256::digest(self.body)[..16]);
            let tag = |suffix: &str| {
                HeaderValue::from_str(&format!("\"{hash}{suffix}\""))
                    .unwrap_or(HeaderValue::from_static("\"embedded\""))
            };
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let gzip = gz
                .write_all(self.body)
                .and_then(|()| gz.finish())
                .ok()
                .filter(|z| z.len() < self.body.len())
                .map(|z| (z, tag("-gz")));
            Prepared {
                etag: tag(""),
                gzip,
            }
        })
    }

    fn serve(&'static self, headers: &HeaderMap) -> Response {
        let prepared = self.prepared();
        let (body, etag, gzipped): (&'static [u8], &HeaderValue, bool) =
            match (&prepared.gzip, accepts_gzip(headers)) {
                (Some((z, tag)), true) => (z, tag, true),
                _ => (self.body, &prepared.etag, false),
            };
        let mut out = HeaderMap::new();
        out.insert(header::ETAG, etag.clone());
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        out.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                out.insert(name, value);
            }
        }
        if matches_etag(headers, etag) {
            return (StatusCode::NOT_MODIFIED, out).into_response();
        }
        if let Ok(t) = HeaderValue::from_str(self.content_type) {
            out.insert(header::CONTENT_TYPE, t);
        }
        if gzipped {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        (out, body).into_response()
    }
}

/// Whether the client takes gzip: `Accept-Encoding` names it (or `*`) without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches_etag(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.as_bytes() == etag.as_bytes())
}

/// Routes serving `files`, each prepared (hashed and compressed) now, not on a request.
pub fn routes<S: Clone + Send + Sync + 'static>(files: &'static [Embedded]) -> Router<S> {
    let mut router = Router::new();
    for file in files {
        file.prepared();
        router = router.route(
            file.path,
            get(move |headers: HeaderMap| async move { file.serve(&headers) }),
        );
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                k.clone(),
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        h
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let ae = header::ACCEPT_ENCODING;
        assert!(accepts_gzip(&with(&[(
            ae.clone(),
            "gzip, deflate, br, zstd"
        )])));
        assert!(accepts_gzip(&with(&[(ae.clone(), "br;q=1.0, GZIP;q=0.5")])));
        assert!(accepts_gzip(&with(&[(ae.clone(), "*")])));
        assert!(!accepts_gzip(&with(&[(ae.clone(), "gzip;q=0")])));
        assert!(!accepts_gzip(&with(&[(ae.clone(), "br, identity")])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    static TEXT: Embedded = Embedded::new(
        "/t",
        "text/plain",
        b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    );

    #[test]
    fn each_form_has_its_etag_and_revalidates() {
        let plain = TEXT.serve(&HeaderMap::new());
        let zipped = TEXT.serve(&with(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let (a, b) = (
            &plain.headers()[header::ETAG],
            &zipped.headers()[header::ETAG],
        );
        assert_ne!(a, b);
        let again = TEXT.serve(&with(&[
            (header::ACCEPT_ENCODING, "gzip"),
            (
                header::IF_NONE_MATCH,
                &format!("\"x\", {}", b.to_str().unwrap_or_default()),
            ),
        ]));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        // The plain form's tag does not validate the compressed form.
        let other = TEXT.serve(&with(&[
            (header::ACCEPT_ENCODING, "gzip"),
            (header::IF_NONE_MATCH, a.to_str().unwrap_or_default()),
        ]));
        assert_eq!(other.status(), StatusCode::OK);
    }
}
