//! Documents parsed once: the text of every document that parsed and passed the
//! document's own bounds (tokens, nesting of values, fragment expansion) is kept with its
//! parse, so the next request with the same text skips lexing, parsing and the fragment
//! walk (a client's operations are a handful of texts sent again and again). Bounded in
//! count and in the size of a text; least recently used first out. Whatever depends on
//! the request — variables, the caller, cost with the variables' page sizes — is still
//! checked on every request.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;

/// Texts longer than this are parsed every time (they are rare, and would crowd out the
/// cache's memory).
pub const MAX_TEXT: usize = 16 * 1024;

/// Parsed documents by their text.
pub struct ParseCache {
    inner: Option<Mutex<lru::LruCache<Box<str>, Arc<ExecutableDocument>>>>,
}

impl ParseCache {
    /// A cache of `capacity` documents (0: none kept).
    pub fn new(capacity: usize) -> Self {
        ParseCache {
            inner: NonZeroUsize::new(capacity).map(|n| Mutex::new(lru::LruCache::new(n))),
        }
    }

    /// The parse of `text`, if it is kept.
    pub fn get(&self, text: &str) -> Option<Arc<ExecutableDocument>> {
        let mut cache = self.inner.as_ref()?.lock().ok()?;
        cache.get(text).cloned()
    }

    /// Keeps the parse of `text` (a document that passed its bounds).
    pub fn put(&self, text: &str, doc: Arc<ExecutableDocument>) {
        if text.len() > MAX_TEXT {
            return;
        }
        if let Some(mut cache) = self.inner.as_ref().and_then(|m| m.lock().ok()) {
            cache.put(text.into(), doc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Arc<ExecutableDocument> {
        Arc::new(async_graphql::parser::parse_query(q).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn keeps_the_most_recent_documents_up_to_its_capacity() {
        let cache = ParseCache::new(2);
        for q in ["{ a }", "{ b }", "{ c }"] {
            cache.put(q, parse(q));
        }
        assert!(cache.get("{ a }").is_none(), "the oldest went first");
        assert!(cache.get("{ b }").is_some());
        assert!(cache.get("{ c }").is_some());
        assert!(cache.get("{ c } ").is_none(), "keyed by the exact text");
    }

    #[test]
    fn long_texts_and_a_zero_capacity_keep_nothing() {
        let long = format!("{{ a {} }}", " ".repeat(MAX_TEXT));
        let cache = ParseCache::new(8);
        cache.put(&long, parse(&long));
        assert!(cache.get(&long).is_none());
        let none = ParseCache::new(0);
        none.put("{ a }", parse("{ a }"));
        assert!(none.get("{ a }").is_none());
    }
}
