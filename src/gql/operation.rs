//! One view of the operation a request runs, built once per request right after its
//! document parsed and passed its bounds (`gql::shape::check_fragments` keeps the
//! expansion within the token limit), and read by every step that looks at the
//! operation: its cost and shape limits (`gql::shape`), the anonymous gate
//! (`access::only_public_fields`), the instant it reads at (`gql::asof`), the planner
//! (`gql::plan`) and the selection order of the response (`gql::shape`).
//!
//! The view is the only walker of a document's selections (besides the linear bound on
//! its fragments before it is built): fragments are spread (each field keeps the type
//! conditions it was selected under), `@skip`/`@include` are evaluated as the executor
//! evaluates them, variables are substituted in arguments (with their defaults), and each
//! field knows its type from the schema.

use std::sync::Arc;

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationDefinition, OperationType, Selection as DocSelection,
    SelectionSet,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Positioned, Value, Variables};

/// Every operation of a document, as one request's variables select them.
#[derive(Debug, Default)]
pub struct View {
    operations: Vec<Operation>,
}

/// One operation of the document.
#[derive(Debug)]
pub struct Operation {
    /// Its name (none for an anonymous operation).
    pub name: Option<Name>,
    /// Query, mutation or subscription.
    pub ty: OperationType,
    /// What it selects on its root type.
    pub selection: Selection,
    /// The most directives one field, fragment or spread of it carries (skipped ones
    /// included: they are read before they are skipped).
    pub max_directives: usize,
}

/// The fields a selection set selects, fragments spread, in document order (a response
/// key selected twice appears twice: the executor merges them).
#[derive(Debug, Default)]
pub struct Selection {
    /// The fields.
    pub fields: Vec<Field>,
}

/// One selected field.
#[derive(Debug)]
pub struct Field {
    /// Its response key (its alias, else its name).
    pub key: Name,
    /// Its name in the schema.
    pub name: Name,
    /// Whether it is aliased.
    pub aliased: bool,
    /// The type conditions of the fragments it was selected through (innermost last).
    pub conditions: Vec<Name>,
    /// The named type of its value (`None` for `__typename` or a field the schema lacks:
    /// validation reports that).
    pub ty: Option<String>,
    /// Its arguments, variables substituted (`null` for a variable neither sent nor
    /// defaulted).
    pub args: Vec<(Name, Value)>,
    /// Whether it, or a fragment it was selected through, carries a directive other than
    /// `@skip`/`@include`.
    pub directed: bool,
    /// What it selects on its value.
    pub selection: Selection,
}

impl View {
    /// The view of every operation of `doc` under `variables`, the fields typed by
    /// `registry`. The document must have passed `shape::check_fragments` (no cycle, a
    /// bounded expansion).
    pub fn new(doc: &ExecutableDocument, registry: &Registry, variables: &Variables) -> View {
        let operations = doc
            .operations
            .iter()
            .map(|(name, op)| {
                let op = &op.node;
                let mut b = Builder {
                    doc,
                    registry,
                    variables,
                    op,
                    max_directives: 0,
                    fragments: Vec::new(),
                };
                let root = match op.ty {
                    OperationType::Query => Some(registry.query_type.as_str()),
                    OperationType::Mutation => registry.mutation_type.as_deref(),
                    OperationType::Subscription => registry.subscription_type.as_deref(),
                };
                let mut selection = Selection::default();
                b.collect(
                    &op.selection_set.node,
                    root,
                    &mut Vec::new(),
                    false,
                    &mut selection,
                );
                Operation {
                    name: name.cloned(),
                    ty: op.ty,
                    selection,
                    max_directives: b.max_directives,
                }
            })
            .collect();
        View { operations }
    }

    /// Every operation.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation a request runs: the named one, or the only one; `None` when that is
    /// ambiguous or unknown (validation reports it).
    pub fn operation(&self, name: Option<&str>) -> Option<&Operation> {
        match name {
            Some(name) => self
                .operations
                .iter()
                .find(|op| op.name.as_ref().map(Name::as_str) == Some(name)),
            None if self.operations.len() == 1 => self.operations.first(),
            None => None,
        }
    }
}

impl Selection {
    /// The fields whose response key is `key`.
    pub fn by_key<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s Field> + 's {
        self.fields.iter().filter(move |f| f.key.as_str() == key)
    }

    /// Whether any field (of any type condition) is named `name`.
    pub fn selects(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name.as_str() == name)
    }
}

