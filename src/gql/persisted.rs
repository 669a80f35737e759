//! Persisted documents, as the GraphQL-over-HTTP specification's Appendix A describes:
//! a request may name a document by `documentId` (`sha256:<hex>` of its exact text, or an
//! id of the manifest's own) instead of sending it, by `GET` or `POST`; an unknown id is
//! a response with a single error (`PERSISTED_DOCUMENT_NOT_FOUND`). With
//! `--persisted-only` the server runs nothing else: a document sent as text runs only
//! when it is exactly one of the persisted ones (checked where every document is parsed,
//! so `POST`, `GET` and WebSocket alike), else `PERSISTED_DOCUMENT_REQUIRED`.
//!
//! The manifest is a JSON object of `id: document` (`mlgraph persisted add` writes one);
//! a `sha256:` id must be the hash of its document, or the server refuses to start.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult, ErrorCode};

/// The persisted documents a server knows.
#[derive(Debug, Default)]
pub struct PersistedDocuments {
    by_id: HashMap<String, Arc<str>>,
    /// SHA-256 (hex) of every document's text: what `--persisted-only` lets run.
    allowed: HashSet<String>,
    /// Whether only these documents run.
    pub only: bool,
}

/// The `sha256:<hex>` id of a document's exact text.
pub fn id_of(text: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

impl PersistedDocuments {
    /// Documents from a manifest (`{"sha256:...": "query ...", "my-id": "..."}`).
    pub fn from_manifest(json: &str, only: bool) -> AppResult<Self> {
        let map: HashMap<String, String> = serde_json::from_str(json).map_err(|e| {
            AppError::bad_input(
                "persisted-documents",
                format!("the manifest is not a JSON object of id: document: {e}"),
            )
        })?;
        let mut docs = PersistedDocuments {
            only,
            ..Default::default()
        };
        for (id, text) in map {
            docs.add(id, text)?;
        }
        Ok(docs)
    }

    /// Adds one document under `id` (a `sha256:` id must be its hash).
    pub fn add(&mut self, id: String, text: String) -> AppResult<()> {
        if id.starts_with("sha256:") && id != id_of(&text) {
            return Err(AppError::bad_input(
                "persisted-documents",
                format!("{id} is not the SHA-256 of its document"),
            ));
        }
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AppError::bad_input(
                "persisted-documents",
                format!("{id:?} is not a document identifier"),
            ));
        }
        self.allowed
            .insert(hex::encode(Sha256::digest(text.as_bytes())));
        self.by_id.insert(id, Arc::from(text));
        Ok(())
    }

    /// How many documents.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The document `id` names.
    pub fn get(&self, id: &str) -> Option<Arc<str>> {
        self.by_id.get(id).cloned()
    }

    /// Whether `text` may run: always, unless only persisted documents run and it is not
    /// exactly one of them.
    pub fn allows(&self, text: &str) -> bool {
        !self.only
            || self
                .allowed
                .contains(&hex::encode(Sha256::digest(text.as_bytes())))
    }
}

/// Why a persisted document request cannot run.
#[derive(Debug)]
pub struct Refused {
    /// Its code.
    pub code: ErrorCode,
    /// What to tell the client.
    pub message: String,
}

fn not_found(id: &str) -> Refused {
    Refused {
        code: ErrorCode::PersistedDocumentNotFound,
        message: format!("no persisted document has the id {id:?}"),
    }
}

/// Replaces `documentId` in one request object (or each of a batch) by the document's
/// text as `query`; a request with both must name the same document it sends.
pub fn resolve(
    docs: Option<&PersistedDocuments>,
    body: &mut serde_json::Value,
) -> Result<(), Refused> {
    match body {
        serde_json::Value::Array(items) => items.iter_mut().try_for_each(|b| resolve(docs, b)),
        serde_json::Value::Object(map) => {
            let Some(id) = map.remove("documentId") else {
                return Ok(());
            };
            let Some(id) = id.as_str().map(str::to_owned) else {
                return Err(Refused {
                    code: ErrorCode::BadUserInput,
                    message: "documentId is a string".into(),
                });
            };
            let text = docs
                .and_then(|d| d.get(&id))
                .ok_or_else(|| not_found(&id))?;
            match map.get("query").and_then(serde_json::Value::as_str) {
                Some(q) if !q.is_empty() && q != &*text => Err(Refused {
                    code: ErrorCode::BadUserInput,
                    message: format!("the query sent is not the document {id}"),
                }),
                _ => {
                    map.insert("query".into(), serde_json::Value::String(text.to_string()));
                    Ok(())
                }
            }
        }
        _ => Ok(()),
    }
}

/// The query string of a `GET` with `documentId` replaced by the document's text as
/// `query`; `None` when it names no document.
pub fn resolve_query_string(
    docs: Option<&PersistedDocuments>,
    query: &str,
) -> Option<Result<String, Refused>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let id = pairs.iter().find(|(k, _)| k == "documentId")?.1.clone();
    let Some(text) = docs.and_then(|d| d.get(&id)) else {
        return Some(Err(not_found(&id)));
    };
    let rest: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| k != "documentId" && k != "query")
        .chain(std::iter::once(("query".to_owned(), text.to_string())))
        .collect();
    Some(serde_urlencoded::to_string(rest).map_err(|e| Refused {
        code: ErrorCode::BadUserInput,
        message: format!("the query string cannot be read: {e}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's own examples.
    #[test]
    fn sha256_ids_are_the_specs() {
        assert_eq!(
            id_of("query ($id: ID!) {\n  user(id: $id) {\n    name\n  }\n}"),
            "sha256:7dba4bd717b41f10434822356a93c32b1fb4907b983e854300ad839f84cdcd6e"
        );
        assert_eq!(
            id_of("query($id:ID!){user(id:$id){name}}"),
            "sha256:71f7dc5758652baac68e4a10c50be732b741c892ade2883a99358f52b555286b"
        );
    }

    #[test]
    fn a_manifest_with_a_wrong_hash_is_refused() {
        let bad = r#"{"sha256:7dba4bd717b41f10434822356a93c32b1fb4907b983e854300ad839f84cdcd6e": "{ me { id } }"}"#;
        assert!(PersistedDocuments::from_manifest(bad, true).is_err());
        let good = format!(
            r#"{{"{}": "{{ me {{ id }} }}", "home": "{{ __typename }}"}}"#,
            id_of("{ me { id } }")
        );
        let docs = PersistedDocuments::from_manifest(&good, true).unwrap_or_default();
        assert_eq!(docs.len(), 2);
        assert!(docs.allows("{ __typename }"));
        assert!(!docs.allows("{ __typename  }"));
    }
}
