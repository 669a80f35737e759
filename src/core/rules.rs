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

/// The crate's top-level modules and, for each, the others its code names (`crate::x`,
/// `$crate::x` in macros), with one place each is named. Comments and `#[cfg(test)]`
/// tails are not read; `object_files` are skipped whole.
fn module_imports(
    object_files: impl Fn(&str) -> bool,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let rel = |f: &Path| {
        f.strip_prefix(&root)
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let top = |rel: &str| {
        let first = rel.split('/').next().unwrap_or_default();
        first.strip_suffix(".rs").unwrap_or(first).to_owned()
    };
    let modules: std::collections::BTreeSet<String> = files
        .iter()
        .map(|f| top(&rel(f)))
        .filter(|m| !matches!(m.as_str(), "lib" | "main" | "bin"))
        .collect();
    let mut imports: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, String>,
    > = modules
        .iter()
        .map(|m| (m.clone(), Default::default()))
        .collect();
    for f in &files {
        let rel = rel(f);
        let from = top(&rel);
        if !modules.contains(&from) || object_files(&rel) || rel == "core/rules.rs" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if name != from && modules.contains(&name) {
                    imports
                        .entry(from.clone())
                        .or_default()
                        .entry(name)
                        .or_insert_with(|| format!("src/{rel}:{}", i + 1));
                }
            }
        }
    }
    imports
}

/// One import cycle among `imports`, as `a -> b (where) -> ... -> a`, if there is one.
fn a_cycle(
    imports: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> Option<String> {
    // Depth-first, colouring modules: 1 on the current path, 2 done.
    fn visit<'a>(
        m: &'a str,
        imports: &'a std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
        colour: &mut std::collections::HashMap<&'a str, u8>,
        path: &mut Vec<(&'a str, &'a str)>,
    ) -> Option<String> {
        colour.insert(m, 1);
        for (to, at) in imports.get(m).into_iter().flatten() {
            path.push((to, at));
            match colour.get(to.as_str()) {
                Some(1) => {
                    // The cycle starts where the path first reached `to` (or at the root).
                    let start = path[..path.len() - 1]
                        .iter()
                        .position(|(n, _)| *n == to.as_str());
                    let tail = &path[start.map_or(0, |s| s + 1)..];
                    let mut out = to.clone();
                    for (n, at) in tail {
                        out.push_str(&format!(" -> {n} ({at})"));
                    }
                    return Some(out);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(to, imports, colour, path) {
                        return Some(c);
                    }
                }
            }
            path.pop();
        }
        colour.insert(m, 2);
        None
    }
    let mut colour = std::collections::HashMap::new();
    for m in imports.keys() {
        if !colour.contains_key(m.as_str()) {
            let mut path = Vec::new();
            if let Some(c) = visit(m, imports, &mut colour, &mut path) {
                return Some(c);
            }
        }
    }
    None
}

/// Layers, not a circle: leaving out the GraphQL object types naming each other (a
/// domain's `types.rs`, the fields every node has in `graph/fields.rs`), no top-level
/// module imports, through others, back into itself. `core` is the floor, `gql` the
/// executor add-ons, the domains above them (one domain's service calling another's goes
/// one way), `schema`, `server` and the protocol adapters on top.
#[test]
fn modules_import_in_layers_not_in_a_circle() {
    // A grouped `crate::{a::x, b::y}` would hide its modules from the reading below.
    let grouped = lines_with("crate::{", &["core/rules.rs"]);
    assert!(
        grouped.is_empty(),
        "import each module by its path:\n{}",
        grouped.join("\n")
    );
    let imports = module_imports(|rel| rel.ends_with("/types.rs") || rel == "graph/fields.rs");
    assert!(imports.contains_key("core") && imports.contains_key("server"));
    if let Some(cycle) = a_cycle(&imports) {
        panic!("an import cycle: {cycle}");
    }
}

/// The check finds a cycle where there is one: with the object types read too, the
/// domains and the node layer name each other.
#[test]
fn the_cycle_check_sees_the_object_types_naming_each_other() {
    let imports = module_imports(|_| false);
    let cycle = a_cycle(&imports).unwrap_or_default();
    assert!(cycle.contains("graph"), "{cycle:?}");
}
