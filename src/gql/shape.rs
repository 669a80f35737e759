//! What a query document asks for, read before and after it runs: its cost (depth and
//! complexity, from the configured limits) and the order of its fields.
//!
//! async-graphql's own complexity rule is per field and only for fields of object types:
//! a field selected through an interface (`node(id:) { upstream { ... } }`) costs 1, and
//! the cost functions cannot see the configured page sizes. Here one rule covers every
//! field, whatever its parent: a connection costs its page size (`first`/`last`, else the
//! configured default, capped at the configured maximum) times its selection, a lineage
//! graph its lineage page, an aggregate its groups (`first`, 100 by default), anything
//! else 1 plus its selection.
//!
//! async-graphql 7 also returns an object's fields in the order their resolvers finish
//! (a `FuturesUnordered`), not in the order selected; [`order_like_selection`] puts them
//! back, as the GraphQL spec's `CollectFields` orders them.

use std::collections::HashMap;

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection as DocSelection, SelectionSet};

use super::operation::{Field, Operation, Selection, View};
use crate::config::Limits;

/// Depth, complexity and breadth of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    /// Deepest nesting of fields (a top-level field is 1).
    pub depth: usize,
    /// Sum of the field costs.
    pub complexity: usize,
    /// Aliased fields (fragments counted where they are spread).
    pub aliases: usize,
    /// Top-level fields.
    pub root_fields: usize,
    /// Most directives on one field or fragment.
    pub max_directives: usize,
}

impl Cost {
    /// Sibling selections: costs add up, depths and directive counts do not.
    fn add(&mut self, c: Cost) {
        self.depth = self.depth.max(c.depth);
        self.complexity = self.complexity.saturating_add(c.complexity);
        self.aliases = self.aliases.saturating_add(c.aliases);
        self.root_fields = self.root_fields.saturating_add(c.root_fields);
        self.max_directives = self.max_directives.max(c.max_directives);
    }

    /// The larger of two operations', measure by measure.
    fn max(self, c: Cost) -> Cost {
        Cost {
            depth: self.depth.max(c.depth),
            complexity: self.complexity.max(c.complexity),
            aliases: self.aliases.max(c.aliases),
            root_fields: self.root_fields.max(c.root_fields),
            max_directives: self.max_directives.max(c.max_directives),
        }
    }
}

/// What one pass over a document's text finds, before anything parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lexical {
    /// Lexical tokens: names, numbers, strings and punctuators (whitespace, commas and
    /// comments are not tokens).
    pub tokens: usize,
    /// The deepest nesting of brackets inside arguments and default values: how deep a
    /// value literal goes (`f(a: [[1]])` is 3). Every parser, validator and coercer of
    /// values recurses once per level, so this is bounded before any of them runs.
    pub value_depth: usize,
}

/// Scans a GraphQL document without parsing it, so that a huge or deeply nested document
/// is refused before the parser (which recurses on value literals without a bound)
/// spends stack or time on it. Strings, block strings and comments are skipped, so a
/// bracket inside them does not count.
pub fn scan(query: &str) -> Lexical {
    let bytes = query.as_bytes();
    let (mut i, mut n) = (0, 0);
    // Open brackets of any kind, and how many were open when the outermost `(` opened:
    // values only ever appear inside parentheses (arguments, variable definitions with
    // their defaults, directive arguments), selection sets never do.
    let (mut open, mut args_from, mut value_depth) = (0usize, None::<usize>, 0usize);
    let word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'+');
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                n += 1;
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                n += 1;
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                n += 1;
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                n += 1;
                while i < bytes.len() && word(bytes[i]) {
                    i += 1;
                }
            }
            b => {
                match b {
                    b'(' | b'[' | b'{' => {
                        if b == b'(' && args_from.is_none() {
                            args_from = Some(open);
                        }
                        open += 1;
                        if let Some(base) = args_from {
                            value_depth = value_depth.max(open - base);
                        }
                    }
                    b')' | b']' | b'}' => {
                        open = open.saturating_sub(1);
                        if args_from.is_some_and(|base| open <= base) {
                            args_from = None;
                        }
                    }
                    _ => {}
                }
                n += 1;
                i += 1;
            }
        }
    }
    Lexical {
        tokens: n,
        value_depth,
    }
}

/// How deep a value goes (a scalar is 0, `[1]` is 1), counted only as far as `limit + 1`:
/// the variables of a request are bounded like the literals of its document.
pub fn value_depth(value: &Value, limit: usize) -> usize {
    fn walk(v: &Value, depth: usize, limit: usize) -> usize {
        if depth > limit {
            return depth;
        }
        match v {
            Value::List(items) => items
                .iter()
                .map(|i| walk(i, depth + 1, limit))
                .max()
                .unwrap_or(depth + 1),
            Value::Object(map) => map
                .values()
                .map(|i| walk(i, depth + 1, limit))
                .max()
                .unwrap_or(depth + 1),
            _ => depth,
        }
    }
    walk(value, 0, limit)
}

