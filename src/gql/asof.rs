//! The document half of time travel: the one instant an operation reads at, read from
//! its top-level fields' `asOf` arguments (reading at it is `core::asof`).

use async_graphql::Value;
use async_graphql::parser::types::OperationType;
use async_graphql::registry::{MetaType, Registry};
use chrono::{DateTime, Utc};

use super::operation::View;
use crate::core::asof::check_not_future;
use crate::error::{AppError, AppResult};

/// The instant an operation reads at: the `asOf` its top-level fields give. Every
/// top-level field that takes `asOf` must give the same one when any does (a field
/// without it would otherwise be answered in the past without saying so); `BAD_USER_INPUT`
/// otherwise, and for an instant in the future. A value that is not a date-time is left
/// to validation, which refuses it.
pub fn operation_as_of(view: &View, registry: &Registry) -> AppResult<Option<DateTime<Utc>>> {
    let Some(MetaType::Object { fields, .. }) = registry.types.get(&registry.query_type) else {
        return Ok(None);
    };
    // (field, instant given) for every top-level field that takes `asOf`.
    let asked: Vec<(&str, Option<DateTime<Utc>>)> = view
        .operations()
        .iter()
        .filter(|op| op.ty == OperationType::Query)
        .flat_map(|op| &op.selection.fields)
        .filter(|f| {
            fields
                .get(f.name.as_str())
                .is_some_and(|meta| meta.args.contains_key("asOf"))
        })
        .map(|f| (f.name.as_str(), f.arg("asOf").and_then(instant)))
        .collect();
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

fn instant(v: &Value) -> Option<DateTime<Utc>> {
    // Exactly as the `DateTime` scalar reads it, so an instant the resolvers would accept
    // is always the one pinned here (the resolvers do not pin it again).
    match v {
        Value::String(s) => s.parse::<DateTime<Utc>>().ok(),
        _ => None,
    }
}
