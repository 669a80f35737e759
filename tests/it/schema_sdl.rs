//! The committed `schema.graphql` is the contract: it must match the code's SDL.

#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = mlgraph::schema::sdl();
    if committed != current {
        let diff = similar::TextDiff::from_lines(&committed, &current);
        panic!(
            "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` and review \
             the diff (- committed, + code):\n{}",
            diff.unified_diff().context_radius(2)
        );
    }
}
