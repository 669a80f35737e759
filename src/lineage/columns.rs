//! Column lineage as a graph: the `columnLineage` facets OpenLineage producers (Spark,
//! dbt, Airflow's SQL operators) put on their outputs say which input fields each output
//! field is made from. `columnLineage(dataset:, field:)` follows them across datasets,
//! downstream (what is made from this column) or upstream (what it is made from), in the
//! caller's scope and at the request's instant; each field found names its `Dataset`, so
//! its node lineage (`downstream` to the model versions trained on it and the
//! deployments serving them) is the same query.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use entity::dataset;
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::Value;

use crate::core::ids::{NodeType, decode_as};
use crate::error::AppError;
use crate::gql::api::deps;
use crate::graph::Dataset;

/// The most fields one answer holds.
const MAX_FIELDS: usize = 10_000;
/// The deepest walk.
const MAX_DEPTH: i32 = 20;

/// Which way to follow column lineage.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ColumnDirection {
    /// The fields made from this one (and from those, ...).
    #[default]
    Downstream,
    /// The fields this one is made from.
    Upstream,
}

/// One field reached.
#[derive(SimpleObject)]
pub struct ColumnRef {
    /// Its dataset.
    pub dataset: Dataset,
    /// The field's name.
    pub field: String,
    /// Steps from the start.
    pub distance: i32,
    /// How the producer says the step into this field transforms (its `transformations`,
    /// or the older `transformationType`/`transformationDescription`), when it says.
    pub transformations: Option<Json<Value>>,
}

/// What a column lineage walk reached.
#[derive(SimpleObject)]
pub struct ColumnLineage {
    /// The fields reached, nearest first (then by dataset name and field).
    pub fields: Vec<ColumnRef>,
    /// Whether the walk stopped at its bound of fields before reaching everything.
    pub is_partial: bool,
}

/// `(dataset name, field)`.
type Column = (String, String);

/// The field-level links of the datasets' `columnLineage` facets: output → its inputs,
/// with the producer's transformations.
fn links(rows: &[dataset::Model]) -> Vec<(Column, Column, Option<Value>)> {
    let mut out = Vec::new();
    for d in rows {
        let Some(fields) = d
            .facets
            .as_ref()
            .and_then(|f| f.get("columnLineage"))
            .and_then(|f| f.get("value"))
            .and_then(|v| v.get("fields"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (out_field, spec) in fields {
            let legacy = || {
                let mut t = serde_json::Map::new();
                for k in ["transformationType", "transformationDescription"] {
                    if let Some(v) = spec.get(k) {
                        t.insert(k.to_owned(), v.clone());
                    }
                }
                (!t.is_empty()).then_some(Value::Object(t))
            };
            for input in spec
                .get("inputFields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(ns), Some(name), Some(field)) = (
                    input.get("namespace").and_then(Value::as_str),
                    input.get("name").and_then(Value::as_str),
                    input.get("field").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let uri = format!("{}/{name}", ns.trim_end_matches('/'));
                out.push((
                    (d.name.clone(), out_field.clone()),
                    (uri, field.to_owned()),
                    input.get("transformations").cloned().or_else(legacy),
                ));
            }
        }
    }
    out
}

/// Column lineage queries.
#[derive(Default)]
pub struct ColumnLineageQuery;

#[Object]
impl ColumnLineageQuery {
    /// The fields column lineage reaches from `field` of `dataset`, following the
    /// `columnLineage` facets OpenLineage producers report, up to `depth` steps (1 to 20;
    /// 5 by default): DOWNSTREAM, the fields made from it; UPSTREAM, those it is made
    /// from. Datasets are matched by name (OpenLineage's `{namespace}/{name}`) within the
    /// start's namespace, in the caller's scope.
    async fn column_lineage(
        &self,
        ctx: &Context<'_>,
        dataset: ID,
        field: String,
        #[graphql(default)] direction: ColumnDirection,
        #[graphql(default = 5)] depth: i32,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ColumnLineage> {
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(
                AppError::bad_input("depth", format!("must be between 1 and {MAX_DEPTH}")).into(),
            );
        }
        let d = deps(ctx)?;
        let id = decode_as(&dataset, NodeType::Dataset, "dataset")?;
        let start = crate::core::store::get::<dataset::Entity>(&d.db, d.rc, id).await?;
        let rows = crate::core::store::scoped::<dataset::Entity>(d.rc)
            .filter(dataset::Column::Ns.eq(start.ns.as_str()))
            .all(&d.db)
            .await
            .map_err(AppError::from_db)?;
        // Each step as the walk takes it: from a field to the next ones, with the
        // transformation into the one it reaches.
        let mut next: HashMap<Column, Vec<(Column, Option<Value>)>> = HashMap::new();
        for (output, input, t) in links(&rows) {
            match direction {
                ColumnDirection::Downstream => next.entry(input).or_default().push((output, t)),
                ColumnDirection::Upstream => next.entry(output).or_default().push((input, t)),
            }
        }
        let by_name: HashMap<&str, &dataset::Model> =
            rows.iter().map(|r| (r.name.as_str(), r)).collect();
        let origin: Column = (start.name.clone(), field);
        let mut seen: HashSet<Column> = HashSet::from([origin.clone()]);
        let mut queue = VecDeque::from([(origin, 0)]);
        let mut found: BTreeMap<(i32, String, String), Option<Value>> = BTreeMap::new();
        let mut is_partial = false;
        while let Some((col, dist)) = queue.pop_front() {
            if dist == depth {
                continue;
            }
            for (to, t) in next.get(&col).into_iter().flatten() {
                if !seen.insert(to.clone()) {
                    continue;
                }
                if found.len() == MAX_FIELDS {
                    is_partial = true;
                    break;
                }
                found.insert((dist + 1, to.0.clone(), to.1.clone()), t.clone());
                queue.push_back((to.clone(), dist + 1));
            }
        }
        let fields = found
            .into_iter()
            .filter_map(|((distance, name, field), t)| {
                by_name.get(name.as_str()).map(|row| ColumnRef {
                    dataset: Dataset::from((*row).clone()),
                    field,
                    distance,
                    transformations: t.map(Json),
                })
            })
            .collect();
        Ok(ColumnLineage { fields, is_partial })
    }
}
