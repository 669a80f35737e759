//! `LIKE` patterns that match a literal as itself (both backends honour the escape).

use sea_orm::sea_query::LikeExpr;

/// `literal` with the `LIKE` wildcards `%` and `_` (and the escape character `\`)
/// escaped, so that it matches only itself inside a pattern that says `ESCAPE '\'`.
pub fn escape_like(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() + 2);
    for ch in literal.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A `LIKE` pattern: `literal` matched as itself, between the `prefix` and `suffix`
/// wildcards (both PostgreSQL and SQLite honour the `ESCAPE '\'` it carries).
pub fn like_literal(prefix: &str, literal: &str, suffix: &str) -> LikeExpr {
    LikeExpr::new(format!("{prefix}{}{suffix}", escape_like(literal))).escape('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("a_b%c\\d"), "a\\_b\\%c\\\\d");
        assert_eq!(escape_like("plain"), "plain");
    }
}