/// Why a document's fragments are refused before anything expands them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FragmentRefusal {
    /// A fragment spreads itself, directly or through others (`NoFragmentCycles`).
    Cycle(String),
    /// Expanding every spread would select more than the bound.
    TooLarge(u64),
    /// Selection sets, fragments included, nest deeper than the bound.
    TooDeep(usize),
}

/// Bounds what expanding a document's fragments would produce, in time linear in the
/// document: each fragment's expanded size and depth is computed once (memoised), so
/// `fragment F1 { ...F2 ...F2 } fragment F2 { ...F3 ...F3 } ...` costs one visit per
/// fragment here, where every walker that expands spreads (async-graphql's validation
/// visitors, [`measure`], the planner) would visit 2^n. Checked before any of them runs.
///
/// Size counts every selection as expanded; depth counts selection sets entered (a field's,
/// an inline fragment's, a spread fragment's), as async-graphql's recursion check does.
pub fn check_fragments(
    doc: &ExecutableDocument,
    max_selections: u64,
    max_depth: usize,
) -> Result<(), FragmentRefusal> {
    #[derive(Clone, Copy)]
    enum Memo {
        InProgress,
        Done(u64, usize),
    }
    struct Walk<'a> {
        doc: &'a ExecutableDocument,
        memo: HashMap<&'a str, Memo>,
    }
    impl<'a> Walk<'a> {
        /// (selections, depth) of a selection set, its own level included in depth.
        fn set(&mut self, set: &'a SelectionSet) -> Result<(u64, usize), FragmentRefusal> {
            let (mut size, mut depth) = (0u64, 1usize);
            for item in &set.items {
                let (s, d) = match &item.node {
                    DocSelection::Field(f) => {
                        let inner = &f.node.selection_set.node;
                        if inner.items.is_empty() {
                            (1, 0)
                        } else {
                            let (s, d) = self.set(inner)?;
                            (s.saturating_add(1), d)
                        }
                    }
                    DocSelection::InlineFragment(f) => self.set(&f.node.selection_set.node)?,
                    DocSelection::FragmentSpread(s) => {
                        let (s, d) = self.fragment(s.node.fragment_name.node.as_str())?;
                        (s.saturating_add(1), d)
                    }
                };
                size = size.saturating_add(s);
                depth = depth.max(d.saturating_add(1));
            }
            Ok((size, depth))
        }

        fn fragment(&mut self, name: &'a str) -> Result<(u64, usize), FragmentRefusal> {
            match self.memo.get(name) {
                Some(Memo::Done(s, d)) => return Ok((*s, *d)),
                Some(Memo::InProgress) => return Err(FragmentRefusal::Cycle(name.to_owned())),
                None => {}
            }
            // An unknown fragment is validation's to report: it expands to nothing here.
            let Some(def) = self.doc.fragments.get(name) else {
                return Ok((0, 0));
            };
            self.memo.insert(name, Memo::InProgress);
            let done = self.set(&def.node.selection_set.node)?;
            self.memo.insert(name, Memo::Done(done.0, done.1));
            Ok(done)
        }
    }
    let mut walk = Walk {
        doc,
        memo: HashMap::new(),
    };
    // Every fragment, spread or not: validation walks unused ones too.
    for name in doc.fragments.keys() {
        walk.fragment(name.as_str())?;
    }
    let within = |size: u64, depth: usize| {
        if size > max_selections {
            Err(FragmentRefusal::TooLarge(size))
        } else if depth > max_depth {
            Err(FragmentRefusal::TooDeep(depth))
        } else {
            Ok(())
        }
    };
    for (_, op) in doc.operations.iter() {
        let (size, depth) = walk.set(&op.node.selection_set.node)?;
        // The operation's own selection set is level 0 in async-graphql's count.
        within(size, depth.saturating_sub(1))?;
    }
    for memo in walk.memo.values() {
        if let Memo::Done(size, depth) = *memo {
            within(size, depth)?;
        }
    }
    Ok(())
}

/// The cost of the operation `name` of `view` (every operation's maximum when it is
/// ambiguous).
pub fn measure(view: &View, name: Option<&str>, limits: &Limits) -> Cost {
    let measure_op = |op: &Operation| {
        let mut cost = CostWalker { limits }.selection(&op.selection, 1);
        // Counted where the view was built (fragments' directives too).
        cost.max_directives = op.max_directives;
        cost
    };
    match view.operation(name) {
        Some(op) => measure_op(op),
        None => view
            .operations()
            .iter()
            .map(measure_op)
            .fold(Cost::default(), Cost::max),
    }
}

