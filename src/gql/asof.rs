//! The document half of time travel: the one instant an operation reads at, read from
//! its top-level fields' `asOf` arguments (reading at it is `core::asof`).

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Name, Value, Variables};
use chrono::{DateTime, Utc};

use crate::core::asof::check_not_future;
use crate::error::{AppError, AppResult};

/// The instant an operation reads at: the `asOf` its top-level fields give. Every
/// top-level field that takes `asOf` must give the same one when any does (a field
/// without it would otherwise be answered in the past without saying so); `BAD_USER_INPUT`
/// otherwise, and for an instant in the future. A value that is not a date-time is left
/// to validation, which refuses it.
pub fn operation_as_of(
    doc: &ExecutableDocument,
    registry: &Registry,
    variables: &Variables,
) -> AppResult<Option<DateTime<Utc>>> {
    let Some(MetaType::Object { fields, .. }) = registry.types.get(&registry.query_type) else {
        return Ok(None);
    };
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    // (field, instant given) for every top-level field that takes `asOf`.
    let mut asked: Vec<(String, Option<DateTime<Utc>>)> = Vec::new();
    for op in operations
        .into_iter()
        .filter(|op| op.ty == OperationType::Query)
    {
        // A variable's value, or its default in the operation.
        let variable = |name: &Name| -> Option<Value> {
            variables.get(name).cloned().or_else(|| {
                op.variable_definitions
                    .iter()
                    .find(|d| d.node.name.node == *name)
                    .and_then(|d| d.node.default_value.as_ref().map(|v| v.node.clone()))
            })
        };
        root_fields(doc, &op.selection_set.node, &mut |field| {
            let name = field.name.node.as_str();
            if fields
                .get(name)
                .is_some_and(|f| f.args.contains_key("asOf"))
            {
                let at = field
                    .get_argument("asOf")
                    .and_then(|v| {
                        v.node
                            .clone()
                            .into_const_with(|n| variable(&n).ok_or(()))
                            .ok()
                    })
                    .and_then(|v| instant(&v));
                asked.push((name.to_owned(), at));
            }
        });
    }
    let Some(at) = asked.iter().find_map(|(_, at)| *at) else {
        return Ok(None);
    };
    if let Some((field, _)) = asked.iter().find(|(_, a)| *a != Some(at)) {
        return Err(AppError::bad_input(
            "asOf",
            format!(
                "`{field}` reads another instant than the operation's asOf: an operation \
                 reads one instant, so give every top-level field the same asOf (or none)"
            ),
        ));
    }
    check_not_future(at)?;
    Ok(Some(at))
}

/// Calls `f` for each top-level field of a selection,
/// fragments included.
fn root_fields(doc: &ExecutableDocument, set: &SelectionSet, f: &mut dyn FnMut(&Field)) {
    for sel in &set.items {
        match &sel.node {
            Selection::Field(field) => f(&field.node),
            Selection::InlineFragment(frag) => {
                root_fields(doc, &frag.node.selection_set.node, f);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(frag) = doc.fragments.get(&spread.node.fragment_name.node) {
                    root_fields(doc, &frag.node.selection_set.node, f);
                }
            }
        }
    }
}

fn instant(v: &Value) -> Option<DateTime<Utc>> {
    // Exactly as the `DateTime` scalar reads it, so an instant the resolvers would accept
    // is always the one pinned here (the resolvers do not pin it again).
    match v {
        Value::String(s) => s.parse::<DateTime<Utc>>().ok(),
        _ => None,
    }
}
