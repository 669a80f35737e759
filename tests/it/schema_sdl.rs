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

/// The SDL is a valid schema: every object provides every field of the interfaces it
/// implements, with the same arguments (clients such as GraphiQL, codegen and Apollo
/// refuse a schema that does not).
#[test]
fn objects_provide_every_field_of_their_interfaces() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use std::collections::HashMap;
    let doc = async_graphql::parser::parse_schema(mlgraph::schema::sdl())
        .unwrap_or_else(|e| panic!("the SDL does not parse: {e}"));
    let mut interfaces: HashMap<String, Vec<(String, Vec<String>)>> = HashMap::new();
    let mut objects = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let name = t.node.name.node.to_string();
        let fields_of = |fields: &Vec<
            async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>,
        >| {
            fields
                .iter()
                .map(|f| {
                    let args = f
                        .node
                        .arguments
                        .iter()
                        .map(|a| a.node.name.node.to_string())
                        .collect();
                    (f.node.name.node.to_string(), args)
                })
                .collect::<Vec<(String, Vec<String>)>>()
        };
        match &t.node.kind {
            TypeKind::Interface(i) => {
                interfaces.insert(name, fields_of(&i.fields));
            }
            TypeKind::Object(o) => {
                let implements: Vec<String> =
                    o.implements.iter().map(|i| i.node.to_string()).collect();
                objects.push((name, implements, fields_of(&o.fields)));
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for (name, implements, fields) in &objects {
        for iface in implements {
            for (field, args) in interfaces.get(iface).into_iter().flatten() {
                match fields.iter().find(|(f, _)| f == field) {
                    None => missing.push(format!("{name}.{field} (from {iface})")),
                    Some((_, have)) if have != args => missing.push(format!(
                        "{name}.{field} arguments {have:?} differ from {iface}'s {args:?}"
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    assert!(
        objects
            .iter()
            .any(|(_, i, _)| i.iter().any(|x| x == "Node")),
        "some type implements Node"
    );
    assert_eq!(missing, Vec::<String>::new());
}