struct CostWalker<'a> {
    limits: &'a Limits,
}

impl CostWalker<'_> {
    fn selection(&self, set: &Selection, depth: usize) -> Cost {
        let mut cost = Cost::default();
        for field in &set.fields {
            cost.add(self.field(field, depth));
            // Fragments spread at the top keep depth 1: their fields count too.
            cost.root_fields += usize::from(depth == 1);
        }
        cost
    }

    fn field(&self, field: &Field, depth: usize) -> Cost {
        let inner = self.selection(&field.selection, depth + 1);
        let per_item = inner.complexity;
        let ty = field.ty.as_deref();
        let size = if ty == Some("MetricHistory") {
            Some(self.history_size(field))
        } else {
            ty.and_then(|t| self.page_size(field, t))
        };
        let complexity = match size {
            Some(n) => n.saturating_mul(per_item).saturating_add(1),
            None => per_item.saturating_add(1),
        };
        Cost {
            depth: inner.depth.max(depth),
            complexity,
            aliases: inner.aliases + usize::from(field.aliased),
            root_fields: 0,
            max_directives: 0,
        }
    }

    /// How many items a field of type `ty` may return: its page, for paged types.
    fn page_size(&self, field: &Field, ty: &str) -> Option<usize> {
        let asked = int_argument(field, "first").or_else(|| int_argument(field, "last"));
        let (default, max) = if ty.ends_with("Connection") {
            (self.limits.default_page_size, self.limits.max_page_size)
        } else if ty == "LineageGraph" {
            (
                u64::from(self.limits.default_lineage_page),
                u64::from(self.limits.max_lineage_page),
            )
        } else if ty == "AggregateGroup" {
            (100, crate::gql::aggregate::MAX_GROUPS as u64)
        } else if let Some(ids) = list_argument_len(field, "ids") {
            return Some(ids.max(1));
        } else {
            return None;
        };
        let n = asked.map_or(default, |n| n.clamp(1, max as i64) as u64);
        Some(n.clamp(1, max) as usize)
    }

    /// How many points a run's `metricHistory` may return: its keys (those named, else
    /// the default number) × `maxPoints`.
    fn history_size(&self, field: &Field) -> usize {
        use metric_history::{DEFAULT_KEYS, DEFAULT_POINTS, MAX_KEYS, MAX_POINTS};
        let keys = list_argument_len(field, "keys").map_or(DEFAULT_KEYS, |n| n.clamp(1, MAX_KEYS));
        let points = int_argument(field, "maxPoints").map_or(i64::from(DEFAULT_POINTS), |n| {
            n.clamp(i64::from(MAX_POINTS.0), i64::from(MAX_POINTS.1))
        });
        keys.saturating_mul(usize::try_from(points).unwrap_or_default())
    }
}

/// The bounds of a run's `metricHistory` (the `runs` domain answers it within them; the
/// cost of a document counts its points by them).
pub mod metric_history {
    /// The fewest and most points a series may be sampled to.
    pub const MAX_POINTS: (i32, i32) = (3, 2_500);
    /// Points per metric when `maxPoints` is not given.
    pub const DEFAULT_POINTS: i32 = 320;
    /// Metrics answered per run when `keys` names none: the first ones in key order.
    pub const DEFAULT_KEYS: usize = 10;
    /// The most metrics `keys` may name.
    pub const MAX_KEYS: usize = 100;
}

fn int_argument(field: &Field, name: &str) -> Option<i64> {
    match field.arg(name)? {
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn list_argument_len(field: &Field, name: &str) -> Option<usize> {
    match field.arg(name)? {
        Value::List(items) => Some(items.len()),
        _ => None,
    }
}

/// Reorders the objects of `data` (the response to the operation `name` of `view`) so
/// that their fields come in the order selected. Fragments count wherever they are spread
/// (their type conditions are not evaluated: only the order of keys an object has is
/// changed, never which keys it has).
pub fn order_like_selection(data: &mut Value, view: &View, name: Option<&str>) {
    let Some(op) = view.operation(name) else {
        return;
    };
    reorder(data, &FieldOrder::of(&[&op.selection]));
}

/// The response keys of one object in the order selected, each with the selections merged
/// under it and, once a value needs it, their own order (read once for a list of 1,000
/// objects).
struct FieldOrder<'a> {
    fields: Vec<Slot<'a>>,
}

struct Slot<'a> {
    key: &'a str,
    sets: Vec<&'a Selection>,
    order: std::cell::OnceCell<FieldOrder<'a>>,
}

