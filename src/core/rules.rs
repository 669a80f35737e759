//! The structure's rules, checked over the source tree: what a review would otherwise have
//! to catch by reading.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(file, line number, line)` of every line of `src/` (outside `skip`) containing `needle`.
fn lines_with(needle: &str, skip: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut found = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if skip.iter().any(|s| rel.starts_with(s)) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if line.contains(needle) && !line.trim_start().starts_with("//") {
                found.push(format!("src/{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    found
}

/// Every read of a table outside `core` starts from `store::scoped` (the caller's scope,
/// in SQL) or, on purpose, `store::unscoped`: a bare `Entity::find()` is a read that may
/// have forgotten the scope.
#[test]
fn reads_outside_core_start_scoped_or_say_they_are_not() {
    let found = lines_with("Entity::find()", &["core/"]);
    assert!(
        found.is_empty(),
        "use store::scoped::<E>(ctx) (or store::unscoped::<E>() on purpose):\n{}",
        found.join("\n")
    );
}

/// The protocol adapters make no rows themselves: every write goes through a domain's
/// service (its rules, its events).
#[test]
fn the_protocol_adapters_write_only_through_services() {
    let found: Vec<String> = lines_with("ActiveModel {", &[])
        .into_iter()
        .filter(|l| l.starts_with("src/ingest/"))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The storage kernel does not know GraphQL: no line of `core` names `async_graphql`
/// (its loaders batch with `core::batch`, its node types are plain Rust; the GraphQL
/// layers convert).
#[test]
fn core_knows_no_graphql() {
    let found: Vec<String> = lines_with("async_graphql", &["core/rules.rs"])
        .into_iter()
        .filter(|l| l.starts_with("src/core/"))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `core` is the floor: it names nothing of the crate above it (`crate::` paths in `core`
/// are `crate::core::...`), so no module of the crate is in an import cycle with it.
#[test]
fn core_imports_nothing_above_it() {
    let found: Vec<String> = lines_with("crate::", &["core/rules.rs"])
        .into_iter()
        .filter(|l| l.starts_with("src/core/"))
        .filter(|l| {
            l.match_indices("crate::")
                .any(|(i, _)| !l[i..].starts_with("crate::core::"))
        })
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}
