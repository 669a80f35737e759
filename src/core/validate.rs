//! Input validation shared by mutations: every failure names the input field.

use std::sync::LazyLock;

use regex::Regex;

use crate::core::error::{AppError, AppResult};

/// One segment: starts and ends with a letter or digit, so `.`, `..`, `.hidden` and `-x`
/// are not segments (a namespace becomes a path in the local artifact store and in
/// MLflow's URLs, and a grant covers the namespaces under it by prefix).
static NS_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*$").ok()
});

/// A namespace is lowercase, domain/path-like: `acme.com/fraud`, segments of letters,
/// digits, `.` and `-` that start and end with a letter or digit, joined by `/`.
pub fn namespace(field: &str, ns: &str) -> AppResult<()> {
    let ok = ns.len() <= 200 && NS_RE.as_ref().is_some_and(|re| re.is_match(ns));
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_input(
            field,
            format!(
                "invalid namespace {ns:?}: segments of lowercase letters, digits, '.' and '-' that start and end with a letter or digit, joined by '/' (e.g. \"acme.com/fraud\")"
            ),
        ))
    }
}

/// The longest name, in characters (the seed design's 2,048).
pub const NAME_CHARS: usize = 2048;
/// ... and in bytes of UTF-8: with its namespace (at most 200), a name always fits one
/// entry of PostgreSQL's unique B-tree index on `(ns, name)` (about 2,700 bytes), even
/// when it does not compress.
pub const NAME_BYTES: usize = 2400;

/// A name: 1–2,048 characters (at most 2,400 bytes of UTF-8), not blank.
pub fn name(field: &str, value: &str) -> AppResult<()> {
    if value.trim().is_empty() {
        return Err(AppError::bad_input(field, "must not be blank"));
    }
    if value.chars().count() > NAME_CHARS || value.len() > NAME_BYTES {
        return Err(AppError::bad_input(
            field,
            format!(
                "must be at most {NAME_CHARS} characters and {NAME_BYTES} bytes of UTF-8 (got {} characters, {} bytes)",
                value.chars().count(),
                value.len()
            ),
        ));
    }
    Ok(())
}

/// `lo <= value <= hi`.
pub fn range<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    lo: T,
    hi: T,
) -> AppResult<()> {
    if value < lo || value > hi {
        return Err(AppError::bad_input(
            field,
            format!("must be between {lo} and {hi}, got {value}"),
        ));
    }
    Ok(())
}

/// `value > 0`.
pub fn positive(field: &str, value: i64) -> AppResult<()> {
    if value <= 0 {
        return Err(AppError::bad_input(
            field,
            format!("must be positive, got {value}"),
        ));
    }
    Ok(())
}

/// A JSON argument that must be an object (metrics, params, config): `{}` when absent.
pub fn json_object(field: &str, v: Option<serde_json::Value>) -> AppResult<serde_json::Value> {
    match v {
        None => Ok(serde_json::json!({})),
        Some(v) if v.is_object() => Ok(v),
        Some(_) => Err(AppError::bad_input(field, "must be a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_the_seed_rules() {
        for ok in [
            "acme.com",
            "en.wikipedia.org",
            "github.com/repos",
            "a/b/c",
            "team-1",
        ] {
            assert!(namespace("ns", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/acme",
            "acme/",
            "Acme",
            "a b",
            "a//b",
            "ünï",
            ".",
            "..",
            "a.example/../../tmp/pwn",
            "a.example/./b",
            "a/.hidden",
            "a/b.",
            "-a",
            "a%2e%2e",
            "a\\b",
            "a\0b",
        ] {
            assert!(namespace("ns", bad).is_err(), "{bad}");
        }
    }
}