impl<'a> FieldOrder<'a> {
    fn of(sets: &[&'a Selection]) -> Self {
        let mut fields: Vec<Slot<'a>> = Vec::new();
        for set in sets {
            for field in &set.fields {
                let key = field.key.as_str();
                match fields.iter_mut().find(|s| s.key == key) {
                    Some(slot) => slot.sets.push(&field.selection),
                    None => fields.push(Slot {
                        key,
                        sets: vec![&field.selection],
                        order: std::cell::OnceCell::new(),
                    }),
                }
            }
        }
        FieldOrder { fields }
    }

    /// Where `key` was selected (last when it was not). A planned value's keys are the
    /// view's own (the same text in memory), so most comparisons are one pointer's.
    fn position(&self, key: &str) -> usize {
        self.fields
            .iter()
            .position(|s| std::ptr::eq(s.key, key) || s.key == key)
            .unwrap_or(usize::MAX)
    }
}

/// Orders `value`, selected as `order` says, and every object under it.
fn reorder(value: &mut Value, order: &FieldOrder<'_>) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder(item, order);
            }
        }
        Value::Object(map) => {
            if !map.keys().map(|k| order.position(k)).is_sorted() {
                map.sort_by_cached_key(|k, _| order.position(k));
            }
            for (key, sub) in map.iter_mut() {
                if !matches!(sub, Value::List(_) | Value::Object(_)) {
                    continue;
                }
                if let Some(slot) = order.fields.get(order.position(key))
                    && slot.sets.iter().any(|s| !s.fields.is_empty())
                {
                    reorder(sub, slot.order.get_or_init(|| FieldOrder::of(&slot.sets)));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_depth_counts_brackets_inside_arguments_only() {
        assert_eq!(scan("{ a { b { c } } }").value_depth, 0);
        assert_eq!(scan("{ a(x: 1) }").value_depth, 1);
        assert_eq!(scan("{ a(x: [[1]]) { b(y: {z: [2]}) } }").value_depth, 3);
        assert_eq!(scan("query($v: [Int] = [[1]]) { a }").value_depth, 3);
        assert_eq!(scan("{ a @include(if: true) }").value_depth, 1);
        // Brackets in strings, block strings and comments do not count.
        assert_eq!(scan("{ a(x: \"[[[[\") } # ((((").value_depth, 1);
        assert_eq!(scan("{ a(x: \"\"\"[[[\"\"\") }").value_depth, 1);
        assert_eq!(scan("{ a(x: \"\\\"[[\") }").value_depth, 1);
        let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(scan(&deep).value_depth, 5001);
        // Unbalanced text is counted, never trusted.
        assert_eq!(scan("{ a(x: ]]]] [[ ").value_depth, 1);
    }

    #[test]
    fn variables_are_measured_only_as_deep_as_the_bound() {
        let mut v = Value::Number(1.into());
        for _ in 0..100 {
            v = Value::List(vec![v]);
        }
        assert_eq!(value_depth(&v, 200), 100);
        assert!(value_depth(&v, 10) > 10);
        assert_eq!(value_depth(&Value::Null, 10), 0);
    }

    fn doc(text: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn fragments_are_bounded_without_expanding_them() {
        let mut fan = String::from("query { ...F0 }\n");
        for i in 0..60 {
            fan.push_str(&format!(
                "fragment F{i} on Q {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        fan.push_str("fragment F60 on Q { a }\n");
        // 2^60 expansions: answered at once, as a saturated count.
        assert!(matches!(
            check_fragments(&doc(&fan), 20_000, 32),
            Err(FragmentRefusal::TooLarge(_))
        ));
        let cycle = doc("query { ...A } fragment A on Q { ...B } fragment B on Q { x ...A }");
        assert!(matches!(
            check_fragments(&cycle, 20_000, 32),
            Err(FragmentRefusal::Cycle(_))
        ));
        // Depth counts selection sets through spreads, as async-graphql's check does.
        let mut chain = String::from("query { ...F0 }\n");
        for i in 0..40 {
            chain.push_str(&format!("fragment F{i} on Q {{ ...F{} }}\n", i + 1));
        }
        chain.push_str("fragment F40 on Q { a }\n");
        assert!(matches!(
            check_fragments(&doc(&chain), 20_000, 32),
            Err(FragmentRefusal::TooDeep(_))
        ));
        assert_eq!(check_fragments(&doc(&chain), 20_000, 64), Ok(()));
        // Sizes add up exactly: 2 spreads of a 3-field fragment, plus the spreads.
        let small = doc("{ ...A ...A } fragment A on Q { a b c }");
        assert_eq!(check_fragments(&small, 8, 32), Ok(()));
        assert_eq!(
            check_fragments(&small, 7, 32),
            Err(FragmentRefusal::TooLarge(8))
        );
    }
}