impl Field {
    /// The argument `name`, if given.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, v)| v)
    }

    /// Whether it selects nothing (a leaf).
    pub fn is_leaf(&self) -> bool {
        self.selection.fields.is_empty()
    }
}

/// The view of the request being executed, for the resolvers that read it (the planner),
/// put in the request's data before execution.
pub struct Current {
    operation: Option<String>,
    view: Arc<View>,
}

impl Current {
    /// The view, and the name of the operation that runs.
    pub fn new(operation: Option<String>, view: Arc<View>) -> Self {
        Current { operation, view }
    }

    /// The running operation's top-level selection.
    pub fn root(&self) -> Option<&Selection> {
        self.view
            .operation(self.operation.as_deref())
            .map(|op| &op.selection)
    }
}

struct Builder<'a> {
    doc: &'a ExecutableDocument,
    registry: &'a Registry,
    variables: &'a Variables,
    op: &'a OperationDefinition,
    max_directives: usize,
    /// The fragments being spread (a cycle was refused before; this only stops).
    fragments: Vec<&'a str>,
}

impl<'a> Builder<'a> {
    /// Appends the fields of `set`, on a value of type `parent`, to `out`.
    fn collect(
        &mut self,
        set: &'a SelectionSet,
        parent: Option<&'a str>,
        conditions: &mut Vec<Name>,
        directed: bool,
        out: &mut Selection,
    ) {
        for item in &set.items {
            match &item.node {
                DocSelection::Field(field) => {
                    let field = &field.node;
                    if !self.included(&field.directives) {
                        continue;
                    }
                    let ty = parent
                        .and_then(|p| self.registry.types.get(p))
                        .and_then(|t| t.field_by_name(&field.name.node))
                        .map(|f| MetaTypeName::concrete_typename(&f.ty));
                    let directed = directed || custom(&field.directives);
                    let mut selection = Selection::default();
                    self.collect(
                        &field.selection_set.node,
                        ty,
                        &mut Vec::new(),
                        false,
                        &mut selection,
                    );
                    out.fields.push(Field {
                        key: field.response_key().node.clone(),
                        name: field.name.node.clone(),
                        aliased: field.alias.is_some(),
                        conditions: conditions.clone(),
                        ty: ty.map(str::to_owned),
                        args: field
                            .arguments
                            .iter()
                            .map(|(n, v)| (n.node.clone(), self.value(&v.node)))
                            .collect(),
                        directed,
                        selection,
                    });
                }
                DocSelection::InlineFragment(f) => {
                    let f = &f.node;
                    if !self.included(&f.directives) {
                        continue;
                    }
                    let on = f.type_condition.as_ref().map(|t| &t.node.on.node);
                    let pushed = on.inspect(|on| conditions.push((*on).clone())).is_some();
                    self.collect(
                        &f.selection_set.node,
                        on.map(Name::as_str).or(parent),
                        conditions,
                        directed || custom(&f.directives),
                        out,
                    );
                    if pushed {
                        conditions.pop();
                    }
                }
                DocSelection::FragmentSpread(s) => {
                    let s = &s.node;
                    if !self.included(&s.directives) {
                        continue;
                    }
                    let name = s.fragment_name.node.as_str();
                    let Some(def) = self.doc.fragments.get(name) else {
                        continue;
                    };
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    let def = &def.node;
                    self.max_directives = self.max_directives.max(def.directives.len());
                    let on = &def.type_condition.node.on.node;
                    conditions.push(on.clone());
                    self.fragments.push(name);
                    self.collect(
                        &def.selection_set.node,
                        Some(on.as_str()),
                        conditions,
                        directed || custom(&s.directives) || custom(&def.directives),
                        out,
                    );
                    self.fragments.pop();
                    conditions.pop();
                }
            }
        }
    }

    /// Whether a selection with these directives runs, exactly as async-graphql 7 decides
    /// before it executes: `@skip(if:)` leaves it out when the condition is `true`,
    /// `@include(if:)` unless it is `true`; a condition is read from the variables sent
    /// only (a variable's default, or anything but a boolean, reads as `false`).
    fn included(&mut self, directives: &[Positioned<Directive>]) -> bool {
        self.max_directives = self.max_directives.max(directives.len());
        directives.iter().all(|d| {
            let include = match d.node.name.node.as_str() {
                "skip" => false,
                "include" => true,
                _ => return true,
            };
            let Some(condition) = d.node.get_argument("if") else {
                return true;
            };
            let value = condition
                .node
                .clone()
                .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                .unwrap_or_default();
            include == matches!(value, Value::Boolean(true))
        })
    }

    /// A value with variables substituted: the request's, else the operation's default,
    /// else `null`.
    fn value(&self, v: &async_graphql_value::Value) -> Value {
        v.clone()
            .into_const_with(|var| {
                Ok::<_, std::convert::Infallible>(self.variables.get(&var).cloned().unwrap_or_else(
                    || {
                        self.op
                            .variable_definitions
                            .iter()
                            .find(|d| d.node.name.node == var)
                            .and_then(|d| d.node.default_value.as_ref())
                            .map_or(Value::Null, |v| v.node.clone())
                    },
                ))
            })
            .unwrap_or(Value::Null)
    }
}

/// Whether directives other than `@skip`/`@include` are among these.
fn custom(directives: &[Positioned<Directive>]) -> bool {
    directives
        .iter()
        .any(|d| !matches!(d.node.name.node.as_str(), "skip" | "include"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        crate::schema::request::registry()
    }

    fn view(text: &str, variables: serde_json::Value) -> View {
        let doc = async_graphql::parser::parse_query(text).unwrap_or_else(|e| panic!("{e}"));
        View::new(&doc, &registry(), &Variables::from_json(variables))
    }

    fn keys(sel: &Selection) -> Vec<&str> {
        sel.fields.iter().map(|f| f.key.as_str()).collect()
    }

    #[test]
    fn fragments_are_spread_in_place_with_their_conditions() {
        let v = view(
            "query Q { models { nodes { id ...M ... on Model { name } } } }
             fragment M on Node { id2: id }",
            serde_json::json!({}),
        );
        let op = v.operation(None).unwrap_or_else(|| panic!("one operation"));
        let nodes = &op.selection.fields[0].selection.fields[0];
        assert_eq!(
            op.selection.fields[0].ty.as_deref(),
            Some("ModelConnection")
        );
        assert_eq!(nodes.ty.as_deref(), Some("Model"));
        assert_eq!(keys(&nodes.selection), ["id", "id2", "name"]);
        let conds: Vec<Vec<&str>> = nodes
            .selection
            .fields
            .iter()
            .map(|f| f.conditions.iter().map(Name::as_str).collect())
            .collect();
        assert_eq!(conds, [vec![], vec!["Node"], vec!["Model"]]);
    }

    #[test]
    fn skip_and_include_are_evaluated_as_the_executor_does() {
        let text = "query Q($a: Boolean!, $b: Boolean! = true, $n: Int = 7) {
            models(first: $n) { totalCount @skip(if: $a) nodes @include(if: $b) { id } }
            apiVersion @deprecatedThing
        }";
        let v = view(text, serde_json::json!({"a": true, "b": true}));
        let op = v.operation(Some("Q")).unwrap_or_else(|| panic!("Q"));
        let models = &op.selection.fields[0];
        assert_eq!(keys(&models.selection), ["nodes"]);
        // An argument's variable falls back to its default.
        assert_eq!(models.arg("first"), Some(&Value::from(7)));
        assert!(!models.directed);
        assert!(op.selection.fields[1].directed);
        let v = view(text, serde_json::json!({"a": false, "b": false, "n": 3}));
        let op = v.operation(None).unwrap_or_else(|| panic!("the only one"));
        let models = &op.selection.fields[0];
        assert_eq!(keys(&models.selection), ["totalCount"]);
        assert_eq!(models.arg("first"), Some(&Value::from(3)));
        // A condition's variable does not (async-graphql 7 reads it from the variables
        // sent only): `$b` unsent is `false`.
        let v = view(text, serde_json::json!({"a": false}));
        let op = v.operation(None).unwrap_or_else(|| panic!("the only one"));
        assert_eq!(keys(&op.selection.fields[0].selection), ["totalCount"]);
    }

    #[test]
    fn an_ambiguous_operation_is_none() {
        let v = view(
            "query A { apiVersion } query B { apiVersion }",
            serde_json::json!({}),
        );
        assert!(v.operation(None).is_none());
        assert_eq!(v.operations().len(), 2);
        assert!(v.operation(Some("B")).is_some());
        assert!(v.operation(Some("C")).is_none());
    }
}
